"""Chroma collections for chunk and sentence vectors; dense search via LlamaIndex.

Vectors are always passed in: Chroma's default embedding function would try
to download a model.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import StoreUnavailable

__all__ = ["ChromaStore", "ArticleFilters", "open_client", "open_persistent_client"]

logger = logging.getLogger(__name__)

CHUNKS = "news_chunks"
SENTENCES = "news_sentences"
# Rows per write, under the client's own limit (get_max_batch_size()): a
# bigger write is refused whole.
WRITE_BATCH = 4096
# Ids per delete-by-article filter.
DELETE_BATCH = 256


@dataclass(frozen=True, slots=True)
class ArticleFilters:
    """Which articles a search may return (dense and BM25 alike); None means no constraint."""

    outlet: str | None = None
    since: int | None = None  # published as YYYYMMDD, inclusive
    until: int | None = None

    @property
    def empty(self) -> bool:
        return self.outlet is None and self.since is None and self.until is None


def open_persistent_client(path: Path):
    """An embedded Chroma under ``path``, telemetry off."""
    import chromadb

    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(
        path=str(path), settings=chromadb.Settings(anonymized_telemetry=False, allow_reset=True)
    )


def open_http_client(url: str, *, token: str | None = None):
    """A Chroma server at ``url`` (``http[s]://host:port``), telemetry off.

    ``token`` goes out as ``Authorization: Bearer TOKEN`` on every request,
    for Chroma's token auth or an authenticating proxy in front of it.
    """
    from urllib.parse import urlsplit

    import chromadb

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreUnavailable(f"the Chroma URL must look like http://HOST:PORT, not {url!r}")
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        client = chromadb.HttpClient(
            host=parts.hostname,
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            headers=headers,
            settings=chromadb.Settings(anonymized_telemetry=False),
        )
        client.heartbeat()
    except Exception as exc:  # connection refused, DNS, auth: all mean "no server to use"
        raise StoreUnavailable(f"cannot reach the Chroma server at {url}: {exc}") from exc
    return client


def open_client(path: Path, *, url: str | None = None, token: str | None = None):
    """The one way the store gets a client: a server when ``url`` is given, else embedded under ``path``."""
    if url:
        return open_http_client(url, token=token)
    try:
        return open_persistent_client(path)
    except Exception as exc:
        raise StoreUnavailable(f"cannot open the Chroma store in {path}: {exc}") from exc


def _guarded(fn):
    """Chroma's and its HTTP client's failures leave the store as ``StoreUnavailable``, naming where Chroma is.

    A server that went away after the store opened (killed, restarted, the
    network gone) shows as the HTTP client's transport error, whose own
    message ("[Errno 111] Connection refused") names no server: the user
    must learn which one to look at.
    """

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            import httpx
            from chromadb.errors import ChromaError

            # A ChromaStore method's self knows where; a wrapped collection method does not.
            where = getattr(args[0], "where", "Chroma") if args else "Chroma"
            if isinstance(exc, (httpx.TransportError, ConnectionError)):
                raise StoreUnavailable(f"cannot reach {where}: {type(exc).__name__}: {exc}") from exc
            if isinstance(exc, (ChromaError, httpx.HTTPError)):
                raise StoreUnavailable(f"{where} failed: {type(exc).__name__}: {exc}") from exc
            raise

    return call


class ChromaStore:
    """Two collections: chunks (retrieval) and sentences (answer-time ranking).

    Every public method is guarded: the client's own errors become
    ``StoreUnavailable``, whose message names ``where`` ("the Chroma server
    at URL", "the Chroma store in PATH").
    """

    @_guarded
    def __init__(self, client, *, where: str = "Chroma"):
        self.where = where
        self._client = client
        self._chunks = self._collection(CHUNKS)
        self._sentences = self._collection(SENTENCES)
        self._retriever_index = None
        self.write_batch = min(WRITE_BATCH, client.get_max_batch_size())

    def _collection(self, name: str):
        return self._client.get_or_create_collection(
            name=name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    @_guarded
    def counts(self) -> tuple[int, int]:
        """(chunks, sentences). Counting a collection loads its vector index
        into memory (embedded Chroma): the sentences' is ~1.5 GB at 100,000
        chunks, so opening a store counts only the chunks (``chunk_count``)."""
        return self._chunks.count(), self._sentences.count()

    @_guarded
    def chunk_count(self) -> int:
        return self._chunks.count()

    @_guarded
    def reset(self) -> None:
        for name in (CHUNKS, SENTENCES):
            try:
                self._client.delete_collection(name)
            except Exception:  # absent already: nothing to drop
                logger.debug("collection %s was absent", name)
        self._chunks = self._collection(CHUNKS)
        self._sentences = self._collection(SENTENCES)
        self._retriever_index = None

    @_guarded
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
            store = self._vector_store()
            for lo in range(0, len(nodes), self.write_batch):
                store.add(nodes[lo : lo + self.write_batch])
        for lo in range(0, len(sentence_ids), self.write_batch):
            hi = lo + self.write_batch
            self._sentences.upsert(
                ids=list(sentence_ids[lo:hi]),
                embeddings=sentence_vectors[lo:hi],
                metadatas=list(sentence_meta[lo:hi]),
            )

    @_guarded
    def near_copies(
        self, ids: Sequence[str], vectors: np.ndarray, *, min_similarity: float
    ) -> list[tuple[str, str, float]]:
        """Sentences of other articles within ``min_similarity`` cosine of each given (stored) one.

        Returns ``(sentence_id, copy_id, similarity)``; the wire copies of a
        story share most sentences word for word, or nearly. One query per
        256 sentences, whatever their articles: each asks for its nearest
        ``_NEAR + 4`` and keeps up to 4 from other articles.
        """
        stored = self._sentences.count()
        if not len(ids) or not stored:
            return []
        found = []
        for lo in range(0, len(ids), 256):
            got = self._sentences.query(
                query_embeddings=vectors[lo : lo + 256], n_results=min(_NEAR + 4, stored), include=["distances"]
            )
            for sid, copy_ids, distances in zip(ids[lo : lo + 256], got["ids"], got["distances"], strict=True):
                own = _article_of(sid)
                others = [(c, 1.0 - d) for c, d in zip(copy_ids, distances, strict=True) if _article_of(c) != own]
                found += [(sid, c, sim) for c, sim in others[:4] if sim >= min_similarity]
        return found

    @_guarded
    def delete_articles(self, article_ids: Sequence[str]) -> None:
        for lo in range(0, len(article_ids), DELETE_BATCH):
            part = list(article_ids[lo : lo + DELETE_BATCH])
            where = {"article_id": {"$in": part}} if len(part) > 1 else {"article_id": part[0]}
            self._chunks.delete(where=where)
            self._sentences.delete(where=where)

    @_guarded
    def ids(self) -> tuple[list[str], list[str]]:
        """(chunk ids, sentence ids): every id each collection holds, read in pages (for checks)."""
        return _all_ids(self._chunks), _all_ids(self._sentences)

    def vectors(self, *, page: int = 5000) -> Iterator[tuple[str, int, int, np.ndarray]]:
        """Every chunk's and sentence's (article id, start, end, vector), read in pages."""
        for collection in (self._chunks, self._sentences):
            for offset in range(0, _guarded(collection.count)(), page):
                got = _guarded(collection.get)(include=["metadatas", "embeddings"], limit=page, offset=offset)
                for meta, vector in zip(got["metadatas"], got["embeddings"], strict=True):
                    yield meta["article_id"], int(meta["start"]), int(meta["end"]), np.asarray(vector, dtype=np.float32)

    @_guarded
    def delete_ids(self, *, chunk_ids: Sequence[str] = (), sentence_ids: Sequence[str] = ()) -> None:
        """Delete entries by id (a repair's orphans); ids that are absent are ignored."""
        for collection, ids in ((self._chunks, chunk_ids), (self._sentences, sentence_ids)):
            for lo in range(0, len(ids), self.write_batch):
                collection.delete(ids=list(ids[lo : lo + self.write_batch]))

    def delete_article(self, article_id: str) -> None:
        self.delete_articles([article_id])

    @_guarded
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

    @_guarded
    def dense_search(self, query: str, vector: np.ndarray, *, top_k: int, filters: ArticleFilters) -> list[tuple[str, float]]:
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


# Ids per page when listing a collection.
_ID_PAGE = 10_000


def _all_ids(collection) -> list[str]:
    out: list[str] = []
    while True:
        page = collection.get(include=[], limit=_ID_PAGE, offset=len(out))["ids"]
        out += page
        if len(page) < _ID_PAGE:
            return out


# Sentences of one article a query may return before others' (its own, and near repeats in it).
_NEAR = 8


def _article_of(sentence_id: str) -> str:
    return sentence_id.rsplit(":", 1)[0]


def _llama_filters(filters: ArticleFilters):
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
