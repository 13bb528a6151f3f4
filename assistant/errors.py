"""Two-sided error hierarchy.

``UserError`` means the caller can fix it (bad input, bad setting, unknown
article, an index built with other settings).  ``AssistantRuntimeError`` means
something failed underneath (model, store) that the caller did not cause.
The CLI prints either as one line; it never shows a traceback.
"""

from __future__ import annotations

__all__ = [
    "AssistantError",
    "UserError",
    "SettingsError",
    "InvalidInputError",
    "ArticleNotFoundError",
    "IndexMismatchError",
    "StoreBusyError",
    "DiskFullError",
    "AssistantRuntimeError",
    "ModelLoadError",
    "StoreError",
]


class AssistantError(Exception):
    """Base of every error this package raises on purpose."""


class UserError(AssistantError):
    """The request or the configuration is wrong; the caller can fix it."""


class SettingsError(UserError):
    """A setting (usually an ``ASSISTANT_*`` variable) has an invalid value."""


class InvalidInputError(UserError):
    """A question, a path or an article cannot be used as given."""


class ArticleNotFoundError(UserError):
    """No stored article has the requested id."""

    def __init__(self, article_id: str):
        super().__init__(f"no article with id {article_id!r}; `assistant list` shows the stored ids")
        self.article_id = article_id


class IndexMismatchError(UserError):
    """The stored index was built with other settings or another embedder."""


class StoreBusyError(UserError):
    """Another process kept the store's write lock (``ASSISTANT_HOME/.write.lock``) past the wait allowed.

    Wait for that ingest (or remove, reindex, repair) to finish and run the
    command again, or wait longer with ``ASSISTANT_WRITE_LOCK_TIMEOUT_S``.
    """

    def __init__(self, message: str, *, lock_path=None):
        super().__init__(message)
        self.lock_path = lock_path


class DiskFullError(UserError):
    """The disk the store writes to is full (ENOSPC, SQLite's "database or disk is full").

    The user's to fix: free some space where ``path`` is, then run
    ``assistant check --repair`` (a write cut short leaves drift, never a
    lost article) and the command again. ``path`` is where the write failed,
    or the store's home when the error does not say.
    """

    def __init__(self, message: str, *, path=None):
        super().__init__(message)
        self.path = path


class AssistantRuntimeError(AssistantError):
    """Something underneath failed: a model or the store."""


class ModelLoadError(AssistantRuntimeError):
    """A model (the embedder, the reading model, a local LLM) or its file could not be loaded."""


class StoreError(AssistantRuntimeError):
    """The article table, Chroma or the BM25 index failed or is inconsistent."""
