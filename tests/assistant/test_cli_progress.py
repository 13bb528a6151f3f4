"""The ingest progress bar shows done/total, the rate and the time left."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rich.progress import MofNCompleteColumn, TimeRemainingColumn

from assistant.cli.root import RateColumn, progress_bar

pytestmark = pytest.mark.unit


def test_the_rate_column_shows_items_per_second():
    assert RateColumn().render(SimpleNamespace(speed=41.94)).plain == "41.9/s"
    assert RateColumn().render(SimpleNamespace(speed=None)).plain == "–/s"


def test_the_bar_has_count_rate_and_eta_and_follows_the_callback():
    bar, update = progress_bar("Indexing")
    kinds = {type(c) for c in bar.columns}
    assert {MofNCompleteColumn, RateColumn, TimeRemainingColumn} <= kinds
    update("articles", 0, 300)
    update("articles", 128, 300)
    (task,) = bar.tasks
    assert (task.description, task.completed, task.total) == ("articles", 128, 300)
