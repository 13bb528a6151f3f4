"""What every answerer gets (``AnswerContext``) and returns (``Draft``).

An answerer gets the retrieved passages plus what was computed at ingest
(sentence spans and vectors, term statistics) and returns a ``Draft``.  The
``Assistant`` turns the draft into an ``Answer`` only after checking every
citation against the stored article text, so no answerer (extractive or
LLM) can cite a passage that isn't there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from vectorstore.protocols import Lexicon

from ..types import DatedFigure, Passage, RefusalKind, Step, TextDelta

__all__ = [
    "refusal",
    "REFUSAL", "AnswerContext", "Draft", "DraftCitation", "Event", "Lexicon", "drain"]


@dataclass(frozen=True, slots=True)
class AnswerContext:
    """Everything an answerer may use; built once per question by the Assistant."""

    question: str
    passages: Sequence[Passage]
    query_vector: np.ndarray
    # article id -> [(start, end, vector)] for every sentence of that article
    sentences: dict[str, list[tuple[int, int, np.ndarray]]]
    texts: dict[str, str]  # article id -> cleaned text
    lexicon: Lexicon  # the store's terms: its tokenizer and each term's idf
    outlets: dict[str, str | None] = field(default_factory=dict)  # article id -> outlet
    published: dict[str, str | None] = field(default_factory=dict)  # article id -> YYYY-MM-DD
    # sentence id ("{article_id}:{start}-{end}") -> its wire copies in other articles, found at ingest
    copies: dict[str, list[str]] = field(default_factory=dict)
    # every retrieved candidate, before reranking cut them to ``passages``:
    # a wire copy is cited from here even when diversifying dropped it
    pool: Sequence[Passage] = ()
    # (article id, start, end) of quotes earlier answers in the conversation
    # gave for this same question: "What else?" wants something new
    already_cited: frozenset[tuple[str, int, int]] = frozenset()
    # (question, article id, sentence start) -> what the sentence ranker found
    # there; shared by the contexts ``replace`` derives from this one, so the
    # rerank and the answer score each sentence of a question once
    sentence_memo: dict = field(default_factory=dict, compare=False, repr=False)
    # article id -> its outlet and news agencies, one text: a question may name
    # them ("according to Reuters") though the article's words never do
    credits: dict[str, str] = field(default_factory=dict)
    # every outlet and agency in the store, so that naming one is not naming
    # something the articles never mention
    source_names: frozenset[str] = frozenset()
    # article id -> YYYY-MM-DD of the page's last update, when later than published (answerers/timeline.py)
    updated: dict[str, str | None] = field(default_factory=dict)


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
    answerer: str | None = None  # what produced it when not the answerer itself (a fallback)
    refusal: RefusalKind | None = None  # why it is refused, when it is
    dropped: int = 0  # sentences an LLM wrote that the check left out as unsupported
    # each dated report's figure, oldest first; ``n`` indexes ``citations`` from 1 (assistant/answerers/timeline.py)
    timeline: tuple[DatedFigure, ...] = ()


Event = Step | TextDelta | Draft


def drain(events: Iterable[Event]) -> Draft:
    """The ``Draft`` that ends a stream of events."""
    draft = None
    for event in events:
        draft = event
    if not isinstance(draft, Draft):
        raise TypeError(f"an answer stream must end with a Draft, not {type(draft).__name__}")
    return draft


REFUSAL = "The articles don't answer this question."



def refusal(kind: RefusalKind, notice: str | None) -> Draft:
    """A refusal draft: the refusal sentence, no citations, its kind and its notice."""
    return Draft(REFUSAL, (), True, notice, refusal=kind)
