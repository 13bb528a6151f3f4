"""The extractive answerer on invented articles, with hand-made vectors (no model)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant import AnswerContext, ExtractiveAnswerer, Passage, Tuning
from tests.conftest import WordLexicon

pytestmark = pytest.mark.unit


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def context(question, q_vec, articles):
    """articles: {id: (outlet, [(sentence, vector), ...])}"""
    texts, sentences, passages, outlets = {}, {}, [], {}
    for aid, (outlet, sents) in articles.items():
        text, spans = "", []
        for sentence, vec in sents:
            start = len(text)
            text += sentence + " "
            spans.append((start, start + len(sentence), vec))
        texts[aid], sentences[aid], outlets[aid] = text.rstrip(), spans, outlet
        passages.append(Passage(f"{aid}:0-{len(texts[aid])}", aid, 0, len(texts[aid]), texts[aid], 1.0))
    # Emulate ingest's wire-copy record: sentences of other articles at cosine >= 0.9.
    copies = {}
    for aid, spans in sentences.items():
        for s, e, v in spans:
            for other, others in sentences.items():
                if other != aid:
                    for s2, e2, v2 in others:
                        if float(v @ v2) >= 0.9:
                            copies.setdefault(f"{aid}:{s}-{e}", []).append(f"{other}:{s2}-{e2}")
    return AnswerContext(
        question, passages, q_vec, sentences, texts, WordLexicon(texts.values()), outlets, {}, copies
    )


NO_FIGURE = "The articles discuss this but give no figure that answers it."


def answer_from(question, *sentences, **options):
    """Answer ``question`` from one article of (sentence, vector) pairs, the question's vector (1, 0, 0)."""
    ctx = context(question, unit(1, 0, 0), {"a": ("Coast Post", list(sentences))})
    return ExtractiveAnswerer(**{"min_score": 0.2, **options}).answer(ctx)


def two_articles(question, q_vec, a, b, outlets=("Coast Post", "Bay Times")):
    """One sentence each in articles "a" and "b": a and b are (sentence, vector) pairs."""
    return context(question, q_vec, {"a": (outlets[0], [a]), "b": (outlets[1], [b])})


FERRY_A = "The ferry operator said 212 passengers were rescued from the vessel on Sunday."
FERRY_B = "The ferry operator said 212 passengers were rescued from the vessel on Sunday."
FERRY_C = "The ferry operator said 214 passengers were rescued from the vessel on Sunday."
FILLER = "Harbour cafes stayed open through the long weekend for visitors."


def test_wire_copy_in_two_outlets_is_one_sentence_citing_both():
    ctx = context(
        "How many passengers were rescued?",
        unit(1, 0.1, 0),
        {"a": ("Coast Post", [(FERRY_A, unit(1, 0, 0)), (FILLER, unit(0, 1, 0))]),
         "b": ("Bay Times", [(FERRY_B, unit(1, 0, 0.01))])},
    )
    draft = ExtractiveAnswerer(min_score=0.2).answer(ctx)
    assert not draft.refused
    assert draft.text == f"{FERRY_A} [1][2]"
    assert {c.article_id for c in draft.citations} == {"a", "b"}
    assert draft.notice is None


def test_copies_that_differ_in_a_figure_are_both_shown_and_named():
    ctx = two_articles(
        "How many passengers were rescued?", unit(1, 0.1, 0), (FERRY_A, unit(1, 0, 0)), (FERRY_C, unit(1, 0, 0.02))
    )
    draft = ExtractiveAnswerer(min_score=0.2).answer(ctx)
    assert "212" in draft.text and "214" in draft.text
    assert draft.text.count("[1]") == 1 and draft.text.count("[2]") == 1
    assert draft.notice == "The articles disagree: Coast Post gives 212; Bay Times gives 214."


def test_a_name_the_articles_never_mention_is_refused():
    ctx = context("What did Freedonia say?", unit(0.4, 1, 0), {"a": ("Coast Post", [(FERRY_A, unit(1, 0, 0))])})
    draft = ExtractiveAnswerer().answer(ctx)
    assert draft.refused and draft.citations == ()
    assert draft.notice == "The articles never mention Freedonia."


