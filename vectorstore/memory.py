"""An archive held in memory: the ``Store`` port without Chroma, SQLite or a disk.

It chunks, splits and embeds as ``NewsIndex`` does (same chunker, same
sentence splitter, the embedder it is given), so the core reads the same
spans from it; the searches are plain numpy and term overlap.  It exists for
unit tests of the core and passes the store contract that ``NewsIndex``
passes (tests/vectorstore/test_index.py).  What it leaves out: persistence,
the write lock, and near-copy matching (a wire copy here is a sentence whose
text is the same in two articles).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime

import numpy as np

from .articles import ArticleVersion, StoredArticle, content_hash, span_id
from .bm25_index import prime, tokenize
from .chroma_store import ArticleFilters
from .consistency import CheckOutcome, Survey
from .embedding import Embedder
from .index import IngestOutcome, published_ord, stored_article
from .loading import LoadedArticle
from .protocols import Progress, Ranked, SentenceRows
from .text import chunk_spans, sentence_spans

__all__ = ["MemoryStore"]

_Rows = list[tuple[int, int, np.ndarray]]


class MemoryStore:
    """Articles, their chunk and sentence vectors, and term counts, all in dicts."""

    def __init__(self, *, embedder: Embedder, chunk_size: int = 256, chunk_overlap: int = 32):
        self._embedder = embedder
        self._size, self._overlap = chunk_size, chunk_overlap
        self._articles: dict[str, StoredArticle] = {}
        self._history: dict[str, list[ArticleVersion]] = {}
        self._chunks: dict[str, _Rows] = {}
        self._sentences: dict[str, _Rows] = {}
        self._lock = threading.Lock()
        self.lexicon = _Terms(self)

    # -- writes ------------------------------------------------------------------
    def ingest(self, articles: Sequence[LoadedArticle], *, progress: Progress | None = None) -> IngestOutcome:
        added, unchanged, replaced = [], [], []
        with self._lock:
            for done, art in enumerate(articles, start=1):
                digest = content_hash(art.text)
                old = self._articles.get(art.id)
                if old is not None and old.content_hash == digest:
                    unchanged.append(art.id)
                    continue
                if old is not None:
                    replaced.append(art.id)
                    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                    version = ArticleVersion(when, old.title, old.published, old.updated, old.content_hash)
                    self._history.setdefault(art.id, []).append(version)
                else:
                    added.append(art.id)
                self._put(stored_article(art, digest))
                if progress:
                    progress("articles", done, len(articles))
        return IngestOutcome(tuple(added), tuple(unchanged), tuple(replaced))

    def _put(self, art: StoredArticle) -> None:
        chunks = [(c.start, c.end) for c in chunk_spans(
            art.text, size=self._size, overlap=self._overlap, count_tokens=self._embedder.count_tokens
        )]  # fmt: skip
        for spans, rows in ((chunks, self._chunks), (sentence_spans(art.text), self._sentences)):
            vectors = self._embedder.embed([art.text[s:e] for s, e in spans]) if spans else []
            rows[art.id] = [(s, e, v) for (s, e), v in zip(spans, vectors, strict=True)]
        self._articles[art.id] = art
        self.lexicon.forget()

    def remove(self, article_id: str) -> bool:
        with self._lock:
            if self._articles.pop(article_id, None) is None:
                return False
            for rows in (self._chunks, self._sentences, self._history):
                rows.pop(article_id, None)
            self.lexicon.forget()
            return True

    def reindex(self, *, progress: Progress | None = None) -> int:
        with self._lock:
            for done, art in enumerate(list(self._articles.values()), start=1):
                self._put(art)
                if progress:
                    progress("articles", done, len(self._articles))
            return len(self._articles)

    def check(self, *, repair: bool = False) -> CheckOutcome:
        """Always consistent: one dict write per article cannot leave the indexes apart."""
        n, chunks = self.counts()
        found = Survey(n, chunks, sum(map(len, self._sentences.values())), (), False, (), ())
        return CheckOutcome(found=found, repaired=(), after=found)

    def close(self) -> None:
        pass

    # -- articles ----------------------------------------------------------------
    def article(self, article_id: str) -> StoredArticle | None:
        return self._articles.get(article_id)

    def articles(self) -> list[StoredArticle]:
        return [self._articles[aid] for aid in sorted(self._articles)]

    def history(self, article_id: str) -> list[ArticleVersion]:
        return list(self._history.get(article_id, ()))

    def counts(self) -> tuple[int, int]:
        return len(self._articles), sum(map(len, self._chunks.values()))

    def source_names(self) -> frozenset[str]:
        return frozenset(n for a in self._articles.values() for n in (a.outlet, *a.agencies) if n)

    def damage(self) -> list[str]:
        return []

    # -- reads for answering -----------------------------------------------------
    def dense_search(self, query: str, vector: np.ndarray, *, top_k: int, filters: ArticleFilters) -> Ranked:
        scored = [
            (span_id(aid, s, e), float(v @ vector))
            for aid, rows in self._chunks.items() if _passes(self._articles[aid], filters)
            for s, e, v in rows
        ]  # fmt: skip
        return sorted(scored, key=lambda hit: -hit[1])[:top_k]

    def keyword_search(self, query: str, *, top_k: int, filters: ArticleFilters) -> Ranked:
        """Chunks by the summed idf of the query terms they hold (BM25 without its length terms)."""
        terms = set(tokenize(query))
        scored = []
        for aid, rows in self._chunks.items():
            if _passes(self._articles[aid], filters):
                for s, e, _ in rows:
                    score = sum(self.lexicon.idf(t) for t in terms & set(tokenize(self._articles[aid].text[s:e])))
                    if score > 0:
                        scored.append((span_id(aid, s, e), score))
        return sorted(scored, key=lambda hit: -hit[1])[:top_k]

    def sentences_of(self, hashes: Mapping[str, str]) -> SentenceRows:
        return {aid: list(self._sentences.get(aid, ())) for aid in hashes}

    def copies_of(self, article_ids: list[str]) -> dict[str, list[str]]:
        where: dict[str, list[str]] = {}  # sentence text -> its span ids, in every article
        for aid, rows in self._sentences.items():
            for s, e, _ in rows:
                where.setdefault(self._articles[aid].text[s:e], []).append(span_id(aid, s, e))
        out: dict[str, list[str]] = {}
        for aid in article_ids:
            for s, e, _ in self._sentences.get(aid, ()):
                others = [sid for sid in where[self._articles[aid].text[s:e]] if sid.rsplit(":", 1)[0] != aid]
                if others:
                    out[span_id(aid, s, e)] = others
        return out

    def vectors(self) -> Iterator[tuple[str, int, int, np.ndarray]]:
        for rows in (self._chunks, self._sentences):
            for aid, spans in list(rows.items()):
                for s, e, v in spans:
                    yield aid, s, e, v


class _Terms:
    """The memory store's lexicon: the BM25 index's tokenizer, document frequencies over chunks."""

    def __init__(self, store: MemoryStore):
        self._store = store
        self._df: dict[str, int] | None = None

    def forget(self) -> None:
        self._df = None

    def tokenize(self, text: str) -> list[str]:
        return tokenize(text)

    def prime(self, texts: Sequence[str]) -> None:
        prime(texts)

    def idf(self, term: str) -> float:
        n, df = self._store.counts()[1], self._counts().get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5)) if n and df else 0.0

    def knows(self, term: str) -> bool:
        return term in self._counts()

    def _counts(self) -> dict[str, int]:
        if self._df is None:
            df: dict[str, int] = {}
            for aid, rows in list(self._store._chunks.items()):
                text = self._store._articles[aid].text
                for s, e, _ in rows:
                    for term in set(tokenize(text[s:e])):
                        df[term] = df.get(term, 0) + 1
            self._df = df
        return self._df


def _passes(article: StoredArticle, filters: ArticleFilters) -> bool:
    """The Chroma filter's rule: outlet case-folded; an undated article never passes a date bound."""
    if filters.outlet is not None and (article.outlet or "").casefold() != filters.outlet:
        return False
    if filters.since is None and filters.until is None:
        return True
    day = published_ord(article.published)
    return bool(day) and (filters.since or 0) <= day <= (filters.until or 99991231)
