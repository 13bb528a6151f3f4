"""The article table: the source of truth every index is derived from."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["StoredArticle", "ArticleTable", "ArticleVersion", "content_hash"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    outlet TEXT,
    agencies TEXT NOT NULL,
    published TEXT,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    author TEXT,
    updated TEXT
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks(article_id, start);
-- Each article's sentence spans (int32 start, end pairs) and their vectors
-- (float32 rows): the answerer reads them for every retrieved article, and a
-- row here is one indexed read where a Chroma get with a filter took ~10 ms.
CREATE TABLE IF NOT EXISTS sentences (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    spans BLOB NOT NULL,
    vectors BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS copies (
    sentence_id TEXT NOT NULL,
    copy_id TEXT NOT NULL,
    similarity REAL NOT NULL,
    PRIMARY KEY (sentence_id, copy_id)
);
CREATE INDEX IF NOT EXISTS copies_by_copy ON copies(copy_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Earlier versions of an article a changed copy replaced (same id, another
-- text): what it was, not its text. No foreign key: replacing an article
-- deletes its row before writing the new one, which would take these along.
CREATE TABLE IF NOT EXISTS history (
    article_id TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    title TEXT NOT NULL,
    published TEXT,
    updated TEXT,
    content_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_by_article ON history(article_id, replaced_at);
"""
# Columns added to ``articles`` after its first release; an older table gets
# them (empty) when it is opened. Appending columns keeps every stored row.
_ADDED_COLUMNS = (("author", "TEXT"), ("updated", "TEXT"))
_COLUMNS = "id, title, outlet, agencies, published, source, text, content_hash, author, updated"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredArticle:
    id: str
    title: str
    outlet: str | None
    agencies: tuple[str, ...]
    published: str | None
    source: str
    text: str
    content_hash: str
    author: str | None = None
    updated: str | None = None    # YYYY-MM-DD, a page's last update


@dataclass(frozen=True, slots=True)
class ArticleVersion:
    """An earlier version of an article, kept when a changed copy replaced it."""

    replaced_at: str          # UTC, ISO 8601 to the second
    title: str
    published: str | None
    updated: str | None
    content_hash: str


