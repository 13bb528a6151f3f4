import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vectorstore.text import chunk_spans, sentence_spans

pytestmark = pytest.mark.unit


def words(text: str) -> int:
    return len(text.split())


def test_sentences_are_exact_spans_and_lines_end_sentences():
    text = "A headline without a stop\n\nThe minister said on Monday that 12 people died. Mr. Smith disagreed.\nCaption"
    spans = sentence_spans(text)
    got = [text[s:e] for s, e in spans]
    assert got == [
        "A headline without a stop",
        "The minister said on Monday that 12 people died.",
        "Mr. Smith disagreed.",
        "Caption",
    ]


def test_chunks_hold_whole_sentences_within_size_and_overlap():
    text = " ".join(f"Sentence number {i} has five words." for i in range(40))
    chunks = chunk_spans(text, size=30, overlap=10, count_tokens=words)
    assert len(chunks) > 3
    for c in chunks:
        assert words(text[c.start : c.end]) <= 30
        assert text[c.start : c.end].endswith(".")
    # neighbours share trailing sentences, and the chunks cover the text
    assert chunks[1].start < chunks[0].end
    assert chunks[0].start == 0 and chunks[-1].end == len(text)


def test_a_sentence_longer_than_the_size_is_its_own_chunk():
    text = "Short one here. " + "word " * 50 + "end. Another short one."
    chunks = chunk_spans(text, size=10, overlap=2, count_tokens=words)
    assert any(words(text[c.start : c.end]) > 10 for c in chunks)


def test_overlap_must_be_smaller_than_size():
    with pytest.raises(ValueError):
        chunk_spans("A. B.", size=10, overlap=10, count_tokens=words)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("abc XYZ.,!?\n\"“”'"), min_size=0, max_size=40), min_size=0, max_size=12
    ),
    st.integers(min_value=4, max_value=40),
)
def test_every_chunk_and_sentence_is_an_exact_slice(parts, size):
    text = " ".join(parts)
    for s, e in sentence_spans(text):
        assert 0 <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
    for c in chunk_spans(text, size=size, overlap=size // 4, count_tokens=words):
        assert 0 <= c.start < c.end <= len(text)
        assert c.start == c.sentences[0][0] and c.end == c.sentences[-1][1]
