"""Saved-page extraction: trafilatura and htmldate (now) against the BeautifulSoup rules (before).

    python -m evals.scripts.html_extraction [--bbc N] [--baseline-rev REV] [--json PATH]

The pages: the HTML fixtures of the tests (two saved pages of
tests/vectorstore/test_loading.py, the article page of test_web.py), then
each seed article and the first N BBC articles (default 100, with their
held-out headlines; ``evals.fetch_bbc``) laid into three page layouts a news
site might use, so that the right title, outlet, date and paragraphs are
known and so is every line of boilerplate around them:

* ``site``: ``<article>`` with a byline, a figure and caption, an inline
  "Read more" box; cookie banner, navigation, related list, newsletter box
  and footer around it; ``og:site_name`` and ``article:published_time``;
* ``divs``: no ``<article>`` or ``<main>``, only ``<div>``s; the date in
  JSON-LD and as a visible "Published" line; the outlet only in ``<title>``;
  a "Most read" sidebar and a footer;
* ``wire``: ``<main>`` with a ``<time datetime>``, a photo caption and a
  "Related coverage" list inside the article, a share bar, a footer.

Each page is written to a file and loaded by each loader: today's, through
``Assistant.preview`` (what ingest would store), and ``load_file`` of the
one at ``--baseline-rev`` (default: the commit before the change), its
source read from git and run beside it.
Figures per loader: title, date and outlet equal to the known ones; body
similarity (difflib's ratio over the words of the text after the title,
against the known paragraphs); paragraphs kept whole; boilerplate lines kept
(of the layout's own lines: navigation, related items, captions, footer);
milliseconds per page. Prints a Markdown table (README "Saved pages").
"""

from __future__ import annotations

import argparse
import difflib
import html
import json
import subprocess
import sys
import tempfile
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BASELINE_REV = "a23d457"  # main before saved pages went through trafilatura


@dataclass
class Page:
    name: str
    layout: str
    html: str
    title: str
    outlet: str | None
    published: str | None
    paragraphs: list[str]
    boilerplate: list[str] = field(default_factory=list)


@dataclass
class Story:
    name: str
    title: str
    outlet: str
    published: str
    paragraphs: list[str]


def _p(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _human(iso: str) -> str:
    y, m, d = iso.split("-")
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]
    return f"{int(d)} {months[int(m) - 1]} {y}"


def site_layout(s: Story) -> Page:
    chrome = ["Accept all cookies", "Home", "World", "Business", "Sport", "By Staff Reporter",
              "A view of the scene on the day. Photo: Staff photographer",
              "Read more: Markets close higher for a third day", "Most read: Ferry fares rise again",
              "Most read: Bridge repairs delayed", "Subscribe to our newsletter",
              f"Copyright 2019 {s.outlet}. All rights reserved.", "About us", "Privacy policy"]
    half = max(1, len(s.paragraphs) // 2)
    body = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(s.title)} | '
            f'{html.escape(s.outlet)}</title><meta property="og:site_name" content="{html.escape(s.outlet)}">'
            f'<meta property="article:published_time" content="{s.published}T08:30:00+00:00"></head><body>'
            '<div class="cookie-banner"><p>We use cookies.</p><button>Accept all cookies</button></div>'
            '<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>'
            '<li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>'
            f'<main><article><h1>{html.escape(s.title)}</h1><p class="byline">By Staff Reporter</p>'
            '<figure><img src="/a.jpg" alt=""><figcaption>A view of the scene on the day. Photo: Staff '
            f"photographer</figcaption></figure>{_p(s.paragraphs[:half])}"
            '<aside class="read-more"><a href="/markets">Read more: Markets close higher for a third day</a></aside>'
            f'{_p(s.paragraphs[half:])}</article><aside class="related"><h2>Related</h2><ul>'
            '<li><a href="/f">Most read: Ferry fares rise again</a></li><li><a href="/b">Most read: Bridge '
            'repairs delayed</a></li></ul></aside><div class="newsletter"><a href="/s">Subscribe to our '
            f'newsletter</a></div></main><footer><p>Copyright 2019 {html.escape(s.outlet)}. All rights '
            'reserved.</p><ul><li><a href="/about">About us</a></li><li><a href="/privacy">Privacy policy</a>'
            "</li></ul></footer></body></html>")
    return Page(s.name, "site", body, s.title, s.outlet, s.published, s.paragraphs, chrome)


