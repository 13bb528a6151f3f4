"""One news page's HTML to its fields, by trafilatura and htmldate.

Saved ``.html`` files and fetched pages both come through here, so a page
reads the same however it arrived. trafilatura finds the main text (leaving
out navigation, related lists, cookie banners, footers and captions), the
title, the site name and the author; htmldate finds the dates.

Dates: the publication date is the page's own machine-readable one (meta
tags, JSON-LD, ``<time>``, the URL), the original rather than the latest, and
at most one day past today (a time zone ahead). Only a page that declares
none is searched further (its text, a dateline). A page whose declared date
is further in the future gets no date: htmldate's wider search would
otherwise settle on any older date it finds, such as the footer's copyright
year, and a wrong date is worse than none. The update date is the page's
latest declared date when it is later than the publication date.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

logger = logging.getLogger(__name__)

__all__ = ["ExtractedPage", "NothingExtracted", "extract_page", "page_dates"]

# htmldate's search stops here; a date far past today is no date.
_LATEST = "2100-12-31"
# libxml2 stops reading at 256 levels (without its "huge" option) and drops
# what is deeper: a page that deep is refused by name rather than cut short.
MAX_DEPTH = 250
TOO_DEEP = f"nested too deeply to read (over {MAX_DEPTH} nested elements)"


class NothingExtracted(ValueError):
    """No main text on the page (a paywall, a script-only page, an empty one)."""


@dataclass(frozen=True)
class ExtractedPage:
    text: str                 # main text, one paragraph a line (trafilatura's output)
    title: str | None
    outlet: str | None        # the site name
    author: str | None
    published: str | None     # YYYY-MM-DD (htmldate's output format)
    updated: str | None       # YYYY-MM-DD, later than published
    url: str | None           # the canonical URL the page gives, if any


def _one_line(value: str | None) -> str | None:
    return " ".join((value or "").split()) or None


def _depth(tree) -> int:
    from lxml import etree

    depth = deepest = 0
    for event, _ in etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def page_dates(tree, *, today: date | None = None) -> tuple[str | None, str | None]:
    """(published, updated) of a page (an lxml tree or HTML text); see the module docstring."""
    from htmldate import find_date

    today = today or date.today()
    allowed = (today + timedelta(days=1)).isoformat()

    def declared(original: bool, max_date: str) -> str | None:
        return find_date(tree, original_date=original, extensive_search=False, max_date=max_date)

    # Looked for without htmldate's upper bound: with it, a date past the bound
    # is passed over and the next candidate taken (the footer's, say).
    published = declared(True, _LATEST)
    if published is not None and published > allowed:
        logger.warning("the page's date %s is in the future; stored without a date", published)
        return None, None
    if published is None:
        published = find_date(tree, original_date=True, extensive_search=True, max_date=today.isoformat())
    updated = declared(False, _LATEST)
    if published is None or updated is None or not published < updated <= allowed:
        updated = None
    return published, updated


def extract_page(html: str | bytes, *, url: str | None = None, min_chars: int = 1,
                 today: date | None = None) -> ExtractedPage:
    """The page's main text and metadata; raises ``NothingExtracted`` below ``min_chars`` of text.

    A page nested deeper than ``MAX_DEPTH`` raises ``NothingExtracted`` (``TOO_DEEP``).
    """
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        raise NothingExtracted("not an HTML page (nothing could be parsed)")
    if _depth(tree) > MAX_DEPTH:
        raise NothingExtracted(TOO_DEEP)
    doc = trafilatura.bare_extraction(tree, url=url, with_metadata=True, include_comments=False,
                                      include_tables=True, include_images=False, favor_precision=True,
                                      date_extraction_params={"extensive_search": False, "original_date": True,
                                                              "max_date": _LATEST})
    text = (doc.text or "").strip() if doc is not None else ""
    if len(text) < min_chars:
        raise NothingExtracted("nothing extracted (paywall, script-only or empty page)")
    published, updated = page_dates(load_html(html), today=today)
    return ExtractedPage(text=text, title=_one_line(doc.title), outlet=_one_line(doc.sitename),
                         author=_one_line(doc.author), published=published, updated=updated, url=doc.url)
