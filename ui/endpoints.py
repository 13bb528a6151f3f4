"""The API endpoints for scripts (``gradio_client``): ``/ask``, ``/chat`` and ``/articles``.

Each returns plain JSON (``Answer.to_dict()``, ``ArticleInfo.to_dict()``);
a ``UserError`` reaches the caller as its message, anything else as one line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from assistant import Conversation, UserError
from ui.chat import one_line

__all__ = ["make_endpoints"]

logger = logging.getLogger(__name__)


def _guarded(what: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except UserError as exc:
        raise gr.Error(str(exc)) from exc
    except Exception as exc:  # one clear line for the caller, the traceback in our log
        logger.exception("%s failed", what)
        raise gr.Error(f"Something went wrong: {one_line(exc)}") from exc


def make_endpoints(assistant: Any) -> list[Callable[..., Any]]:
    """The endpoint functions; ``gr.api`` reads their schemas from the type hints."""

    def ask(question: str) -> dict:
        """Answer one question (no conversation) and return ``Answer.to_dict()``."""
        return _guarded(f"ask {question!r}", lambda: assistant.ask(question).to_dict())

    def chat(
        message: str,
        history: list[dict[str, Any]],
        outlet: str = "",
        since: str = "",
        until: str = "",
        top_k: int = 0,
        mode: str = "",
        as_of: str = "",
    ) -> dict:
        """Answer ``message`` as the next turn after ``history`` (earlier results of /chat or /ask).

        Filters and ``as_of`` as in ``Assistant.ask``; empty strings and ``top_k=0`` mean the defaults.
        """

        def run() -> dict:
            answer = Conversation.from_dicts(assistant, history).ask(
                message,
                outlet=outlet or None,
                since=since or None,
                until=until or None,
                top_k=top_k or None,
                mode=mode or None,
                as_of=as_of or None,
            )
            return answer.to_dict()

        return _guarded(f"chat {message!r}", run)

    def articles(query: str = "") -> list[dict[str, Any]]:
        """The stored articles (``ArticleInfo.to_dict()``), those whose title, outlet or id hold ``query``."""

        def run() -> list[dict[str, Any]]:
            words = query.casefold().split()
            return [
                a.to_dict() for a in assistant.articles()
                if all(w in f"{a.title} {a.outlet or ''} {a.id}".casefold() for w in words)
            ]  # fmt: skip

        return _guarded("articles", run)

    return [ask, chat, articles]
