"""The chat in a real browser (Playwright + Debian's chromium) over a fake assistant: wiring, fast.

Waits on selectors, never on "networkidle": a Gradio page keeps a connection
open and never becomes idle.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright").expect

pytestmark = pytest.mark.integration


def test_chat_shows_cited_answer_and_handles_follow_up(page, chat, fake_app, seized_question):
    url, fake = fake_app
    page.goto(url)
    chat.ask(seized_question)
    card = page.locator("#chat .citation-card").first
    card.wait_for(timeout=30_000)
    assert "Example News" in card.inner_text()
    assert "more than 60 military posts" in card.locator("blockquote").inner_text()
    # The question box is cleared for the next question.
    assert page.locator("#question textarea").input_value() == ""

    chat.ask("And when?", enter=True)
    page.locator("#chat .citation-card").nth(1).wait_for(timeout=30_000)
    question, history = fake.calls[-1]
    assert question == "And when?"
    assert [q for q, _ in history] == [seized_question]

    chat.ask("boom")
    page.get_by_text("Something went wrong: store exploded").wait_for(timeout=30_000)
    assert page.get_by_text("second line of detail").count() == 0


def test_steps_show_while_it_works_and_a_refusal_looks_different(page, chat, fake_app):
    url, _ = fake_app
    page.goto(url)
    chat.ask("How many posts, slowly?")
    page.locator("#chat .answer-step", has_text="Reading 3 passages…").wait_for(timeout=30_000)
    page.locator("#chat .citation-card").first.wait_for(timeout=30_000)
    assert page.locator("#chat .answer-step").count() == 0  # the answer replaced the step

    refusal = chat.ask_and_wait("What is the capital of Australia?")
    assert "answer-refused" in refusal.get_attribute("class")
    assert refusal.locator(".citation-card").count() == 0
    assert "No article mentions Australia." in refusal.inner_text()


def test_clicking_a_card_or_a_marker_opens_the_article_at_the_quote(page, chat, fake_app, seized_question):
    url, _ = fake_app
    page.goto(url)
    chat.ask_and_wait(seized_question)
    page.locator("#chat .citation-card").first.click()
    mark = page.locator("#viewer mark.cited")
    mark.wait_for(timeout=30_000)
    assert mark.inner_text() == "Azerbaijan said it had seized more than 60 military posts."
    expect(mark).to_be_in_viewport()
    meta = page.locator("#viewer .article-meta").inner_text()
    assert "Example News" in meta and "2023-09-20" in meta and "seeds/example.txt" in meta
    # The article's own markup shows as text.
    assert "<b>stays</b> *literal*" in page.locator("#viewer .article-body").inner_text()

    chat.tab("articles")  # away from the viewer; the marker must bring it back
    page.locator("#chat .cite-link").first.click()
    expect(page.locator("#viewer mark.cited")).to_be_visible(timeout=30_000)


def test_feedback_buttons_save_the_answer_with_its_citations(page, chat, fake_app, seized_question):
    url, fake = fake_app
    log = fake.settings.home / "feedback.jsonl"
    before = len(log.read_text().splitlines()) if log.exists() else 0
    page.goto(url)
    chat.ask_and_wait(seized_question)
    page.locator('#chat button[aria-label="Like"]').first.click()
    page.locator('#chat button[aria-label="Feedback"]').first.click()
    page.locator("#chat button.extra-feedback-option", has_text="Wrong source").first.click()
    page.get_by_text("Thank you: feedback saved.").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # let every vote request land (a duplicate must not be saved)
    entries = [json.loads(line) for line in log.read_text().splitlines()[before:]]
    assert [e["kind"] for e in entries] == ["up", "wrong_source"]
    assert entries[0]["question"] == seized_question
    assert entries[0]["citations"][0]["outlet"] == "Example News"


def test_export_downloads_the_conversation_as_markdown(page, chat, fake_app, seized_question):
    url, _ = fake_app
    page.goto(url)
    chat.ask_and_wait(seized_question)
    page.locator("#export").click()
    link = page.locator("#export-file a").first
    link.wait_for(timeout=30_000)
    href = link.get_attribute("href")
    with urllib.request.urlopen(urllib.parse.urljoin(url, href), timeout=10) as resp:
        md = resp.read().decode("utf-8")
    assert f"## 1. {seized_question}" in md
    assert "- [1] Example News, 2023-09-20: Azerbaijan claims control of Karabakh posts" in md


def test_new_conversation_forgets_and_shows_examples_from_the_store(page, chat, fake_app, seized_question):
    url, fake = fake_app
    page.goto(url)
    example = page.locator("#chat button.example").first
    example.wait_for(timeout=30_000)
    assert "Karabakh posts" in example.inner_text()  # from the fake store's one article
    chat.ask_and_wait(seized_question)
    page.locator("#new-chat").click()
    page.locator("#chat button.example").first.wait_for(timeout=30_000)
    assert page.locator("#chat .answer").count() == 0
    page.locator("#chat button.example").first.click()
    page.locator("#chat .citation-card").first.wait_for(timeout=30_000)
    assert fake.calls[-1][1] == ()  # asked with no history: the conversation was forgotten

    page.locator('#chat button[aria-label="Clear"]').click()  # the chat's own trash button forgets too
    page.locator("#chat button.example").first.wait_for(timeout=30_000)
    chat.ask_and_wait(seized_question)
    assert fake.calls[-1][1] == ()


def test_upload_reports_and_remove_updates_the_list(page, chat, fake_app, tmp_path):
    url, fake = fake_app
    page.goto(url)
    chat.tab("articles")
    page.locator("#article-list .article-list").wait_for(timeout=30_000)
    good = tmp_path / "harbour_news.txt"
    good.write_text("Harbour news <i>today</i>\n\nThe harbour reopened.", encoding="utf-8")
    page.locator("#upload input[type=file]").set_input_files([str(good)])
    report = page.locator("#upload-report .ingest-report")
    report.wait_for(timeout=30_000)
    assert "Added: harbour_news" in report.inner_text()
    row = page.locator("#article-list tr", has_text="harbour_news")
    expect(row).to_have_count(1)
    assert "Harbour news <i>today</i>" in row.inner_text()
    # The app keeps the upload in the store's own folder (not Gradio's temporary copy) before ingesting it.
    kept = fake.settings.home / "uploads" / "harbour_news.txt"
    assert fake.article("harbour_news").source == str(kept) and kept.read_text(encoding="utf-8") == good.read_text(encoding="utf-8")

    page.locator("#article-search input, #article-search textarea").first.fill("harbour")
    expect(page.locator("#article-list tbody tr")).to_have_count(1, timeout=30_000)

    page.locator("#remove-choice input").click()
    page.get_by_role("option", name="Harbour news <i>today</i> (harbour_news)").click()
    page.locator("#remove").click()
    expect(page.locator("#article-list tr", has_text="harbour_news")).to_have_count(0, timeout=30_000)
    assert fake.removed[-1] == "harbour_news"
    assert page.errors == []


def test_two_chats_are_answered_at_once(browser, fake_app, seized_question):
    # One session's slow answer must not hold up another's (the queue runs several).
    url, _ = fake_app
    slow_ctx, quick_ctx = browser.new_context(), browser.new_context()
    try:
        slow, quick = slow_ctx.new_page(), quick_ctx.new_page()
        slow.goto(url)
        quick.goto(url)
        slow.locator("#question textarea").fill("How many posts, slowly?")
        slow.locator("#submit").click()
        slow.locator("#chat .answer-step").wait_for(timeout=30_000)
        quick.locator("#question textarea").fill(seized_question)
        quick.locator("#submit").click()
        quick.locator("#chat .citation-card").first.wait_for(timeout=30_000)
        assert slow.locator("#chat .citation-card").count() == 0  # still working on its 5 s answer
        slow.locator("#chat .citation-card").first.wait_for(timeout=30_000)
    finally:
        slow_ctx.close()
        quick_ctx.close()


def test_examples_follow_the_store_on_reload(page, fake_app, tmp_path):
    url, fake = fake_app
    path = tmp_path / "quay_story.txt"
    path.write_text("Quay story\n\nHarbourmaster Ines Varga said Ines Varga would stay on.", encoding="utf-8")
    fake.ingest([path])
    try:
        page.goto(url)
        page.locator("#chat button.example", has_text="Ines Varga").first.wait_for(timeout=30_000)
    finally:
        fake.remove("quay_story")
