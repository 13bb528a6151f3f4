"""A damaged article table: found by SQLite's own check, and replaced by what can still be read.

``Assistant.check`` calls these before comparing the stores, because a
table that cannot be read cannot be the source of truth for a repair.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from vectorstore.errors import TableDamaged
from vectorstore.protocols import Store
from vectorstore.salvage import is_damage, salvage_table
from vectorstore.write_lock import LOCK_NAME, WriteLock

from .errors import StoreError
from .store_errors import store_errors

__all__ = ["TABLE_FILE", "salvage", "table_damage"]

TABLE_FILE = "articles.sqlite3"


def table_damage(open_index: Callable[[], Store], home: Path) -> str | None:
    """What is wrong with the article table's file, if anything (SQLite's quick check)."""
    try:
        found = open_index().damage()
    except StoreError as exc:
        if not isinstance(exc.__cause__, TableDamaged):
            raise
        return str(exc.__cause__)
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        found = [str(exc)]
    if not found:
        return None
    return f"the article table {home / TABLE_FILE} is damaged ({'; '.join(found[:3])})"


def salvage(damage: str, home: Path, *, lock_timeout_s: float, reindex: Callable[[], int]) -> tuple[str, ...]:
    """The damaged table replaced by what can still be read of it, and every index
    rebuilt from that (``reindex``); the lines say what was done.  The store must be closed."""
    lock = WriteLock(home / LOCK_NAME, timeout_s=lock_timeout_s)
    with store_errors(home), lock.held():
        report = salvage_table(home / TABLE_FILE)
    count = reindex()
    return (
        f"{damage}: kept it as {report.damaged_copy.name}, saved {len(report.recovered)} readable articles "
        f"into a new table ({report.unreadable_rows} rows unreadable) and rebuilt every index from them "
        f"({count} articles)",
    )
