"""Two questions in one ("Who X, and when did Y?", "What did A and B say?"), answered part by part."""

from __future__ import annotations

import re

from .terms import in_gazetteer

__all__ = ["split_parts"]


# "Who X, and when did Y?": two questions in one, answered part by part.
_SECOND_QUESTION = re.compile(r",?\s+(?:and|but)\s+(?=(?:who|what|when|where|why|how|which)\b)", re.I)

def split_parts(question: str) -> list[str]:
    """"Who X, and when did Y?" and "What did A and B say?" are two questions each."""
    pieces = [p.strip(" ,") for p in _SECOND_QUESTION.split(question) if p.strip(" ,?")]
    if len(pieces) < 2:
        return each_subject(question)
    return [p if p.endswith("?") else p + "?" for p in pieces]

# "What did Blinken and Baerbock say?": each speaker said something else, and
# one sentence rarely quotes both.
_TWO_SUBJECTS = re.compile(
    r"^(?P<head>\s*(?i:what|how|why|when|where)\s+(?:did|do|does|has|have|had|will|would|could)\s+)"
    r"(?P<a>(?:the\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)\s+and\s+"
    r"(?P<b>(?:the\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)(?P<rest>\s+[a-z].*)$"
)

def each_subject(question: str) -> list[str]:
    m = _TWO_SUBJECTS.match(question)
    if not m or in_gazetteer(f"{m['a']} and {m['b']}"):  # "Trinidad and Tobago" is one subject
        return [question]
    return [f"{m['head']}{m['a']}{m['rest']}", f"{m['head']}{m['b']}{m['rest']}"]
