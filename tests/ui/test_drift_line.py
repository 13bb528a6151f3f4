"""The Articles tab warns when the indexes drift from the article table, and says what to run."""

from __future__ import annotations

import shutil

import pytest

from assistant import Assistant, load_settings
from ui.articles import ArticleHandlers
from ui.render_articles import render_drift

pytestmark = pytest.mark.integration


def test_no_problems_no_line_and_many_are_cut_to_three():
    assert render_drift([]) == ""
    html = render_drift([f"problem {i} <b>" for i in range(5)])
    assert "assistant check --repair" in html and html.count("<li>") == 3 and "+2 more" in html
    assert "&lt;b&gt;" in html  # a problem's text is escaped


def test_a_real_store_that_lost_its_bm25_folder_shows_the_line_until_repaired(seeded_home, tmp_path, embedder):
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    with Assistant(load_settings(home=home, reader="off"), embedder=embedder) as assistant:
        tab = ArticleHandlers(assistant, max_file_mb=1)
        assert tab.drift() == ""
    shutil.rmtree(home / "bm25")
    with Assistant(load_settings(home=home, reader="off"), embedder=embedder) as assistant:
        tab = ArticleHandlers(assistant, max_file_mb=1)
        line = tab.drift()
        assert "assistant check --repair" in line and "BM25" in line
        assistant.check(repair=True)
        assert tab.drift() == ""


def test_a_check_that_fails_is_shown_not_raised(fake_assistant):
    def broken(*, repair=False):
        raise RuntimeError("store exploded\nsecond line")

    fake_assistant.check = broken
    line = ArticleHandlers(fake_assistant, max_file_mb=1).drift()
    assert "the check itself failed: store exploded" in line and "second line" not in line
