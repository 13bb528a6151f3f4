"""Chroma collections for chunk and sentence vectors; dense search via LlamaIndex.

Vectors are always passed in: Chroma's default embedding function would try
to download a model.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["ChromaStore", "DenseFilters", "open_persistent_client"]

logger = logging.getLogger(__name__)

CHUNKS = "news_chunks"
SENTENCES = "news_sentences"


@dataclass(frozen=True, slots=True)
class DenseFilters:
    """Metadata filters shared by every retriever; None means no constraint."""

    outlet: str | None = None
    since: int | None = None  # published as YYYYMMDD, inclusive
    until: int | None = None

    @property
    def empty(self) -> bool:
        return self.outlet is None and self.since is None and self.until is None


def open_persistent_client(path: Path):
    """An embedded Chroma under ``path``, telemetry off.

    The server mode to come swaps this for ``chromadb.HttpClient``; the store
    only needs a client.
    """
    import chromadb

    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(
        path=str(path), settings=chromadb.Settings(anonymized_telemetry=False, allow_reset=True)
    )


class ChromaStore:
    """Two collections: chunks (retrieval) and sentences (answer-time ranking)."""

    def __init__(self, client):
        self._client = client
        self._chunks = self._collection(CHUNKS)
        self._sentences = self._collection(SENTENCES)
        self._retriever_index = None

    def _collection(self, name: str):
        return self._client.get_or_create_collection(
            name=name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def counts(self) -> tuple[int, int]:
        return self._chunks.count(), self._sentences.count()

    def reset(self) -> None:
        for name in (CHUNKS, SENTENCES):
            try:
                self._client.delete_collection(name)
            except Exception:  # absent already: nothing to drop
                logger.debug("collection %s was absent", name)
        self._chunks = self._collection(CHUNKS)
        self._sentences = self._collection(SENTENCES)
        self._retriever_index = None

    def add(
        self,
        *,
        chunk_ids: Sequence[str],
        chunk_texts: Sequence[str],
        chunk_meta: Sequence[dict],
        chunk_vectors: np.ndarray,
        sentence_ids: Sequence[str],
        sentence_meta: Sequence[dict],
        sentence_vectors: np.ndarray,
    ) -> None:
        from llama_index.core.schema import TextNode

        if chunk_ids:
            nodes = [
                TextNode(id_=cid, text=text, metadata=meta, embedding=vec.tolist())
                for cid, text, meta, vec in zip(chunk_ids, chunk_texts, chunk_meta, chunk_vectors, strict=True)
            ]
            self._vector_store().add(nodes)
        for lo in range(0, len(sentence_ids), 2048):
            hi = lo + 2048
            self._sentences.upsert(
                ids=list(sentence_ids[lo:hi]),
                embeddings=sentence_vectors[lo:hi],
                metadatas=list(sentence_meta[lo:hi]),
            )

    def near_copies(
        self, article_id: str, ids: Sequence[str], vectors: np.ndarray, *, min_similarity: float
    ) -> list[tuple[str, str, float]]:
        """Sentences of other articles within ``min_similarity`` cosine of each given one.

        Returns ``(sentence_id, copy_id, similarity)``; the wire copies of a
        story share most sentences word for word, or nearly.
        """
        others = self._sentences.count()
        if not ids or not others:
            return []
        found = []
        for lo in range(0, len(ids), 256):
            got = self._sentences.query(
                query_embeddings=vectors[lo : lo + 256],
                n_results=min(4, others),
                where={"article_id": {"$ne": article_id}},
                include=["distances"],
            )
            for sid, copy_ids, distances in zip(ids[lo : lo + 256], got["ids"], got["distances"], strict=True):
                found += [(sid, cid, 1.0 - d) for cid, d in zip(copy_ids, distances, strict=True) if 1.0 - d >= min_similarity]
        return found

    def delete_article(self, article_id: str) -> None:
        self._chunks.delete(where={"article_id": article_id})
        self._sentences.delete(where={"article_id": article_id})

    def sentences_of(self, article_ids: Sequence[str]) -> dict[str, list[tuple[int, int, np.ndarray]]]:
        """Each article's sentence spans with their ingest-time vectors."""
        if not article_ids:
            return {}
        where = {"article_id": {"$in": list(article_ids)}} if len(article_ids) > 1 else {"article_id": article_ids[0]}
        got = self._sentences.get(where=where, include=["embeddings", "metadatas"])
        out: dict[str, list[tuple[int, int, np.ndarray]]] = {a: [] for a in article_ids}
        for meta, vec in zip(got["metadatas"], got["embeddings"], strict=True):
            out[meta["article_id"]].append((int(meta["start"]), int(meta["end"]), np.asarray(vec, dtype=np.float32)))
        for spans in out.values():
            spans.sort(key=lambda item: item[0])
        return out

    def dense_search(self, query: str, vector: np.ndarray, *, top_k: int, filters: DenseFilters) -> list[tuple[str, float]]:
        """Chunk ids and cosine similarities, best first, through a LlamaIndex retriever."""
        from llama_index.core.schema import QueryBundle

        retriever = self._index().as_retriever(similarity_top_k=top_k, filters=_llama_filters(filters))
        nodes = retriever.retrieve(QueryBundle(query_str=query, embedding=vector.tolist()))
        return [(n.node.node_id, float(n.score or 0.0)) for n in nodes]

    def _vector_store(self):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self._chunks)

    def _index(self):
        if self._retriever_index is None:
            from llama_index.core import VectorStoreIndex
            from llama_index.core.embeddings import MockEmbedding

            # The query vector always comes in the QueryBundle; the embed model
            # is never called, but LlamaIndex wants one rather than reaching
            # for its OpenAI default.
            self._retriever_index = VectorStoreIndex.from_vector_store(
                self._vector_store(), embed_model=MockEmbedding(embed_dim=1)
            )
        return self._retriever_index


def _llama_filters(filters: DenseFilters):
    if filters.empty:
        return None
    from llama_index.core.vector_stores import FilterCondition, FilterOperator, MetadataFilter, MetadataFilters

    parts = []
    if filters.outlet is not None:
        parts.append(MetadataFilter(key="outlet_key", value=filters.outlet, operator=FilterOperator.EQ))
    if filters.since is not None:
        parts.append(MetadataFilter(key="published_ord", value=filters.since, operator=FilterOperator.GTE))
    if filters.until is not None:
        parts.append(MetadataFilter(key="published_ord", value=filters.until, operator=FilterOperator.LTE))
    if filters.until is not None and filters.since is None:
        # Undated articles are stored as 0; "until" must not let them through.
        parts.append(MetadataFilter(key="published_ord", value=0, operator=FilterOperator.GT))
    return MetadataFilters(filters=parts, condition=FilterCondition.AND)
