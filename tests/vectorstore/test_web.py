"""Pages and feeds by URL: fetching rules, extraction by trafilatura, rejections.

Every page is served by a local HTTP server on 127.0.0.1 (a free port) from
article HTML the tests generate; nothing here reaches the internet. The
articles are invented.
"""

from __future__ import annotations

import socket
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from vectorstore.loading import load_paths
from vectorstore.web import USER_AGENT, WebClient, load_url

pytestmark = pytest.mark.integration

BODY = [
    "The harbour authority of Port Linden approved a plan on Tuesday to dredge the northern channel, "
    "allowing container ships twice the current size to dock at the city's main terminal.",
    "The work will cost 41 million crowns and take three years, the authority's chair Mira Kessel said, "
    "adding that fishing boats would keep a separate lane open throughout the project.",
    "Environmental groups said the dredging would disturb seagrass beds that shelter young cod, "
    "and asked the regional court to review the decision before any work begins.",
]
BOILERPLATE = ["Accept all cookies", "Subscribe to our newsletter", "Most read: Ferry fares rise again",
               "Copyright 2025 Linden Herald Media", "Photo: a dredger in the harbour at dawn"]


def article_html(title: str, body: list[str], *, date: str = "2025-03-04T08:30:00+00:00",
                 site: str = "The Linden Herald", canonical: str | None = None) -> str:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in body)
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | {site}</title>{link}
<meta property="og:site_name" content="{site}">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{date}">
</head><body>
<div class="cookie-banner" id="cookie-consent"><p>We use cookies to improve your experience.</p>
<button>Accept all cookies</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/weather">Weather</a></li></ul></nav></header>
<main><article>
<h1>{title}</h1>
<p class="byline">By Oskar Brandt</p>
<figure><img src="/img/dredger.jpg" alt="dredger"><figcaption>Photo: a dredger in the harbour at dawn</figcaption></figure>
{paragraphs}
</article>
<aside class="related"><h2>Related</h2><ul>
<li><a href="/news/ferry">Most read: Ferry fares rise again</a></li>
<li><a href="/news/bridge">Most read: Bridge repairs delayed</a></li>
<li><a href="/news/market">Most read: Fish market reopens</a></li></ul></aside>
<div class="newsletter"><a href="/subscribe">Subscribe to our newsletter</a></div>
</main>
<footer><p>Copyright 2025 Linden Herald Media</p><ul><li><a href="/about">About us</a></li>
<li><a href="/privacy">Privacy</a></li></ul></footer>
</body></html>"""


def rss(base: str, paths: list[str]) -> str:
    items = "".join(f"<item><title>Item {n}</title><link>{base}{p}</link>"
                    f"<pubDate>Tue, 04 Mar 2025 08:30:00 GMT</pubDate></item>" for n, p in enumerate(paths, 1))
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Linden Herald</title>'
            f"<link>{base}/</link><description>News</description>{items}</channel></rss>")


class Site:
    """A tiny web site: ``pages[path] = (status, content type, body bytes)``; records user agents."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, bytes]] = {}
        self.user_agents: list[str] = []
        self.chunked: set[str] = set()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                site.user_agents.append(self.headers.get("User-Agent", ""))
                status, ctype, body = site.pages.get(self.path, (404, "text/html", b"<h1>Not found</h1>"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                if self.path in site.chunked:  # no Content-Length: only the streamed count can stop it
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(body)
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def html(self, path: str, text: str, status: int = 200) -> str:
        self.pages[path] = (status, "text/html; charset=utf-8", text.encode())
        return self.base + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


@pytest.fixture
def client():
    with WebClient(timeout_s=5) as c:
        yield c


def _one(result):
    assert result.rejected == []
    assert len(result.articles) == 1
    return result.articles[0]


def test_article_page_main_text_and_metadata_without_boilerplate(site, client):
    url = site.html("/news/harbour", article_html("Port Linden approves harbour dredging plan", BODY))
    art = _one(load_url(url, client))
    assert art.id == url and art.source == url
    assert art.title == "Port Linden approves harbour dredging plan"
    assert art.outlet == "The Linden Herald"
    assert art.published == "2025-03-04"
    for paragraph in BODY:
        assert paragraph in art.text
    for chrome in BOILERPLATE + ["Home", "Privacy", "About us", "Bridge repairs delayed", "We use cookies"]:
        assert chrome not in art.text, chrome
    assert any(ua == USER_AGENT for ua in site.user_agents)


def test_canonical_url_is_the_id(site, client):
    url = site.html("/news/harbour?utm_source=feed",
                    article_html("Harbour plan", BODY, canonical=site.base + "/news/harbour"))
    art = _one(load_url(url, client))
    assert art.id == site.base + "/news/harbour"


def test_feed_fetches_each_item_and_rejects_the_missing_one(site, client, tmp_path):
    site.html("/news/harbour", article_html("Port Linden approves harbour dredging plan", BODY))
    site.html("/news/ferry", article_html("Ferry fares rise again", [p.replace("harbour", "ferry") for p in BODY]))
    feed = rss(site.base, ["/news/harbour", "/news/gone", "/news/ferry"])
    site.pages["/rss"] = (200, "application/rss+xml", feed.encode())
    result = load_url(site.base + "/rss", client)
    assert [a.id for a in result.articles] == [site.base + "/news/harbour", site.base + "/news/ferry"]
    assert result.rejected == [(site.base + "/news/gone",
                                f"HTTP 404 Not Found (item 2 of feed {site.base}/rss)")]
    # The same feed as a local file, named directly.
    path = tmp_path / "feed.xml"
    path.write_text(feed, encoding="utf-8")
    local = load_paths([path], web=client)
    assert len(local.articles) == 2 and len(local.rejected) == 1
    assert local.rejected[0][0] == site.base + "/news/gone"


def test_robots_txt_disallowing_a_path_is_a_clear_error(site, client):
    site.pages["/robots.txt"] = (200, "text/plain", b"User-agent: *\nDisallow: /private/\n")
    url = site.html("/private/story", article_html("Secret", BODY))
    assert load_url(url, client).rejected == [(url, "robots.txt disallows fetching this page")]
    _one(load_url(site.html("/news/open", article_html("Open", BODY)), client))


def test_not_html_too_large_and_empty_pages(site):
    site.pages["/report.pdf"] = (200, "application/pdf", b"%PDF-1.4 not a page")
    site.pages["/big"] = (200, "text/html", b"<p>" + b"x" * 5000 + b"</p>")
    site.pages["/big-chunked"] = (200, "text/html", b"<p>" + b"x" * 50_000 + b"</p>")
    site.chunked.add("/big-chunked")
    empty = site.html("/paywalled", "<html><head><title>Subscribe</title></head><body><nav><a href='/'>Home</a>"
                      "</nav><div id='app'></div><script>load()</script></body></html>")
    with WebClient(timeout_s=5, max_bytes=4096) as small:
        got = dict(load_paths([site.base + "/report.pdf", site.base + "/big", site.base + "/big-chunked", empty],
                              web=small).rejected)
    assert got[site.base + "/report.pdf"] == "not an HTML page or feed (content type 'application/pdf')"
    assert got[site.base + "/big"] == "too large (5,007 bytes; the limit is 4,096 bytes)"
    assert got[site.base + "/big-chunked"] == "too large (over 4,096 bytes, the limit)"
    assert got[empty] == "nothing extracted (paywall, script-only or empty page)"


def test_unreachable_port_is_a_clear_error(client):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/news"
    [(source, reason)] = load_url(url, client).rejected
    assert source == url
    assert reason.startswith(f"cannot reach 127.0.0.1:{port}")


def test_ingest_by_url_then_a_changed_page_replaces_it(site, hash_embedder, tmp_path):
    from assistant.api import Assistant
    from assistant.settings import load_settings

    url = site.html("/news/harbour", article_html("Port Linden approves harbour dredging plan", BODY))
    settings = load_settings(home=tmp_path / "home", reader="off")
    with Assistant(settings, embedder=hash_embedder()) as assistant:
        first = assistant.ingest([url])
        assert first.added == (url,) and first.rejected == ()
        changed = BODY[:2] + ["The regional court on Friday suspended the dredging of the northern channel "
                              "until a study of the seagrass beds is finished."]
        site.html("/news/harbour", article_html("Court halts Port Linden dredging", changed, date="2025-03-07"))
        second = assistant.ingest([url])
        assert second.replaced == (url,) and second.added == ()
        stored = assistant.article(url)
        assert stored.title == "Court halts Port Linden dredging"
        assert "suspended the dredging" in stored.text and "Environmental groups" not in stored.text
        # (search, not ask: the hash embedder's random vectors fail ask's cosine gate, so it would refuse)
        passages = assistant.search("court suspended the dredging of the northern channel seagrass study")
        assert any(p.article_id == url and "suspended the dredging" in p.text for p in passages)
        assert not any("Environmental groups" in p.text for p in passages)


def test_cli_ingest_url(site, hash_embedder, monkeypatch, tmp_path):
    from assistant import cli
    from assistant.api import Assistant
    from assistant.settings import load_settings

    url = site.html("/news/harbour", article_html("Port Linden approves harbour dredging plan", BODY))
    monkeypatch.setattr(cli.root, "open_assistant", lambda: Assistant(load_settings(home=tmp_path / "h", reader="off"),
                                                             embedder=hash_embedder()))
    result = CliRunner().invoke(cli.app, ["ingest", url])
    assert result.exit_code == 0, result.output
    assert f"added: {url}" in result.output
    result = CliRunner().invoke(cli.app, ["ingest", site.base + "/news/missing"])
    assert result.exit_code == 2
    assert "HTTP 404 Not Found" in result.output


def _dated_page(title: str, *, published: str, modified: str | None = None, author: str | None = None,
                footer_year: str = "2019") -> str:
    """A page whose only dates are its metadata and its footer's copyright line."""
    meta = f'<meta property="article:published_time" content="{published}T09:00:00+00:00">'
    if modified:
        meta += f'<meta property="article:modified_time" content="{modified}T10:00:00+00:00">'
    if author:
        meta += f'<meta name="author" content="{author}">'
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY)
    return (f"<!DOCTYPE html><html><head><title>{title}</title>{meta}"
            f'<meta property="og:site_name" content="The Linden Herald"></head><body><article><h1>{title}</h1>'
            f"{paragraphs}</article><footer><p>Copyright {footer_year} Linden Herald Media. "
            f"Page generated {footer_year}-05-01.</p></footer></body></html>")


def test_author_and_update_date_come_from_the_page(site, client):
    url = site.html("/news/updated", _dated_page("Dredging plan amended", published="2025-03-04",
                                                  modified="2025-03-06", author="Oskar Brandt"))
    art = _one(load_url(url, client))
    assert (art.published, art.updated, art.author) == ("2025-03-04", "2025-03-06", "Oskar Brandt")
    # A page never updated has no update date (not its publication date again).
    url = site.html("/news/once", _dated_page("Dredging plan approved", published="2025-03-04"))
    assert _one(load_url(url, client)).updated is None


def test_a_page_dated_in_the_future_gets_no_date_not_its_footers(site, client):
    # Before the fix htmldate ruled the future date out (max date = today) and
    # its wider search settled on the footer's "2019-05-01".
    far = (date.today() + timedelta(days=400)).isoformat()
    art = _one(load_url(site.html("/news/future", _dated_page("Scheduled story", published=far)), client))
    assert art.published is None and art.updated is None
    # One day ahead is a time zone ahead of this machine, not the future: kept.
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    art = _one(load_url(site.html("/news/tomorrow", _dated_page("Story from Asia", published=tomorrow)), client))
    assert art.published == tomorrow


def test_a_page_without_metadata_is_dated_from_its_text(site, client):
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY)
    page = (f"<html><head><title>Harbour plan</title></head><body><article><h1>Harbour plan</h1>"
            f"<p>Published 4 March 2025</p>{paragraphs}</article></body></html>")
    assert _one(load_url(site.html("/news/plain", page), client)).published == "2025-03-04"


