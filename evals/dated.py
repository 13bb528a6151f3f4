"""What the runner needs for cases about a developing story (the ``developing`` suite).

Two case fields come with such cases (``evals.dataset.Case``):

* ``as_of``: the question is asked as of that day. Only an ``Assistant.ask``
  that takes an ``as_of`` keyword can answer it; against one that does not,
  the case is recorded as not applicable and left out of every metric,
  rather than scored as if the date had been heard.
* ``ordered``: the answers are a timeline, every figure required, oldest
  first ("how did the toll change" expects 23,000 before 150,000).
"""

from __future__ import annotations

import inspect
from typing import Any

from . import metrics as m

__all__ = ["accepts_as_of", "as_of_kwargs", "contains_in_order", "NO_AS_OF"]

NO_AS_OF = "not applicable: Assistant.ask takes no as_of keyword"


def accepts_as_of(assistant: Any) -> bool:
    """Whether ``assistant.ask`` has an ``as_of`` parameter (a ``**kwargs`` catch-all does not count)."""
    try:
        parameters = inspect.signature(assistant.ask).parameters
    except (TypeError, ValueError):  # a callable without a signature: assume the old one
        return False
    parameter = parameters.get("as_of")
    return parameter is not None and parameter.kind in (
        inspect.Parameter.KEYWORD_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )


def as_of_kwargs(case: Any) -> dict[str, str]:
    """The keyword to pass to ``ask`` for ``case``: ``{"as_of": "YYYY-MM-DD"}``, or none.

    A date string, like ``since`` and ``until`` (the form the CLI and the
    chat pass on).
    """
    return {"as_of": case.as_of.isoformat()} if case.as_of is not None else {}


def contains_in_order(prediction: str, timeline: tuple[str, ...] | list[str]) -> float:
    """1.0 when every item of ``timeline`` appears in the normalised prediction
    as whole words, each after the one before (SQuAD normalisation, as ``contains``)."""
    haystack = f" {m.normalize_answer(m.strip_markers(prediction))} "
    position = 0
    for item in timeline:
        needle = m.normalize_answer(item)
        if not needle:
            continue
        found = haystack.find(f" {needle} ", position)
        if found < 0:
            return 0.0
        position = found + len(needle) + 1  # the closing space may open the next match
    return 1.0
