"""A conversation: the turns so far, follow-ups read against them, and the whole as Markdown.

The CLI chat, the web chat, its ``/chat`` endpoint and the MCP server each
keep their conversations as one of these, so a follow-up ("And in Cairns?")
is read the same way whichever face it came through.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from .errors import InvalidInputError
from .export import conversation_markdown
from .types import Answer, Step, TextDelta

__all__ = ["Conversation"]


class _Asks(Protocol):
    def ask_stream(self, question: str, **options: Any) -> Iterator[Step | TextDelta | Answer]: ...


class Conversation:
    """The answers given so far, oldest first; ``ask`` adds one.

    ``assistant`` is an ``Assistant`` (anything with its ``ask_stream``).
    Options of ``ask`` (``outlet``, ``since``, ``until``, ``as_of``,
    ``top_k``, ``mode``) apply to that turn only.  A copy (as Gradio makes of session
    state) shares the assistant and copies the turns.
    """

    def __init__(self, assistant: _Asks, answers: Iterable[Answer] = ()):
        self._assistant = assistant
        self._answers: list[Answer] = list(answers)

    @classmethod
    def from_dicts(cls, assistant: _Asks, answers: Any) -> Conversation:
        """A conversation from earlier answers as JSON (``Answer.to_dict()``, oldest first)."""
        if answers is None:
            return cls(assistant)
        if not isinstance(answers, list):
            raise InvalidInputError("history must be a list of earlier answers (Answer JSON), oldest first")
        return cls(assistant, [Answer.from_dict(a) for a in answers])

    @property
    def answers(self) -> tuple[Answer, ...]:
        return tuple(self._answers)

    @property
    def history(self) -> tuple[tuple[str, Answer], ...]:
        """``(question, Answer)`` turns, as ``Assistant.ask`` takes them."""
        return tuple((a.question, a) for a in self._answers)

    def __len__(self) -> int:
        return len(self._answers)

    def ask(self, question: str, **options: Any) -> Answer:
        """The next turn's checked ``Answer``, added to the conversation."""
        return next(e for e in self.ask_stream(question, **options) if isinstance(e, Answer))

    def ask_stream(self, question: str, **options: Any) -> Iterator[Step | TextDelta | Answer]:
        """``ask`` as it happens (``Assistant.ask_stream``'s events); the ``Answer`` is added when it comes."""
        for event in self._assistant.ask_stream(question, history=self.history, **options):
            if isinstance(event, Answer):
                self._answers.append(event)
            yield event

    def clear(self) -> None:
        """Start over: the next question is read on its own."""
        self._answers.clear()

    def to_markdown(self) -> str:
        """Every question and answer, each citation with its outlet, date, title and quote."""
        return conversation_markdown(self.history)

    def __deepcopy__(self, memo: dict) -> Conversation:
        return Conversation(self._assistant, copy.deepcopy(self._answers, memo))
