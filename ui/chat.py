"""The chat's event handlers: ask (streamed), feedback, export, new conversation, examples.

Each browser session has its own ``ChatSession`` in a ``gr.State``: the
public ``Conversation`` (its answers are the history follow-ups are read
against), and which chat message shows which answer (for feedback).
"""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import Answer, Conversation, Step, TextDelta, UserError, examples_from_store
from ui.render import (
    render_answer_html,
    render_draft_html,
    render_error_html,
    render_question_html,
    render_step_html,
)

__all__ = ["ChatSession", "ChatHandlers", "FEEDBACK_OPTIONS", "one_line"]

logger = logging.getLogger(__name__)

# "Like"/"Dislike" render as thumbs; any other option sits under a flag icon.
FEEDBACK_OPTIONS = ("Like", "Dislike", "Wrong source")
_FEEDBACK_KIND = {True: "up", False: "down", "Like": "up", "Dislike": "down", "Wrong source": "wrong_source"}


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (never a traceback in the chat)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@dataclass
class ChatSession:
    """One browser session's memory; its conversation starts with the first question."""

    conversation: Conversation | None = None
    answer_at: dict[int, int] = field(default_factory=dict)  # chat message index -> turn index
    votes: dict[int, str] = field(default_factory=dict)  # turn index -> the vote last saved for it


def _blank(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


class ChatHandlers:
    """The chat's functions over ``assistant`` (anything with ``ask_stream``) and a feedback log."""

    def __init__(self, assistant: Any, feedback: Any, *, export_dir: Path | None = None):
        self._assistant = assistant
        self._feedback = feedback
        self._export_dir = export_dir

    def respond(
        self,
        question: str,
        messages: list[dict[str, Any]] | None,
        convo: ChatSession | None,
        outlet: str | None = None,
        since: str | None = None,
        until: str | None = None,
        top_k: float | None = None,
        mode: str | None = None,
    ):
        """Show the question, then each step, the streamed draft, and the checked answer."""
        messages = list(messages or [])
        convo = convo if convo is not None else ChatSession()
        if convo.conversation is None:
            convo.conversation = Conversation(self._assistant)
        question = (question or "").strip()
        if not question:
            yield gr.skip(), messages, convo
            return
        messages.append({"role": "user", "content": render_question_html(question)})
        messages.append({"role": "assistant", "content": render_step_html("Searching the articles…")})
        yield "", messages, convo
        options = dict(
            outlet=_blank(outlet),
            since=_blank(since),
            until=_blank(until),
            top_k=int(top_k) if top_k else None,
            mode=_blank(mode),
        )
        try:
            step, draft = None, ""
            messages[-1] = {"role": "assistant", "content": render_error_html("No answer came back.")}
            for event in convo.conversation.ask_stream(question, **options):
                if isinstance(event, Step):
                    step = event.message
                    messages[-1] = {"role": "assistant", "content": render_step_html(step)}
                elif isinstance(event, TextDelta):
                    draft += event.text
                    messages[-1] = {"role": "assistant", "content": render_draft_html(draft, step)}
                elif isinstance(event, Answer):
                    convo.answer_at[len(messages) - 1] = len(convo.conversation) - 1
                    messages[-1] = {"role": "assistant", "content": render_answer_html(event)}
                    break
                yield "", messages, convo
        except UserError as exc:
            messages[-1] = {"role": "assistant", "content": render_error_html(str(exc))}
        except Exception as exc:  # the chat must survive any failure underneath
            logger.exception("ask failed for question %r", question)
            messages[-1] = {"role": "assistant", "content": render_error_html(f"Something went wrong: {one_line(exc)}")}
        yield "", messages, convo

    def feedback(self, convo: ChatSession | None, data: gr.LikeData) -> None:
        """Save a thumb or a "wrong source" flag on the answer it was given to."""
        index = data.index if isinstance(data.index, int) else data.index[0]
        turn = convo.answer_at.get(index) if convo is not None else None
        if data.liked == "":  # a vote taken back: nothing to save
            if turn is not None:
                convo.votes.pop(turn, None)
            return
        kind = _FEEDBACK_KIND.get(data.liked)
        if turn is None or kind is None:
            gr.Info("Only answers can be rated.")
            return
        if convo.votes.get(turn) == kind:
            # Gradio sends a click on an extra option ("Wrong source") twice.
            return
        convo.votes[turn] = kind
        answer = convo.conversation.answers[turn]
        try:
            self._feedback.record(kind, answer)
        except Exception as exc:  # feedback must never break the chat
            logger.exception("could not save feedback")
            gr.Warning(f"Feedback not saved: {one_line(exc)}")
            return
        gr.Info("Thank you: feedback saved.")

    def export(self, convo: ChatSession | None) -> str | None:
        """The conversation as a Markdown file, for download."""
        if convo is None or not convo.conversation:
            gr.Warning("Nothing to export yet: ask a question first.")
            return None
        first = re.sub(r"[^A-Za-z0-9]+", "-", convo.conversation.answers[0].question).strip("-")[:40] or "conversation"
        folder = Path(tempfile.mkdtemp(prefix="news-chat-", dir=self._export_dir))
        path = folder / f"{first}.md"
        path.write_text(convo.conversation.to_markdown(), encoding="utf-8")
        return str(path)

    def new_conversation(self):
        return [], ChatSession(), "", None

    def examples(self) -> list[dict[str, str]]:
        """Example questions for the empty chat, from the stored articles (none on failure)."""
        try:
            return [{"text": q} for q in examples_from_store(self._assistant)]
        except Exception:  # examples are a nicety: never keep the page from loading
            logger.exception("could not draw example questions from the store")
            return []

    @staticmethod
    def pick_example(data: gr.SelectData) -> str:
        value = data.value
        return value.get("text", "") if isinstance(value, dict) else str(value or "")
