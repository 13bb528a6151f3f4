"""Pure HTML rendering of an ``Answer`` for the chat.

Everything that came from an article or a user (answer text, titles, outlets,
quotes, notices) is HTML-escaped here, because the chat shows this string as
HTML.  The output never contains a blank line: the chat renders Markdown, and
CommonMark ends a raw HTML block at the first blank line, after which
``*``/``_`` in a quote would start being read as Markdown.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from ui.timeline import render_timeline_html

if TYPE_CHECKING:  # only for type hints; the UI imports the public API at runtime
    from assistant import Answer, Citation

__all__ = [
    "citation_href",
    "render_answer_html",
    "render_citation_html",
    "render_error_html",
    "render_question_html",
    "render_step_html",
    "render_draft_html",
]

DATE_UNKNOWN = "date unknown"
OUTLET_UNKNOWN = "outlet unknown"

# An ``[n]`` marker as the answerer writes it, after escaping (brackets and
# digits are not touched by html.escape, so matching the escaped text is safe).
_MARKER = re.compile(r"\[(\d+)\]")


def _esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def _multiline(text: str) -> str:
    """Escape ``text`` and keep its line breaks without ever emitting a blank line."""
    lines = [_esc(line) for line in text.splitlines() if line.strip()]
    return "<br>".join(lines)


def citation_href(article_id: str, start: int, end: int) -> str:
    """``#open=ID&start=S&end=E``: where a click on a card or marker goes (read by ``ui.style.APP_JS``).

    A fragment link, because the chat's sanitiser keeps ``href`` but drops
    ``data-*`` attributes; the script stops the browser from following it.
    """
    return f"#open={quote(article_id, safe='')}&start={int(start)}&end={int(end)}"


def _target(citation: Citation) -> str:
    href = citation_href(citation.article_id, citation.start, citation.end)
    return f'href="{_esc(href)}" title="Open the article at this quote"'


def _mark_citations(escaped_text: str, citations: dict[int, Citation]) -> str:
    """Wrap the ``[n]`` markers that have a card so CSS can style them and a click opens the article.

    The bracketed number stays visible text, so a copy of the answer still
    reads "... [1]" and matches the card numbers.
    """

    def repl(m: re.Match[str]) -> str:
        citation = citations.get(int(m.group(1)))
        if citation is None:
            return m.group(0)
        return f'<sup class="cite-marker"><a class="cite-link" {_target(citation)}>[{m.group(1)}]</a></sup>'

    return _MARKER.sub(repl, escaped_text)


def render_citation_html(citation: Citation) -> str:
    """One numbered card: ``[n]``, outlet, title, date and the exact quote."""
    outlet = _esc(citation.outlet) if citation.outlet else OUTLET_UNKNOWN
    date = _esc(citation.published) if citation.published else DATE_UNKNOWN
    return (
        f'<a class="citation-card" data-n="{int(citation.n)}" {_target(citation)}>'
        '<div class="citation-head">'
        f'<span class="citation-n">[{int(citation.n)}]</span> '
        f'<span class="citation-outlet">{outlet}</span>'
        ' <span class="citation-sep">·</span> '
        f'<span class="citation-title">{_esc(citation.title)}</span>'
        ' <span class="citation-sep">·</span> '
        f'<span class="citation-date">{date}</span>'
        "</div>"
        f'<blockquote class="citation-quote">{_multiline(citation.quote)}</blockquote>'
        "</a>"
    )


def _read_as(answer: Answer) -> str:
    """How a follow-up was understood, so a wrong guess is visible at once."""
    if not answer.rewritten_question or answer.rewritten_question == answer.question:
        return ""
    return f'<p class="answer-read-as">Read as: {_esc(answer.rewritten_question)}</p>'


def render_answer_html(answer: Answer) -> str:
    """The answer text (markers highlighted), the notice, then one card per citation.

    A refusal is shown plainly: its sentence and the notice, no cards.  A
    follow-up that was completed from the conversation shows how it was read.
    """
    if answer.refused:
        parts = [
            '<div class="answer answer-refused">',
            _read_as(answer),
            f'<p class="answer-text">{_multiline(answer.text)}</p>',
        ]
        if answer.notice:
            parts.append(f'<p class="answer-notice">{_multiline(answer.notice)}</p>')
        parts.append("</div>")
        return "".join(parts)

    by_n = {int(c.n): c for c in answer.citations}
    parts = [
        '<div class="answer">',
        _read_as(answer),
        f'<p class="answer-text">{_mark_citations(_multiline(answer.text), by_n)}</p>',
    ]
    if answer.notice:
        parts.append(f'<p class="answer-notice">{_multiline(answer.notice)}</p>')
    parts.append(render_timeline_html(answer))  # time-aware answers: table and chart (ui/timeline.py)
    if answer.citations:
        parts.append('<div class="citations">')
        parts.extend(render_citation_html(c) for c in sorted(answer.citations, key=lambda c: c.n))
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def render_error_html(message: str) -> str:
    """A failure or a user mistake, shown in the chat instead of an answer."""
    text = _multiline(message)
    return f'<div class="answer answer-error"><p class="answer-text">{text}</p></div>'


def render_question_html(question: str) -> str:
    """The user's own question, shown as typed (never read as Markdown or HTML)."""
    return f'<p class="user-question">{_multiline(question)}</p>'


def render_step_html(message: str) -> str:
    """What the assistant is doing now ("Reading 6 passages…"), until the answer replaces it."""
    return f'<div class="answer answer-working"><p class="answer-step">{_esc(message)}</p></div>'


def render_draft_html(text: str, step: str | None = None) -> str:
    """Text an LLM is writing, shown as it streams; the checked answer replaces it."""
    head = f'<p class="answer-step">{_esc(step)}</p>' if step else ""
    return f'<div class="answer answer-working">{head}<p class="answer-draft">{_multiline(text)}</p></div>'
