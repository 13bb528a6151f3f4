"""A draft's words: the chosen sentences quoted with their copies, and the notices beside them.

Notices say where outlets disagree on a figure, what "on Tuesday" was in an
article of a given date, that a present-tense answer is as of its article,
and, for a refusal, which passage came closest without answering.
"""

from __future__ import annotations

import datetime as dt
import re

from ..context.ranking import Candidate, is_body_sentence
from ..language.calendar import WEEKDAYS
from ..language.question import QuestionInfo
from ..language.terms import count_figure
from ..settings import Tuning
from .choosing import Reading
from .drafts import AnswerContext, Draft, DraftCitation, refusal
from .evidence import (
    copies_of,
    figures_in,
    passage_around,
    quote_of,
    retrieved,
    same_report,
    source_line,
    sources_named,
)
from .timeline import newest_first, timeline_draft

__all__ = ["KIND_WORD", "NOTHING_MORE", "leads", "merge_parts", "none_states_it", "render"]


def render(
    info: QuestionInfo, picks: list[Candidate], ranked: list[Candidate], context: AnswerContext, *, tuning: Tuning
) -> Draft:
    """The picks quoted with their wire copies, disagreements between outlets and dates noted."""
    # Time-aware answers (timeline.py): a question about the present puts the newest near tie
    # first; figures that differ by date make a timeline instead of a disagreement.
    picks = newest_first(info, picks, ranked, context, tuning)
    if (dated := timeline_draft(info, picks, ranked, context, tuning)) is not None:
        return dated
    notices: list[str] = []
    if info.kind == "count" and info.counted:
        picks, notice = compare_figures(picks, ranked, set(context.lexicon.tokenize(info.counted)), context, tuning)
        notices += [notice] if notice else []
    citations: list[DraftCitation] = []
    parts: list[str] = []
    for pick in picks:
        copies = copies_of(pick, context)[:2]
        # A wire copy that changes a figure is a disagreement, not a duplicate.
        mine = figures_in(pick, context)
        differ = [c for c in copies if mine and (theirs := figures_in(c, context)) and theirs != mine]
        agree = [c for c in copies if c not in differ]
        groups = [[pick, *agree]] + [[c] for c in differ]
        pieces, cites = [], []
        for group in groups:
            markers = []
            for item in group:
                cites.append(DraftCitation(item.article_id, item.quote_start, item.quote_end, item.passage, item.score))
                markers.append(f"[{len(citations) + len(cites)}]")
            pieces.append(f"{quote_of(group[0], context)} {''.join(markers)}")
        if parts and sum(map(len, parts + pieces)) > tuning.max_chars:
            break
        parts += pieces
        citations += cites
        if differ:
            named = zip(sources_named([pick, *differ], context), [pick, *differ], strict=True)
            notices.append(
                "The articles disagree: "
                + "; ".join(f"{source} gives {', '.join(sorted(figures_in(g, context)))}" for source, g in named)
                + "."
            )
    notices += date_notices(info, picks[0], context)
    return Draft(" ".join(parts), tuple(citations), False, " ".join(notices) or None)


KIND_WORD = {"count": "figure", "date": "date", "person": "name", "name": "name", "place": "place"}


_WEEKDAY = re.compile(rf"\b(?:on|last|this)\s+({'|'.join(WEEKDAYS)})\b", re.I)

# Present-tense questions ask about a state that may have changed since publication.
_NOW = re.compile(r"^\s*(?:\w+\s+){0,3}?(is|are|has|have|does|do)\b|\b(still|currently|now|today)\b", re.I)

NOTHING_MORE = "The articles say nothing more on this than the answers above."


def leads(context: AnswerContext, *, most: int) -> Draft:
    """The opening body sentence of each retrieved article, most relevant first."""
    picks: list[DraftCitation] = []
    for aid in dict.fromkeys(p.article_id for p in retrieved(context)):
        text = context.texts[aid]
        lead = next(((s, e, v) for s, e, v in context.sentences.get(aid, []) if is_body_sentence(text[s:e])), None)
        around = lead and passage_around(context, aid, lead[0], lead[1])
        said = lead and (aid, lead[0], lead[1]) in context.already_cited  # "What else?" after a summary
        if around and not said:  # an article whose lead wasn't retrieved is left to a question about it
            picks.append(DraftCitation(aid, lead[0], lead[1], around, float(context.query_vector @ lead[2])))
        if len(picks) == most:
            break
    if not picks and context.already_cited:
        return refusal("nothing_more", NOTHING_MORE)
    if not picks:
        return refusal("no_opening", "No retrieved passage holds an article's opening; ask about a subject.")
    text = " ".join(f"{context.texts[c.article_id][c.start : c.end]} [{i}]" for i, c in enumerate(picks, 1))
    notice = f"The opening sentence of {'each article' if len(picks) > 1 else 'the article'} most related to the question; ask about a subject for more."
    return Draft(text, tuple(picks), False, notice)

