"""The archive half of the ``Assistant``: the store it opens, and the articles in it.

Opening, ingesting, listing, removing, reindexing and checking are here;
answering questions is in ``api.py``, whose ``Assistant`` is an ``Archive``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Self

import numpy as np

from vectorstore.articles import content_hash
from vectorstore.embedding import Embedder, MiniLMEmbedder
from vectorstore.index import NewsIndex
from vectorstore.loading import load_paths
from vectorstore.protocols import Store
from vectorstore.text import chunk_spans

from .errors import ArticleNotFoundError, InvalidInputError
from .inputs import checked_article_id
from .settings import Settings, load_settings
from .store_errors import translating
from .types import Article, ArticleInfo, ArticleVersion, CheckReport, IngestReport, Rejected
from .upkeep import salvage, table_damage

__all__ = ["Archive", "Progress", "embedder_for"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` during long work."""


class Archive:
    """The store under ``settings.home`` (or on a Chroma server), opened on first use.

    ``store``: an open store to use instead (a ``vectorstore.memory.MemoryStore``
    in unit tests); the archive then never opens or closes one of its own.
    """

    def __init__(
        self, settings: Settings | None = None, *, embedder: Embedder | None = None, store: Store | None = None
    ):
        self.settings = settings if settings is not None else load_settings()
        self._embedder = embedder if embedder is not None else embedder_for(self.settings)
        self._given = store
        self._index: Store | None = store
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        """The embedding model (shareable: pass it to another ``Assistant``)."""
        return self._embedder

    def close(self) -> None:
        if self._index is not None and self._given is None:
            self._index.close()
            self._index = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open(self, *, allow_mismatch: bool = False) -> Store:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = self._open_index(allow_mismatch)
        return self._index

    @translating
    def _open_index(self, allow_mismatch: bool) -> NewsIndex:
        return NewsIndex(
            Path(self.settings.home),
            embedder=self._embedder,
            chunk_size=self.settings.chunk_size,
            chunk_overlap=self.settings.chunk_overlap,
            chroma_url=self.settings.chroma_url,
            chroma_token=self.settings.chroma_token.get_secret_value() if self.settings.chroma_token else None,
            allow_mismatch=allow_mismatch,
            write_lock_timeout_s=self.settings.write_lock_timeout_s,
        )

    # -- articles -----------------------------------------------------------------
    @translating
    def ingest(self, paths: Iterable[str | Path], *, progress: Progress | None = None) -> IngestReport:
        """Load files, folders, page or feed URLs and feed files; index what is new or changed."""
        paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
        if not paths:
            raise InvalidInputError("no paths given to ingest")
        loaded = load_paths(paths, limits=self.settings.fetch_limits)
        index = self._open()
        outcome = index.ingest(loaded.articles, progress=progress)
        report = IngestReport(
            added=outcome.added,
            unchanged=outcome.unchanged,
            replaced=outcome.replaced,
            rejected=tuple(Rejected(src, why) for src, why in loaded.rejected),
        )
        logger.info(
            "ingest: %d added, %d unchanged, %d replaced, %d rejected",
            len(report.added), len(report.unchanged), len(report.replaced), len(report.rejected),
        )
        return report

    @translating
    def ensure_seeded(self, *, progress: Progress | None = None) -> IngestReport | None:
        """Index ``settings.seeds`` when the store holds no article yet."""
        if self._open().counts()[0]:
            return None
        logger.info("empty store: indexing the seeds in %s", self.settings.seeds)
        return self.ingest([self.settings.seeds], progress=progress)

    @translating
    def articles(self) -> list[ArticleInfo]:
        return [_info(a) for a in self._open().articles()]

    @translating
    def counts(self) -> dict[str, int]:
        """How much the archive holds: ``articles`` and their ``chunks`` (as the article table records them)."""
        articles, chunks = self._open().counts()
        return {"articles": articles, "chunks": chunks}

    @translating
    def stored_vectors(self) -> Iterator[tuple[str, np.ndarray]]:
        """Every stored chunk's and sentence's text with the vector ingest gave it (for a cache to reuse)."""
        index = self._open()
        texts: dict[str, str | None] = {}
        for article_id, start, end, vector in index.vectors():
            if article_id not in texts:
                stored = index.article(article_id)
                texts[article_id] = stored.text if stored is not None else None
            if (text := texts[article_id]) is not None:
                yield text[start:end], vector

    def preview(self, paths: Iterable[str | Path]) -> list[Article]:
        """The articles ingesting ``paths`` would store (metadata and cleaned text), without storing
        anything; what loading would reject is left out."""
        loaded = load_paths(list(paths), limits=self.settings.fetch_limits)
        return [_info(a, Article, content_hash=content_hash(a.text), history=()) for a in loaded.articles]

    def chunk_plan(self, paths: Iterable[str | Path]) -> dict[str, tuple[int, int]]:
        """What ingesting ``paths`` would make, without storing anything: per article id, its
        chunk count and token count under these settings (loading errors are left out)."""
        count = self._embedder.count_tokens
        size, overlap = self.settings.chunk_size, self.settings.chunk_overlap
        return {
            a.id: (len(chunk_spans(a.text, size=size, overlap=overlap, count_tokens=count)), count(a.text))
            for a in load_paths(list(paths), limits=self.settings.fetch_limits).articles
        }

    @translating
    def article(self, article_id: str) -> Article:
        stored = self._open().article(checked_article_id(article_id))
        if stored is None:
            raise ArticleNotFoundError(article_id)
        return _full(stored, _versions(self._open(), stored.id))

    @translating
    def article_history(self, article_id: str) -> tuple[ArticleVersion, ...]:
        """The versions of an article that changed copies replaced, oldest first."""
        store = self._open()
        if store.article(checked_article_id(article_id)) is None:
            raise ArticleNotFoundError(article_id)
        return _versions(store, article_id)

    @translating
    def remove(self, article_id: str) -> None:
        if not self._open().remove(checked_article_id(article_id)):
            raise ArticleNotFoundError(article_id)

    @translating
    def reindex(self, *, progress: Progress | None = None) -> int:
        """Rebuild every derived index from the article table; returns the article count."""
        self.close()
        index = self._open(allow_mismatch=True)
        return index.reindex(progress=progress)

    @translating
    def check(self, *, repair: bool = False) -> CheckReport:
        """Compare the article table with Chroma and BM25; with ``repair``, fix what drifted.

        Checking only reads. Repairing is a write: it waits for the write
        lock like an ingest, rolls back an ingest group left pending,
        deletes orphans and writes missing entries back from the table.
        """
        damage = table_damage(self._open, Path(self.settings.home))
        if damage and not repair:
            return CheckReport(consistent=False, problems=(damage,), repaired=(), remaining=(damage,), counts={})
        if damage:
            self.close()
            timeout = self.settings.write_lock_timeout_s
            salvaged = salvage(damage, Path(self.settings.home), lock_timeout_s=timeout, reindex=self.reindex)
        else:
            salvaged = ()
        outcome = self._open().check(repair=repair)
        return CheckReport(
            consistent=outcome.consistent,
            problems=outcome.found.problems(),
            repaired=salvaged + outcome.repaired,
            remaining=outcome.after.problems(),
            counts=outcome.after.counts(),
        )


def embedder_for(settings: Settings) -> MiniLMEmbedder:
    """The embedding model the settings name (``embed_backend``); cheap until first used."""
    return MiniLMEmbedder(backend=settings.embed_backend, cache_dir=settings.model_cache)


def _info(stored, cls: type = ArticleInfo, **extra):
    """The store's record as the public type: the two share their field names."""
    return cls(**{f.name: getattr(stored, f.name) for f in fields(cls) if f.name not in extra}, **extra)


def _versions(store: Store, article_id: str) -> tuple[ArticleVersion, ...]:
    return tuple(ArticleVersion(**{f.name: getattr(v, f.name) for f in fields(ArticleVersion)})
                 for v in store.history(article_id))  # fmt: skip


def _full(stored, history: tuple[ArticleVersion, ...] = ()) -> Article:
    return _info(stored, Article, history=history)
