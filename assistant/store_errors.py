"""The store's errors as this package's: ``vectorstore`` knows nothing of ``assistant``, so the core translates."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from vectorstore.errors import (
    EmbedderLoadError,
    IndexInconsistent,
    IndexSignatureMismatch,
    StoreUnavailable,
    VectorStoreError,
)

from .errors import AssistantError, IndexMismatchError, ModelLoadError, StoreError

__all__ = ["translate", "store_errors", "translating"]

_REINDEX = "run `assistant reindex` to rebuild the index"

F = TypeVar("F", bound=Callable)


def translate(exc: VectorStoreError) -> AssistantError:
    """The ``assistant`` error a caller catches for one of the store's."""
    if isinstance(exc, IndexSignatureMismatch):
        return IndexMismatchError(f"{exc}; {_REINDEX}")
    if isinstance(exc, IndexInconsistent):
        return StoreError(f"{exc}; {_REINDEX}")
    if isinstance(exc, EmbedderLoadError):
        return ModelLoadError(str(exc))
    if isinstance(exc, StoreUnavailable):
        return StoreError(str(exc))
    return StoreError(f"the store failed: {exc}")


@contextmanager
def store_errors() -> Iterator[None]:
    try:
        yield
    except VectorStoreError as exc:
        raise translate(exc) from exc


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
