"""A damaged article table: tell it apart from other failures, and save what can still be read.

The article table is the source of truth; every index is rebuilt from it.
When its file is damaged (truncated by a full disk, overwritten, half
copied), SQLite says "database disk image is malformed" or "file is not a
database" on whichever read reaches a bad page. Salvage reads the articles
one row at a time, so a bad page costs the rows on it and not the rest,
writes them to a fresh table, and keeps the damaged file beside it under a
new name. The chunks, sentences and copies are not salvaged: they are
derived, and a reindex makes them again.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from .articles import ArticleTable, _to_article

__all__ = ["SalvageReport", "is_damage", "salvage_table"]

logger = logging.getLogger(__name__)

# SQLite's words for a file it cannot read as a database (not a busy or
# locked one, which is no damage).
_DAMAGE = ("malformed", "not a database", "file is encrypted", "disk image", "database corrupt")
# Rows are read by rowid; past the last one a run of misses this long ends the scan.
_MISSES_BEFORE_END = 10_000


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite saying the file is damaged."""
    return isinstance(exc, sqlite3.DatabaseError) and any(word in str(exc).lower() for word in _DAMAGE)


@dataclass(frozen=True)
class SalvageReport:
    recovered: tuple[str, ...]  # article ids read back, in rowid order
    unreadable_rows: int  # rows below the table's last rowid that could not be read (0 when that is unknown)
    damaged_copy: Path  # where the damaged file now is


def salvage_table(path: Path) -> SalvageReport:
    """Replace the damaged table at ``path`` by one holding every article still readable.

    The caller holds the write lock and reindexes afterwards.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    damaged = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            side.rename(Path(f"{damaged}{suffix}"))
    rows, unreadable = _read_rows(damaged)
    fresh = ArticleTable(path)
    try:
        with fresh.transaction() as conn:
            for row in rows:
                fresh.put(conn, _to_article(row))
    finally:
        fresh.close()
    ids = tuple(row[0] for row in rows)
    logger.warning("salvaged %d articles from %s (%d rows unreadable)", len(ids), damaged, unreadable)
    return SalvageReport(ids, unreadable, damaged)


def _read_rows(path: Path) -> tuple[list[tuple], int]:
    """Every article row SQLite can still read from ``path``, and how many it could not."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.DatabaseError:
        return [], 0
    rows: list[tuple] = []
    unreadable = 0
    try:
        try:
            last = db.execute("SELECT max(rowid) FROM articles").fetchone()[0] or 0
        except sqlite3.DatabaseError:
            last = None  # the table's root or header is gone: scan until a long run of misses
        rowid, misses = 0, 0
        while (last is None and misses < _MISSES_BEFORE_END) or (last is not None and rowid < last):
            rowid += 1
            try:
                row = db.execute(
                    "SELECT id, title, outlet, agencies, published, source, text, content_hash "
                    "FROM articles WHERE rowid = ?",
                    (rowid,),
                ).fetchone()
            except sqlite3.DatabaseError:
                # Past the end of an unknown table every rowid fails: those are no rows.
                unreadable += last is not None
                misses += 1
                continue
            if row is None:
                misses += 1
                continue
            misses = 0
            try:
                _to_article(row)  # a row whose fields no longer parse is as lost as an unreadable one
            except (ValueError, TypeError):
                unreadable += 1
                continue
            rows.append(row)
    finally:
        db.close()
    return rows, unreadable
