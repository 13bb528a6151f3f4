"""Evaluation metrics: pure functions plus dspy-style ``metric(example, prediction)``.

Normalisation (``normalize_answer``) follows the SQuAD evaluation script:
lowercase, drop punctuation (ASCII and Unicode, e.g. curly quotes and
dashes), drop the articles "a", "an" and "the", collapse whitespace. Answer
texts are stripped of their ``[n]`` citation markers first.

Relevance of a retrieved passage (retrieval metrics): the passage comes from
the evidence sentence's article and either contains the sentence (after
collapsing whitespace) or shares a contiguous stretch of at least half of the
sentence's characters with it (a chunk boundary may cut a sentence).

Match of a citation (citation metrics): same article, and after
normalisation the evidence is contained in the quote, or the quote in the
evidence, or their shared tokens are at least half of the shorter one's.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any, Protocol

import numpy as np

__all__ = [
    "normalize_answer",
    "strip_markers",
    "contains",
    "exact_match",
    "token_f1",
    "passage_matches",
    "quote_matches",
    "relevance",
    "article_relevance",
    "hit_at_k",
    "recall_at_k",
    "reciprocal_rank",
    "ndcg_at_k",
    "citation_precision",
    "citation_recall",
    "refusal_rates",
    "percentile",
    "latency_percentiles",
    "mean",
    "contains_metric",
    "exact_match_metric",
    "f1_metric",
    "citation_precision_metric",
    "citation_recall_metric",
    "refusal_metric",
    "first_citation_metric",
    "unsupported_rate_metric",
]


class EvidenceLike(Protocol):
    article_id: str
    text: str


# --- normalisation -----------------------------------------------------------

_MARKER = re.compile(r"\[\d+\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_ASCII_PUNCT = set(string.punctuation)


def strip_markers(text: str) -> str:
    """Remove ``[n]`` citation markers from an answer text."""
    return _MARKER.sub(" ", text)


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lowercase, no punctuation, no a/an/the, single spaces."""
    text = text.lower()
    text = "".join(
        " " if ch in _ASCII_PUNCT or unicodedata.category(ch).startswith("P") else ch for ch in text
    )
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def _tokens(text: str) -> list[str]:
    return normalize_answer(text).split()


# --- answers -------------------------------------------------------------------


def contains(prediction: str, accepted: Iterable[str]) -> float:
    """1.0 when some accepted answer appears, as whole words, in the normalised prediction."""
    haystack = f" {normalize_answer(strip_markers(prediction))} "
    for answer in accepted:
        needle = normalize_answer(answer)
        if needle and f" {needle} " in haystack:
            return 1.0
    return 0.0


def exact_match(prediction: str, accepted: Iterable[str]) -> float:
    """1.0 when the normalised prediction equals some normalised accepted answer."""
    pred = normalize_answer(strip_markers(prediction))
    return max((float(pred == normalize_answer(a)) for a in accepted), default=0.0)


def _f1(pred_tokens: list[str], gold_tokens: list[str]) -> float:
    if not pred_tokens or not gold_tokens:
        return float(pred_tokens == gold_tokens)
    common = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if common == 0:
        return 0.0
    precision = common / len(pred_tokens)
    recall = common / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, accepted: Iterable[str]) -> float:
    """SQuAD token F1 (bag of normalised tokens), the best over the accepted answers."""
    pred = _tokens(strip_markers(prediction))
    return max((_f1(pred, _tokens(a)) for a in accepted), default=0.0)


# --- matching passages and quotes to evidence -------------------------------------


def _squash(text: str) -> str:
    return " ".join(text.split())


def passage_matches(passage_text: str, evidence_text: str) -> bool:
    """The passage contains the evidence sentence or shares ≥ half of it contiguously."""
    passage, evidence = _squash(passage_text), _squash(evidence_text)
    if not evidence:
        return False
    if evidence in passage:
        return True
    # autojunk off: with it, frequent characters (spaces, "e") count as junk
    # in long strings and the longest match comes out far too short.
    matcher = SequenceMatcher(None, evidence, passage, autojunk=False)
    match = matcher.find_longest_match(0, len(evidence), 0, len(passage))
    return match.size * 2 >= len(evidence)


