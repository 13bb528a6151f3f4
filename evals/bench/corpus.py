"""The stores' text: an embedding cache that computes each vector once, the plan of which articles make a
store of a given size, and reading the archive's articles and questions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# --- embeddings: computed once, reused for copies ------------------------------------------


class CachingEmbedder:
    """An ``Embedder`` that remembers every vector it computed, by text.

    ``lookup`` off computes everything (and records it); on, a text seen
    before costs a dictionary lookup. ``save``/``load`` keep the cache in an
    ``.npz`` between processes. ``computed`` and ``reused`` count texts.
    """

    def __init__(self, inner: Any, path: Path | None = None, *, lookup: bool = True):
        self.inner = inner
        self.path = path
        self.lookup = lookup
        self.computed = 0
        self.reused = 0
        self._vectors: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path) as data:
                self._vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    @property
    def id(self) -> str:
        return self.inner.id

    def warm_up(self) -> None:
        self.inner.warm_up()

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def embed(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        keys = [_key(t) for t in texts]
        missing = [i for i, k in enumerate(keys) if not (self.lookup and k in self._vectors)]
        if missing:
            fresh = self.inner.embed([texts[i] for i in missing])
            for i, vec in zip(missing, fresh, strict=True):
                self._vectors[keys[i]] = vec
        self.computed += len(missing)
        self.reused += len(texts) - len(missing)
        if not texts:
            return self.inner.embed([])
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32, copy=False)

    def add(self, text: str, vector: Any) -> None:
        self._vectors[_key(text)] = np.asarray(vector, dtype=np.float32)

    def __len__(self) -> int:
        return len(self._vectors)

    def save(self) -> None:
        if self.path is None or not self._vectors:
            return
        keys = list(self._vectors)
        tmp = self.path.with_name(self.path.name + ".part.npz")
        np.savez(tmp, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]))
        tmp.replace(self.path)


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def prefill_cache(cache: CachingEmbedder, home: Path) -> int:
    """Add every chunk and sentence vector of the store under ``home`` to ``cache``, by its text.

    A store built by the ``bbc`` retrieval suite holds the vectors the bench
    needs; reusing them is what "cached embeddings" means in the report.
    Returns the vectors added. A store of another model is refused.
    """
    from assistant import Assistant, IndexMismatchError, load_settings

    added = 0
    try:
        with Assistant(load_settings(home=home, reader="off"), embedder=cache) as assistant:
            for text, vector in assistant.stored_vectors():
                cache.add(text, vector)
                added += 1
    except IndexMismatchError as exc:
        raise ValueError(f"{home} cannot fill a cache of {cache.id!r}: {exc}") from None
    return added


# --- the corpus for one size -------------------------------------------------------------


@dataclass(frozen=True)
class CorpusPlan:
    """Which articles make a store of about ``target`` chunks.

    ``real``: article ids of the archive, in the fixed hashed order;
    ``copies``: ``(new_id, source_id)`` for the articles ingested again under
    a new id once the archive is used up; ``chunks``: the planned count.
    """

    target: int
    real: tuple[str, ...]
    copies: tuple[tuple[str, str], ...]
    chunks: int

    @property
    def made(self) -> str:
        if not self.copies:
            return f"{len(self.real)} real articles"
        rounds = -(-len(self.copies) // max(1, len(self.real)))
        return (
            f"{len(self.real)} real articles plus {len(self.copies)} copies of them under new ids "
            f"({rounds} round{'s' if rounds > 1 else ''}), ingested with cached embeddings"
        )


def plan_corpus(chunks_per_article: Sequence[tuple[str, int]], target: int) -> CorpusPlan:
    """Articles in the given order until ``target`` chunks; then copies, round after round."""
    if target < 1:
        raise ValueError(f"a size must be at least 1 chunk, got {target}")
    if not chunks_per_article:
        raise ValueError("no articles to build a store from")
    real, copies, total = [], [], 0
    for article_id, n in chunks_per_article:
        if total >= target:
            break
        real.append(article_id)
        total += n
    counts = dict(chunks_per_article)
    rounds = 0
    while total < target:
        rounds += 1
        for article_id in real:
            if total >= target:
                break
            copies.append((f"{article_id}.r{rounds}", article_id))
            total += counts[article_id]
    return CorpusPlan(target, tuple(real), tuple(copies), total)


@dataclass(frozen=True)
class _Article:
    id: str
    record: dict
    chunks: int
    tokens: int


def _catalog(articles_path: Path) -> list[_Article]:
    """The archive's articles in the fixed hashed order, with the chunks the store will make of them.

    The counts only plan the sizes (the report gives the store's own), so
    they are kept beside the archive per chunk setting: loading and chunking
    2,000 articles takes a minute.
    """
    from assistant import load_settings

    settings = load_settings()
    records = {}
    for line in articles_path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        records[record["id"]] = record
    saved = articles_path.with_name(f"{articles_path.stem}.chunks-{settings.chunk_size}-{settings.chunk_overlap}.json")
    counts: dict[str, list[int]] = {}
    if saved.exists() and saved.stat().st_mtime >= articles_path.stat().st_mtime:
        counts = json.loads(saved.read_text(encoding="utf-8"))
    if set(counts) != set(records):
        counts = _count_chunks(articles_path)
        saved.write_text(json.dumps(counts), encoding="utf-8")
    out = [_Article(i, records[i], n, tokens) for i, (n, tokens) in counts.items() if i in records]
    return sorted(out, key=lambda a: hashlib.sha256(a.id.encode()).hexdigest())


def _count_chunks(articles_path: Path) -> dict[str, list[int]]:
    from assistant import Assistant, load_settings

    # The tokenizer alone counts: no model loads, nothing is stored.
    plan = Assistant(load_settings(reader="off")).chunk_plan([articles_path])
    return {article_id: [chunks, tokens] for article_id, (chunks, tokens) in plan.items()}


def _questions(queries_path: Path, plan: CorpusPlan, n: int) -> list[dict]:
    """Headline queries of the real articles; a copy of the right story counts as right."""
    real = set(plan.real)
    copies: dict[str, list[str]] = {}
    for new_id, source in plan.copies:
        copies.setdefault(source, []).append(new_id)
    picked = []
    for line in queries_path.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        relevant = [a for a in q["relevant"] if a in real]
        if relevant:
            every = relevant + [c for a in relevant for c in copies.get(a, [])]
            picked.append({"id": q["id"], "query": q["query"], "relevant": every})
    picked.sort(key=lambda q: hashlib.sha256(q["id"].encode()).hexdigest())
    return picked[:n]


def _write_articles(path: Path, records: Iterable[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path
