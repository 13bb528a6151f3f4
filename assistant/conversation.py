"""Follow-up questions, rewritten from the conversation without an LLM."""

from __future__ import annotations

import re
from typing import Sequence

from .question import NAME_RUN, analyse
from .types import Answer

__all__ = ["rewrite_follow_up"]

_PRONOUN = re.compile(r"\b(he|she|him|his|her|hers|they|them|their)\b", re.I)
_FOLLOW_ON = re.compile(r"^\s*(and|also|what about|how about|what else)\b[\s,]*", re.I)
_MIN_WORDS_ALONE = 4


def rewrite_follow_up(question: str, history: Sequence[tuple[str, Answer]]) -> str:
    """Complete ``question`` from the previous turn when it leans on it.

    A personal pronoun becomes the person the previous turn was about (named
    in its question, else in its answer); an opener like "And ..." or "What
    about ..." or a question too short to stand alone is joined to the
    previous question.  A question that stands alone is returned unchanged.
    """
    question = question.strip()
    if not history:
        return question
    prev_question, prev_answer = history[-1]
    prev = prev_answer.rewritten_question or prev_question
    pronoun = _PRONOUN.search(question)
    if pronoun:
        person = _person(prev) or _person(prev_answer.text if not prev_answer.refused else "")
        if person:
            replacement = person + ("'s" if pronoun.group().lower() in {"his", "her", "their"} else "")
            return question[: pronoun.start()] + replacement + question[pronoun.end() :]
    opener = _FOLLOW_ON.match(question)
    if opener or len(question.split()) < _MIN_WORDS_ALONE:
        rest = question[opener.end() :] if opener else question
        if analyse(rest).names and len(rest.split()) >= _MIN_WORDS_ALONE:
            return rest[0].upper() + rest[1:]  # "And what did the US say?" stands alone
        rest = rest.strip(" ?")
        return f"{prev.rstrip(' ?')} {rest}?" if rest else f"{prev.rstrip(' ?')}?"
    return question


def _person(text: str) -> str | None:
    """The first multi-word capitalised name in ``text`` (a person, usually)."""
    for m in NAME_RUN.finditer(text):
        words = m.group().split()
        if m.start() == 0 and words[0].lower() in {"who", "what", "when", "where", "why", "how", "which"}:
            words = words[1:]
        if len(words) >= 2:
            return " ".join(words)
    return None
