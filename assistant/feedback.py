"""Feedback on answers: one JSON line per vote, in ``ASSISTANT_HOME/feedback.jsonl``.

Each line keeps what the vote was about (the question, how it was read, the
answer text and its citations), so a bad answer can be looked at later
without the conversation it came from.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from pathlib import Path
from typing import Any

from .errors import InvalidInputError, StoreError
from .types import Answer

__all__ = ["FeedbackLog", "FEEDBACK_KINDS", "FEEDBACK_FILE"]

logger = logging.getLogger(__name__)

FEEDBACK_FILE = "feedback.jsonl"
# "wrong_source": the answer may read right but a citation does not back it.
FEEDBACK_KINDS = ("up", "down", "wrong_source")


class FeedbackLog:
    """Appends votes to a JSONL file and reads them back (newest last)."""

    def __init__(self, home: str | Path):
        self.path = Path(home) / FEEDBACK_FILE
        self._lock = threading.Lock()

    def record(self, kind: str, answer: Answer) -> dict[str, Any]:
        """Save one vote on ``answer``; returns the entry as written."""
        if kind not in FEEDBACK_KINDS:
            raise InvalidInputError(f"unknown feedback {kind!r}; use one of {', '.join(FEEDBACK_KINDS)}")
        if not isinstance(answer, Answer):
            raise InvalidInputError("feedback needs the Answer it is about")
        entry = {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "kind": kind,
            "question": answer.question,
            "rewritten_question": answer.rewritten_question,
            "answer": answer.text,
            "refused": answer.refused,
            "answerer": answer.answerer,
            "citations": [c.to_dict() for c in answer.citations],
        }
        line = json.dumps(entry, ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as exc:
            raise StoreError(f"could not write feedback to {self.path}: {exc}") from exc
        logger.info("feedback %s on %r", kind, answer.question)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        """Every saved vote, oldest first; a damaged line is skipped with a warning."""
        if not self.path.exists():
            return []
        out = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                logger.warning("%s line %d is not JSON; skipped", self.path, number)
                continue
            if isinstance(entry, dict) and entry.get("kind") in FEEDBACK_KINDS:
                out.append(entry)
            else:
                logger.warning("%s line %d is not a feedback entry; skipped", self.path, number)
        return out
