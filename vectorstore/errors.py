"""The store's own errors. The store knows nothing of its clients: ``assistant`` wraps these in its own."""

from __future__ import annotations

__all__ = [
    "VectorStoreError",
    "IndexSignatureMismatch",
    "IndexInconsistent",
    "StoreUnavailable",
    "EmbedderLoadError",
    "WriterBusy",
    "TableDamaged",
]


class VectorStoreError(Exception):
    """Base of every error the store raises on purpose."""


class IndexSignatureMismatch(VectorStoreError):
    """The stored index was built with other chunk settings or another embedder."""


class IndexInconsistent(VectorStoreError):
    """The derived indexes don't match the article table."""


class StoreUnavailable(VectorStoreError):
    """Chroma (embedded or a server) could not be opened or reached, or refused a request."""


class EmbedderLoadError(VectorStoreError):
    """The embedding model could not be loaded."""


class WriterBusy(VectorStoreError):
    """Another writer held the store's write lock for longer than the wait allowed."""

    def __init__(self, message: str, *, lock_path):
        super().__init__(message)
        self.lock_path = lock_path


class TableDamaged(VectorStoreError):
    """The article table's file cannot be read as a database (truncated, overwritten)."""

    def __init__(self, message: str, *, path):
        super().__init__(message)
        self.path = path
