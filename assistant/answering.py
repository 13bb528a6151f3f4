"""Answerers: the interface, and the default extractive answerer (no LLM).

An answerer gets the retrieved passages plus what was computed at ingest
(sentence spans and vectors, term statistics) and returns a ``Draft``.  The
``Assistant`` turns the draft into an ``Answer`` only after checking every
citation against the stored article text, so no answerer (extractive now, an
LLM later) can cite a passage that isn't there.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Protocol, Sequence, runtime_checkable

import numpy as np

from .question import DATE, NAME_RUN, NUMBER, QuestionInfo, analyse, content_words
from .types import Passage

__all__ = ["Answerer", "AnswerContext", "Draft", "DraftCitation", "ExtractiveAnswerer", "Lexicon"]


class Lexicon(Protocol):
    """Term statistics of the stored chunks (the BM25 index provides them)."""

    def idf(self, term: str) -> float: ...

    def knows(self, term: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class AnswerContext:
    """Everything an answerer may use; built once per question by the Assistant."""

    question: str
    passages: Sequence[Passage]
    query_vector: np.ndarray
    # article id -> [(start, end, vector)] for every sentence of that article
    sentences: dict[str, list[tuple[int, int, np.ndarray]]]
    texts: dict[str, str]  # article id -> cleaned text
    lexicon: Lexicon
    tokenize: Callable[[str], list[str]]
    outlets: dict[str, str | None] = field(default_factory=dict)  # article id -> outlet


@dataclass(frozen=True, slots=True)
class DraftCitation:
    """A claim's source as an answerer states it; validated before use."""

    article_id: str
    start: int
    end: int
    passage: Passage
    score: float


@dataclass(frozen=True, slots=True)
class Draft:
    text: str  # with [n] markers, n indexing ``citations`` from 1
    citations: tuple[DraftCitation, ...]
    refused: bool
    notice: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)


@runtime_checkable
class Answerer(Protocol):
    name: str

    def answer(self, context: AnswerContext) -> Draft: ...


REFUSAL = "The articles don't answer this question."

# Sentences this short are subheads or captions, never an answer on their own.
_MIN_WORDS = 5
_DUPLICATE_COS = 0.9


@dataclass(frozen=True, slots=True)
class _Scored:
    article_id: str
    start: int
    end: int
    vector: np.ndarray
    passage: Passage
    score: float


