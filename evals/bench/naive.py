"""The naive LlamaIndex baseline: LlamaIndex's defaults over Chroma with the same MiniLM model."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from .. import metrics as m
from .corpus import CachingEmbedder
from .measure import _bar, _peak_rss_mb


def _minilm_for_llamaindex(documents: Any, queries: Any) -> Any:
    """A LlamaIndex ``BaseEmbedding`` over the project's MiniLM: the same model for both pipelines."""
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class MiniLMEmbedding(BaseEmbedding):
        _documents: Any = PrivateAttr()
        _queries: Any = PrivateAttr()

        def __init__(self, documents: Any, queries: Any):
            super().__init__(model_name="sentence-transformers/all-MiniLM-L6-v2")
            self._documents, self._queries = documents, queries

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._queries.embed([query])[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._documents.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._documents.embed(texts).tolist()

    return MiniLMEmbedding(documents, queries)


def _work_naive(spec: dict) -> dict:
    import chromadb
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.constants import DEFAULT_SIMILARITY_TOP_K
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from assistant import embedder_for, load_settings

    model = embedder_for(load_settings())  # the same backend as ours
    model.warm_up()
    # Documents may reuse vectors (the copies); every question is embedded afresh.
    documents = CachingEmbedder(model, Path(spec["cache"]))
    embed_model = _minilm_for_llamaindex(documents, model)
    client = chromadb.PersistentClient(path=spec["chroma"], settings=chromadb.Settings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("naive")
    store = ChromaVectorStore(chroma_collection=collection)
    docs = []
    for path in spec["articles"]:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            docs.append(Document(text=record["text"], id_=record["id"]))
    t0 = time.perf_counter()
    index = VectorStoreIndex.from_documents(
        docs, storage_context=StorageContext.from_defaults(vector_store=store), embed_model=embed_model
    )
    ingest_s = time.perf_counter() - t0
    documents.save()
    retriever = index.as_retriever()  # LlamaIndex's default top-k
    for q in spec["warm_ups"]:
        retriever.retrieve(q["query"])
    times, hits = [], []
    bar, update = _bar("naive LlamaIndex")
    with bar:
        for i, q in enumerate(spec["questions"], start=1):
            t0 = time.perf_counter()
            nodes = retriever.retrieve(q["query"])
            times.append((time.perf_counter() - t0) * 1000)
            hits.append(bool(nodes) and nodes[0].node.ref_doc_id in q["relevant"])
            update("questions", i, len(spec["questions"]))
    return {
        "nodes": collection.count(), "ingest_s": ingest_s, "times_ms": times,
        "hit1": m.mean(map(float, hits)), "top_k": DEFAULT_SIMILARITY_TOP_K,
        "splitter": "SentenceSplitter(chunk_size=1024, chunk_overlap=200), LlamaIndex's default",
        "peak_rss_mb": _peak_rss_mb(),
    }  # fmt: skip