def test_fetch_limits_come_from_the_settings(site, hash_embedder, tmp_path):
    from assistant.api import Assistant
    from assistant.settings import load_settings

    big = site.html("/news/big", article_html("Harbour plan", BODY * 40))  # ~19 KB
    small = site.html("/news/small", article_html("Harbour plan", BODY))
    settings = load_settings(home=tmp_path / "home", reader="off", fetch_max_mb=0.01,
                             fetch_user_agent="linden-archive/2.0 (test)")
    with Assistant(settings, embedder=hash_embedder()) as assistant:
        report = assistant.ingest([big, small])
    assert report.added == (small,)
    size = len(site.pages["/news/big"][2])
    assert [(r.source, r.reason) for r in report.rejected] == [
        (big, f"too large ({size:,} bytes; the limit is {int(0.01 * 1024 * 1024):,} bytes)")]
    assert set(site.user_agents) == {"linden-archive/2.0 (test)"}


@pytest.mark.parametrize(("name", "value"), [("FETCH_TIMEOUT_S", "0"), ("FETCH_MAX_MB", "-1"),
                                             ("FETCH_MAX_REDIRECTS", "many"), ("FETCH_USER_AGENT", "a\nb")])
def test_a_bad_fetch_setting_names_its_variable(monkeypatch, name, value):
    from assistant.errors import SettingsError
    from assistant.settings import load_settings

    monkeypatch.setenv(f"ASSISTANT_{name}", value)
    with pytest.raises(SettingsError, match=f"ASSISTANT_{name}"):
        load_settings()


