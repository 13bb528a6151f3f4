"""Pages and feeds by URL: fetching rules, extraction by trafilatura, rejections.

Every page is served by a local HTTP server on 127.0.0.1 (a free port) from
article HTML the tests generate; nothing here reaches the internet. The
articles are invented.
"""

from __future__ import annotations

import socket
import threading
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
    monkeypatch.setattr(cli, "_assistant", lambda: Assistant(load_settings(home=tmp_path / "h", reader="off"),
                                                             embedder=hash_embedder()))
    result = CliRunner().invoke(cli.app, ["ingest", url])
    assert result.exit_code == 0, result.output
    assert f"added: {url}" in result.output
    result = CliRunner().invoke(cli.app, ["ingest", site.base + "/news/missing"])
    assert result.exit_code == 2
    assert "HTTP 404 Not Found" in result.output