def quote_matches(quote: str, evidence_text: str) -> bool:
    """Containment either way after normalisation, or token overlap ≥ 0.5 of the shorter."""
    q, e = normalize_answer(quote), normalize_answer(evidence_text)
    if not q or not e:
        return False
    if e in q or q in e:
        return True
    q_tokens, e_tokens = q.split(), e.split()
    shared = sum((Counter(q_tokens) & Counter(e_tokens)).values())
    return shared * 2 >= min(len(q_tokens), len(e_tokens))


def _distinct(evidence: Sequence[EvidenceLike]) -> list[EvidenceLike]:
    seen: dict[tuple[str, str], EvidenceLike] = {}
    for ev in evidence:
        seen.setdefault((ev.article_id, _squash(ev.text)), ev)
    return list(seen.values())


def relevance(passages: Sequence[Any], evidence: Sequence[EvidenceLike]) -> list[set[int]]:
    """For each passage (``.article_id``, ``.text``), the indices of the distinct
    evidence sentences it matches (empty set = not relevant)."""
    gold = _distinct(evidence)
    return [
        {i for i, ev in enumerate(gold) if ev.article_id == p.article_id and passage_matches(p.text, ev.text)}
        for p in passages
    ]


def article_relevance(passages: Sequence[Any], relevant: Iterable[str]) -> list[set[int]]:
    """Document-level relevance: ``{0}`` for a passage of a relevant article, else empty.

    For suites whose gold is a whole article (a headline names its story), in
    the shape ``relevance()`` gives, so the retrieval metrics below apply.
    """
    wanted = set(relevant)
    return [{0} if p.article_id in wanted else set() for p in passages]


# --- retrieval -------------------------------------------------------------------
# All take ``rel`` from ``relevance()`` (ranked, best first) and the number of
# distinct gold evidence sentences; binary relevance = "matches any evidence".


def hit_at_k(rel: Sequence[set[int]], k: int) -> float:
    """1.0 when any of the first k passages is relevant."""
    return float(any(rel[:k]))


def recall_at_k(rel: Sequence[set[int]], n_gold: int, k: int) -> float:
    """Share of the distinct evidence sentences matched by some of the first k passages."""
    if n_gold <= 0:
        return 0.0
    covered = set().union(*rel[:k]) if rel[:k] else set()
    return len(covered) / n_gold


def reciprocal_rank(rel: Sequence[set[int]]) -> float:
    """1 / rank of the first relevant passage (1-based); 0.0 when none is."""
    for rank, matched in enumerate(rel, start=1):
        if matched:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(rel: Sequence[set[int]], n_gold: int, k: int) -> float:
    """nDCG@k with binary relevance per retrieved passage.

    DCG = sum over the first k passages of rel_i / log2(i + 1) (i from 1);
    ideal DCG = sum of 1 / log2(i + 1) for i = 1 .. min(n_gold, k).
    Overlapping chunks can repeat one sentence, so DCG can exceed the ideal;
    the result is capped at 1.0.
    """
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(n_gold, k) + 1))
    if ideal == 0:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, matched in enumerate(rel[:k], start=1) if matched)
    return min(1.0, dcg / ideal)


# --- citations -------------------------------------------------------------------


def citation_precision(citations: Sequence[Any], evidence: Sequence[EvidenceLike]) -> float:
    """Share of citations (``.article_id``, ``.quote``) that match some gold evidence.

    No citations gives 0.0: an answer that cites nothing supports nothing
    (refusals are measured on their own).
    """
    if not citations:
        return 0.0
    good = sum(
        any(ev.article_id == c.article_id and quote_matches(c.quote, ev.text) for ev in evidence)
        for c in citations
    )
    return good / len(citations)


