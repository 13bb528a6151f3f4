"""The real app (``python -m assistant serve``, real model and store) in a real browser.

One app for the whole session (``real_app``); the tests that add articles
use ids no other test asks about, and remove what they add. Screenshots go
to the git-ignored artifacts folder (``artifacts_dir``).
"""

from __future__ import annotations

import json
import logging

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright").expect

pytestmark = pytest.mark.integration

logger = logging.getLogger(__name__)

FESTIVAL = {
    "id": "tidewater-festival",
    "title": "Tidewater festival draws record crowds",
    "outlet": "Harbour Gazette",
    "published": "2024-05-04",
    "text": "Tidewater festival draws record crowds\n\nThe Tidewater festival in the port city of Zorvania drew "
    "41,000 visitors this weekend, organisers said on Sunday.\n\nMayor Elena Kastrup said the festival would "
    "return next year with a larger harbour stage.",
}
FESTIVAL_QUESTION = "How many visitors did the Tidewater festival in Zorvania draw?"

EVIL = (
    "Lighthouse keepers vote <script>window.__pwned = 1</script> for **strike**\n\n"
    "The lighthouse keepers of Brindlecove voted to strike on Monday, their union said. "
    '<img src=x onerror="window.__pwned = 2"> The union said 212 keepers took part in the vote, '
    "and _most_ backed the walkout. <script>window.__pwned = 3</script>\n"
)
EVIL_QUESTION = "How many keepers took part in the Brindlecove strike vote?"


def _cards(page):
    cards = page.locator("#chat .citation-card")
    return [cards.nth(i) for i in range(cards.count())]


def _upload(page, chat, path, expected: str) -> str:
    """Upload ``path`` and wait for a report that says ``expected`` (an earlier report may still show)."""
    chat.tab("articles")
    page.locator("#upload input[type=file]").set_input_files([str(path)])
    report = page.locator("#upload-report .ingest-report", has_text=expected)
    report.wait_for(timeout=chat.timeout_ms)
    return report.inner_text()


def test_real_app_question_shows_citation_card(page, chat, app_url, seized_question, artifacts_dir):
    page.goto(app_url)
    chat.ask_and_wait(seized_question)
    head = page.locator("#chat .citation-card").filter(has_text="more than 60 military posts").first
    outlet = head.locator(".citation-outlet").inner_text().strip()
    date = head.locator(".citation-date").inner_text().strip()
    assert outlet and outlet != "outlet unknown"
    assert len(date) == 10 and date[4] == "-" and date[7] == "-", date
    page.screenshot(path=str(artifacts_dir / "answer.png"), full_page=True)


def test_real_app_viewer_highlights_the_cited_sentence(page, chat, app_url, seized_question, artifacts_dir):
    page.goto(app_url)
    chat.ask_and_wait(seized_question)
    card = page.locator("#chat .citation-card").filter(has_text="more than 60 military posts").first
    quote = card.locator("blockquote").inner_text().strip()
    outlet = card.locator(".citation-outlet").inner_text().strip()
    card.click()
    mark = page.locator("#viewer mark.cited").first
    mark.wait_for(timeout=chat.timeout_ms)
    expect(mark).to_be_in_viewport()
    assert " ".join(page.locator("#viewer mark.cited").all_inner_texts()).split() == quote.split()
    meta = page.locator("#viewer .article-meta").inner_text()
    assert outlet in meta and "seeds" in meta
    shot = artifacts_dir / "answer_with_viewer.png"
    page.screenshot(path=str(shot))
    logger.info("screenshot of an answer with the viewer open: %s", shot)


def test_real_app_refusal_has_no_cards(page, chat, app_url, off_topic_question):
    page.goto(app_url)
    refusal = chat.ask_and_wait(off_topic_question)
    assert "answer-refused" in refusal.get_attribute("class")
    assert page.locator("#chat .citation-card").count() == 0


def test_real_app_names_the_outlets_that_give_a_figure(page, chat, app_url):
    # Both seed articles give the separatists' death toll: the answer cites
    # each and its notice says which outlet gives which figure.
    page.goto(app_url)
    answer = chat.ask_and_wait("How many people were killed, according to the separatists?")
    notice = answer.locator(".answer-notice").inner_text()
    outlets = {c.locator(".citation-outlet").inner_text().strip() for c in _cards(page)}
    assert len(outlets) == 2, outlets
    assert all(outlet in notice for outlet in outlets), notice
    assert "25" in notice


def test_real_app_filter_by_outlet(page, chat, app_url, seized_question):
    page.goto(app_url)
    chat.tab("filters")
    page.locator("#filter-outlet input").click()
    page.get_by_role("option", name="Yemen Details").click()
    chat.ask_and_wait(seized_question)
    outlets = {c.locator(".citation-outlet").inner_text().strip() for c in _cards(page)}
    assert outlets == {"Yemen Details"}


def test_real_app_follow_up_is_read_in_context_and_a_new_question_is_not(page, chat, app_url, seized_question):
    page.goto(app_url)
    first = chat.ask_and_wait("Who is Hikmet Hajiyev?")
    assert first.locator(".answer-read-as").count() == 0
    follow = chat.ask_and_wait("What did he say about civilians?")
    assert "Hajiyev" in follow.locator(".answer-read-as").inner_text()
    unrelated = chat.ask_and_wait(seized_question)
    assert unrelated.locator(".answer-read-as").count() == 0  # never "... Hajiyev ..."
    assert "60" in unrelated.locator(".answer-text").inner_text()