def test_an_unknown_name_is_rescued_by_a_sentence_that_means_the_same():
    ctx = context("What did Freedonia say?", unit(1, 0.1, 0), {"a": ("Coast Post", [(FERRY_A, unit(1, 0, 0))])})
    assert not ExtractiveAnswerer(tuning=Tuning(rescue_similarity=0.55)).answer(ctx).refused


def test_weak_evidence_is_refused():
    ctx = context("Were the cafes busy on the bridge?", unit(0, 0, 1), {"a": ("Coast Post", [(FERRY_A, unit(1, 0, 0))])})
    assert ExtractiveAnswerer(min_score=0.5).answer(ctx).refused


def test_count_question_prefers_the_sentence_with_a_number():
    with_number = "Rescuers counted 40 survivors on the rocks near the port."
    without = "Rescuers searched the rocks near the port for survivors."
    draft = answer_from("How many survivors did rescuers count?", (without, unit(1, 0, 0)), (with_number, unit(0.95, 0.3, 0)))
    assert draft.text.startswith(with_number)


def test_rerank_orders_passages_by_their_best_sentence():
    ctx = context(
        "How many passengers were rescued?",
        unit(1, 0, 0),
        {"x": ("Coast Post", [(FILLER, unit(0, 1, 0))]), "a": ("Bay Times", [(FERRY_A, unit(1, 0, 0))])},
    )
    ranked = ExtractiveAnswerer().rerank(ctx, 2)
    assert [p.article_id for p in ranked] == ["a", "x"]
    assert ranked[0].score > ranked[1].score


def test_a_copy_that_drops_a_figure_is_not_a_disagreement():
    full = "The ferry operator said 212 passengers were rescued from the vessel on Sunday."
    shorter = "The ferry operator said passengers were rescued from the vessel on Sunday."
    ctx = two_articles(
        "Who rescued the passengers from the vessel?", unit(1, 0.1, 0), (full, unit(1, 0, 0)), (shorter, unit(1, 0, 0.02))
    )
    draft = ExtractiveAnswerer(min_score=0.2, tuning=Tuning(require_type=False)).answer(ctx)
    assert draft.text == f"{full} [1][2]" and draft.notice is None


def test_shared_words_without_shared_meaning_are_off_topic():
    # "bake" matches a surname; the sentence means nothing like the question.
    sentence = "Mr Bake says there has been a lot of interest in the ferry so far."
    ctx = context("How do I bake bread?", unit(0.2, 0.98, 0), {"a": ("Coast Post", [(sentence, unit(1, 0, 0))])})
    draft = ExtractiveAnswerer(min_score=0.2).answer(ctx)
    assert draft.refused and draft.notice == "The articles are not about this."
    assert not ExtractiveAnswerer(min_score=0.2, min_similarity=0.1).answer(ctx).refused


def test_a_near_tie_shows_both_sentences_and_a_clear_winner_shows_one():
    first = "The ferry operator blamed the delay on a broken winch at the quay."
    second = "Harbour staff said a storm warning had also held the ferry back."
    far = "Harbour cafes stayed open through the long weekend for visitors."
    question = "Why was the ferry delayed?"
    tie = context(question, unit(1, 0, 0), {"a": ("Coast Post", [(first, unit(1, 0, 0)), (second, unit(0.99, 0.14, 0))])})
    draft = ExtractiveAnswerer(min_score=0.2).answer(tie)
    assert draft.text == f"{first} [1] {second} [2]"
    clear = context(question, unit(1, 0, 0), {"a": ("Coast Post", [(first, unit(1, 0, 0)), (far, unit(0.3, 0.95, 0))])})
    assert ExtractiveAnswerer(min_score=0.2).answer(clear).text == f"{first} [1]"
    assert ExtractiveAnswerer(min_score=0.2, tuning=Tuning(runner_up=1.0)).answer(tie).text == f"{first} [1]"


