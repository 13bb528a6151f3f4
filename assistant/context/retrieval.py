"""Retrievers: dense (Chroma via LlamaIndex), BM25, and their reciprocal rank fusion."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from vectorstore.chroma_store import ArticleFilters
from vectorstore.protocols import Store

from ..types import Passage

__all__ = ["Filters", "IndexRetriever", "rrf_fuse"]

logger = logging.getLogger(__name__)

Filters = ArticleFilters


def rrf_fuse(rankings: list[list[str]], *, k: int) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: each list adds 1 / (k + rank) to an id's score."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


class IndexRetriever:
    """Retrieves from a ``Store`` in one of three modes.

    ``hybrid`` fuses dense and BM25 rankings with RRF: dense MiniLM alone
    misses passages whose key words (a figure, a rare noun) carry the match.
    """

    def __init__(
        self,
        store: Store,
        embed_query: Callable[[str], np.ndarray],
        *,
        mode: str = "hybrid",
        candidates: int = 20,
        rrf_k: int = 60,
    ):
        self._store = store
        self._embed_query = embed_query
        self._mode = mode
        self._candidates = candidates
        self._rrf_k = rrf_k

    def retrieve(self, query: str, *, top_k: int, filters: Filters | None = None) -> list[Passage]:
        filters = filters or Filters()
        depth = max(self._candidates, top_k)
        rankings: list[list[tuple[str, float]]] = []
        if self._mode in ("hybrid", "dense"):
            rankings.append(self._store.dense_search(query, self._embed_query(query), top_k=depth, filters=filters))
        if self._mode in ("hybrid", "bm25"):
            rankings.append(self._store.keyword_search(query, top_k=depth, filters=filters))
        if len(rankings) == 1:
            ranked = rankings[0]
        else:
            ranked = rrf_fuse([[cid for cid, _ in r] for r in rankings], k=self._rrf_k)
        return self._passages(ranked[:top_k])

    def _passages(self, ranked: list[tuple[str, float]]) -> list[Passage]:
        texts: dict[str, str] = {}
        out = []
        for cid, score in ranked:
            article_id, span = cid.rsplit(":", 1)
            start, end = (int(x) for x in span.split("-"))
            if article_id not in texts:
                stored = self._store.article(article_id)
                if stored is None:  # removed between search and read
                    continue
                texts[article_id] = stored.text
            out.append(Passage(cid, article_id, start, end, texts[article_id][start:end], score))
        return out
