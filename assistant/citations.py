"""Citations checked in code: an answerer's claims about where its words come from are never trusted.

A citation is kept only when its article is stored, its offsets lie inside
that article and the answer's text carries its ``[n]`` marker; the quote
shown is the article's text at those offsets, never the answerer's.  The
rest are dropped and logged.
"""

from __future__ import annotations

import logging

from vectorstore.protocols import Store

from .answerers.drafts import Draft
from .types import Citation

__all__ = ["checked_citations"]

logger = logging.getLogger(__name__)


def checked_citations(draft: Draft, store: Store) -> tuple[Citation, ...]:
    """Keep only citations whose quote is exactly the article's text at its offsets."""
    out: list[Citation] = []
    for n, cited in enumerate(draft.citations, start=1):
        stored = store.article(cited.article_id)
        if stored is None or not (0 <= cited.start < cited.end <= len(stored.text)):
            logger.warning("dropping citation [%d]: bad article or offsets", n)
            continue
        quote = stored.text[cited.start : cited.end]
        if f"[{n}]" not in draft.text:
            logger.warning("dropping citation [%d]: no marker in the answer", n)
            continue
        out.append(
            Citation(
                n=n,
                article_id=stored.id,
                title=stored.title,
                outlet=stored.outlet,
                published=stored.published,
                source=stored.source,
                quote=quote,
                start=cited.start,
                end=cited.end,
                passage=cited.passage.text,
                score=round(float(cited.score), 4),
            )
        )
    return tuple(out)