def test_real_app_feedback_is_saved_to_the_data_folder(page, chat, real_app, seized_question):
    log = real_app.home / "feedback.jsonl"
    page.goto(real_app.url)
    chat.ask_and_wait(seized_question)
    page.locator('#chat button[aria-label="Dislike"]').first.click()
    page.get_by_text("Thank you: feedback saved.").first.wait_for(timeout=chat.timeout_ms)
    entry = json.loads(log.read_text().splitlines()[-1])
    assert entry["kind"] == "down" and entry["question"] == seized_question
    assert any("60 military posts" in c["quote"] for c in entry["citations"])


def test_real_app_upload_ask_then_remove(page, chat, app_url, tmp_path):
    path = tmp_path / "harbour.jsonl"
    path.write_text(json.dumps(FESTIVAL) + "\n", encoding="utf-8")
    page.goto(app_url)
    _upload(page, chat, path, "Added: tidewater-festival")
    expect(page.locator("#article-list tr", has_text="Tidewater festival")).to_have_count(1)
    _upload(page, chat, path, "Unchanged, skipped: tidewater-festival")  # the same file again

    chat.ask_and_wait(FESTIVAL_QUESTION)
    card = page.locator("#chat .citation-card").filter(has_text="41,000 visitors").first
    assert card.locator(".citation-outlet").inner_text() == "Harbour Gazette"
    assert card.locator(".citation-date").inner_text() == "2024-05-04"

    page.locator("#remove-choice input").click()
    page.get_by_role("option", name="Tidewater festival draws record crowds (tidewater-festival)").click()
    page.locator("#remove").click()
    expect(page.locator("#article-list tr", has_text="Tidewater festival")).to_have_count(0, timeout=chat.timeout_ms)
    gone = chat.ask_and_wait(FESTIVAL_QUESTION)
    assert "41,000" not in gone.inner_text()


def test_real_app_shows_an_article_with_script_as_text_and_runs_nothing(page, chat, app_url, tmp_path, artifacts_dir):
    path = tmp_path / "brindlecove_strike.txt"
    path.write_text(EVIL, encoding="utf-8")
    page.goto(app_url)
    _upload(page, chat, path, "Added: brindlecove_strike")
    row = page.locator("#article-list tr", has_text="brindlecove_strike")
    assert "<script>window.__pwned = 1</script> for **strike**" in row.inner_text()

    answer = chat.ask_and_wait(EVIL_QUESTION)
    assert '<img src=x onerror="window.__pwned = 2">' in answer.locator(".answer-text").inner_text()
    card = page.locator("#chat .citation-card").filter(has_text="212 keepers").first
    assert "<script>window.__pwned = 1</script> for **strike**" in card.locator(".citation-title").inner_text()
    assert "_most_" in card.locator("blockquote").inner_text()
    card.click()
    page.locator("#viewer mark.cited").first.wait_for(timeout=chat.timeout_ms)
    assert "uploads/brindlecove_strike.txt" in page.locator("#viewer .article-source").inner_text()
    body = page.locator("#viewer .article-body").inner_text()
    assert '<img src=x onerror="window.__pwned = 2">' in body
    assert "<script>window.__pwned = 3</script>" in body
    assert "_most_" in body
    assert page.locator("#viewer script, #viewer img, #chat img[src=x]").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    assert page.errors == []
    page.screenshot(path=str(artifacts_dir / "script_article.png"))

    chat.tab("articles")
    page.locator("#remove-choice input").click()
    page.get_by_role("option", name="brindlecove_strike", exact=False).first.click()
    page.locator("#remove").click()
    expect(page.locator("#article-list tr", has_text="brindlecove_strike")).to_have_count(0, timeout=chat.timeout_ms)


def test_real_app_adds_a_page_by_url_reports_a_404_and_shows_the_newest_date(page, chat, app_url):
    from tests.vectorstore.test_web import BODY, Site, article_html

    site = Site()  # a local web site on 127.0.0.1; nothing reaches the internet
    try:
        url = site.html("/news/dredging", article_html("Port Linden approves harbour dredging plan", BODY,
                                                       date="2025-06-15T08:00:00+00:00", site="Linden Herald"))
        gone = site.base + "/news/gone"
        page.goto(app_url)
        chat.tab("articles")
        page.locator("#newest-article .newest-article").wait_for(timeout=chat.timeout_ms)
        page.locator("#url-box textarea").fill(f"{url}\n{gone}")
        page.locator("#add-urls").click()
        report = page.locator("#upload-report .ingest-report", has_text=f"Added: {url}")
        report.wait_for(timeout=chat.timeout_ms)
        assert f"Rejected: {gone}: HTTP 404" in report.inner_text()
        expect(page.locator("#article-list tr", has_text="Port Linden approves harbour dredging plan")).to_have_count(1)
        expect(page.locator("#newest-article")).to_contain_text("Newest article: 2025-06-15 (Linden Herald)")
        expect(page.locator("#url-box textarea")).to_have_value("")

        page.locator("#url-box textarea").fill("ftp://example.com/story")
        page.locator("#add-urls").click()
        refused = page.locator("#upload-report .ingest-report", has_text="not an http(s) URL")
        refused.wait_for(timeout=chat.timeout_ms)

        page.locator("#remove-choice input").click()
        page.get_by_role("option", name="Port Linden approves harbour dredging plan", exact=False).first.click()
        page.locator("#remove").click()
        expect(page.locator("#article-list tr", has_text="Port Linden approves")).to_have_count(0, timeout=chat.timeout_ms)
        expect(page.locator("#newest-article")).not_to_contain_text("2025-06-15", timeout=chat.timeout_ms)
        assert page.errors == []
    finally:
        site.close()
