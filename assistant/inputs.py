"""What a caller passes in, checked once: a question, an article id, the article filters.

Each bad value is a ``InvalidInputError`` (or ``ArticleNotFoundError``) that
names it, raised before any work, so no face shows a traceback for a typo.
"""

from __future__ import annotations

import datetime as dt

from vectorstore.loading import UNUSABLE_CHARS

from .context.retrieval import Filters
from .errors import ArticleNotFoundError, InvalidInputError

__all__ = ["MAX_QUESTION_CHARS", "checked_article_id", "checked_question", "article_filters", "check_as_of", "until_as_of"]

# Longer than any question a person types; a pasted article is not a question.
MAX_QUESTION_CHARS = 2000


def checked_question(question: str) -> str:
    if not isinstance(question, str) or not question.strip():
        raise InvalidInputError("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidInputError(f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    # A lone surrogate can't be encoded for the model or the index, and a NUL
    # cuts the text short in C code underneath: refuse them by name here.
    if (m := UNUSABLE_CHARS.search(question)) is not None:
        raise InvalidInputError(f"the question contains the character U+{ord(m.group()):04X}, which is not usable text")
    return question.strip()


def checked_article_id(article_id: str) -> str:
    """An id no stored article can have (loading rejects them) is simply not found, without a lookup.

    A lone surrogate would otherwise fail in SQLite's encoder with a traceback.
    """
    if not isinstance(article_id, str) or UNUSABLE_CHARS.search(article_id) is not None:
        raise ArticleNotFoundError(article_id)
    return article_id


def article_filters(outlet: str | None, since, until) -> Filters:
    lo, hi = _as_ordinal(since, "since"), _as_ordinal(until, "until")
    if lo is not None and hi is not None and lo > hi:
        raise InvalidInputError(f"since ({since}) is after until ({until})")
    return Filters(outlet=outlet.strip().casefold() if outlet else None, since=lo, until=hi)


def _as_ordinal(value, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidInputError(f"{name} must be a date as YYYY-MM-DD, got {value!r}") from None
    return value.year * 10000 + value.month * 100 + value.day


# -- as of a date (time-aware answers, answerers/timeline.py) ------------------------
def check_as_of(value: str | dt.date | None) -> dt.date | None:
    """``value`` as a date (None or "" for none); anything else is an ``InvalidInputError``."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:  # a date picker may send the day's midnight ("2024-06-11 00:00:00")
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise InvalidInputError(f"as of must be a date as YYYY-MM-DD, got {value!r}") from None


def until_as_of(until: str | dt.date | None, as_of: str | dt.date | None) -> str | dt.date | None:
    """The ``until`` filter that answers as the archive stood on ``as_of``: the earlier of the two.

    Only articles published by then are retrieved (undated ones never are,
    as with any ``until``); ``until`` is checked by the store's filter as before.
    """
    day = check_as_of(as_of)
    if day is None or until is None or until == "":
        return day if day is not None else until
    try:
        other = until if isinstance(until, dt.date) else dt.date.fromisoformat(until)
    except ValueError:
        return until  # the filter reports a bad "until" in its own words
    return min(other, day)
