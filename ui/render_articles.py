"""Pure HTML for the article side of the app: the viewer, the article list, the upload report.

As in ``ui.render``, everything that came from an article or a file is
escaped: an article holding ``<script>`` or Markdown shows it as text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant import Article, ArticleInfo, IngestReport, Rejected

__all__ = [
    "render_article_html", "render_article_list", "render_ingest_report", "render_newest", "render_viewer_message",
]  # fmt: skip

VIEWER_EMPTY = "Click a citation card or an [n] marker to read the article it quotes."


def _esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def _paragraphs(text: str) -> str:
    """Escaped text, one ``<p>`` per paragraph, line breaks kept (no blank line in the output)."""
    paras = [p for p in text.split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(_esc(line) for line in para.splitlines() if line.strip()) + "</p>" for para in paras
    )


def render_viewer_message(message: str = VIEWER_EMPTY) -> str:
    return f'<div class="viewer-empty">{_esc(message)}</div>'


def _meta(article: ArticleInfo) -> str:
    wire = f' <span class="article-wire">· wire: {_esc(", ".join(article.agencies))}</span>' if article.agencies else ""
    return (
        '<div class="article-meta">'
        f'<span class="article-outlet">{_esc(article.outlet) or "outlet unknown"}</span> · '
        f'<span class="article-date">{_esc(article.published) or "date unknown"}</span> · '
        f'<span class="article-source">{_esc(article.source)}</span>{wire}'
        "</div>"
    )


def render_article_html(article: Article, start: int | None = None, end: int | None = None) -> str:
    """The whole article, with ``text[start:end]`` (the cited quote) in a ``<mark class="cited">``.

    Paragraphs are split on the text as stored; the mark may span a paragraph
    break, in which case each part is marked.
    """
    text = article.text
    if start is None or end is None or not (0 <= start < end <= len(text)):
        body = _paragraphs(text)
    else:
        before, quote, after = text[:start], text[start:end], text[end:]
        # Sentinels that escaping and splitting leave alone mark where the quote goes.
        open_, close = "\x00", "\x01"
        body = _paragraphs(before + open_ + quote + close + after)
        body = body.replace(open_, '<mark class="cited" id="cited">', 1).replace(close, "</mark>", 1)
        # A quote across paragraphs: close and reopen the mark at each boundary inside it.
        head, _, rest = body.partition('<mark class="cited" id="cited">')
        inner, _, tail = rest.partition("</mark>")
        inner = inner.replace("</p><p>", '</mark></p><p><mark class="cited">')
        body = f'{head}<mark class="cited" id="cited">{inner}</mark>{tail}'
    return (
        f'<article class="article-view" data-article="{_esc(article.id)}">'
        f'<h3 class="article-title">{_esc(article.title)}</h3>'
        f"{_meta(article)}"
        f'<div class="article-body">{body}</div>'
        "</article>"
    )


def _size(chars: int | None) -> str:
    if chars is None:
        return ""
    return f"{chars / 1000:.1f}k chars" if chars >= 1000 else f"{chars} chars"


def render_article_list(articles: Sequence[ArticleInfo], sizes: dict[str, int], *, query: str = "", total: int) -> str:
    """A table of the stored articles: title, outlet, date, size (and id, to remove one)."""
    if not articles:
        empty = f"No stored article matches {query!r}." if query else "No articles yet: upload some."
        return f'<div class="article-list-empty">{_esc(empty)}</div>'
    rows = "".join(
        f'<tr data-article="{_esc(a.id)}">'
        f'<td class="al-title">{_esc(a.title)}</td>'
        f'<td class="al-outlet">{_esc(a.outlet) or "—"}</td>'
        f'<td class="al-date">{_esc(a.published) or "—"}</td>'
        f'<td class="al-size">{_esc(_size(sizes.get(a.id)))}</td>'
        f'<td class="al-id">{_esc(a.id)}</td>'
        "</tr>"
        for a in articles
    )
    shown = f"{len(articles)} of {total} articles" if len(articles) < total else f"{total} articles"
    return (
        f'<div class="article-count">{_esc(shown)}</div>'
        '<table class="article-list"><thead><tr><th>Title</th><th>Outlet</th><th>Date</th><th>Size</th><th>Id</th></tr>'
        f"</thead><tbody>{rows}</tbody></table>"
    )


def render_ingest_report(report: IngestReport | None, rejected: Sequence[Rejected] = ()) -> str:
    """What an upload did: added, replaced, skipped as unchanged, rejected and why."""
    rejected = [*rejected, *(report.rejected if report else ())]
    lines = []
    if report is not None:
        for label, ids in (("Added", report.added), ("Replaced", report.replaced), ("Unchanged, skipped", report.unchanged)):
            if ids:
                lines.append(f'<li class="ingest-{label.split(",")[0].lower()}">{label}: {_esc(", ".join(ids))}</li>')
    for r in rejected:
        lines.append(f'<li class="ingest-rejected">Rejected: {_esc(r.source)}: {_esc(r.reason)}</li>')
    if not lines:
        lines.append('<li class="ingest-none">Nothing to add.</li>')
    return f'<ul class="ingest-report">{"".join(lines)}</ul>'


def render_drift(problems: Sequence[str], *, shown: int = 3) -> str:
    """The Articles tab's warning when the indexes disagree with the article table ("" when they agree)."""
    if not problems:
        return ""
    more = f" (+{len(problems) - shown} more)" if len(problems) > shown else ""
    items = "".join(f"<li>{_esc(p)}</li>" for p in problems[:shown])
    return (
        '<div class="archive-drift" role="alert">The indexes disagree with the article table; answers may miss '
        f"articles until <code>assistant check --repair</code> is run{_esc(more)}:<ul>{items}</ul></div>"
    )


def render_newest(articles: Sequence[ArticleInfo], *, max_outlets: int = 3) -> str:
    """"Newest article: 2024-03-05 (Coast Post)": the latest published date and the outlet(s) of that date."""
    dated = [a for a in articles if a.published]
    if not articles:
        text = "Newest article: none yet (the archive is empty)."
    elif not dated:
        text = "Newest article: no stored article has a date."
    else:
        day = max(a.published for a in dated)
        outlets = sorted({a.outlet for a in dated if a.published == day and a.outlet}, key=str.casefold)
        more = f", +{len(outlets) - max_outlets} more" if len(outlets) > max_outlets else ""
        text = f"Newest article: {day}" + (f" ({', '.join(outlets[:max_outlets])}{more})" if outlets else "")
    return f'<div class="newest-article">{_esc(text)}</div>'
