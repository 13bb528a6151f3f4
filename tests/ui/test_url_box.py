"""The Articles tab's "Add by URL" box and newest-article line, over a real Assistant.

The pages come from a local HTTP server on 127.0.0.1 (``Site`` from the web
loader's tests); the store embeds with ``HashEmbedder`` (no model). Nothing
here reaches the internet; the articles are invented.
"""

from __future__ import annotations

import pytest

from assistant import ArticleInfo, Assistant, load_settings
from tests.conftest import HashEmbedder
from tests.vectorstore.test_web import BODY, Site, article_html
from ui.articles import NOT_A_URL, ArticleHandlers, parse_urls
from ui.render_articles import render_newest

pytestmark = pytest.mark.integration


def _no_progress(*args, **kwargs):
    pass


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


@pytest.fixture
def handlers(tmp_path):
    with Assistant(load_settings(home=tmp_path / "home", reader="off"), embedder=HashEmbedder()) as assistant:
        yield ArticleHandlers(assistant, max_file_mb=1, upload_dir=tmp_path / "home" / "uploads"), assistant


def test_the_box_ingests_a_page_reports_a_404_and_lists_the_article(site, handlers):
    arts, assistant = handlers
    assert "none yet" in arts.newest()
    page = site.html("/news/harbour", article_html("Port Linden approves harbour dredging plan", BODY,
                                                   date="2024-03-05T07:00:00+00:00", site="Coast Post"))
    gone = site.base + "/news/gone"
    report, table, picker, _outlets, box, newest = arts.add_urls(f"{page}\n\n  {gone}  \n{page}\n", "",
                                                                 progress=_no_progress)
    assert f"Added: {page}" in report
    assert f"Rejected: {gone}: HTTP 404" in report
    assert [a.id for a in assistant.articles()] == [page]
    assert "Port Linden approves harbour dredging plan" in table  # the list refreshed
    assert [value for _, value in picker.choices] == [page]  # and can be removed
    assert box == ""  # emptied after an ingest
    assert "Newest article: 2024-03-05 (Coast Post)" in newest
    assert arts.newest() == newest
    # The same page again: unchanged, the same report as an upload.
    report, *_ = arts.add_urls(page, "", progress=_no_progress)
    assert f"Unchanged, skipped: {page}" in report
    # Removing it updates the line.
    arts.remove(page, "")
    assert "none yet" in arts.newest()


def test_a_line_that_is_not_an_http_url_refuses_the_box_and_fetches_nothing(site, handlers):
    arts, assistant = handlers
    page = site.html("/news/harbour", article_html("Harbour plan", BODY))
    text = f"{page}\nfile:///etc/passwd\nnot a url\nftp://example.com/x"
    report, _table, _picker, _outlets, box, _newest = arts.add_urls(text, "", progress=_no_progress)
    for line in ("file:///etc/passwd", "not a url", "ftp://example.com/x"):
        assert f"Rejected: {line}: {NOT_A_URL}" in report
    assert "Added" not in report
    assert assistant.articles() == [] and site.user_agents == []  # nothing fetched, nothing stored
    assert box == text  # kept, to fix
    report, *_ = arts.add_urls("   \n", "", progress=_no_progress)
    assert "enter one or more http(s) URLs" in report


@pytest.mark.unit
def test_parse_urls_keeps_http_and_https_only():
    urls, refused = parse_urls("https://a.example/x\nHTTP://b.example\nhttp://\nhttps://a.example/x\njavascript:alert(1)\n"
                               "http://exa mple.com\n/local/file.txt")
    assert urls == ["https://a.example/x", "HTTP://b.example"]
    assert [r.source for r in refused] == ["http://", "javascript:alert(1)", "http://exa mple.com", "/local/file.txt"]


@pytest.mark.unit
def test_the_newest_line_takes_the_latest_date_and_its_outlets():
    def info(day, outlet):
        return ArticleInfo(id=f"{day}{outlet}", title="t", outlet=outlet, agencies=(), published=day, source="s",
                           content_hash="h")

    arts = [info("2024-03-01", "Old News"), info("2024-03-05", "Coast Post"), info("2024-03-05", None),
            info(None, "Undated")]
    assert "Newest article: 2024-03-05 (Coast Post)<" in render_newest(arts)
    assert "no stored article has a date" in render_newest([info(None, "Undated")])
    assert "&lt;b&gt;" in render_newest([info("2024-01-01", "<b>")])  # escaped