def merge_parts(parts: list[str], drafts: list[Draft]) -> Draft:
    """One answer from the parts' answers; a part the articles don't answer is named."""
    texts, citations, notices = [], [], []
    for part, draft in zip(parts, drafts, strict=True):
        if draft.refused:
            notices.append(f"The articles don't answer “{part}”")
            continue
        cited = {(c.article_id, c.start, c.end) for c in citations}
        if all((c.article_id, c.start, c.end) in cited for c in draft.citations):
            continue  # "How did A and B react?" answered by one sentence about both: say it once
        offset = len(citations)
        texts.append(re.sub(r"\[(\d+)\]", lambda m, offset=offset: f"[{int(m.group(1)) + offset}]", draft.text))
        citations += draft.citations
        if draft.notice:
            notices.append(draft.notice.rstrip("."))
    if not citations:
        kind = next(d.refusal for d in drafts if d.refusal)
        return refusal(kind, "; ".join(n for d in drafts if (n := d.notice)) or None)
    return Draft(" ".join(texts), tuple(citations), False, ". ".join(notices) + "." if notices else None)

def none_states_it(info: QuestionInfo, reading: Reading, context: AnswerContext) -> str:
    """The refusal's notice: what was looked for, and the passage that came
    closest, labelled as not an answer (a figure for another group, say)."""
    looked_for = f"a {KIND_WORD[info.kind]}" if info.kind in KIND_WORD else "the answer"
    read = [(p, c) for c, p in zip(reading.pool, reading.scores, strict=True) if p is not None]
    n = len(read)
    notice = f"Read the {n} closest passage{'s' if n > 1 else ''} for {looked_for}; none states it."
    if read:
        _, closest = max(read, key=lambda pc: pc[0])
        quote = " ".join(quote_of(closest, context).split())
        quote = quote if len(quote) <= 240 else quote[:239].rstrip() + "…"
        source = source_line(closest, context) or closest.article_id
        notice += f" Closest passage, not an answer: “{quote}” ({source})."
    return notice

def date_notices(info: QuestionInfo, pick: Candidate, context: AnswerContext) -> list[str]:
    """Resolve "on Tuesday" against the article's date; date present-tense answers."""
    published = context.published.get(pick.article_id)
    if not published:
        return []
    day = dt.date.fromisoformat(published)
    source = context.outlets.get(pick.article_id) or "the article"
    notes = []
    if info.kind == "date":
        m = _WEEKDAY.search(context.texts[pick.article_id][pick.start : pick.end])
        if m:
            back = (day.weekday() - WEEKDAYS.index(m.group(1).lower())) % 7
            when = day - dt.timedelta(days=back)
            notes.append(f"“{m.group(1)}” in {source} of {published} is {when.isoformat()}.")
    elif _NOW.search(info.text):
        notes.append(f"As of {published} ({source}); this may have changed since.")
    return notes


def compare_figures(
    picks: list[Candidate], ranked: list[Candidate], counted: set[str], context: AnswerContext, tuning: Tuning
) -> tuple[list[Candidate], str | None]:
    """Another article's close sentence giving a different count is shown beside the pick.

    Wire copies are compared at ingest; this catches outlets that wrote the
    fact in their own words ("25 people were killed" / "27 people died").
    Sentences at ``tuning.same_fact`` cosine report one fact: measured,
    reworded reports of one toll sit at 0.82-0.84, one match's result and
    its score at 0.66.
    """
    def figure(c: Candidate) -> str | None:
        return count_figure(context.texts[c.article_id][c.start : c.end], counted, context.lexicon.tokenize)

    lead = picks[0]
    mine = figure(lead)
    if not mine:
        return picks, None
    for cand in ranked[1:8]:
        if cand.score < lead.score * tuning.close_share:
            break
        theirs = figure(cand)
        if cand.article_id == lead.article_id or same_report(cand, lead, context) or cand.typed < 1.0 or not theirs:
            continue
        if float(cand.vector @ lead.vector) < tuning.same_fact:
            continue  # "won by 246 runs" and "126 runs for none" count runs of different things
        ours, others = sources_named([lead, cand], context)
        if theirs != mine:
            return [lead, cand], f"The articles disagree: {ours} gives {mine}; {others} gives {theirs}."
        if cand in picks and context.outlets.get(cand.article_id) != context.outlets.get(lead.article_id):
            return picks, f"{ours} and {others} both give {mine}."
    return picks, None
