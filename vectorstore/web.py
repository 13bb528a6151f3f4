"""Articles from the web: a page by URL, or every item an RSS/Atom feed links to.

Fetching goes through one httpx client with a timeout, a size limit (the body
is streamed and cut off past it), a User-Agent naming the assistant, a bounded
number of redirects, and robots.txt respected (fetched through the same
client; a robots.txt that can't be fetched allows everything). Every failure
is a ``FetchError`` whose message says what went wrong in words a user can act
on; the loaders below turn it into a rejection, never a crash.

Title, site name, date and main text come from trafilatura (dates through
htmldate), not from hand-written rules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from vectorstore.cleaning import clean_article
from vectorstore.fetch_limits import USER_AGENT, FetchLimits
from vectorstore.loading import MAX_ID_LENGTH, LoadedArticle, LoadResult, _article, _Reject, _unusable

logger = logging.getLogger(__name__)

__all__ = ["FEED_SUFFIXES", "USER_AGENT", "FetchError", "FetchLimits", "Fetched", "WebClient", "is_url", "load_feed_file",
           "load_url", "extract_article"]

_DEFAULT = FetchLimits()
MAX_BYTES = _DEFAULT.max_bytes
TIMEOUT_S = _DEFAULT.timeout_s
MAX_REDIRECTS = _DEFAULT.max_redirects
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")
# Less main text than this is a teaser, a paywall or a script-only page.
MIN_TEXT_CHARS = 80


class FetchError(Exception):
    """A page or feed could not be fetched or read; the message says why."""


@dataclass(frozen=True)
class Fetched:
    url: str            # after redirects
    content_type: str   # media type only, lower case ("text/html")
    body: bytes

    @property
    def is_feed(self) -> bool:
        if self.content_type in _FEED_TYPES:
            return True
        head = self.body[:512].lstrip().lower()
        return self.content_type not in _HTML_TYPES and head.startswith((b"<?xml", b"<rss", b"<feed"))


def is_url(value: object) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


class WebClient:
    """One HTTP client for a whole load; remembers each site's robots.txt."""

    def __init__(self, *, timeout_s: float = TIMEOUT_S, max_bytes: int = MAX_BYTES,
                 max_redirects: int = MAX_REDIRECTS, user_agent: str = USER_AGENT) -> None:
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.timeout_s = timeout_s
        self.user_agent = user_agent
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=True, max_redirects=max_redirects,
                                    headers={"User-Agent": user_agent})
        self._robots: dict[str, RobotFileParser | None] = {}

    @classmethod
    def with_limits(cls, limits: FetchLimits) -> WebClient:
        return cls(timeout_s=limits.timeout_s, max_bytes=limits.max_bytes, max_redirects=limits.max_redirects,
                   user_agent=limits.user_agent)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> WebClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _get(self, url: str, *, accept: tuple[str, ...] | None) -> Fetched:
        host = urlsplit(url).netloc
        try:
            with self._client.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
                ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if accept is not None and ctype not in accept:
                    raise FetchError(f"not an HTML page or feed (content type '{ctype or 'none'}')")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchError(f"too large ({_size(int(declared))}; the limit is {_size(self.max_bytes)})")
                chunks: list[bytes] = []
                received = 0
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    if received > self.max_bytes:
                        raise FetchError(f"too large (over {_size(self.max_bytes)}, the limit)")
                    chunks.append(chunk)
                return Fetched(url=str(response.url), content_type=ctype, body=b"".join(chunks))
        except httpx.TooManyRedirects:
            raise FetchError(f"more than {self.max_redirects} redirects") from None
        except httpx.TimeoutException:
            raise FetchError(f"{host} did not answer within {self.timeout_s:g} s (timed out)") from None
        except httpx.ConnectError as exc:
            raise FetchError(f"cannot reach {host} ({exc or 'connection failed'})") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot fetch from {host} ({type(exc).__name__}: {exc})") from None

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets this client fetch ``url`` (no robots.txt: yes)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            rules: RobotFileParser | None = None
            try:
                with self._client.stream("GET", urljoin(origin, "/robots.txt")) as response:
                    if response.status_code in (401, 403):
                        rules = RobotFileParser()
                        rules.disallow_all = True
                    elif response.status_code == 200:
                        body = b""
                        for chunk in response.iter_bytes():
                            body += chunk
                            if len(body) > 512 * 1024:
                                break
                        rules = RobotFileParser()
                        rules.parse(body.decode("utf-8", "replace").splitlines())
            except httpx.HTTPError:
                rules = None  # an unreachable robots.txt allows everything; the page fetch will say why
            self._robots[origin] = rules
        rules = self._robots[origin]
        return rules is None or rules.can_fetch(self.user_agent, url)

    def fetch(self, url: str, *, accept: tuple[str, ...] | None = _HTML_TYPES + _FEED_TYPES) -> Fetched:
        """GET ``url`` as HTML or a feed; raises ``FetchError`` with the reason."""
        if not is_url(url):
            raise FetchError("not an http(s) URL")
        if not urlsplit(url).hostname:
            raise FetchError("URL has no host")
        if not self.allowed(url):
            raise FetchError("robots.txt disallows fetching this page")
        return self._get(url, accept=accept)


