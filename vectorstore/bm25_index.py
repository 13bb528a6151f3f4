"""A persisted BM25 index (bm25s) over the same chunks as the dense index."""

from __future__ import annotations

import bisect
import functools
import json
import logging
import math
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["BM25Index", "tokenize", "tokenize_many"]

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def _bm25s():
    import bm25s

    # bm25s sets its own logger to DEBUG on import, which floods any
    # application that logs to the root handler.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


@functools.lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize_many(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed terms: the same for index and query."""
    bm25s = _bm25s()
    if not texts:
        return []
    tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)
    return [list(t) for t in tokens]


def tokenize(text: str) -> list[str]:
    return tokenize_many([text])[0]


class BM25Index:
    """bm25s over chunk texts, kept with the chunk ids and document frequencies."""

    def __init__(self, folder: Path):
        self._folder = folder
        self._retriever = None
        self._ids: list[str] = []
        self._df: dict[str, int] = {}
        self._long_terms: list[str] = []  # sorted terms of 5+ letters: prefix kin are a contiguous run
        self._load()

    @property
    def ids(self) -> list[str]:
        return self._ids

    def _load(self) -> None:
        meta = self._folder / "ids.json"
        if not meta.exists():
            return
        bm25s = _bm25s()
        data = json.loads(meta.read_text())
        self._ids, self._df = data["ids"], data["df"]
        self._long_terms = _long_terms(self._df)
        if self._ids:
            self._retriever = bm25s.BM25.load(str(self._folder / "model"))

    def rebuild(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        """Rebuild from scratch; the write goes to a sibling folder then swaps in."""
        bm25s = _bm25s()
        tmp = self._folder.with_name(self._folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        corpus = tokenize_many(texts)
        df: dict[str, int] = {}
        for terms in corpus:
            for term in set(terms):
                df[term] = df.get(term, 0) + 1
        retriever = None
        if ids:
            retriever = bm25s.BM25()
            retriever.index(corpus, show_progress=False)
            retriever.save(str(tmp / "model"))
        (tmp / "ids.json").write_text(json.dumps({"ids": list(ids), "df": df}))
        shutil.rmtree(self._folder, ignore_errors=True)
        tmp.rename(self._folder)
        self._retriever, self._ids, self._df = retriever, list(ids), df
        self._long_terms = _long_terms(df)

    def search(self, query: str, *, top_k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Chunk ids and BM25 scores, best first; only ids in ``allowed`` if given."""
        if self._retriever is None:
            return []
        terms = tokenize(query)
        if not terms:
            return []
        scores = np.asarray(self._retriever.get_scores(terms), dtype=np.float64)
        if allowed is not None:
            mask = np.fromiter((i in allowed for i in self._ids), dtype=bool, count=len(self._ids))
            scores = np.where(mask, scores, 0.0)
        order = np.argsort(-scores)[:top_k]
        return [(self._ids[i], float(scores[i])) for i in order if scores[i] > 0]

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term over chunks (0 if unseen).

        A term the chunks lack takes the frequency of a word it is a stem
        prefix of, or that is one of it ("freedonia"/"freedonian"): the
        stemmer keeps demonyms and countries apart, the articles don't.
        """
        n = len(self._ids)
        df = self._df_of(term)
        if not n or not df:
            return 0.0
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def knows(self, term: str) -> bool:
        return self._df_of(term) > 0

    def _df_of(self, term: str) -> int:
        if term in self._df or len(term) < _KIN_MIN:
            return self._df.get(term, 0)
        # Kin are the indexed terms this one is a prefix of, found by bisection
        # (they sit together in sorted order), and the indexed prefixes of it.
        lo = bisect.bisect_left(self._long_terms, term)
        hi = bisect.bisect_left(self._long_terms, term + chr(0x10FFFF))
        longer = [self._df[t] for t in self._long_terms[lo:hi]]
        shorter = [self._df.get(term[:k], 0) for k in range(_KIN_MIN, len(term))]
        return max(longer + shorter, default=0)


# Shorter stems would make kin of unrelated words ("riv" / "river").
_KIN_MIN = 5


def _long_terms(df: dict[str, int]) -> list[str]:
    return sorted(t for t in df if len(t) >= _KIN_MIN)