def divs_layout(s: Story) -> Page:
    chrome = ["Menu", "Latest", "Opinion", f"Published {_human(s.published)}", "Most read",
              "Council approves new budget", "Storm closes schools", "Contact the newsroom",
              "Terms of use"]
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": s.title,
                     "datePublished": f"{s.published}T07:00:00Z"})
    body = (f"<html><head><title>{html.escape(s.title)} - {html.escape(s.outlet)}</title>"
            f'<script type="application/ld+json">{ld}</script></head><body>'
            '<div class="top"><div class="menu"><a href="/">Menu</a> <a href="/latest">Latest</a> '
            '<a href="/opinion">Opinion</a></div></div><div class="wrap"><div class="content">'
            f'<div class="headline"><h1>{html.escape(s.title)}</h1></div>'
            f'<div class="meta">Published {_human(s.published)}</div><div class="text">{_p(s.paragraphs)}'
            '</div></div><div class="sidebar"><h3>Most read</h3><div><a href="/1">Council approves new budget'
            '</a></div><div><a href="/2">Storm closes schools</a></div></div></div>'
            '<div class="bottom"><a href="/contact">Contact the newsroom</a> | <a href="/terms">Terms of use</a>'
            "</div></body></html>")
    return Page(s.name, "divs", body, s.title, None, s.published, s.paragraphs, chrome)