def test_outlets_that_word_a_count_differently_are_compared():
    # Not wire copies (their vectors are far apart): each outlet wrote its own sentence.
    ours = "Coastguard officials said 14 fishing boats sank in the storm overnight."
    theirs = "The storm overnight sank 16 fishing boats off the northern coast, the harbour office said."
    same = "In the storm overnight 14 fishing boats sank off the northern coast, the harbour office said."
    question = "How many fishing boats sank in the storm?"
    differ = two_articles(question, unit(1, 0.2, 0), (ours, unit(1, 0, 0)), (theirs, unit(0.8, 0.6, 0)))
    draft = ExtractiveAnswerer(min_score=0.2).answer(differ)
    assert draft.text == f"{ours} [1] {theirs} [2]"
    assert draft.notice == "The articles disagree: Coast Post gives 14; Bay Times gives 16."
    agree = two_articles(question, unit(1, 0.2, 0), (ours, unit(1, 0, 0)), (same, unit(0.8, 0.6, 0)))
    draft = ExtractiveAnswerer(min_score=0.2).answer(agree)
    assert draft.notice == "Coast Post and Bay Times both give 14."


def test_when_no_article_naming_the_subject_is_retrieved_the_refusal_says_so():
    other = "Officials said 30 people were hurt in the warehouse fire."
    named = "The Kessel fire service opened a new station in the valley."
    ctx = context(
        "How many people were hurt in the Kessel blaze?",
        unit(1, 0, 0),
        {"b": ("Bay Times", [(other, unit(1, 0, 0))])},
    )
    # "Kessel" is known to the corpus (another, unretrieved article names it).
    ctx = replace(ctx, lexicon=WordLexicon([other, named]))
    draft = ExtractiveAnswerer(min_score=0.2).answer(ctx)
    assert draft.refused and draft.notice == "No retrieved passage that mentions Kessel answers this."


def test_what_else_skips_what_earlier_answers_quoted():
    first = "The ferry operator blamed the delay on a broken winch at the quay."
    second = "Harbour staff said a storm warning had also held the ferry back."
    ctx = context(
        "Why was the ferry delayed?",
        unit(1, 0, 0),
        {"a": ("Coast Post", [(first, unit(1, 0, 0)), (second, unit(0.8, 0.6, 0))])},
    )
    quoted = ("a", 0, len(first))
    draft = ExtractiveAnswerer(min_score=0.2).answer(replace(ctx, already_cited=frozenset({quoted})))
    assert draft.text == f"{second} [1]"
    both = frozenset({quoted, ("a", len(first) + 1, len(first) + 1 + len(second))})
    draft = ExtractiveAnswerer(min_score=0.2).answer(replace(ctx, already_cited=both))
    assert draft.refused and draft.notice == "The articles say nothing more on this than the answers above."


_ARTICLES = {
    "a": ("Coast Post", [(FERRY_A, unit(1, 0, 0)), (FILLER, unit(0, 1, 0)), ("Mayor Ann Cole said on Monday the port would reopen.", unit(0.6, 0.8, 0))]),
    "b": ("Bay Times", [(FERRY_C, unit(0.99, 0.1, 0)), ("Divers searched the harbour near Port Avalon for hours after the storm.", unit(0.5, 0, 0.87))]),
}


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(min_size=1, max_size=100),
        st.lists(st.sampled_from(["How", "many", "who", "when", "where", "passengers", "rescued", "and", "Ann", "Cole",
                                  "Port", "Avalon", "Freedonia", "what", "else", "?", ","]), min_size=1, max_size=12).map(" ".join),
    ),
    st.tuples(st.floats(-1, 1), st.floats(-1, 1), st.floats(-1, 1)).filter(lambda v: any(abs(x) > 1e-3 for x in v)),
)
def test_any_question_gets_a_refusal_or_valid_citations(question, q_vec):
    ctx = context(question, unit(*q_vec), _ARTICLES)
    draft = ExtractiveAnswerer(min_score=0.2).answer(ctx)
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", draft.text)}
    if draft.refused:
        assert draft.citations == () and not markers
        return
    assert markers == set(range(1, len(draft.citations) + 1))
    for cite in draft.citations:
        text = ctx.texts[cite.article_id]
        assert 0 <= cite.start < cite.end <= len(text)
        assert cite.passage.start <= cite.start and cite.end <= cite.passage.end


