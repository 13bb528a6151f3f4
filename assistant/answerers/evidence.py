"""Where a candidate sentence stands among the retrieved: its quote, its source, its wire copies.

Small questions the extractive answerer and its renderer both ask of a
``Candidate`` in an ``AnswerContext``; none of them decides anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..context.ranking import Candidate
from ..language.question import NUMBER, QuestionInfo
from ..language.terms import holds_all, spellings
from ..types import Passage
from .drafts import AnswerContext

__all__ = [
    "about_named", "copies_of", "figures_in", "overlaps", "passage_around", "quote_of", "retrieved",
    "said_before", "same_report", "source_line", "sources_named",
]  # fmt: skip


def retrieved(context: AnswerContext) -> Sequence[Passage]:
    """Every retrieved passage, the reranked top-k first, then the pool reranking cut them from."""
    return (*context.passages, *context.pool)

def passage_around(context: AnswerContext, article_id: str, start: int, end: int) -> Passage | None:
    """A retrieved passage holding ``article_id``'s text from ``start`` to ``end``, if any."""
    return next((p for p in retrieved(context) if p.article_id == article_id and p.start <= start and end <= p.end), None)

def copies_of(pick: Candidate, context: AnswerContext) -> list[Candidate]:
    """The pick's wire copies recorded at ingest, each with a retrieved passage around it."""
    out = []
    for copy_id in context.copies.get(f"{pick.article_id}:{pick.start}-{pick.end}", ()):
        aid, span = copy_id.rsplit(":", 1)
        start, end = (int(x) for x in span.split("-"))
        around = passage_around(context, aid, start, end)
        if aid in context.texts and around:
            out.append(replace(pick, article_id=aid, start=start, end=end, quote_start=start, quote_end=end, passage=around))
    return out

def about_named(
    ranked: list[Candidate], info: QuestionInfo, context: AnswerContext, article_terms: dict[str, set[str]]
) -> list[Candidate]:
    """Only sentences from articles that mention everything the question names
    (in their words, or as their outlet or agency).

    "How many were hurt in the X earthquake?" is not answered by a sentence
    about another disaster, however alike the wording: the article must name
    X (or, for a capital or country, the other of the pair).
    """
    if not info.names:
        return ranked
    needs = [spellings(n, context.lexicon.tokenize) for n in info.names]
    keep = []
    for cand in ranked:
        terms = article_terms.get(cand.article_id)
        if terms is None:
            words = f"{context.texts[cand.article_id]} {context.credits.get(cand.article_id, '')}"
            terms = article_terms[cand.article_id] = set(context.lexicon.tokenize(words))
        if all(any(holds_all(way, terms) for way in need) for need in needs):
            keep.append(cand)
    return keep

def source_line(item: Candidate, context: AnswerContext) -> str:
    return ", ".join(x for x in (context.outlets.get(item.article_id), context.published.get(item.article_id)) if x)

def quote_of(item: Candidate, context: AnswerContext) -> str:
    return context.texts[item.article_id][item.quote_start : item.quote_end]

def figures_in(item: Candidate, context: AnswerContext) -> frozenset[str]:
    sentence = context.texts[item.article_id][item.start : item.end]
    return frozenset(m.group().lower().rstrip(".,") for m in NUMBER.finditer(sentence))

def sources_named(items: list[Candidate], context: AnswerContext) -> list[str]:
    """How a notice names each item's article: by its outlet, and where two
    articles share one (a running story, updated), by date or else by id."""
    outlets = [context.outlets.get(c.article_id) or c.article_id for c in items]
    out = []
    for item, outlet in zip(items, outlets, strict=True):
        twins = [c for c, o in zip(items, outlets, strict=True) if o == outlet and c.article_id != item.article_id]
        if twins:
            date = context.published.get(item.article_id)
            told_apart = date and all(context.published.get(c.article_id) != date for c in twins)
            outlet = f"{outlet} of {date}" if told_apart else f"{outlet} article {item.article_id}"
        out.append(outlet)
    return out

def said_before(c: Candidate, cited: frozenset[tuple[str, int, int]]) -> bool:
    return any(aid == c.article_id and start < c.quote_end and c.quote_start < end for aid, start, end in cited)

def overlaps(a: Candidate, b: Candidate) -> bool:
    return a.article_id == b.article_id and a.quote_start < b.quote_end and b.quote_start < a.quote_end

def same_report(a: Candidate, b: Candidate, context: AnswerContext) -> bool:
    """Near-duplicate sentences (one wire story in two outlets), as recorded at ingest."""
    return f"{b.article_id}:{b.start}-{b.end}" in context.copies.get(f"{a.article_id}:{a.start}-{a.end}", ())