def article_from_html(html: str | bytes, *, art_id: str | None, source: str, url: str | None = None,
                      fallback_title: str | None = None, fallback_date: str | None = None,
                      min_chars: int = MIN_TEXT_CHARS) -> LoadedArticle:
    """One page as an article (``vectorstore.extract``); raises ``FetchError`` with the reason.

    ``art_id`` None: the page's canonical URL, else ``url``. The extracted
    text still goes through ``clean_article``, which drops the bylines,
    datelines and credited captions trafilatura keeps as paragraphs.
    """
    from vectorstore.extract import NothingExtracted, extract_page

    try:
        page = extract_page(html, url=url, min_chars=min_chars)
    except NothingExtracted as exc:
        raise FetchError(str(exc)) from None
    # trafilatura falls back on the <title> for the site name; the title itself is no outlet.
    outlet = page.outlet if page.outlet and page.outlet != page.title else None
    if art_id is None:
        art_id = page.url if is_url(page.url) and len(page.url) <= MAX_ID_LENGTH else url
    for name, value in (("title", page.title), ("text", page.text), ("site name", outlet),
                        ("author", page.author)):
        if value and (why := _unusable(value)):
            raise FetchError(f"the page's {name} contains {why}")
    paragraphs = "\n\n".join(line.strip() for line in page.text.splitlines() if line.strip())
    cleaned = clean_article(paragraphs, find_title=page.title is None, title_hint=page.title)
    try:
        return _article(art_id or source, cleaned, title=page.title or cleaned.title,
                        fallback_title=page.title or fallback_title or source, outlet=outlet,
                        published=page.published or fallback_date, source=source, author=page.author,
                        updated=page.updated)
    except _Reject as exc:
        raise FetchError(str(exc)) from None


def extract_article(html: str | bytes, url: str, *, fallback_date: str | None = None) -> LoadedArticle:
    """A fetched page as an article, its id the canonical URL; raises ``FetchError`` when nothing is there."""
    return article_from_html(html, art_id=None, source=url, url=url, fallback_date=fallback_date)


def _feed_items(data: bytes, source: str) -> list[tuple[str | None, str | None]]:
    """(link, published YYYY-MM-DD) of each item; raises ``FetchError`` when it is not a feed."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise FetchError("not an RSS or Atom feed (no items could be read)")
    items = []
    for entry in parsed.entries:
        published = None
        if stamp := (entry.get("published_parsed") or entry.get("updated_parsed")):
            published = f"{stamp.tm_year:04d}-{stamp.tm_mon:02d}-{stamp.tm_mday:02d}"
        link = entry.get("link")
        items.append((urljoin(source, link) if link and is_url(source) else link, published))
    return items


def _load_items(items: list[tuple[str | None, str | None]], source: str, client: WebClient) -> LoadResult:
    articles: list[LoadedArticle] = []
    rejected: list[tuple[str, str]] = []
    if not items:
        rejected.append((source, "feed has no items"))
    for n, (link, published) in enumerate(items, start=1):
        if not link or not is_url(link):
            rejected.append((source, f"feed item {n} has no http(s) link"))
            continue
        try:
            page = client.fetch(link, accept=_HTML_TYPES)
            articles.append(extract_article(page.body, page.url, fallback_date=published))
        except FetchError as exc:
            rejected.append((link, f"{exc} (item {n} of feed {source})"))
    return LoadResult(articles=articles, rejected=rejected)


def load_url(url: str, client: WebClient) -> LoadResult:
    """One page, or each page a feed at ``url`` links to; never raises for a bad page."""
    try:
        fetched = client.fetch(url)
        if fetched.is_feed:
            result = _load_items(_feed_items(fetched.body, fetched.url), url, client)
        else:
            result = LoadResult(articles=[extract_article(fetched.body, fetched.url)])
    except FetchError as exc:
        result = LoadResult(rejected=[(url, str(exc))])
    except RecursionError:
        result = LoadResult(rejected=[(url, "nested too deeply to read (thousands of nested elements)")])
    for source, reason in result.rejected:
        logger.warning("rejected %s: %s", source, reason)
    return result


def load_feed_file(path: Path, client: WebClient) -> LoadResult:
    """Each page a local RSS/Atom file links to, fetched and extracted."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return LoadResult(rejected=[(str(path), f"cannot read file ({exc.strerror or exc})")])
    try:
        result = _load_items(_feed_items(data, str(path)), str(path), client)
    except FetchError as exc:
        result = LoadResult(rejected=[(str(path), str(exc))])
    for source, reason in result.rejected:
        logger.warning("rejected %s: %s", source, reason)
    return result