def test_fetch_settings_default_to_the_documented_limits():
    from assistant.settings import load_settings

    limits = load_settings().fetch_limits
    assert (limits.timeout_s, limits.max_bytes, limits.max_redirects, limits.user_agent) == (
        15.0, 5 * 1024 * 1024, 5, USER_AGENT)


def test_a_changed_page_keeps_its_earlier_version_in_the_history(site, hash_embedder, tmp_path):
    from assistant.api import Assistant
    from assistant.errors import ArticleNotFoundError
    from assistant.settings import load_settings

    url = site.html("/news/harbour", _dated_page("Port Linden approves dredging", published="2025-03-04"))
    with Assistant(load_settings(home=tmp_path / "home", reader="off"), embedder=hash_embedder()) as assistant:
        assistant.ingest([url])
        first = assistant.article(url)
        assert first.history == () and assistant.article_history(url) == ()
        # The same page again: nothing replaced, nothing in the history.
        assert assistant.ingest([url]).unchanged == (url,)
        assert assistant.article_history(url) == ()
        site.html("/news/harbour", _dated_page("Court halts dredging", published="2025-03-04",
                                               modified="2025-03-07", author="Oskar Brandt").replace(
            BODY[2], "The regional court suspended the dredging on Friday until a study is finished."))
        assert assistant.ingest([url]).replaced == (url,)
        now = assistant.article(url)
        assert (now.title, now.updated, now.author) == ("Court halts dredging", "2025-03-07", "Oskar Brandt")
        [old] = now.history
        assert (old.title, old.published, old.updated, old.content_hash) == (
            "Port Linden approves dredging", "2025-03-04", None, first.content_hash)
        assert old.content_hash != now.content_hash and old.replaced_at.endswith("Z")
        assert assistant.article_history(url) == now.history
        as_json = now.to_dict()
        assert as_json["history"] == [old.to_dict()] and as_json["author"] == "Oskar Brandt"
        assert [a.to_dict()["updated"] for a in assistant.articles()] == ["2025-03-07"]
        assistant.remove(url)
        with pytest.raises(ArticleNotFoundError):
            assistant.article_history(url)
        # Added again after a remove, it starts without the removed one's history.
        site.html("/news/harbour", _dated_page("Port Linden approves dredging", published="2025-03-04"))
        assistant.ingest([url])
        assert assistant.article_history(url) == ()


def test_cli_show_prints_the_update_date_author_and_history(site, hash_embedder, monkeypatch, tmp_path):
    from assistant import cli
    from assistant.api import Assistant
    from assistant.settings import load_settings

    monkeypatch.setattr(cli.root, "open_assistant", lambda: Assistant(load_settings(home=tmp_path / "h", reader="off"),
                                                             embedder=hash_embedder()))
    url = site.html("/news/harbour", _dated_page("Port Linden approves dredging", published="2025-03-04"))
    assert CliRunner().invoke(cli.app, ["ingest", url]).exit_code == 0
    site.html("/news/harbour", _dated_page("Court halts dredging", published="2025-03-04", modified="2025-03-07",
                                           author="Oskar Brandt").replace(BODY[0], "The court halted the work."))
    assert CliRunner().invoke(cli.app, ["ingest", url]).exit_code == 0
    shown = CliRunner().invoke(cli.app, ["show", url])
    assert shown.exit_code == 0, shown.output
    assert "2025-03-04 · " in shown.output and "updated 2025-03-07 · by Oskar Brandt" in shown.output
    assert "replaced 20" in shown.output and ": Port Linden approves dredging · 2025-03-04 · " in shown.output
