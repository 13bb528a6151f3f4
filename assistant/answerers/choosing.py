"""How the reading model's verdicts choose the answer: the policy, and what an accepted sentence must hold.

The reader says whether a sentence states the answer; ``states_kind`` checks
that it holds the kind of thing asked for, and the policy blends the verdict
with the ranker's score to pick one sentence or a few.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..context.ranking import Candidate
from ..language.names import names_in
from ..language.question import DATE, NUMBER, QuestionInfo
from ..language.terms import ATTRIBUTION, is_place
from ..settings import Settings, Tuning

__all__ = ["ReaderPolicy", "Reading", "judge_question", "states_kind"]

_LEVELS = Tuning()


@dataclass(frozen=True, slots=True)
class ReaderPolicy:
    """How the reading model's verdicts choose the answer; levels set on the dev splits.

    ``candidates``: how many of the ranker's best distinct sentences are read.
    ``budget_ms``: time for reading per question, after which the ranker's
    order stands for what is left unread.  A sentence's final score is
    ``weight * p(yes) + (1 - weight) * score / best score``; the best must
    reach ``accept`` and every other sentence in the answer ``accept_more``.
    """

    # Set on the dev splits of seeds and lee (75 questions), re-measured with
    # the sharper prompt and the kind-of-answer check (README, "The reading
    # model"): four or three candidates lose three answers of 57 that five
    # find (six lose one); accepting at 0.15 answers one more and refuses one
    # unanswerable fewer, 0.25 refuses two more and loses two answers.  The
    # budget is a safety net, not a knob: five candidates take about 2-3 s.
    # The defaults are the settings' (one source): see ``from_settings``.
    candidates: int = Settings.model_fields["reader_candidates"].default
    budget_ms: float = float(Settings.model_fields["reader_budget_ms"].default)
    weight: float = _LEVELS.reader_weight
    accept: float = _LEVELS.reader_accept
    accept_more: float = _LEVELS.reader_accept_more
    # Stop reading once an accepted sentence's blend is out of reach of every
    # unread one (a later candidate ranks lower, so p(yes) = 1 is its best).
    early_stop: bool = _LEVELS.reader_early_stop

    @classmethod
    def from_settings(cls, settings: Settings) -> ReaderPolicy:
        levels = settings.tuning
        return cls(
            candidates=settings.reader_candidates, budget_ms=float(settings.reader_budget_ms),
            weight=levels.reader_weight, accept=levels.reader_accept, accept_more=levels.reader_accept_more,
            early_stop=levels.reader_early_stop,
        )  # fmt: skip

@dataclass(frozen=True, slots=True)
class Reading:
    pool: list[Candidate]  # the candidates put to the reader, best ranked first
    scores: tuple[float | None, ...]  # p(states the answer) per pool member; None: not read in time
    elapsed_ms: float
    failure: str | None  # why the reader could not be used at all
    settled: bool = False  # the unread were left because they could not change the answer

_ASKS_FOR = {"count": "a number", "date": "a date or time", "person": "a person's name (or who)", "name": "a name", "place": "a place"}

def judge_question(info: QuestionInfo) -> str:
    """The question as the reader sees it: with what it asks for spelled out
    ("(It asks for the number of passengers.)"), so that a sentence on the
    topic without it reads as no."""
    if info.kind not in _ASKS_FOR:
        return info.text
    what = f"the number of {info.counted}" if info.kind == "count" and info.counted else _ASKS_FOR[info.kind]
    return f"{info.text} (It asks for {what}.)"

# "Who is Ann Lee?" asks what the articles say she is, not for another name.
_IDENTITY = re.compile(r"^\s*(?i:who)\s+(?i:is|was|are|were)\s+[A-Z]")

def states_kind(info: QuestionInfo, quote: str) -> bool:
    """Whether a quote holds the kind of thing asked for: a figure for "how
    many", a date for "when", for "who" a name the question doesn't give (or,
    for "who said ...", someone saying it).

    The reader judges whether a sentence answers; this catches what it
    accepts for being on topic: "The mayor said ..." for "Who is the mayor?".
    A figure may be a word ("seven", "dozens"); a place is not checked (the
    gazetteer knows cities, not "bushland near the river").
    """
    if info.kind == "count":
        return bool(NUMBER.search(quote))
    if info.kind == "date":
        return bool(DATE.search(quote))
    if info.kind not in ("person", "name") or _IDENTITY.match(info.text):
        return True
    asked = {n.lower() for n in info.names}
    if any(n.lower() not in asked and not is_place(n) for n in names_in(quote)):
        return True
    return info.kind == "person" and bool(ATTRIBUTION.search(info.text)) and bool(ATTRIBUTION.search(quote))
