"""A conversation as Markdown, with every citation's outlet, date, title and quote."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .types import Answer

__all__ = ["conversation_markdown"]

# Characters that would make Markdown out of article text; brackets stay, so
# the [n] markers read as they do in the chat.
_MD_SPECIAL = re.compile(r"([\\`*_<>#|~])")


def _md(text: str | None) -> str:
    """Article or user text shown literally in Markdown (one line per line, specials escaped)."""
    lines = [_MD_SPECIAL.sub(r"\\\1", line.strip()) for line in (text or "").splitlines() if line.strip()]
    return " ".join(lines)


def conversation_markdown(turns: Sequence[tuple[str, Answer]], *, title: str = "Conversation") -> str:
    """``(question, Answer)`` turns as a Markdown document: question, answer, notice, sources."""
    parts = [f"# {_md(title)}", ""]
    for number, (question, answer) in enumerate(turns, start=1):
        parts += [f"## {number}. {_md(question)}", ""]
        if answer.rewritten_question and answer.rewritten_question != question:
            parts += [f"*Read as: {_md(answer.rewritten_question)}*", ""]
        parts += [_md(answer.text), ""]
        if answer.notice:
            parts += [f"> {_md(answer.notice)}", ""]
        if answer.refused:
            parts += ["*(The articles do not answer this.)*", ""]
        if answer.citations:
            parts += ["Sources:", ""]
            for c in sorted(answer.citations, key=lambda c: c.n):
                head = f"{_md(c.outlet) or 'outlet unknown'}, {c.published or 'date unknown'}: {_md(c.title)}"
                parts.append(f"- [{c.n}] {head} ({_md(c.source)}, article {_md(c.article_id)})")
                parts.append(f"  > {_md(c.quote)}")
            parts.append("")
    return "\n".join(parts).rstrip() + "\n"
