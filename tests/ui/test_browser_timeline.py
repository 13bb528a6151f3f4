"""A developing story's timeline in the chat, in a real browser (Playwright + Debian's chromium).

The app is the real one (``build_app``) over a real ``Assistant`` holding the
four-day story of tests/data/kaslo_landslide.jsonl (reader off), launched in
this process.  Waits on selectors, never on "networkidle".
"""

from __future__ import annotations

from pathlib import Path

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright").expect

pytestmark = pytest.mark.integration

STORY = Path(__file__).resolve().parents[2] / "tests" / "data" / "kaslo_landslide.jsonl"
DIED = "How many people have died in the Kaslo Valley landslide?"
ROSE = "How did the death toll from the Kaslo Valley landslide rise?"


@pytest.fixture(scope="module")
def story_app(tmp_path_factory, embedder):
    from assistant import Assistant, load_settings
    from ui.app import build_app, launch_options
    from ui.server import configure_queue

    home = tmp_path_factory.mktemp("kaslo_ui") / "home"
    with Assistant(load_settings(home=home, reader="off"), embedder=embedder) as assistant:
        assistant.ingest([STORY])
        app = build_app(assistant)
        configure_queue(app)
        port = _free_port()
        app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, **launch_options(assistant))
        try:
            _wait(f"http://127.0.0.1:{port}/")
            yield f"http://127.0.0.1:{port}/"
        finally:
            app.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_how_it_rose_shows_a_table_and_a_chart_and_latest_folds_them(page, chat, story_app, artifacts_dir):
    page.goto(story_app)
    rose = chat.ask_and_wait(ROSE)
    block = rose.locator("details.timeline")
    expect(block).to_have_attribute("open", "")
    rows = block.locator(".timeline-table tbody tr")
    expect(rows).to_have_count(4)
    assert block.locator(".timeline-date").all_inner_texts() == ["2024-06-10", "2024-06-11", "2024-06-12", "2024-06-13"]
    assert block.locator(".timeline-figure").all_inner_texts() == ["seven", "12", "19", "23"]
    chart = block.locator("img.timeline-chart")
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")  # the PNG decoded
    assert "23 on 2024-06-13" in chart.get_attribute("alt")
    block.screenshot(path=str(artifacts_dir / "timeline_rose.png"))

    died = chat.ask_and_wait(DIED)
    assert died.locator(".answer-text").inner_text().startswith("23 (Valley Times, 2024-06-13), the latest of 4 reports")
    folded = died.locator("details.timeline")
    expect(folded.locator(".timeline-table")).to_be_hidden()
    folded.locator("summary", has_text="Show earlier figures (3)").click()
    expect(folded.locator(".timeline-table")).to_be_visible()
    assert page.errors == []


def test_the_as_of_picker_answers_as_the_archive_stood_then(page, chat, story_app):
    page.goto(story_app)
    chat.tab("filters")
    box = page.locator("#filter-as-of input").first
    box.fill("2024-06-11")
    box.press("Enter")
    answer = chat.ask_and_wait(DIED)
    assert answer.locator(".answer-text").inner_text().startswith("12 (Coast Post, 2024-06-11), the latest of 2 reports")
    dates = answer.locator(".citation-date").all_inner_texts()
    assert dates and max(dates) == "2024-06-11"
