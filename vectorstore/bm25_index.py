"""A persisted, incremental BM25 index (tantivy) over the same chunks as the dense index.

Chunks are tokenised here (bm25s's tokenizer: lower case, English stop
words, Snowball stems) and tantivy indexes those terms as given, so index
and query see the same terms. Adding or removing articles touches only their
documents: tantivy writes new segments and merges them in the background,
with bounded memory; nothing is rebuilt per ingest.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import shutil
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

__all__ = ["BM25Index", "tokenize", "tokenize_many", "prime"]

logger = logging.getLogger(__name__)

# Writer memory (tantivy splits it into segments of this size at most).
_WRITER_HEAP = 64_000_000


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


@functools.lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    _bm25s()  # imported through the helper that quiets its logger
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


# bm25s's token pattern (scikit-learn's CountVectorizer's): words of two or more characters.
_WORDS = re.compile(r"(?u)\b\w\w+\b").findall


def tokenize_many(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed terms: the same for index and query.

    The steps of ``bm25s.tokenize(texts, stopwords="en", stemmer=...)``
    (lower case, its token pattern, its English stop words, PyStemmer),
    without its per-call set-up (progress bars and vocabularies, ~0.5 ms a
    call, most of the cost of a sentence); the tests check the two agree.
    """
    stop = _stopwords()
    return [[_stem(w) for w in _WORDS(text.lower()) if w not in stop] for text in texts]


# One word at a time through a cache: PyStemmer's stemWords costs ~70 us a
# call whatever the list's length, stemWord ~1 us, and words repeat.
@functools.lru_cache(maxsize=1 << 17)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def tokenize(text: str) -> list[str]:
    return list(_terms(text))


# The answerer tokenises every candidate sentence of every question, and the
# same articles' sentences come back question after question; one bm25s call
# costs ~0.5 ms whatever its length (mostly its progress-bar setup), so a
# text's terms are kept, and ``prime`` tokenises a question's new sentences
# in one call.
_CACHE_TEXTS = 1 << 16
_cache: OrderedDict[str, tuple[str, ...]] = OrderedDict()
_cache_lock = threading.Lock()


def _terms(text: str) -> tuple[str, ...]:
    with _cache_lock:
        hit = _cache.get(text)
        if hit is not None:
            _cache.move_to_end(text)
            return hit
    prime([text])
    with _cache_lock:
        kept = _cache.get(text)
    return kept if kept is not None else tuple(tokenize_many([text])[0])  # evicted meanwhile


def prime(texts: Sequence[str]) -> None:
    """Tokenise, in one call, the texts whose terms are not kept yet."""
    with _cache_lock:
        missing = [t for t in dict.fromkeys(texts) if t not in _cache]
    if not missing:
        return
    found = tokenize_many(missing)
    with _cache_lock:
        for text, terms in zip(missing, found, strict=True):
            _cache[text] = tuple(terms)
        while len(_cache) > _CACHE_TEXTS:
            _cache.popitem(last=False)


def _schema():
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("article_id", tokenizer_name="raw")
    builder.add_text_field("text", tokenizer_name="whitespace", index_option="freq")
    return builder.build()


