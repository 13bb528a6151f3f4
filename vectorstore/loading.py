"""Turn article files (.txt, .md, .html/.htm, .jsonl) into ``LoadedArticle`` records.

This module knows about file formats; deciding which lines are metadata or
boilerplate lives in ``vectorstore.cleaning``. Nothing here raises for a bad
input: every file or JSONL line that can't be used ends up in
``LoadResult.rejected`` with a reason a user can act on.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from vectorstore.cleaning import CleanedArticle, clean_article, parse_date_value, short_title

logger = logging.getLogger(__name__)

__all__ = ["LoadedArticle", "LoadResult", "SUPPORTED_SUFFIXES", "MAX_ID_LENGTH", "MAX_ARTICLE_CHARS", "UNUSABLE_CHARS", "iter_files",
           "load_file", "load_paths"]

SUPPORTED_SUFFIXES = {".txt", ".md", ".html", ".htm", ".jsonl"}
# Any non-empty string is an id (titles, paths, URLs, any script), kept as
# given; the store keys it safely. The cap keeps keys and listings sane.
MAX_ID_LENGTH = 1024
# A long news article is ~50,000 characters. Far past that is not an article
# but a dump, and sentence splitting a 10 MB text overruns the splitter's
# regex time limit mid-ingest (a TimeoutError traceback): reject it up front.
MAX_ARTICLE_CHARS = 1_000_000
# Characters no article field may hold: NUL (SQLite and C libraries cut text
# there) and lone surrogates (the JSON escape \ud800 decodes to one; it is not
# Unicode text and every encoder downstream refuses it).
UNUSABLE_CHARS = re.compile("[\x00\ud800-\udfff]")
# Characters that make an id look like another one: zero-width spaces and
# joiners-to-nothing, and bidirectional overrides/isolates, which reorder how
# the id is shown ("x\u202egnp.exe" shows as "xexe.png"). ZWJ and ZWNJ stay
# allowed: emoji sequences and several scripts need them.
_DECEPTIVE_IN_ID = re.compile("[\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class LoadedArticle:
    id: str                      # JSONL `id`, else file name without extension
    title: str
    outlet: str | None           # publisher
    agencies: tuple[str, ...]    # wire credits, e.g. ("Reuters",) or ("news agencies",)
    published: str | None        # ISO "YYYY-MM-DD"
    source: str                  # file path (str) or the JSONL `url` when given
    text: str                    # cleaned text that gets indexed
    author: str | None = None    # a page's author (HTML only)
    updated: str | None = None   # ISO "YYYY-MM-DD": a page's last update, later than published (HTML only)


@dataclass(frozen=True)
class LoadResult:
    articles: list[LoadedArticle] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)


class _Reject(Exception):
    """Internal: this file or record can't be loaded, for the given reason."""


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def iter_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand ``paths`` (folders recursively, sorted, hidden entries skipped) to loadable files."""
    files: list[Path] = []
    rejected: list[tuple[str, str]] = []
    seen: set[Path] = set()
    supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if not _hidden(p, path))
            # A link inside a folder may point anywhere (outside the folder,
            # at a device, at a secret): never follow one, and say so. A link
            # named directly on the command line is the user's own choice.
            rejected.extend((str(p), "symbolic link, not followed (links inside a folder are never read)")
                            for p in found if p.is_symlink())
            candidates = [p for p in found if not p.is_symlink() and p.is_file()]
        elif path.is_file():
            candidates = [path]
        else:
            rejected.append((str(path), "no such file or directory"))
            continue
        for p in candidates:
            if p.suffix.lower() not in SUPPORTED_SUFFIXES:
                rejected.append((str(p), f"unsupported file type '{p.suffix or '(none)'}' (supported: {supported})"))
            elif (key := p.resolve()) not in seen:  # a file named twice is loaded once
                seen.add(key)
                files.append(p)
    return files, rejected


def _decode(data: bytes) -> str:
    if not data.strip():
        raise _Reject("empty file")
    if b"\x00" in data:
        raise _Reject("binary file (contains NUL bytes), not text")
    for encoding in ("utf-8", "utf-8-sig"):
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            error = exc
    raise _Reject(f"not UTF-8 text (undecodable byte at offset {error.start})")


def _safe_stem(path: Path) -> str:
    # File names may hold spaces or brackets; keep ids inside the safe alphabet.
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-.") or "article"


def _article(art_id: str, cleaned: CleanedArticle, *, title: str | None, fallback_title: str, outlet: str | None,
             published: str | None, source: str, author: str | None = None,
             updated: str | None = None) -> LoadedArticle:
    """Assemble the record; the indexed text is the real title, a blank line, then the body."""
    if not cleaned.body:
        raise _Reject("no article text left after cleaning")
    if (size := sum(len(part) for part in cleaned.body)) > MAX_ARTICLE_CHARS:
        raise _Reject(f"article text is {size:,} characters long; the limit is {MAX_ARTICLE_CHARS:,}")
    # A title that only repeats the body's opening (a feed's "first words..."
    # headline) would be indexed twice, once cut off mid-sentence.
    stem = (title or "").rstrip(".…").strip()
    repeats_opening = bool(stem) and cleaned.body[0].startswith(stem)
    parts = ([title] if title and not repeats_opening else []) + list(cleaned.body)
    return LoadedArticle(id=art_id, title=title or fallback_title, outlet=outlet or cleaned.outlet,
                         agencies=cleaned.agencies, published=published or cleaned.published,
                         source=source, text="\n\n".join(parts), author=author, updated=updated)


def _load_text(path: Path, text: str) -> LoadedArticle:
    cleaned = clean_article(text, markdown=path.suffix.lower() == ".md")
    return _article(_safe_stem(path), cleaned, title=cleaned.title, fallback_title=path.stem, outlet=None,
                    published=None, source=str(path))


def _load_html(path: Path, text: str) -> LoadedArticle:
    """A saved page goes through the same extraction as a fetched one (``vectorstore.web``)."""
    from vectorstore import web  # lazy: trafilatura is only needed for HTML

    try:
        return web.article_from_html(text, art_id=_safe_stem(path), source=str(path), fallback_title=path.stem,
                                     min_chars=1)
    except web.FetchError as exc:
        raise _Reject(str(exc)) from None


def _unusable(value: str) -> str | None:
    """What makes ``value`` unstorable (a NUL or a lone surrogate), else None."""
    if (m := UNUSABLE_CHARS.search(value)) is None:
        return None
    if m.group() == "\x00":
        return "a NUL character"
    return f"a lone surrogate (U+{ord(m.group()):04X}), which is not valid Unicode"


def _optional_str(record: dict, key: str) -> str | None:
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise _Reject(f"'{key}' must be a string")
    return value.strip()


def _jsonl_record(path: Path, lineno: int, line: str) -> LoadedArticle:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _Reject(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        # json's decoder recurses once per nested list or object; thousands
        # of them would otherwise end the whole ingest with a traceback.
        raise _Reject("JSON nested too deeply (an article is one flat object)") from None
    if not isinstance(record, dict):
        raise _Reject("not a JSON object")
    for key in ("id", "text", "title", "outlet", "published", "url"):
        if isinstance(value := record.get(key), str) and (why := _unusable(value)):
            raise _Reject(f"'{key}' contains {why}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _Reject("missing 'text'" if text is None or isinstance(text, str) else "'text' must be a string")
    if "id" in record:
        art_id = record["id"]
        if not isinstance(art_id, str):
            raise _Reject(f"'id' must be a string, not {type(art_id).__name__} {art_id!r}")
        if not art_id.strip():
            raise _Reject("'id' is empty")
        if len(art_id) > MAX_ID_LENGTH:
            raise _Reject(f"'id' is {len(art_id)} characters long; the limit is {MAX_ID_LENGTH}")
        if m := _DECEPTIVE_IN_ID.search(art_id):
            raise _Reject(f"'id' contains the invisible or reordering character U+{ord(m.group()):04X}")
    else:
        art_id = f"{_safe_stem(path)}-{lineno}"  # the file name alone would repeat on every line
    published = None
    if (value := _optional_str(record, "published")) is not None:
        if (published := parse_date_value(value)) is None:
            raise _Reject(f"bad 'published' date {value!r} (expected YYYY-MM-DD)")
    title = _optional_str(record, "title")
    cleaned = clean_article(text, find_title=False, title_hint=title)
    return _article(art_id, cleaned, title=title, fallback_title=short_title("\n\n".join(cleaned.body) or text),
                    outlet=_optional_str(record, "outlet"), published=published,
                    source=_optional_str(record, "url") or str(path))


def _load_jsonl(path: Path, text: str) -> LoadResult:
    articles: list[LoadedArticle] = []
    rejected: list[tuple[str, str]] = []
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            article = _jsonl_record(path, lineno, line)
            if article.id in first_line:
                raise _Reject(f"duplicate id '{article.id}' (already on line {first_line[article.id]})")
            first_line[article.id] = lineno
            articles.append(article)
        except _Reject as exc:
            rejected.append((str(path), f"line {lineno}: {exc}"))
    if not articles and not rejected:
        rejected.append((str(path), "empty file"))
    return LoadResult(articles=articles, rejected=rejected)


def _dedupe(articles: list[LoadedArticle], rejected: list[tuple[str, str]],
            seen: dict[str, str]) -> list[LoadedArticle]:
    """Keep the first article per id; later ones are rejected (``seen`` maps id -> source)."""
    kept = []
    for art in articles:
        if art.id in seen:
            rejected.append((art.source, f"duplicate id '{art.id}' (already loaded from {seen[art.id]})"))
        else:
            seen[art.id] = art.source
            kept.append(art)
    return kept


def load_file(path: Path) -> LoadResult:
    """Load one file; never raises for bad content (see ``LoadResult.rejected``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix not in SUPPORTED_SUFFIXES:
            raise _Reject(f"unsupported file type '{path.suffix or '(none)'}'")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise _Reject(f"cannot read file ({exc.strerror or exc})") from None
        text = _decode(data)
        if suffix == ".jsonl":
            result = _load_jsonl(path, text)
        elif suffix in (".html", ".htm"):
            result = LoadResult(articles=[_load_html(path, text)])
        else:
            result = LoadResult(articles=[_load_text(path, text)])
    except _Reject as exc:
        result = LoadResult(rejected=[(str(path), str(exc))])
    except RecursionError:
        # The HTML parser and the block walk recurse once per nested element:
        # 100k nested <div>s would otherwise end the whole ingest with a traceback.
        result = LoadResult(rejected=[(str(path), "nested too deeply to read (thousands of nested elements)")])
    for source, reason in result.rejected:
        logger.warning("rejected %s: %s", source, reason)
    return result


def load_paths(paths: Iterable[str | Path], *, web=None, limits=None) -> LoadResult:
    """Load every supported file under ``paths``; ids must be unique across the whole load.

    An ``http(s)://`` string is a page or a feed, fetched (``vectorstore.web``);
    a file named directly with a feed suffix (.xml, .rss, .atom) is a feed whose
    items' pages are fetched. ``web`` is the ``WebClient`` to use (one is made
    when needed, with ``limits``, a ``FetchLimits``: the defaults when None).
    """
    from vectorstore import web as _web  # lazy: plain file loads need no HTTP stack

    local: list[str | Path] = []
    remote: list[tuple[str, str | Path]] = []
    for raw in paths:
        if _web.is_url(raw):
            remote.append(("url", raw))
        elif Path(raw).suffix.lower() in _web.FEED_SUFFIXES and Path(raw).is_file():
            remote.append(("feed", raw))
        else:
            local.append(raw)
    files, rejected = iter_files(local)
    articles: list[LoadedArticle] = []
    seen: dict[str, str] = {}
    for path in files:
        result = load_file(path)
        rejected.extend(result.rejected)
        articles.extend(_dedupe(result.articles, rejected, seen))
    if remote:
        client = web or _web.WebClient.with_limits(limits or _web.FetchLimits())
        try:
            for kind, raw in remote:
                result = _web.load_url(str(raw), client) if kind == "url" else _web.load_feed_file(Path(raw), client)
                rejected.extend(result.rejected)
                articles.extend(_dedupe(result.articles, rejected, seen))
        finally:
            if web is None:
                client.close()
    logger.info("loaded %d articles, rejected %d", len(articles), len(rejected))
    return LoadResult(articles=articles, rejected=rejected)
