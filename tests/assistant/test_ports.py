"""Contracts of the core's ports (``assistant.ports``), each run by its real implementations and its fake.

The ``Reader`` contract is in test_reader.py, ``Embedder``'s in
tests/vectorstore/test_embedders.py and ``Store``'s in
tests/vectorstore/test_index.py; the rest are here.  A fake that drifts from
its port (a method renamed, a result of another shape) fails the same tests
as a broken implementation would.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import numpy as np
import pytest

from assistant import (
    AnswerContext,
    Answerer,
    Draft,
    DraftCitation,
    ExtractiveAnswerer,
    Filters,
    Lexicon,
    LLMBackend,
    Passage,
    Retriever,
    Step,
    TextGenerator,
    load_settings,
)
from assistant.answerers.drafts import REFUSAL, drain
from assistant.answerers.generative import LLMAnswerer
from assistant.context.retrieval import IndexRetriever
from assistant.reading.llm import ChatTurn, LLMFailure, backend_from_settings
from tests.conftest import HashEmbedder, WordLexicon
from vectorstore.index import NewsIndex
from vectorstore.loading import LoadedArticle
from vectorstore.memory import MemoryStore


# -- fakes --------------------------------------------------------------------------
class FakeRetriever:
    """Retrieves from a fixed list of (outlet, passage), in order, by shared words."""

    def __init__(self, passages: list[tuple[str, Passage]]):
        self._passages = passages

    def retrieve(self, query: str, *, top_k: int, filters: Filters | None = None) -> list[Passage]:
        words = set(re.findall(r"\w+", query.lower()))
        hits = [
            p for outlet, p in self._passages
            if (filters is None or filters.outlet in (None, outlet)) and words & set(re.findall(r"\w+", p.text.lower()))
        ]  # fmt: skip
        return hits[:top_k]


class FakeAnswerer:
    """Quotes the first sentence of the first passage; refuses when there is none."""

    name = "fake"

    def warm_up(self) -> None:
        pass

    def answer(self, context: AnswerContext) -> Draft:
        return drain(self.answer_stream(context))

    def answer_stream(self, context: AnswerContext) -> Iterator[Step | Draft]:
        yield Step("read", "Reading…", len(context.passages))
        if not context.passages:
            yield Draft(REFUSAL, (), True)
            return
        first = context.passages[0]
        end = first.start + (first.text.find(".") + 1 or len(first.text))
        yield Draft("Quoted [1].", (DraftCitation(first.article_id, first.start, end, first, 1.0),), False)

    def rerank(self, context: AnswerContext, top_k: int) -> list[Passage]:
        return list(context.passages)[:top_k]


class FakeLLM:
    """An LLM backend that streams the pieces it is given."""

    description = "a scripted LLM"
    context_window = 2048
    max_tokens = 64

    def __init__(self, *pieces: str, fail: bool = False):
        self._pieces = pieces or ("Hello", " there.")
        self._fail = fail

    def warm_up(self) -> None:
        pass

    def stream(self, messages) -> Iterator[str]:
        if self._fail:
            raise LLMFailure("down")
        yield from self._pieces


class FakeWriter:
    """Writes the user's text back in capitals."""

    def generate(self, prompt: str, user: str, *, max_tokens: int = 48) -> str:
        return user.upper()[: max_tokens * 4]


# -- a small context every answerer can read ------------------------------------------
FERRY = "Divers rescued 212 passengers from the ferry on Sunday. The ferry capsized near the harbour mouth."
CAFES = "Harbour cafes stayed open through the weekend. Visitors came from the city by train."
QUESTION = "How many passengers did divers rescue from the ferry?"