class ArticleTable:
    """SQLite table of articles, their chunk spans and index metadata."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False: the Gradio app answers from worker threads;
        # writes are serialised by the caller's lock.
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        # The dense side filters on Python's casefold(); SQLite's lower() only
        # folds ASCII, so the outlet filter uses the same function here.
        self._db.create_function("casefold", 1, lambda value: (value or "").casefold(), deterministic=True)
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(_SCHEMA)
        self._add_columns()
        self._sources: tuple[tuple[int, int], frozenset[str]] | None = None

    def close(self) -> None:
        self._db.close()

    def _add_columns(self) -> None:
        """Bring a table made before a column existed up to date; its rows stay as they are."""
        have = {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}
        for name, kind in _ADDED_COLUMNS:
            if name not in have:
                try:
                    with self._db:
                        self._db.execute(f"ALTER TABLE articles ADD COLUMN {name} {kind}")
                except sqlite3.OperationalError as exc:
                    if "duplicate column" not in str(exc):  # another process added it first
                        raise

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._db:
            yield self._db

    # -- articles --------------------------------------------------------
    def get(self, article_id: str) -> StoredArticle | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _to_article(row) if row else None

    def hash_of(self, article_id: str) -> str | None:
        row = self._db.execute("SELECT content_hash FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def all(self) -> list[StoredArticle]:
        return [_to_article(r) for r in self._db.execute(f"SELECT {_COLUMNS} FROM articles ORDER BY id")]

    def ids(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT id FROM articles ORDER BY id")]

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def damage(self) -> list[str]:
        """SQLite's own quick check of the file: what it finds broken (none: healthy).

        It reads every page, so only ``check`` asks; a file too damaged to
        check at all raises ``sqlite3.DatabaseError``.
        """
        found = [row[0] for row in self._db.execute("PRAGMA quick_check")]
        return [] if found == ["ok"] else found

    def source_names(self) -> frozenset[str]:
        """Every outlet and news agency the stored articles name (as stored).

        A question may name them ("according to Reuters") though no article's
        text does.  Kept until this or another connection writes to the table
        (SQLite's data_version and total_changes tell), so a question pays a
        table scan only after a change.
        """
        version = (self._db.execute("PRAGMA data_version").fetchone()[0], self._db.total_changes)
        if self._sources is None or self._sources[0] != version:
            names: set[str] = set()
            for outlet, agencies in self._db.execute("SELECT DISTINCT outlet, agencies FROM articles"):
                names.update(n for n in (outlet, *json.loads(agencies)) if n)
            self._sources = (version, frozenset(names))
        return self._sources[1]

    def put(self, conn: sqlite3.Connection, article: StoredArticle) -> None:
        """Store ``article``; a stored version with another text goes to the history first."""
        old = conn.execute("SELECT title, published, updated, content_hash FROM articles WHERE id = ?",
                           (article.id,)).fetchone()
        if old is not None and old[3] != article.content_hash:
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            conn.execute("INSERT INTO history VALUES (?, ?, ?, ?, ?, ?)", (article.id, stamp, *old))
        conn.execute("DELETE FROM articles WHERE id = ?", (article.id,))
        conn.execute(
            f"INSERT INTO articles ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.id,
                article.title,
                article.outlet,
                json.dumps(list(article.agencies)),
                article.published,
                article.source,
                article.text,
                article.content_hash,
                article.author,
                article.updated,
            ),
        )

    def delete(self, conn: sqlite3.Connection, article_id: str) -> None:
        conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        conn.execute("DELETE FROM history WHERE article_id = ?", (article_id,))

    def history(self, article_id: str) -> list[ArticleVersion]:
        """The versions a changed copy replaced, oldest first (none: never replaced)."""
        rows = self._db.execute(
            "SELECT replaced_at, title, published, updated, content_hash FROM history WHERE article_id = ? "
            "ORDER BY replaced_at, rowid",
            (article_id,),
        )
        return [ArticleVersion(*row) for row in rows]

    # -- chunks ----------------------------------------------------------
    def put_chunks(self, conn: sqlite3.Connection, article_id: str, spans: list[tuple[int, int]]) -> None:
        conn.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
        conn.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?)",
            [(span_id(article_id, s, e), article_id, s, e) for s, e in spans],
        )

    def clear_chunks(self, conn: sqlite3.Connection) -> None:
        """Drop every derived row: chunk spans and sentence vectors."""
        conn.execute("DELETE FROM chunks")
        conn.execute("DELETE FROM sentences")

    # -- sentences ---------------------------------------------------------
    def put_sentences(self, conn: sqlite3.Connection, article_id: str, spans: list[tuple[int, int]], vectors) -> None:
        """Store after ``put``: replacing an article's row deletes its sentences with it."""
        import numpy as np

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(vectors) != len(spans):
            raise ValueError(f"{len(spans)} sentence spans but {len(vectors)} vectors for {article_id!r}")
        conn.execute(
            "INSERT OR REPLACE INTO sentences VALUES (?, ?, ?)",
            (article_id, np.asarray(spans, dtype=np.int32).tobytes(), vectors.tobytes()),
        )

    def sentences_of(self, article_ids: list[str]) -> dict:
        """Article id -> [(start, end, vector)] for those of ``article_ids`` that have sentences stored."""
        import numpy as np

        out = {}
        for lo in range(0, len(article_ids), 500):  # under SQLite's bound-parameter limit
            part = article_ids[lo : lo + 500]
            rows = self._db.execute(
                f"SELECT article_id, spans, vectors FROM sentences WHERE article_id IN ({','.join('?' * len(part))})",
                part,
            )
            for aid, spans_blob, vectors_blob in rows:
                spans = np.frombuffer(spans_blob, dtype=np.int32).reshape(-1, 2)
                vectors = np.frombuffer(vectors_blob, dtype=np.float32).reshape(len(spans), -1) if len(spans) else []
                out[aid] = [(int(s), int(e), vectors[i]) for i, (s, e) in enumerate(spans)]
        return out

    def sentence_spans(self) -> dict[str, list[tuple[int, int]]]:
        """Every article's sentence spans, without their vectors (for checks: ~1 GB less at 100k chunks)."""
        import numpy as np

        out = {}
        for aid, spans_blob in self._db.execute("SELECT article_id, spans FROM sentences"):
            spans = np.frombuffer(spans_blob, dtype=np.int32).reshape(-1, 2)
            out[aid] = [(int(s), int(e)) for s, e in spans]
        return out

    def chunk_spans(self, article_ids: list[str]) -> dict[str, list[tuple[int, int]]]:
        """Article id -> its chunk spans in text order, for those of ``article_ids`` that have chunks."""
        out: dict[str, list[tuple[int, int]]] = {}
        for lo in range(0, len(article_ids), 500):  # under SQLite's bound-parameter limit
            part = article_ids[lo : lo + 500]
            rows = self._db.execute(
                f"SELECT article_id, start, end FROM chunks WHERE article_id IN ({','.join('?' * len(part))}) "
                "ORDER BY article_id, start",
                part,
            )
            for aid, start, end in rows:
                out.setdefault(aid, []).append((start, end))
        return out

    def ids_without_rows(self) -> list[str]:
        """Articles lacking their chunk rows or their sentence row (written by a reindex that was cut short)."""
        return [
            row[0]
            for row in self._db.execute(
                "SELECT id FROM articles a WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.article_id = a.id) "
                "OR NOT EXISTS (SELECT 1 FROM sentences s WHERE s.article_id = a.id) ORDER BY id"
            )
        ]

    def chunks(self) -> list[tuple[str, str, int, int]]:
        """Every chunk as ``(id, article_id, start, end)``, in article order."""
        return list(self._db.execute("SELECT id, article_id, start, end FROM chunks ORDER BY article_id, start"))

    def chunk_ids_where(self, outlet: str | None, since: str | None, until: str | None) -> list[str]:
        """Ids of chunks whose article matches: outlet (case-folded), published in [since, until].

        Undated articles never pass a date bound.
        """
        sql = "SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE 1=1"
        args: list[str] = []
        if outlet is not None:
            sql += " AND casefold(a.outlet) = ?"
            args.append(outlet)
        if since is not None:
            sql += " AND a.published >= ?"
            args.append(since)
        if until is not None:
            sql += " AND a.published <= ?"
            args.append(until)
        return [row[0] for row in self._db.execute(sql, args)]

    def chunk_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    # -- wire copies -----------------------------------------------------
    def put_copies(self, conn: sqlite3.Connection, pairs: list[tuple[str, str, float]]) -> None:
        """Record near-duplicate sentence pairs, both ways round."""
        rows = list(pairs) + [(b, a, s) for a, b, s in pairs]
        conn.executemany("INSERT OR REPLACE INTO copies VALUES (?, ?, ?)", rows)

    def delete_copies(self, conn: sqlite3.Connection, article_id: str | None = None) -> None:
        if article_id is None:
            conn.execute("DELETE FROM copies")
            return
        lo, hi = _id_range(article_id)
        conn.execute(
            "DELETE FROM copies WHERE (sentence_id >= ? AND sentence_id < ?) OR (copy_id >= ? AND copy_id < ?)",
            (lo, hi, lo, hi),
        )

    def copies_of(self, article_ids: list[str]) -> dict[str, list[str]]:
        """Sentence id -> ids of its copies in other articles, for these articles' sentences."""
        out: dict[str, list[str]] = {}
        for aid in article_ids:
            for sid, cid in self._db.execute(
                "SELECT sentence_id, copy_id FROM copies WHERE sentence_id >= ? AND sentence_id < ?", _id_range(aid)
            ):
                out.setdefault(sid, []).append(cid)
        return out

    # -- meta ------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def delete_meta(self, conn: sqlite3.Connection, key: str) -> None:
        conn.execute("DELETE FROM meta WHERE key = ?", (key,))


def span_id(article_id: str, start: int, end: int) -> str:
    """A chunk's or a sentence's id, ``ID:START-END``; any article id works, since the span is split off from the right."""
    return f"{article_id}:{start}-{end}"


def _id_range(article_id: str) -> tuple[str, str]:
    """Bounds holding exactly the ids starting ``article_id:`` (no LIKE: ids may hold % and _)."""
    return f"{article_id}:", f"{article_id};"


def _to_article(row: tuple) -> StoredArticle:
    return StoredArticle(
        id=row[0],
        title=row[1],
        outlet=row[2],
        agencies=tuple(json.loads(row[3])),
        published=row[4],
        source=row[5],
        text=row[6],
        content_hash=row[7],
        # A row read from a table made before these columns (the salvage reads such) has 8 fields.
        author=row[8] if len(row) > 8 else None,
        updated=row[9] if len(row) > 9 else None,
    )
