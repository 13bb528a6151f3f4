"""The chat in a real browser (Playwright + Debian's chromium).

Waits on selectors, never on "networkidle": a Gradio page keeps a connection
open and never becomes idle.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

logger = logging.getLogger(__name__)

CHROMIUM = Path(os.environ.get("ASSISTANT_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ANSWER_TIMEOUT_MS = 90_000  # the first question may load the model


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip(
            f"no chromium at {CHROMIUM}: apt-get install chromium, or set ASSISTANT_TEST_CHROMIUM"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    p = context.new_page()
    try:
        yield p
    finally:
        context.close()


def ask(page, question: str, *, enter: bool = False) -> None:
    """Type ``question`` into the box and press the Ask button (or Enter)."""
    box = page.locator("#question textarea")
    box.fill(question)
    if enter:
        box.press("Enter")
    else:
        page.locator("#submit").click()


def test_chat_shows_cited_answer_and_handles_follow_up(page, fake_app, seized_question):
    url, fake = fake_app
    page.goto(url)
    ask(page, seized_question)
    card = page.locator("#chat .citation-card").first
    card.wait_for(timeout=30_000)
    assert "Example News" in card.inner_text()
    assert "more than 60 military posts" in card.locator("blockquote").inner_text()
    # The question box is cleared for the next question.
    assert page.locator("#question textarea").input_value() == ""

    ask(page, "And when?", enter=True)
    page.locator("#chat .citation-card").nth(1).wait_for(timeout=30_000)
    question, history = fake.calls[-1]
    assert question == "And when?"
    assert [q for q, _ in history] == [seized_question]

    ask(page, "boom")
    page.get_by_text("Something went wrong: store exploded").wait_for(timeout=30_000)
    assert page.get_by_text("second line of detail").count() == 0


def test_real_app_question_shows_citation_card(page, app_url, tmp_path, seized_question):
    page.goto(app_url)
    ask(page, seized_question)
    card = page.locator("#chat .citation-card").first
    card.wait_for(timeout=ANSWER_TIMEOUT_MS)
    cards = page.locator("#chat .citation-card")
    texts = [cards.nth(i).inner_text() for i in range(cards.count())]
    matching = [t for t in texts if "more than 60 military posts" in t]
    assert matching, texts
    head = cards.filter(has_text="more than 60 military posts").first
    outlet = head.locator(".citation-outlet").inner_text().strip()
    date = head.locator(".citation-date").inner_text().strip()
    assert outlet and outlet != "outlet unknown"
    assert len(date) == 10 and date[4] == "-" and date[7] == "-", date
    shot = tmp_path / "answer.png"
    page.screenshot(path=str(shot), full_page=True)
    logger.info("screenshot of the answered chat: %s", shot)


def test_real_app_refusal_has_no_cards(page, app_url, off_topic_question):
    page.goto(app_url)
    ask(page, off_topic_question)
    refusal = page.locator("#chat .answer-refused")
    refusal.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert page.locator("#chat .citation-card").count() == 0


def test_real_app_names_the_outlets_that_give_a_figure(page, app_url):
    # Both seed articles give the separatists' death toll: the answer cites
    # each and its notice says which outlet gives which figure.
    page.goto(app_url)
    ask(page, "How many people were killed, according to the separatists?")
    notice = page.locator("#chat .answer-notice")
    notice.wait_for(timeout=ANSWER_TIMEOUT_MS)
    cards = page.locator("#chat .citation-card")
    outlets = {cards.nth(i).locator(".citation-outlet").inner_text().strip() for i in range(cards.count())}
    assert len(outlets) == 2, outlets
    assert all(outlet in notice.inner_text() for outlet in outlets), notice.inner_text()
    assert "25" in notice.inner_text()