def _vec(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def ferry_context() -> AnswerContext:
    texts = {"ferry": FERRY, "cafes": CAFES}
    vectors = {"ferry": [_vec(1, 0.1, 0), _vec(0.6, 0.8, 0)], "cafes": [_vec(0, 1, 0), _vec(0, 0.2, 1)]}
    sentences = {}
    for aid, text in texts.items():
        cut = text.index(". ") + 1
        sentences[aid] = [(0, cut, vectors[aid][0]), (cut + 1, len(text), vectors[aid][1])]
    passages = [Passage(f"{aid}:0-{len(t)}", aid, 0, len(t), t, 1.0) for aid, t in texts.items()]
    return AnswerContext(
        question=QUESTION, passages=passages, query_vector=_vec(1, 0, 0), sentences=sentences, texts=texts,
        lexicon=WordLexicon(texts.values(), stop=()), outlets={"ferry": "Coast Post", "cafes": "Bay Times"},
        published={"ferry": "2024-03-01", "cafes": "2024-03-02"}, pool=passages,
    )  # fmt: skip


@pytest.mark.unit
def test_the_fake_lexicon_is_a_lexicon():
    assert isinstance(WordLexicon(), Lexicon) and WordLexicon(["Divers rescued"]).knows("divers")


# -- Answerer -----------------------------------------------------------------------
class AnswererContract:
    """What every Answerer does; subclasses give the ``answerer`` fixture."""

    def test_it_is_an_answerer(self, answerer):
        assert isinstance(answerer, Answerer)
        assert answerer.name and isinstance(answerer.name, str)
        answerer.warm_up()

    def test_the_stream_ends_with_the_draft_answer_returns(self, answerer):
        events = list(answerer.answer_stream(ferry_context()))
        assert isinstance(events[-1], Draft)
        assert not any(isinstance(e, Draft) for e in events[:-1])
        again = answerer.answer(ferry_context())
        assert (again.text, again.refused, again.citations) == (events[-1].text, events[-1].refused, events[-1].citations)

    def test_every_citation_points_into_an_article_of_the_context_and_is_marked(self, answerer):
        context = ferry_context()
        draft = answerer.answer(context)
        for n, cited in enumerate(draft.citations, start=1):
            assert 0 <= cited.start < cited.end <= len(context.texts[cited.article_id])
            assert f"[{n}]" in draft.text

    def test_it_answers_from_the_article_that_states_it(self, answerer):
        draft = answerer.answer(ferry_context())
        assert not draft.refused and {c.article_id for c in draft.citations} == {"ferry"}

    def test_no_passages_is_a_refusal_citing_nothing(self, answerer):
        from dataclasses import replace

        draft = answerer.answer(replace(ferry_context(), passages=[], pool=[]))
        assert draft.refused and draft.citations == ()

    def test_rerank_keeps_top_k_of_the_passages_given(self, answerer):
        context = ferry_context()
        ranked = answerer.rerank(context, 1)
        assert len(ranked) == 1 and ranked[0].chunk_id in {p.chunk_id for p in context.passages}


@pytest.mark.unit
class TestFakeAnswerer(AnswererContract):
    @pytest.fixture
    def answerer(self):
        return FakeAnswerer()


@pytest.mark.unit
class TestExtractiveAnswerer(AnswererContract):
    @pytest.fixture
    def answerer(self):
        return ExtractiveAnswerer(min_score=0.2)


@pytest.mark.unit
class TestExtractiveAnswererWithAReader(AnswererContract):
    @pytest.fixture
    def answerer(self, fake_reader):
        return ExtractiveAnswerer(min_score=0.2, reader=fake_reader(lambda q, text: 0.9 if "212" in text else 0.1))


@pytest.mark.unit
class TestLLMAnswererOverAFakeLLM(AnswererContract):
    @pytest.fixture
    def answerer(self):
        def embed(texts):
            return np.stack([_vec(1, 0.1, 0) if "212" in t else _vec(0, 1, 0) for t in texts])

        return LLMAnswerer(FakeLLM("Divers rescued 212 passengers from the ferry [1]."), ExtractiveAnswerer(min_score=0.2), embed)


# -- LLM backend --------------------------------------------------------------------
class LLMBackendContract:
    def test_it_is_a_backend_that_streams_text(self, backend):
        assert isinstance(backend, LLMBackend)
        assert backend.description and backend.context_window > 0 and backend.max_tokens > 0
        backend.warm_up()
        pieces = list(backend.stream([ChatTurn("system", "Reply with one short sentence."), ChatTurn("user", "Say hello.")]))
        assert pieces and all(isinstance(p, str) for p in pieces) and "".join(pieces).strip()


@pytest.mark.unit
class TestFakeLLM(LLMBackendContract):
    @pytest.fixture
    def backend(self):
        return FakeLLM()


@pytest.mark.integration
class TestOpenAICompatibleBackend(LLMBackendContract):
    """llama.cpp's OpenAI-compatible server, as ``ASSISTANT_LLM=openai-compatible`` reaches it."""

    @pytest.fixture
    def backend(self, llama_server):
        settings = load_settings(llm="openai-compatible", llm_base_url=llama_server, llm_max_tokens=16)
        return backend_from_settings(settings)

    def test_a_server_that_is_gone_is_an_llm_failure(self):
        settings = load_settings(llm="openai-compatible", llm_base_url="http://127.0.0.1:9/v1", llm_timeout_s=5)
        with pytest.raises(LLMFailure):
            list(backend_from_settings(settings).stream([ChatTurn("user", "Say hello.")]))


# -- Text generator -----------------------------------------------------------------
class TextGeneratorContract:
    def test_it_writes_one_line(self, writer):
        assert isinstance(writer, TextGenerator)
        text = writer.generate("<|im_start|>system\nRepeat the user's words.<|im_end|>\n", "the ferry", max_tokens=8)
        assert isinstance(text, str) and text.strip() and "\n" not in text


@pytest.mark.unit
class TestFakeWriter(TextGeneratorContract):
    @pytest.fixture
    def writer(self):
        return FakeWriter()


@pytest.mark.integration
class TestPackagedModelWrites(TextGeneratorContract):
    @pytest.fixture
    def writer(self, packaged_reader):
        return packaged_reader


# -- Retriever ----------------------------------------------------------------------
class RetrieverContract:
    """Subclasses give ``retriever`` and ``query``, a query some stored passage matches."""

    def test_it_is_a_retriever(self, retriever):
        assert isinstance(retriever, Retriever)

    def test_at_most_top_k_distinct_passages_each_a_slice_of_one_article(self, retriever, query):
        found = retriever.retrieve(query, top_k=3)
        assert 0 < len(found) <= 3
        assert len({p.chunk_id for p in found}) == len(found)
        assert all(p.text and p.end - p.start == len(p.text) for p in found)

    def test_top_k_one_is_the_best_of_top_k_three(self, retriever, query):
        assert retriever.retrieve(query, top_k=1) == retriever.retrieve(query, top_k=3)[:1]

    def test_an_outlet_no_article_has_filters_everything_out(self, retriever, query):
        assert retriever.retrieve(query, top_k=3, filters=Filters(outlet="No Such Outlet Gazette")) == []


@pytest.mark.unit
class TestFakeRetriever(RetrieverContract):
    @pytest.fixture
    def retriever(self):
        ferry = Passage("ferry:0-55", "ferry", 0, 55, FERRY[:55], 1.0)
        cafes = Passage("cafes:0-47", "cafes", 0, 47, CAFES[:47], 0.5)
        return FakeRetriever([("Coast Post", ferry), ("Bay Times", cafes)])

    @pytest.fixture
    def query(self):
        return "ferry passengers harbour"


@pytest.mark.integration
@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
class TestIndexRetriever(RetrieverContract):
    @pytest.fixture
    def retriever(self, seeded_home, tmp_path, embedder, mode):
        home = tmp_path / "store"
        shutil.copytree(seeded_home, home)
        settings = load_settings(home=home)
        index = NewsIndex(home, embedder=embedder, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
        yield IndexRetriever(index, lambda q: embedder.embed([q])[0], mode=mode)
        index.close()

    @pytest.fixture
    def query(self, seeded):
        return seeded.articles()[0].title


@pytest.mark.unit
@pytest.mark.parametrize("mode", ["hybrid", "bm25"])
class TestIndexRetrieverOverMemory(RetrieverContract):
    """The real retriever over the fake store, with hash vectors: no model, no disk."""

    @pytest.fixture
    def retriever(self, mode):
        embedder = HashEmbedder()
        store = MemoryStore(embedder=embedder)
        store.ingest([
            LoadedArticle(id=aid, title=aid, outlet=outlet, agencies=(), published="2024-03-01", source=aid, text=text)
            for aid, outlet, text in (("ferry", "Coast Post", FERRY), ("cafes", "Bay Times", CAFES))
        ])  # fmt: skip
        return IndexRetriever(store, lambda q: embedder.embed([q])[0], mode=mode)

    @pytest.fixture
    def query(self):
        return "ferry passengers harbour"
