"""The store's errors as this package's: ``vectorstore`` knows nothing of ``assistant``, so the core translates."""

from __future__ import annotations

import functools
import inspect
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

from .errors import AssistantError, IndexMismatchError, ModelLoadError, StoreBusyError, StoreError

__all__ = ["translate", "store_errors", "translating"]

_REINDEX = "run `assistant reindex` to rebuild the index"
_REPAIR = "run `assistant check --repair` to bring the indexes back in line with the article table, or `assistant reindex` to rebuild them"
_SALVAGE = (
    "it is the source of truth: `assistant check --repair` keeps the damaged file beside it, saves every "
    "article still readable into a new table and rebuilds the indexes from them (or restore it from a backup)"
)
_WAIT = "wait for it to finish and try again (ASSISTANT_WRITE_LOCK_TIMEOUT_S sets how long to wait)"

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


@contextmanager
def store_errors() -> Iterator[None]:
    try:
        yield
    except VectorStoreError as exc:
        raise translate(exc) from exc
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        # A bad page met by a read after the table opened.
        raise StoreError(f"the article table is damaged ({exc}); {_SALVAGE}") from exc


def translating(fn: F) -> F:
    """Decorate a method (or a generator method) so the store's errors leave it as ours."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen(*args, **kwargs):
            with store_errors():
                yield from fn(*args, **kwargs)

        return gen  # type: ignore[return-value]

    @functools.wraps(fn)
    def call(*args, **kwargs):
        with store_errors():
            return fn(*args, **kwargs)

    return call  # type: ignore[return-value]
