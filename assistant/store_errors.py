"""The store's errors as this package's: ``vectorstore`` knows nothing of ``assistant``, so the core translates."""

from __future__ import annotations

import errno
import functools
import inspect
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from vectorstore.errors import (
    EmbedderLoadError,
    IndexInconsistent,
    IndexSignatureMismatch,
    StoreUnavailable,
    TableDamaged,
    VectorStoreError,
    WriterBusy,
)
from vectorstore.salvage import is_damage

from .errors import AssistantError, DiskFullError, IndexMismatchError, ModelLoadError, StoreBusyError, StoreError

__all__ = ["translate", "store_errors", "translating", "full_disk", "disk_full_error"]

_REINDEX = "run `assistant reindex` to rebuild the index"
_REPAIR = "run `assistant check --repair` to bring the indexes back in line with the article table, or `assistant reindex` to rebuild them"
_SALVAGE = (
    "it is the source of truth: `assistant check --repair` keeps the damaged file beside it, saves every "
    "article still readable into a new table and rebuilds the indexes from them (or restore it from a backup)"
)
_WAIT = "wait for it to finish and try again (ASSISTANT_WRITE_LOCK_TIMEOUT_S sets how long to wait)"
_FREE = (
    "then run `assistant check --repair` (a write cut short leaves the indexes behind the article table, "
    "which keeps every article it had) and the command again"
)
# How each layer says "no space": the OS (ENOSPC), SQLite (the article table, embedded
# Chroma: SQLITE_FULL), Rust libraries (tantivy, Chroma's own: "os error 28").
_FULL = ("no space left on device", "database or disk is full", "os error 28", "disk quota exceeded")
# Embedded Chroma and tantivy may report a write that found no room only as
# their own failure ("Error in compaction: Failed to apply logs to the
# metadata segment", "An index writer was killed"). With this little left
# where the store lives (a group's write journals megabytes), a full disk is
# the likely cause, and the message says so (with the failure as it came).
NEARLY_FULL_BYTES = 32 << 20

F = TypeVar("F", bound=Callable)


def translate(exc: VectorStoreError) -> AssistantError:
    """The ``assistant`` error a caller catches for one of the store's."""
    if isinstance(exc, IndexSignatureMismatch):
        return IndexMismatchError(f"{exc}; {_REINDEX}")
    if isinstance(exc, IndexInconsistent):
        return StoreError(f"{exc}; {_REPAIR}")
    if isinstance(exc, WriterBusy):
        return StoreBusyError(f"{exc}; {_WAIT}", lock_path=exc.lock_path)
    if isinstance(exc, EmbedderLoadError):
        return ModelLoadError(str(exc))
    if isinstance(exc, TableDamaged):
        return StoreError(f"{exc}; {_SALVAGE}")
    if isinstance(exc, StoreUnavailable):
        return StoreError(str(exc))
    return StoreError(f"the store failed: {exc}")


def full_disk(exc: BaseException) -> BaseException | None:
    """The exception in ``exc``'s chain that says a disk is full, if one does.

    A full disk reaches us in many shapes: an ``OSError`` (ENOSPC), SQLite's
    "database or disk is full", or wrapped by Chroma or the store.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return current
        if any(words in str(current).lower() for words in _FULL):
            return current
        current = current.__cause__ or current.__context__
    return None


def disk_full_error(exc: BaseException, found: BaseException, home: Path | None) -> DiskFullError:
    """The error to show for a full disk: which disk, how much is free, what to do."""
    detail = found.strerror if isinstance(found, OSError) and found.strerror else str(found)
    if isinstance(exc, VectorStoreError) and "Chroma server at " in str(exc):
        # The server's disk, not ours: its message names it.
        return DiskFullError(f"{exc}: the Chroma server's disk is full; free space there, {_FREE}", path=None)
    filename = getattr(found, "filename", None)
    place = Path(filename) if filename else home
    if place is None:
        return DiskFullError(f"the disk is full ({detail}); free some space, {_FREE}")
    return DiskFullError(
        f"the disk holding {place} is full ({detail}{_free_space(place)}); free some space there, {_FREE}",
        path=place,
    )


def _nearly_full(exc: BaseException, home: Path | None) -> DiskFullError | None:
    """A failure no layer explained, on a local disk with almost no room left, as a full disk (else None)."""
    if home is None or "Chroma server at " in str(exc):
        return None
    free = _free_bytes(home)
    if free is None or free >= NEARLY_FULL_BYTES:
        return None
    failure = str(exc) if isinstance(exc, VectorStoreError) else f"{type(exc).__name__}: {exc}"
    return DiskFullError(
        f"the disk holding {home} is full ({free:,} bytes free), the likely cause of: {failure}; "
        f"free some space there, {_FREE}",
        path=home,
    )


def _free_bytes(place: Path) -> int | None:
    for folder in (place, *place.parents):
        try:
            return shutil.disk_usage(folder).free
        except OSError:  # not there (yet): ask its parent
            continue
    return None


def _free_space(place: Path) -> str:
    free = _free_bytes(place)
    return "" if free is None else f"; {free:,} bytes free"


@contextmanager
def store_errors(home: Path | None = None) -> Iterator[None]:
    """The store's errors (and a full disk's, from any layer) as ours; ``home`` names the store's disk."""
    try:
        yield
    except AssistantError:
        raise  # translated already (a decorated method called another)
    except Exception as exc:
        found = full_disk(exc)
        if found is not None:
            raise disk_full_error(exc, found, home) from exc
        if isinstance(exc, VectorStoreError) and not isinstance(exc, StoreUnavailable):
            raise translate(exc) from exc  # said on purpose: a mismatch, drift, a busy lock, a damaged table
        if isinstance(exc, sqlite3.DatabaseError) and is_damage(exc):
            # A bad page met by a read after the table opened.
            raise StoreError(f"the article table is damaged ({exc}); {_SALVAGE}") from exc
        nearly = _nearly_full(exc, home)
        if nearly is not None:
            raise nearly from exc
        if isinstance(exc, VectorStoreError):
            raise translate(exc) from exc
        raise


def translating(fn: F) -> F:
    """Decorate a method (or a generator method) so the store's errors leave it as ours.

    The instance's ``settings.home``, when it has one, is the disk a full-disk error names.
    """

    def home_of(args) -> Path | None:
        home = getattr(getattr(args[0], "settings", None), "home", None) if args else None
        return Path(home) if home is not None else None

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen(*args, **kwargs):
            with store_errors(home_of(args)):
                yield from fn(*args, **kwargs)

        return gen  # type: ignore[return-value]

    @functools.wraps(fn)
    def call(*args, **kwargs):
        with store_errors(home_of(args)):
            return fn(*args, **kwargs)

    return call  # type: ignore[return-value]
