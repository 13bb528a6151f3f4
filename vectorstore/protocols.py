"""The store as a port: everything the core calls on an open archive.

``NewsIndex`` is the one implementation, embedded or over a Chroma server;
``tests/vectorstore/test_index.py`` runs its contract in both modes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from .articles import ArticleTable
    from .bm25_index import BM25Index
    from .chroma_store import ArticleFilters, ChromaStore
    from .consistency import CheckOutcome
    from .index import IngestOutcome
    from .loading import LoadedArticle

__all__ = ["Store"]

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@runtime_checkable
class Store(Protocol):
    """An archive: the article table (the source of truth), the BM25 index and the Chroma collections."""

    @property
    def table(self) -> ArticleTable: ...

    @property
    def bm25(self) -> BM25Index: ...

    @property
    def chroma(self) -> ChromaStore: ...

    def ingest(self, articles: Sequence[LoadedArticle], *, progress: Progress | None = None) -> IngestOutcome: ...

    def remove(self, article_id: str) -> bool: ...

    def reindex(self, *, progress: Progress | None = None) -> int: ...

    def check(self, *, repair: bool = False) -> CheckOutcome: ...

    def sentences_of(self, hashes: Mapping[str, str]) -> dict[str, list[tuple[int, int, np.ndarray]]]: ...

    def copies_of(self, article_ids: list[str]) -> dict[str, list[str]]: ...

    def allowed_chunks(self, filters: ArticleFilters) -> set[str] | None: ...

    def close(self) -> None: ...