def test_two_articles_of_one_outlet_are_told_apart_by_date_or_else_by_id():
    # A running story: the same outlet's later article updates the figure.
    earlier = "Coastguard officials said 7 fishing boats sank in the storm overnight."
    later = "Coastguard officials said 14 fishing boats sank in the storm overnight."
    question = "How many fishing boats sank in the storm?"
    undated = two_articles(
        question, unit(1, 0.1, 0), (later, unit(1, 0, 0)), (earlier, unit(1, 0, 0.02)), outlets=("Coast Post", "Coast Post")
    )
    draft = ExtractiveAnswerer(min_score=0.2).answer(undated)
    assert draft.notice == "The articles disagree: Coast Post article a gives 14; Coast Post article b gives 7."
    same_day = replace(undated, published={"a": "2024-03-02", "b": "2024-03-02"})
    draft = ExtractiveAnswerer(min_score=0.2).answer(same_day)
    assert draft.notice == "The articles disagree: Coast Post article a gives 14; Coast Post article b gives 7."
    # Dated apart, the two are one figure's course: the newest leads (assistant/answerers/timeline.py).
    dated = replace(undated, published={"a": "2024-03-02", "b": "2024-03-01"})
    draft = ExtractiveAnswerer(min_score=0.2).answer(dated)
    assert draft.text.startswith("14 (Coast Post, 2024-03-02), the latest of 2 reports:")
    assert [(f.published, f.figure) for f in draft.timeline] == [("2024-03-01", "7"), ("2024-03-02", "14")]


def test_counts_of_different_facts_are_no_disagreement():
    # Both count runs, but one gives a match's result and the other a score:
    # their sentences are far apart (cosine 0.5), so neither contradicts the other.
    result = "The home side won the final by 46 runs at the harbour oval."
    score = "The visitors were 126 runs for none at stumps on the first day."
    ctx = two_articles(
        "How many runs were scored at the harbour oval?", unit(0.8, 1, 0), (result, unit(1, 0, 0)), (score, unit(0.5, 0.866, 0))
    )
    draft = ExtractiveAnswerer(min_score=0.2).answer(ctx)
    assert not draft.refused
    assert "disagree" not in (draft.notice or "")


@pytest.mark.parametrize(
    "question,bare",
    [
        ("Summarise what happened.", True),
        ("What are the articles about?", True),
        ("Please sum up the news", True),
        ("Summarise how the port reacted to the storm.", False),
        ("What happened in Port Avalon?", False),
    ],
)
def test_a_summary_that_names_no_subject_is_told_apart(question, bare):
    from assistant.answerers.extractive import is_bare_summary

    assert is_bare_summary(question) is bare


def test_a_bare_summary_gives_each_articles_opening_sentence_then_the_next_ones():
    headline = "Storm closes Port Avalon"
    lead_a = "A winter storm closed the port of Port Avalon on Sunday, stranding three ferries."
    lead_b = "The harbour board said on Monday that repairs to the quay would take weeks."
    lead_c = "Fishermen in the bay counted their losses after the storm."
    articles = {
        "a": ("Coast Post", [(headline, unit(1, 0, 0)), (lead_a, unit(1, 0, 0)), (FILLER, unit(0, 1, 0))]),
        "b": ("Bay Times", [(lead_b, unit(0, 1, 0)), (FILLER, unit(0, 1, 0))]),
        "c": ("Bay Times", [(lead_c, unit(0, 0, 1))]),
    }
    ctx = context("Summarise what happened.", unit(0, 0, 1), articles)
    draft = ExtractiveAnswerer().answer(ctx)
    assert draft.text == f"{lead_a} [1] {lead_b} [2] {lead_c} [3]"  # retrieval order, headlines skipped
    assert [c.article_id for c in draft.citations] == ["a", "b", "c"] and "opening sentence" in draft.notice
    more = replace(ctx, already_cited=frozenset((c.article_id, c.start, c.end) for c in draft.citations[:2]))
    assert ExtractiveAnswerer().answer(more).text == f"{lead_c} [1]"
    done = replace(ctx, already_cited=frozenset((c.article_id, c.start, c.end) for c in draft.citations))
    assert ExtractiveAnswerer().answer(done).refused
