"""Time-aware answers (issue 19): the latest figure, how it changed, as of when.

A developing story's figures change from one report to the next (a death
toll, a count of arrests).  When the sentences that answer a "how many"
question come from articles of different dates and give different figures,
the answer leads with the newest report's figure and its date, and
``Answer.timeline`` lists every report's figure, oldest first, each cited.
"How did X change?" gets the same figures in date order.  Reports that share
a date and differ stay a disagreement (``rendering.compare_figures``): no date
says which is newer.

The question forms are read by two documented rules (``asks_latest``,
``asks_change``), not by wording written for one question.  A figure's date
is its article's date: the page's last update when one is stored (the text
is that version's), else its publication date.  "As of" a date is a retrieval filter
(``inputs.until_as_of``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..context.ranking import Candidate
from ..language.question import QuestionInfo
from ..language.terms import count_figure, counts_in
from ..settings import Tuning
from ..types import DatedFigure
from .drafts import AnswerContext, Draft, DraftCitation
from .evidence import copies_of

__all__ = [
    "as_count", "asks_change", "asks_latest", "format_timeline", "kept_timeline", "newest_first",
    "reads_every_report", "timeline_draft",
]

# "Now", "still", "so far", "latest", "currently", "to date", "most recent":
# the question is about the story's present state, so the newest report wins
# a near tie (``newest_first``).
_LATEST = re.compile(r"\b(?:now|still|so far|latest|currently|current|to date|most recent|as it stands)\b", re.I)

# "How did the death toll rise?", "How has the number of arrests changed?":
# a question about a quantity's course, answered with its figures in date order.
_CHANGE = re.compile(
    r"^\s*how\s+(?:did|has|have|had|does|do)\s+(?P<what>.+?)\s+"
    r"(?:change|rise|risen|rose|grow|grown|climb|fall|fallen|drop|increase|decrease|evolve|develop|go up|gone up|mount)"
    r"(?:d|ed|s)?\b",
    re.I,
)

# Two reports of one running figure on different days are worded apart
# more than two outlets' reports of one day (``Tuning.same_fact``, 0.75): in
# the four-day story of tests/data the daily toll sentences sit at 0.46-0.83
# cosine to one another (the first day's lede tells the event, the later
# ones the toll), every other sentence of those articles at <= 0.32 to the
# answer's.  So a report joins at ``Tuning.timeline_same_fact`` (0.45) to one
# already taken, scoring ``Tuning.timeline_near`` (0.35) of the answer
# sentence's score (the story's reports: 0.40-0.63 of it).

_WORD_VALUES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "thousand": 1000,
}  # fmt: skip


def asks_latest(question: str) -> bool:
    """Whether the question asks about the present state ("now", "still", "so far", "latest")."""
    return bool(_LATEST.search(question))


def asks_change(question: str) -> str | None:
    """The quantity a "how did X change/rise/fall" question asks about ("the death toll"), or None."""
    m = _CHANGE.match(question)
    return m.group("what").strip() if m else None


def as_count(info: QuestionInfo) -> QuestionInfo:
    """A "how did X change" question asks for figures: it is ranked and read as a count question.

    The counted thing is left open: "the death toll rose to 14" gives the
    toll with no counted word after the figure.
    """
    if info.kind == "other" and asks_change(info.text):
        return replace(info, kind="count", counted=None)
    return info


# -- the timeline --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Report:
    item: Candidate
    figure: str
    published: str
    rank: int  # its place among the ranked sentences: ties of date keep it


def timeline_draft(
    info: QuestionInfo,
    picks: Sequence[Candidate],
    ranked: Sequence[Candidate],
    context: AnswerContext,
    tuning: Tuning,
) -> Draft | None:
    """The answer as a timeline when the reports of the picked fact differ by date; else None.

    ``ranked`` are the sentences the answer may use (with the reader on,
    those it accepted), best first; a sentence's wire copies in other
    articles count as reports too.  A report joins when it gives a figure for
    what is counted, ranks near the answer's sentence and says the same
    fact as a report already taken (``tuning.timeline_same_fact``), the answer's
    own sentence first; one report per article.
    """
    if info.kind != "count" or not picks:
        return None
    reports = _reports(info, picks[0], ranked, context, tuning)
    if len({r.published for r in reports}) < 2 or len({r.figure for r in reports}) < 2:
        return None
    reports.sort(key=lambda r: (r.published, r.rank))
    change = asks_change(info.text) is not None
    # Latest first for "how many" (of two on the newest date, the better ranked); date order for "how did it change".
    newest = max(reports, key=lambda r: (r.published, -r.rank))
    order = reports if change else [newest, *[r for r in reports if r is not newest]]
    citations = tuple(
        DraftCitation(r.item.article_id, r.item.quote_start, r.item.quote_end, r.item.passage, r.item.score) for r in order
    )
    n_of = {id(r): i for i, r in enumerate(order, 1)}
    timeline = tuple(
        DatedFigure(r.figure, _value(r.figure), r.published, context.outlets.get(r.item.article_id), r.item.article_id, n_of[id(r)])
        for r in reports
    )
    text = _change_text(reports, n_of, context) if change else _latest_text(newest, reports, n_of, context)
    return Draft(text, citations, False, _notice(reports, context), timeline=timeline)


def reads_every_report(info: QuestionInfo, pool: Sequence[Candidate], context: AnswerContext) -> bool:
    """Whether the reader must read the whole pool rather than stop at the first sure answer:
    a count question whose candidates give figures on two dates or more (each may be a report
    of a timeline, and only sentences the reader accepts reach one)."""
    if info.kind != "count":
        return False
    dates = {report_date(c.article_id, context) for c in pool if counts_in(context.texts[c.article_id][c.start : c.end])}
    return len(dates - {None}) >= 2


def _reports(info, lead, ranked, context, tuning: Tuning) -> list[_Report]:
    counted = set(context.lexicon.tokenize(info.counted)) if info.counted else set()
    out: dict[str, _Report] = {}
    for rank, cand in enumerate([lead, *[c for c in ranked[: tuning.timeline_look] if c is not lead]]):
        same_fact = any(float(cand.vector @ r.item.vector) >= tuning.timeline_same_fact for r in out.values())
        if cand is not lead and not (cand.score >= lead.score * tuning.timeline_near and same_fact):
            continue
        for item in (cand, *copies_of(cand, context)):
            published = report_date(item.article_id, context)
            figure = _figure(context.texts[item.article_id][item.start : item.end], counted, context.lexicon.tokenize)
            if published and figure and item.article_id not in out and len(out) < tuning.timeline_most:
                out[item.article_id] = _Report(item, figure, published, rank)
    return list(out.values())


def report_date(article_id: str, context: AnswerContext) -> str | None:
    """A report's date: its page's last update when it has one (the text is that version's), else its publication."""
    return context.updated.get(article_id) or context.published.get(article_id)


def _figure(sentence: str, counted: set[str], tokenize) -> str | None:
    """The figure for the counted thing; a sentence of the same fact holding one count gives that one
    ("the death toll rose to 14" answers "how many people died")."""
    figure = count_figure(sentence, counted, tokenize) if counted else None
    if figure:
        return figure
    counts = counts_in(sentence)
    return counts[0] if len(counts) == 1 else None


def _value(figure: str) -> float | None:
    digits = figure.replace(",", "")
    try:
        return float(digits)
    except ValueError:
        return float(_WORD_VALUES[figure]) if figure in _WORD_VALUES else None


def _label(report: _Report, context: AnswerContext) -> str:
    outlet = context.outlets.get(report.item.article_id)
    return f"{outlet}, {report.published}" if outlet else report.published


def _latest_text(newest: _Report, reports: list[_Report], n_of: dict[int, int], context: AnswerContext) -> str:
    earlier = [r for r in reports if r is not newest]
    quote = context.texts[newest.item.article_id][newest.item.quote_start : newest.item.quote_end]
    head = f"{newest.figure} ({_label(newest, context)}), the latest of {len(reports)} reports: {quote} [{n_of[id(newest)]}]"
    before = "; ".join(f"{r.figure} ({_label(r, context)}) [{n_of[id(r)]}]" for r in earlier)
    # A report of the newest date that differs is no earlier one (the notice names the disagreement).
    others = "Earlier" if all(r.published < newest.published for r in earlier) else "Other"
    return f"{head} {others} reports: {before}."


def _change_text(reports: list[_Report], n_of: dict[int, int], context: AnswerContext) -> str:
    steps = "; ".join(f"{r.figure} ({_label(r, context)}) [{n_of[id(r)]}]" for r in reports)
    return f"From {reports[0].figure} to {reports[-1].figure} over {len(reports)} reports, oldest first: {steps}."


def _notice(reports: list[_Report], context: AnswerContext) -> str:
    notes = [f"The figure changed between reports of {reports[0].published} and {reports[-1].published}; it may have changed since."]
    by_date: dict[str, list[_Report]] = {}
    for r in reports:
        by_date.setdefault(r.published, []).append(r)
    for date, same_day in by_date.items():
        if len({r.figure for r in same_day}) > 1:
            gives = "; ".join(f"{context.outlets.get(r.item.article_id) or r.item.article_id} gives {r.figure}" for r in same_day)
            notes.append(f"The reports of {date} disagree: {gives}.")
    return " ".join(notes)


# -- latest first for any question about the present ----------------------------------
def newest_first(
    info: QuestionInfo, picks: list[Candidate], ranked: Sequence[Candidate], context: AnswerContext, tuning: Tuning
) -> list[Candidate]:
    """For a question about the present ("still", "so far", "latest"), the newest near-tie leads.

    A near tie is a sentence scoring ``tuning.close_share`` of the first pick's score
    that holds the kind of answer the pick does; among those the newest
    article's comes first, and the picks keep their number.
    """
    if not picks or not asks_latest(info.text):
        return picks
    lead = picks[0]
    close = lead.score * tuning.close_share
    near = [c for c in ranked[: tuning.timeline_look] if c.score >= close and c.typed >= lead.typed] or [lead]
    newest = max(near, key=lambda c: context.published.get(c.article_id) or "")
    if (context.published.get(newest.article_id) or "") <= (context.published.get(lead.article_id) or ""):
        return picks
    rest = [p for p in picks if p.article_id != newest.article_id]
    return [newest, *rest][: len(picks)]


def kept_timeline(timeline: Sequence[DatedFigure], kept_numbers: set[int]) -> tuple[DatedFigure, ...]:
    """The entries whose citation survived validation (an entry is never shown uncited)."""
    return tuple(f for f in timeline if f.n in kept_numbers)


def format_timeline(timeline: Sequence[DatedFigure]) -> list[str]:
    """Plain lines for a terminal: date, figure, outlet and citation, oldest first."""
    return [f"{f.published}  {f.figure:>8}  {f.outlet or 'unknown outlet'} [{f.n}]" for f in timeline]
