"""The reading step, seen in a real browser: the real app with the reader on.

The small packaged model stands in for the 1.5B reader (it loads in a second
and judges a candidate in well under one); what it decides is not under
test, only that the user sees the reading step with its count and then a
finished answer or refusal.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

pytestmark = pytest.mark.integration

STEP_SEEN_JS = """() => {
  window.__steps = [];
  const chat = document.querySelector('#chat');
  new MutationObserver(() => {
    for (const s of chat.querySelectorAll('.answer-working .answer-step')) {
      if (!window.__steps.includes(s.textContent)) window.__steps.push(s.textContent);
    }
  }).observe(chat, {childList: true, subtree: true, characterData: true});
}"""


def test_the_chat_shows_the_reading_step_with_its_count_before_the_answer(page, chat, real_reader_app, artifacts_dir):
    page.goto(real_reader_app.url)
    page.locator("#question textarea").wait_for()
    page.evaluate(STEP_SEEN_JS)
    answer = chat.ask_and_wait("How many military posts did Azerbaijan say it seized?")
    steps = page.evaluate("() => window.__steps")
    reading = [s for s in steps if s.startswith("Reading")]
    assert reading, f"no reading step among {steps}"
    assert re.fullmatch(r"Reading [1-9]\d* passages?…", reading[0])
    text = answer.inner_text()
    # The reader's verdict decides between an answer with cards and a refusal that says what it read.
    assert page.locator("#chat .citation-card").count() > 0 or "none states it" in text
    page.screenshot(path=str(artifacts_dir / "reader_step_answer.png"))
