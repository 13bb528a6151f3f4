"""The real app answering with a real LLM (llama-cpp-python's server, the 0.5B model) in a real browser.

The page records every text the streamed draft shows (a MutationObserver,
so no piece is missed between polls); the answer must be seen growing
before the checked answer replaces it.  The 0.5B model is too weak to judge,
so the final answer may be its checked paragraph or the extractive answer
with the notice saying why; either way every card must quote its article.
"""

from __future__ import annotations

import itertools
import logging
import re

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

pytestmark = pytest.mark.integration

logger = logging.getLogger(__name__)

QUESTION = "Who is Hikmet Hajiyev?"
FALLBACK = "this is the extractive answer."

# Every distinct text of the newest draft, with the time it appeared.
RECORD_DRAFTS_JS = """() => {
  window.__drafts = [];
  const chat = document.querySelector('#chat');
  const record = () => {
    const drafts = chat.querySelectorAll('.answer-draft');
    if (!drafts.length) return;
    const text = drafts[drafts.length - 1].textContent;
    const last = window.__drafts[window.__drafts.length - 1];
    if (text.trim() && (!last || last.text !== text)) window.__drafts.push({text, t: performance.now()});
  };
  new MutationObserver(record).observe(chat, {childList: true, subtree: true, characterData: true});
}"""


# A few words of draft are showing (or the answer is already done).
SOME_DRAFT_JS = """() => {
  const drafts = document.querySelectorAll('#chat .answer-draft');
  const done = document.querySelectorAll('#chat .answer:not(.answer-working)').length > 0;
  return done || (drafts.length > 0 && drafts[drafts.length - 1].textContent.length >= 40);
}"""

# The viewer's highlighted text, whitespace folded, equals ``quote``.
MARKED_JS = """(quote) => {
  const marks = [...document.querySelectorAll('#viewer mark.cited')].map(m => m.textContent).join(' ');
  return marks.split(/\\s+/).filter(Boolean).join(' ') === quote;
}"""


MARKER = r"\[\d+\]"


def _words(text: str) -> str:
    return " ".join(text.split())


def _bare(text: str) -> str:
    """``text`` without ``[n]`` markers or any whitespace (the check renumbers markers and respaces)."""
    return "".join(re.sub(MARKER, "", text).split())


def test_the_llm_answer_streams_into_the_chat_then_shows_grounded_cards(page, chat, real_llm_app, artifacts_dir):
    page.goto(real_llm_app.url)
    page.locator("#chat").wait_for(timeout=chat.timeout_ms)
    page.evaluate(RECORD_DRAFTS_JS)
    before = chat.answers().count()
    chat.ask(QUESTION)
    page.wait_for_function(SOME_DRAFT_JS, timeout=chat.timeout_ms)
    page.screenshot(path=str(artifacts_dir / "llm_streaming.png"))  # the draft, half written
    answer = chat.answers().nth(before)
    answer.wait_for(timeout=chat.timeout_ms)
    page.screenshot(path=str(artifacts_dir / "llm_answer.png"), full_page=True)

    drafts = page.evaluate("() => window.__drafts")
    assert drafts, "no draft was shown before the answer"
    logger.info("%d drafts seen over %.0f ms, the last: %r", len(drafts), drafts[-1]["t"] - drafts[0]["t"], drafts[-1])
    texts = [text for text, _ in itertools.groupby(_words(d["text"]) for d in drafts)]
    assert len(texts) >= 2, texts  # seen in pieces, not all at once
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(texts)), texts  # growing
    assert drafts[-1]["t"] > drafts[0]["t"]

    text = answer.locator(".answer-text").inner_text()
    notice = answer.locator(".answer-notice").all_inner_texts()
    cards = answer.locator(".citation-card")
    assert cards.count() >= 1, answer.inner_html()
    numbers = {int(n.strip("[]")) for n in re.findall(MARKER, text)}
    shown = {int(n.strip("[]")) for n in cards.locator(".citation-n").all_inner_texts()}
    assert numbers and numbers <= shown, (text, shown)
    if any(FALLBACK in n for n in notice):
        logger.info("the LLM's answer was not used: %s", notice)
    else:  # the LLM's checked answer: its first sentence was in what was streamed
        opening = _bare(" ".join(re.sub(MARKER, " ", text).split()[:4]))
        assert opening in _bare(texts[-1]), (opening, texts[-1])

    for i in range(cards.count()):
        card = cards.nth(i)
        quote = _words(card.locator("blockquote").inner_text())
        card.click()
        page.wait_for_function(MARKED_JS, arg=quote, timeout=chat.timeout_ms)  # this card's quote, highlighted
        assert quote in _words(page.locator("#viewer .article-body").inner_text())
    page.screenshot(path=str(artifacts_dir / "llm_answer_with_viewer.png"))
    assert page.errors == []