class ExtractiveAnswerer:
    """Picks the sentences that answer the question and quotes them.

    Each candidate sentence of the retrieved passages gets
    ``semantic * w_sem + lexical * w_lex + type_match * w_type``: cosine with the
    question (ingest-time vectors), the idf-weighted share of the question's
    terms it contains, and whether it holds what the question asks for (a
    number for "how many", a name for "who", a date for "when").  It refuses
    when the question names something the articles never mention, or when the
    best sentence scores under ``min_score``.
    """

    name = "extractive"

    def __init__(
        self,
        *,
        min_score: float = 0.35,
        w_sem: float = 0.5,
        w_lex: float = 0.4,
        w_type: float = 0.1,
        max_chars: int = 320,
    ):
        self._min_score = min_score
        self._w = (w_sem, w_lex, w_type)
        self._max_chars = max_chars

    def answer(self, context: AnswerContext) -> Draft:
        t0 = time.perf_counter()
        info = analyse(context.question)
        missing = self._unknown_names(info, context)
        ranked = [] if missing else self._rank(info, context)
        t1 = time.perf_counter()
        draft = self._compose(info, ranked, missing, context.outlets)
        t2 = time.perf_counter()
        return Draft(
            draft.text,
            draft.citations,
            draft.refused,
            draft.notice,
            {"rank": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000},
        )

    def rerank(self, context: AnswerContext, top_k: int) -> list[Passage]:
        """The passages ordered by their best sentence's score, best first.

        Retrieval ranks whole chunks; a chunk whose one sentence answers the
        question can sit low in that order when the rest of it is off topic.
        """
        best: dict[str, float] = {}
        for scored in self._rank(analyse(context.question), context):
            best.setdefault(scored.passage.chunk_id, scored.score)
        order = sorted(context.passages, key=lambda p: -best.get(p.chunk_id, float("-inf")))
        return [replace(p, score=round(best.get(p.chunk_id, 0.0), 4)) for p in order[:top_k]]

    # -- refusal on names the corpus never contains ---------------------------
    @staticmethod
    def _unknown_names(info: QuestionInfo, context: AnswerContext) -> list[str]:
        missing = []
        for name in info.names:
            terms = context.tokenize(name)
            if terms and not any(context.lexicon.knows(t) for t in terms):
                missing.append(name)
        return missing

    # -- ranking ----------------------------------------------------------------
    def _rank(self, info: QuestionInfo, context: AnswerContext) -> list[_Scored]:
        q_terms = set(context.tokenize(" ".join(content_words(context.question))))
        weights = {t: context.lexicon.idf(t) for t in q_terms}
        total = sum(weights.values()) or 1.0
        seen: set[tuple[str, int]] = set()
        scored: list[_Scored] = []
        for rank, passage in enumerate(context.passages):
            text = context.texts[passage.article_id]
            for start, end, vec in context.sentences.get(passage.article_id, []):
                if start < passage.start or end > passage.end or (passage.article_id, start) in seen:
                    continue
                seen.add((passage.article_id, start))
                sentence = text[start:end]
                if len(sentence.split()) < _MIN_WORDS:
                    continue
                terms = set(context.tokenize(sentence))
                lexical = sum(w for t, w in weights.items() if t in terms) / total
                semantic = float(np.dot(context.query_vector, vec))
                score = (
                    self._w[0] * semantic
                    + self._w[1] * lexical
                    + self._w[2] * _type_match(info, sentence)
                    # retrieval order breaks near-ties between equally good sentences
                    + 0.02 / (rank + 1)
                )
                scored.append(_Scored(passage.article_id, start, end, vec, passage, score))
        scored.sort(key=lambda s: -s.score)
        return scored

    # -- composing --------------------------------------------------------------
    def _compose(self, info: QuestionInfo, ranked: list[_Scored], missing: list[str], outlets: dict) -> Draft:
        if missing:
            return Draft(REFUSAL, (), True, f"The articles never mention {' or '.join(missing)}.")
        if not ranked or ranked[0].score < self._min_score:
            return Draft(REFUSAL, (), True, "No passage in the articles is close enough to the question.")
        picks = [ranked[0]]
        if info.wants_list:
            floor = ranked[0].score * 0.85
            for cand in ranked[1:]:
                if len(picks) == 3 or cand.score < floor:
                    break
                if not any(_same(cand, p) for p in picks):
                    picks.append(cand)
        citations: list[DraftCitation] = []
        parts: list[str] = []
        notices: list[str] = []
        for pick in picks:
            copies = [c for c in ranked if c.article_id != pick.article_id and _same(c, pick)][:2]
            # A wire copy that changes a figure is a disagreement, not a duplicate.
            agree = [c for c in copies if _figures(c) == _figures(pick)]
            differ = [c for c in copies if _figures(c) != _figures(pick)]
            groups = [[pick, *agree]] + [[c] for c in differ]
            pieces, cites = [], []
            for group in groups:
                markers = []
                for item in group:
                    cites.append(DraftCitation(item.article_id, item.start, item.end, item.passage, item.score))
                    markers.append(f"[{len(citations) + len(cites)}]")
                pieces.append(f"{_sentence(group[0])} {''.join(markers)}")
            if parts and sum(map(len, parts + pieces)) > self._max_chars:
                break
            parts += pieces
            citations += cites
            if differ:
                notices.append(
                    "The articles disagree: "
                    + "; ".join(f"{_source(g, outlets)} gives {', '.join(sorted(_figures(g)))}" for g in [pick, *differ])
                    + "."
                )
        return Draft(" ".join(parts), tuple(citations), False, " ".join(notices) or None)


def _sentence(item: _Scored) -> str:
    offset = item.passage.start
    return item.passage.text[item.start - offset : item.end - offset]


def _figures(item: _Scored) -> frozenset[str]:
    return frozenset(m.group().lower().rstrip(".,") for m in NUMBER.finditer(_sentence(item)))


def _source(item: _Scored, outlets: dict) -> str:
    return outlets.get(item.article_id) or item.article_id


def _same(a: _Scored, b: _Scored) -> bool:
    """Near-duplicate sentences: the same wire copy in two outlets."""
    return float(np.dot(a.vector, b.vector)) >= _DUPLICATE_COS


_PERSON_HINT = re.compile(r"\b(said|told|says|spokes\w*|minister|president|adviser|official|chief|secretary)\b", re.I)


def _type_match(info: QuestionInfo, sentence: str) -> float:
    if info.kind == "count":
        return 1.0 if NUMBER.search(sentence) else 0.0
    if info.kind == "date":
        return 1.0 if DATE.search(sentence) else 0.0
    if info.kind == "person":
        names = [m.group() for m in NAME_RUN.finditer(sentence) if m.start() > 0]
        return 1.0 if names and _PERSON_HINT.search(sentence) else 0.5 if names else 0.0
    if info.kind == "place":
        return 1.0 if any(m.start() > 0 for m in NAME_RUN.finditer(sentence)) else 0.0
    return 0.0
