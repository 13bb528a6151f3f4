"""Day and month names, the one list every rule that reads dates or names uses."""

from __future__ import annotations

__all__ = ["CALENDAR_WORDS", "MONTHS", "WEEKDAYS"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
# A capitalised day or month starts no name ("Monday", "May").
CALENDAR_WORDS = frozenset(WEEKDAYS + MONTHS)