class BM25Index:
    """tantivy's BM25 over chunk texts, kept under ``folder``; term statistics come from its dictionary."""

    def __init__(self, folder: Path):
        import tantivy

        self._folder = folder
        self._lock = threading.Lock()
        path = folder / "tantivy"
        if folder.exists() and not path.exists():
            # A bm25s index of an earlier version: dropped here, refilled from the table by the caller.
            logger.info("replacing the old BM25 index in %s", folder)
            shutil.rmtree(folder)
        path.mkdir(parents=True, exist_ok=True)
        self._schema = _schema()
        self._index = (
            tantivy.Index.open(str(path))
            if tantivy.Index.exists(str(path))
            else tantivy.Index(self._schema, path=str(path))
        )
        self._refresh()

    def _stamp(self) -> tuple[int, int] | None:
        """When the index on disk last changed (tantivy rewrites ``meta.json`` on every commit)."""
        try:
            st = (self._folder / "tantivy" / "meta.json").stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def _refresh(self) -> None:
        self._seen = self._stamp()  # before reloading: a commit in between is picked up next time
        self._index.reload()
        self._current = self._index.searcher()
        self._df_cache: dict[str, int] = {}

    @property
    def _searcher(self):
        """The searcher over the newest commit, this process's or another's (e.g. a CLI
        ``ingest`` while the app serves): without this a running app never saw it."""
        if self._stamp() != self._seen:
            self._refresh()
        return self._current

    # -- writes --------------------------------------------------------------
    def update(
        self,
        *,
        remove_articles: Sequence[str] = (),
        remove_ids: Sequence[str] = (),
        ids: Sequence[str] = (),
        texts: Sequence[str] = (),
    ) -> None:
        """Drop every chunk of ``remove_articles`` and every copy of ``remove_ids``, add the given chunks,
        and commit, in one step."""
        if not remove_articles and not remove_ids and not ids:
            return
        self._commit(remove_articles=remove_articles, remove_ids=remove_ids, ids=ids, texts=texts, clear=False)

    def rebuild(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        """Replace everything with these chunks (reindex, or a repair)."""
        self._commit(remove_articles=(), remove_ids=(), ids=ids, texts=texts, clear=True)

    def _commit(self, *, remove_articles, remove_ids, ids, texts, clear: bool) -> None:
        import tantivy

        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
        with self._lock:
            writer = self._index.writer(heap_size=_WRITER_HEAP, num_threads=1)
            try:
                if clear:
                    writer.delete_all_documents()
                for article_id in remove_articles:
                    writer.delete_documents_by_term("article_id", article_id)
                for cid in remove_ids:
                    writer.delete_documents_by_term("id", cid)
                for cid, terms in zip(ids, tokenize_many(texts), strict=True):
                    doc = tantivy.Document()
                    doc.add_text("id", cid)
                    doc.add_text("article_id", cid.rsplit(":", 1)[0])
                    doc.add_text("text", " ".join(terms))
                    writer.add_document(doc)
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()
            self._refresh()

    # -- reads ---------------------------------------------------------------
    @property
    def count(self) -> int:
        return self._searcher.num_docs

    @property
    def ids(self) -> list[str]:
        """Every chunk id (reads the whole index: for checks and tests)."""
        import tantivy

        searcher = self._searcher
        if not searcher.num_docs:
            return []
        hits = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs, count=False).hits
        return [searcher.doc(address)["id"][0] for _, address in hits]

    def search(self, query: str, *, top_k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Chunk ids and BM25 scores, best first; only ids in ``allowed`` if given."""
        import tantivy

        searcher = self._searcher
        terms = tokenize(query)
        if not terms or not searcher.num_docs or (allowed is not None and not allowed):
            return []
        q = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, tantivy.Query.term_query(self._schema, "text", t, index_option="freq"))
                for t in terms
            ]
        )
        if allowed is not None:
            only = tantivy.Query.const_score_query(tantivy.Query.term_set_query(self._schema, "id", list(allowed)), 0.0)
            q = tantivy.Query.boolean_query([(tantivy.Occur.Must, q), (tantivy.Occur.Must, only)])
        hits = searcher.search(q, limit=top_k, count=False).hits
        return [(searcher.doc(address)["id"][0], float(score)) for score, address in hits if score > 0]

    def tokenize(self, text: str) -> list[str]:
        return tokenize(text)

    def prime(self, texts: Sequence[str]) -> None:
        prime(texts)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term over chunks (0 if unseen).

        A term the chunks lack takes the frequency of a word it is a stem
        prefix of, or that is one of it ("freedonia"/"freedonian"): the
        stemmer keeps demonyms and countries apart, the articles don't.
        """
        n = self.count
        df = min(self._df_of(term), n)
        if not n or not df:
            return 0.0
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def knows(self, term: str) -> bool:
        return self._df_of(term) > 0

    def _df_of(self, term: str) -> int:
        _ = self._searcher  # a newer commit empties the cache
        cache = self._df_cache
        if term not in cache:
            cache[term] = self._kin_df(term)
        return cache[term]

    def _kin_df(self, term: str) -> int:
        searcher = self._searcher
        own = searcher.doc_freq("text", term)
        if own or len(term) < _KIN_MIN:
            return own
        # Kin: the indexed terms this one is a prefix of, and the indexed prefixes of it.
        longer = [df for _, df in searcher.terms_with_prefix("text", term)]
        shorter = [searcher.doc_freq("text", term[:k]) for k in range(_KIN_MIN, len(term))]
        return max(longer + shorter, default=0)


# Shorter stems would make kin of unrelated words ("riv" / "river").
_KIN_MIN = 5
