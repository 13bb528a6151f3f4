"""The store as a port: everything the core calls on an open archive, and nothing else.

``NewsIndex`` (embedded Chroma or a Chroma server, BM25 and the article
table) and ``MemoryStore`` (all in memory, for unit tests) implement it;
``tests/vectorstore/test_index.py`` runs one contract over all three.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from .articles import ArticleVersion, StoredArticle
    from .chroma_store import ArticleFilters
    from .consistency import CheckOutcome
    from .index import IngestOutcome
    from .loading import LoadedArticle

__all__ = ["Lexicon", "Store"]

Progress = Callable[[str, int, int], None]  # (stage, done, total)
Ranked = list[tuple[str, float]]  # (span id, score), best first
SentenceRows = dict[str, list[tuple[int, int, np.ndarray]]]  # article id -> (start, end, vector) per sentence


@runtime_checkable
class Lexicon(Protocol):
    """The keyword index's terms: how a text is cut into them, and how telling each one is."""

    def tokenize(self, text: str) -> list[str]: ...

    def prime(self, texts: Sequence[str]) -> None:
        """Tokenise these texts in one go, so that ``tokenize`` finds them done (a speed-up only)."""
        ...

    def idf(self, term: str) -> float: ...

    def knows(self, term: str) -> bool: ...


@runtime_checkable
class Store(Protocol):
    """An archive: articles (the source of truth) and the dense and keyword indexes derived from them.

    Span ids are ``"{article_id}:{start}-{end}"`` (``articles.span_id``).
    """

    # -- writes ------------------------------------------------------------------
    def ingest(self, articles: Sequence[LoadedArticle], *, progress: Progress | None = None) -> IngestOutcome: ...

    def remove(self, article_id: str) -> bool: ...

    def reindex(self, *, progress: Progress | None = None) -> int: ...

    def check(self, *, repair: bool = False) -> CheckOutcome: ...

    def close(self) -> None: ...

    # -- articles ----------------------------------------------------------------
    def article(self, article_id: str) -> StoredArticle | None: ...

    def articles(self) -> list[StoredArticle]: ...

    def history(self, article_id: str) -> list[ArticleVersion]: ...

    def counts(self) -> tuple[int, int]:
        """(articles, chunks) as stored."""
        ...

    def source_names(self) -> frozenset[str]:
        """Every outlet and news agency the stored articles name."""
        ...

    def damage(self) -> list[str]:
        """What is wrong with the stored articles' file, if anything."""
        ...

    # -- reads for answering -----------------------------------------------------
    def dense_search(self, query: str, vector: np.ndarray, *, top_k: int, filters: ArticleFilters) -> Ranked: ...

    def keyword_search(self, query: str, *, top_k: int, filters: ArticleFilters) -> Ranked: ...

    @property
    def lexicon(self) -> Lexicon: ...

    def sentences_of(self, hashes: Mapping[str, str]) -> SentenceRows:
        """Each article's sentence spans and ingest-time vectors; ``hashes``: article id -> content hash."""
        ...

    def copies_of(self, article_ids: list[str]) -> dict[str, list[str]]:
        """Sentence span id -> the span ids of its wire copies in other articles."""
        ...

    def vectors(self) -> Iterator[tuple[str, int, int, np.ndarray]]:
        """Every stored chunk's and sentence's (article id, start, end, vector)."""
        ...