def wire_layout(s: Story) -> Page:
    chrome = ["Share on Facebook", "Share by email", "People gather outside the building. (AFP)",
              "Related coverage", "Talks resume next week", "Officials promise an inquiry",
              f"© {s.outlet} 2019"]
    half = max(1, len(s.paragraphs) // 2)
    body = (f'<html><head><title>{html.escape(s.title)}</title><meta property="og:site_name" '
            f'content="{html.escape(s.outlet)}"></head><body><div class="share"><a href="#">Share on Facebook'
            '</a> <a href="#">Share by email</a></div><main>'
            f'<h1>{html.escape(s.title)}</h1><time datetime="{s.published}T10:00:00Z">{_human(s.published)}'
            f'</time>{_p(s.paragraphs[:half])}<p class="caption">People gather outside the building. (AFP)</p>'
            f'{_p(s.paragraphs[half:])}<section class="related"><h2>Related coverage</h2><ul>'
            '<li><a href="/t">Talks resume next week</a></li><li><a href="/o">Officials promise an inquiry</a>'
            f'</li></ul></section></main><footer>© {html.escape(s.outlet)} 2019</footer></body></html>')
    return Page(s.name, "wire", body, s.title, s.outlet, s.published, s.paragraphs, chrome)


def fixture_pages() -> list[Page]:
    """The saved pages of the tests, with what the tests expect of them."""
    bridge = """<!DOCTYPE html>
<html><head><title>Harbour bridge reopens | Coastal Herald</title>
<meta property="og:site_name" content="Coastal Herald">
<meta property="article:published_time" content="2024-02-11T08:30:00Z">
<script>var tracking = "Harbour bridge";</script><style>p {color: red}</style></head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<article><h1>Harbour bridge reopens after repairs</h1>
<p class="byline">By Omar Haddad</p>
<figure><img src="x.jpg"><figcaption>The bridge at dusk. Photo: Lena Park</figcaption></figure>
<p>The Harbour bridge reopened to traffic on Sunday after   eight months
of repairs.</p>
<p>Engineers replaced 40 steel cables<br>and resurfaced the deck.</p>
<aside>Read more: Ferry fares rise</aside><script>console.log("x")</script>
</article><footer>&copy; Coastal Herald</footer></body></html>"""
    fair = ("<html><head><title>Book fair draws record crowds</title></head><body>"
            "<nav>Home | World</nav><div><p>Posted on 3 June 2023</p>"
            "<p>More than 80,000 visitors attended the book fair over its four days.</p></div></body></html>")
    pages = [
        Page("bridge", "test_loading", bridge, "Harbour bridge reopens after repairs", "Coastal Herald",
             "2024-02-11", ["The Harbour bridge reopened to traffic on Sunday after eight months of repairs.",
                            "Engineers replaced 40 steel cables", "and resurfaced the deck."],
             ["Home", "News", "By Omar Haddad", "The bridge at dusk. Photo: Lena Park", "Read more: Ferry fares rise",
              "© Coastal Herald", "var tracking", "console.log"]),
        Page("fair", "test_loading", fair, "Book fair draws record crowds", None, "2023-06-03",
             ["More than 80,000 visitors attended the book fair over its four days."],
             ["Home | World", "Posted on 3 June 2023"]),
    ]
    sys.path.insert(0, str(REPO))
    from tests.vectorstore.test_web import BODY, BOILERPLATE, article_html

    pages.append(Page("harbour", "test_web", article_html("Port Linden approves harbour dredging plan", BODY),
                      "Port Linden approves harbour dredging plan", "The Linden Herald", "2025-03-04", list(BODY),
                      BOILERPLATE + ["By Oskar Brandt", "Bridge repairs delayed", "We use cookies", "About us"]))
    return pages


def stories(bbc: int, preview) -> list[Story]:
    out = []
    for path in sorted((REPO / "seeds").glob("*.txt")):
        [art] = preview([path])
        body = art.text.split("\n\n")
        out.append(Story(path.stem, art.title, art.outlet or "Seed News", art.published or "2023-09-19",
                         body[1:] if body[0] == art.title else body))
    if bbc:
        from evals.fetch_bbc import fetch_bbc

        articles_path, queries_path = fetch_bbc()
        headline = {}
        for line in queries_path.read_text(encoding="utf-8").splitlines():
            query = json.loads(line)
            for aid in query["relevant"]:
                headline.setdefault(aid, query["query"])
        for n, line in enumerate(articles_path.read_text(encoding="utf-8").splitlines()):
            if len(out) >= bbc + 2:
                break
            record = json.loads(line)
            paragraphs = [" ".join(p.split()) for p in record["text"].split("\n") if p.strip()]
            if record["id"] in headline and len(paragraphs) >= 2:
                day = f"2005-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
                out.append(Story(record["id"], headline[record["id"]], record["outlet"], day, paragraphs))
    return out


def baseline_loader(rev: str):
    """``load_file`` as it was at ``rev`` (its module read from git), beside today's cleaning."""
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:vectorstore/loading.py"],
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("baseline_loading")
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    exec(compile(source, f"{rev}:vectorstore/loading.py", "exec"), module.__dict__)  # noqa: S102 - our own history
    return module.load_file


def _norm(text: str) -> str:
    return " ".join(text.split())


def score(page: Page, article) -> dict:
    if article is None:
        return {"title": 0, "date": 0, "outlet": 0, "similarity": 0.0, "paragraphs": 0.0, "boilerplate": 0,
                "loaded": 0}
    text = article.text
    body = text.split("\n\n", 1)[1] if text.startswith(article.title + "\n\n") else text
    want = _norm(" ".join(page.paragraphs))
    ratio = difflib.SequenceMatcher(None, want.split(), _norm(body).split(), autojunk=False).ratio()
    flat = _norm(text)
    # Boilerplate is looked for in the lines that are not the known title or paragraphs, so a
    # short item ("Business") that a paragraph happens to hold is not counted against it.
    known = {_norm(page.title)} | {_norm(p) for p in page.paragraphs}
    extra = [_norm(line) for line in text.split("\n") if line.strip() and _norm(line) not in known]
    return {
        "title": int(_norm(article.title) == _norm(page.title)),
        "date": int(article.published == page.published),
        "outlet": int(article.outlet == page.outlet),
        "similarity": ratio,
        "paragraphs": sum(_norm(p) in flat for p in page.paragraphs) / len(page.paragraphs),
        "boilerplate": sum(any(_norm(b) in line for line in extra) for b in page.boilerplate),
        "loaded": 1,
    }


def run(pages: list[Page], loaders: dict) -> dict:
    results: dict[str, dict[str, list[dict]]] = {name: {} for name in loaders}
    with tempfile.TemporaryDirectory() as tmp:
        for i, page in enumerate(pages):
            path = Path(tmp) / f"{i:04d}-{page.layout}.html"
            path.write_text(page.html, encoding="utf-8")
            for name, load in loaders.items():
                t0 = time.perf_counter()
                loaded = load(path)
                ms = (time.perf_counter() - t0) * 1000
                row = score(page, loaded.articles[0] if loaded.articles else None)
                row["ms"] = ms
                results[name].setdefault(page.layout, []).append(row)
    return results


def summarise(rows: list[dict]) -> dict:
    n = len(rows)
    return {
        "pages": n,
        "loaded": sum(r["loaded"] for r in rows),
        "title": sum(r["title"] for r in rows) / n,
        "date": sum(r["date"] for r in rows) / n,
        "outlet": sum(r["outlet"] for r in rows) / n,
        "similarity": sum(r["similarity"] for r in rows) / n,
        "paragraphs": sum(r["paragraphs"] for r in rows) / n,
        "boilerplate": sum(r["boilerplate"] for r in rows) / n,
        "ms": sorted(r["ms"] for r in rows)[n // 2],
    }


def markdown(results: dict, chrome_per_layout: dict[str, float]) -> str:
    lines = ["| pages | loader | loaded | title | date | outlet | body similarity | paragraphs kept "
             "| boilerplate lines kept (of) | ms/page (median) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    layouts = list(next(iter(results.values())))
    for layout in layouts + ["all"]:
        for name, by_layout in results.items():
            rows = [r for rs in by_layout.values() for r in rs] if layout == "all" else by_layout[layout]
            s = summarise(rows)
            of = chrome_per_layout[layout]
            lines.append(f"| {layout} ({s['pages']}) | {name} | {s['loaded']} | {s['title']:.0%} | {s['date']:.0%} "
                         f"| {s['outlet']:.0%} | {s['similarity']:.3f} | {s['paragraphs']:.0%} "
                         f"| {s['boilerplate']:.2f} ({of:.1f}) | {s['ms']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bbc", type=int, default=100, help="BBC articles to lay out (0: fixtures and seeds only)")
    parser.add_argument("--baseline-rev", default=BASELINE_REV, help="git revision of the loader to compare with")
    parser.add_argument("--json", type=Path, help="also write every page's figures here")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from types import SimpleNamespace

    from assistant import Assistant, load_settings

    with tempfile.TemporaryDirectory() as home:
        preview = Assistant(load_settings(home=Path(home), reader="off")).preview  # reads, stores nothing
        return _compare(args, preview, lambda path: SimpleNamespace(articles=preview([path])))


def _compare(args, preview, load_file) -> int:
    pages = fixture_pages()
    for story in stories(args.bbc, preview):
        pages += [site_layout(story), divs_layout(story), wire_layout(story)]
    loaders = {f"rules ({args.baseline_rev})": baseline_loader(args.baseline_rev), "trafilatura (now)": load_file}
    results = run(pages, loaders)
    chrome: dict[str, list[int]] = {}
    for page in pages:
        chrome.setdefault(page.layout, []).append(len(page.boilerplate))
    per_layout = {k: sum(v) / len(v) for k, v in chrome.items()}
    per_layout["all"] = sum(len(p.boilerplate) for p in pages) / len(pages)
    print(markdown(results, per_layout))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