def citation_recall(citations: Sequence[Any], evidence: Sequence[EvidenceLike]) -> float:
    """Share of distinct gold evidence sentences matched by at least one citation."""
    gold = _distinct(evidence)
    if not gold:
        return 0.0
    covered = sum(
        any(ev.article_id == c.article_id and quote_matches(c.quote, ev.text) for c in citations) for ev in gold
    )
    return covered / len(gold)


# --- refusals ----------------------------------------------------------------------


def refusal_rates(answerable: Sequence[bool], refused: Sequence[bool]) -> dict[str, float | None]:
    """``unanswerable_refused`` (refused / unanswerable), ``answerable_answered``
    (not refused / answerable) and ``refusal_accuracy``, their mean (or the one
    that exists when a suite has only one kind). None when not measurable."""
    unans = [r for a, r in zip(answerable, refused, strict=True) if not a]
    ans = [not r for a, r in zip(answerable, refused, strict=True) if a]
    unanswerable_refused = mean(float(r) for r in unans)
    answerable_answered = mean(float(r) for r in ans)
    parts = [x for x in (unanswerable_refused, answerable_answered) if x is not None]
    return {
        "refusal_accuracy": sum(parts) / len(parts) if parts else None,
        "unanswerable_refused": unanswerable_refused,
        "answerable_answered": answerable_answered,
    }


# --- latency -----------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100, linear interpolation as numpy); None for no values."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else None


def latency_percentiles(timings: Iterable[Mapping[str, float]]) -> dict[str, dict[str, float | None]]:
    """p50 and p95 per stage over ``Answer.timings_ms`` dicts: ``{stage: {"p50", "p95"}}``."""
    by_stage: dict[str, list[float]] = {}
    for timing in timings:
        for stage, ms in timing.items():
            by_stage.setdefault(stage, []).append(float(ms))
    return {stage: {"p50": percentile(v, 50), "p95": percentile(v, 95)} for stage, v in by_stage.items()}


def mean(values: Iterable[float]) -> float | None:
    """Arithmetic mean; None for no values (a metric that was not measured)."""
    items = list(values)
    return sum(items) / len(items) if items else None


# --- dspy-style metrics: metric(example, prediction) -> float ---------------------------
# ``example`` is an ``evals.Case``; ``prediction`` an ``assistant.Answer`` (or any
# object with ``text``, ``citations`` and ``refused``).


def contains_metric(example: Any, prediction: Any) -> float:
    return contains(prediction.text, example.answers)


def exact_match_metric(example: Any, prediction: Any) -> float:
    return exact_match(prediction.text, example.answers)


def f1_metric(example: Any, prediction: Any) -> float:
    return token_f1(prediction.text, example.answers)


def citation_precision_metric(example: Any, prediction: Any) -> float:
    return citation_precision(prediction.citations, example.evidence)


def citation_recall_metric(example: Any, prediction: Any) -> float:
    return citation_recall(prediction.citations, example.evidence)


def refusal_metric(example: Any, prediction: Any) -> float:
    """1.0 when the assistant refused exactly when the case is unanswerable."""
    return float(bool(prediction.refused) != bool(example.answerable))


def first_citation_metric(example: Any, prediction: Any) -> float:
    """1.0 when the answer's first citation is from a relevant article (``example.relevant``).

    A refusal cites nothing and scores 0.0: for a retrieval suite every query
    has its article in the store.
    """
    if prediction.refused or not prediction.citations:
        return 0.0
    return float(prediction.citations[0].article_id in set(example.relevant))


def unsupported_rate_metric(example: Any, prediction: Any) -> float | None:
    """Share of the sentences an LLM wrote that the code dropped as unsupported.

    None when no LLM wrote this answer.  An answer that fell back because
    nothing written was supported counts 1.0; other fallbacks (the LLM down,
    too slow) say nothing about support and are left out.
    """
    dropped = prediction.dropped
    if prediction.answerer != "llm":
        return 1.0 if dropped else None
    kept = max(1, len(re.findall(r"(?:\[\d+\])+", prediction.text)))
    return dropped / (dropped + kept)
