"""Every metric against values computed by hand."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from evals import metrics as m
from evals.dataset import Case, Evidence

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class P:  # a retrieved passage
    article_id: str
    text: str


@dataclass(frozen=True)
class C:  # a citation
    article_id: str
    quote: str


@dataclass(frozen=True)
class A:  # an answer
    text: str
    citations: tuple = ()
    refused: bool = False


E1 = Evidence(article_id="a", text="Azerbaijani forces seized more than 60 military posts.")
E2 = Evidence(article_id="b", text="The ministry said 20 vehicles were destroyed in the fighting.")


# --- normalisation and answers ---------------------------------------------------------


def test_normalize_answer_follows_squad():
    assert m.normalize_answer("  The  Quick, brown FOX!  ") == "quick brown fox"
    assert m.normalize_answer("An apple a day") == "apple day"
    # Unicode punctuation goes too; "a" inside words stays.
    assert m.normalize_answer("“Local but limited” — Baku’s area") == "local but limited baku s area"


def test_strip_markers():
    assert m.normalize_answer(m.strip_markers("More than 60 posts [1][2].")) == "more than 60 posts"


def test_contains_matches_whole_words_of_any_accepted_answer():
    assert m.contains("Azerbaijan seized more than 60 posts [1].", ["sixty", "more than 60"]) == 1.0
    assert m.contains("It seized 600 posts.", ["60"]) == 0.0  # not a whole word
    assert m.contains("Nothing here.", ["60"]) == 0.0
    assert m.contains("anything", []) == 0.0


def test_exact_match_after_normalisation():
    assert m.exact_match("The Ministry of Defence. [1]", ["ministry of defence"]) == 1.0
    assert m.exact_match("Ministry of Defence said", ["ministry of defence"]) == 0.0


def test_token_f1_hand_computed():
    # prediction tokens: more than 60 military posts (5); gold: more than 60 (3); common 3
    # P = 3/5, R = 3/3, F1 = 2 * 0.6 * 1 / 1.6 = 0.75
    assert m.token_f1("More than 60 military posts", ["more than 60"]) == pytest.approx(0.75)
    # the best accepted answer counts: gold "60 military posts" -> P = 3/5, R = 1, F1 = 0.75;
    # gold "military posts" -> P = 2/5, R = 1, F1 = 4/7; max is 0.75
    assert m.token_f1("More than 60 military posts", ["military posts", "60 military posts"]) == pytest.approx(0.75)
    assert m.token_f1("cats", ["dogs"]) == 0.0


# --- relevance -----------------------------------------------------------------------------


def test_passage_matches_containment_and_half_overlap():
    assert m.passage_matches("Intro.  Azerbaijani forces seized more than\n60 military posts. Then more.", E1.text)
    # A chunk cut after "more than 60" still holds more than half of the sentence.
    assert m.passage_matches("Earlier text. Azerbaijani forces seized more than 60", E1.text)
    # Only "military posts." (15 of 54 characters) is shared: not relevant.
    assert not m.passage_matches("military posts. The rest of the chunk.", E1.text)


def test_relevance_requires_the_same_article():
    passages = [P("b", E1.text), P("a", "unrelated"), P("a", E1.text + " " + "x"), P("b", E2.text)]
    assert m.relevance(passages, [E1, E2]) == [set(), set(), {0}, {1}]


# --- retrieval --------------------------------------------------------------------------------

# ranks 1..5: relevant at ranks 2 and 4, each a different gold sentence; 3 gold sentences
REL = [set(), {0}, set(), {1}, set()]


def test_hit_at_k():
    assert m.hit_at_k(REL, 1) == 0.0
    assert m.hit_at_k(REL, 2) == 1.0
    assert m.hit_at_k(REL, 5) == 1.0


def test_recall_at_k():
    assert m.recall_at_k(REL, 3, 3) == pytest.approx(1 / 3)
    assert m.recall_at_k(REL, 3, 5) == pytest.approx(2 / 3)
    assert m.recall_at_k([{0}, {0}], 1, 2) == 1.0  # a sentence counts once
    assert m.recall_at_k([], 2, 5) == 0.0


def test_reciprocal_rank():
    assert m.reciprocal_rank(REL) == 0.5
    assert m.reciprocal_rank([set(), set()]) == 0.0


def test_ndcg_hand_computed():
    # DCG@5 = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068 = 1.06161
    # ideal over min(3, 5) = 3 positions: 1 + 0.63093 + 0.5 = 2.13093
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3) + 0.5)
    assert m.ndcg_at_k(REL, 3, 5) == pytest.approx(expected)
    assert expected == pytest.approx(0.49819, abs=1e-5)
    # k = 3: DCG = 1/log2(3); ideal over min(3, 3) = 3 positions
    assert m.ndcg_at_k(REL, 3, 3) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3) + 0.5))
    assert m.ndcg_at_k([{0}], 1, 5) == 1.0
    # two chunks holding the same single sentence would exceed the ideal: capped
    assert m.ndcg_at_k([{0}, {0}], 1, 5) == 1.0
    assert m.ndcg_at_k([set()], 0, 5) == 0.0


# --- citations ----------------------------------------------------------------------------------


def test_quote_matches():
    assert m.quote_matches("Azerbaijani forces seized more than 60 military posts", E1.text)  # quote in evidence
    assert m.quote_matches("Intro. " + E1.text + " Outro.", E1.text)  # evidence in quote
    # tokens: evidence (normalised) 8, quote 6 with 3 shared ("forces", "seized", "posts") -> 3 >= 3
    assert m.quote_matches("Rebel forces seized border posts yesterday", E1.text)
    assert not m.quote_matches("Rain fell on Tuesday in the capital city", E1.text)


def test_citation_precision_and_recall():
    good = C("a", "Azerbaijani forces seized more than 60 military posts.")
    wrong_article = C("b", "Azerbaijani forces seized more than 60 military posts.")
    unrelated = C("a", "The weather was fine.")
    assert m.citation_precision([good, wrong_article, unrelated], [E1, E2]) == pytest.approx(1 / 3)
    assert m.citation_precision([], [E1]) == 0.0
    assert m.citation_recall([good, wrong_article], [E1, E2]) == 0.5
    assert m.citation_recall([good, C("b", E2.text)], [E1, E2, E1]) == 1.0  # duplicates count once
    assert m.citation_recall([], [E1]) == 0.0


# --- refusals and latency ----------------------------------------------------------------------


def test_refusal_rates():
    answerable = [True, True, True, True, False, False]
    refused = [False, False, False, True, True, False]
    rates = m.refusal_rates(answerable, refused)
    assert rates["answerable_answered"] == 0.75
    assert rates["unanswerable_refused"] == 0.5
    assert rates["refusal_accuracy"] == pytest.approx(0.625)
    only_answerable = m.refusal_rates([True, True], [False, True])
    assert only_answerable == {"refusal_accuracy": 0.5, "unanswerable_refused": None, "answerable_answered": 0.5}


def test_latency_percentiles_hand_computed():
    timings = [{"retrieve": float(ms), "total": 10.0 * ms} for ms in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)]
    result = m.latency_percentiles(timings)
    # numpy linear: p50 at position 4.5 -> 5.5; p95 at position 8.55 -> 9 + 0.55 = 9.55
    assert result["retrieve"]["p50"] == pytest.approx(5.5)
    assert result["retrieve"]["p95"] == pytest.approx(9.55)
    assert result["total"]["p95"] == pytest.approx(95.5)
    assert m.percentile([], 50) is None
    assert m.latency_percentiles([]) == {}


def test_mean():
    assert m.mean([1.0, 0.0, 0.5]) == 0.5
    assert m.mean([]) is None


# --- dspy-style ------------------------------------------------------------------------------------


def test_dspy_style_metrics_take_example_and_prediction():
    case = Case(id="c1", category="fact", split="test", turns=("How many posts?",), answers=("more than 60",),
                evidence=(E1,), answerable=True)  # fmt: skip
    answer = A(text="Azerbaijan seized more than 60 military posts [1].", citations=(C("a", E1.text),))
    assert m.contains_metric(case, answer) == 1.0
    assert m.exact_match_metric(case, answer) == 0.0
    # tokens: azerbaijan seized more than 60 military posts (7) vs more than 60 (3): 2*(3/7)/(3/7+1) = 0.6
    assert m.f1_metric(case, answer) == pytest.approx(0.6)
    assert m.citation_precision_metric(case, answer) == 1.0
    assert m.citation_recall_metric(case, answer) == 1.0
    assert m.refusal_metric(case, answer) == 1.0
    assert m.refusal_metric(case, A(text="I can't tell.", refused=True)) == 0.0
    unanswerable = case.model_copy(update={"answerable": False, "answers": (), "evidence": ()})
    assert m.refusal_metric(unanswerable, A(text="No.", refused=True)) == 1.0


@pytest.mark.parametrize(
    "answerer, text, dropped, rate",
    [
        ("llm", "A. [1] B. [2]", 0, 0.0),
        ("llm", "A. [1] B. [2]", 2, 0.5),
        ("extractive", "quote [1]", 3, 1.0),  # the LLM wrote nothing supported: the extractive answer stands
        ("extractive", "quote [1]", 0, None),  # the LLM failed (a timeout): nothing to say about support
        ("reader", "quote [1]", 0, None),
    ],
)
def test_unsupported_rate_counts_only_what_an_llm_wrote(answerer, text, dropped, rate):
    from types import SimpleNamespace

    prediction = SimpleNamespace(answerer=answerer, text=text, dropped=dropped)
    assert m.unsupported_rate_metric(None, prediction) == rate
