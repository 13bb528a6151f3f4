"""The news index: the article table plus the Chroma and BM25 indexes derived from it.

Every write goes through here so that the three stay in step: an article is
in the table exactly when its chunks are in Chroma and in BM25.

Ingest works in groups of ``INGEST_GROUP`` articles, each embedded, written
and committed before the next: an interruption loses at most the group in
flight. The group's ids are recorded as pending before Chroma is touched, so
the next open puts a half-written group back as the table has it (dropping
new articles' vectors, re-deriving replaced ones from their stored text),
and ingesting the same files again carries on where it stopped.

One writer at a time: every write holds the store's write lock
(``write_lock.py``), which other processes wait for. ``check`` compares the
table with every derived index id by id and, asked to, repairs what drifted
from it.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import json
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from .articles import ArticleTable, ArticleVersion, StoredArticle, content_hash, span_id
from .bm25_index import BM25Index
from .chroma_store import ArticleFilters, ChromaStore, open_client
from .consistency import BM25, CHROMA_CHUNKS, CHROMA_SENTENCES, CheckOutcome, Survey, survey
from .embedding import Embedder
from .errors import IndexInconsistent, IndexSignatureMismatch, TableDamaged
from .loading import LoadedArticle
from .protocols import Progress, Ranked
from .salvage import is_damage
from .text import chunk_spans, sentence_spans
from .write_lock import LOCK_NAME, WriteLock

__all__ = [
    "NewsIndex",
    "IngestOutcome",
    "CheckOutcome",
    "IndexSignatureMismatch",
    "IndexInconsistent",
    "ArticleFilters",
    "WIRE_COPY_SIMILARITY",
]

logger = logging.getLogger(__name__)


# Two outlets running one wire story share sentences at or above this cosine;
# rewritten sentences on the same event score lower.
WIRE_COPY_SIMILARITY = 0.9
# Bumped when what ingest derives changes (2: wire copies recorded; 3: chunk
# vectors derived from sentence vectors), so an older store asks for
# `assistant reindex` instead of answering from vectors made another way.
INDEX_LAYOUT = 3
# Articles embedded and committed together (the most an interruption loses).
INGEST_GROUP = 128
# Texts per embedder call.
EMBED_BATCH = 256
# Articles whose sentence vectors stay in memory between questions (~30 KB
# each: ~20 sentences of 384 float32), so ~60 MB at most.
SENTENCE_CACHE_ARTICLES = 2048
_PENDING = "pending"


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    added: tuple[str, ...]
    unchanged: tuple[str, ...]
    replaced: tuple[str, ...]


class NewsIndex:
    """Opens (or creates) the store under ``home``.

    ``signature`` (chunk settings) plus the embedder id are recorded with the
    index; opening with different ones raises ``IndexSignatureMismatch``
    unless ``allow_mismatch`` (used by reindex). A write waits up to
    ``write_lock_timeout_s`` for another writer, then raises ``WriterBusy``.
    """

    def __init__(
        self,
        home: Path,
        *,
        embedder: Embedder,
        chunk_size: int,
        chunk_overlap: int,
        client=None,
        chroma_url: str | None = None,
        chroma_token: str | None = None,
        allow_mismatch: bool = False,
        write_lock_timeout_s: float = 30.0,
    ):
        self.home = home
        self.embedder = embedder
        self._chunk_size = chunk_size
        self._chunk_overlap = chunk_overlap
        self._open_lock = threading.RLock()
        self._client = client
        self._chroma_url, self._chroma_token = chroma_url, chroma_token
        self._allow_mismatch = allow_mismatch
        self._chroma: ChromaStore | None = None
        self._bm25: BM25Index | None = None
        # (article id, content hash) -> its sentences; see sentences_of
        self._sentence_cache: OrderedDict[tuple[str, str], list] = OrderedDict()
        self._cache_lock = threading.Lock()
        table_path = home / "articles.sqlite3"
        try:
            self.table = ArticleTable(table_path)
            if not allow_mismatch:
                self._check_signature()
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            raise TableDamaged(f"the article table {table_path} is damaged ({exc})", path=table_path) from None
        self._lock = WriteLock(home / LOCK_NAME, timeout_s=write_lock_timeout_s)

    # -- the derived indexes open on first use: listing articles needs neither ----
    @property
    def chroma(self) -> ChromaStore:
        if self._chroma is None:
            self._open_derived()
        return self._chroma

    @property
    def bm25(self) -> BM25Index:
        if self._bm25 is None:
            self._open_derived()
        return self._bm25

    def _open_derived(self, *, settle: bool = True) -> None:
        with self._open_lock:
            if self._chroma is not None:
                return
            client = self._client
            if client is None:
                client = open_client(self.home / "chroma", url=self._chroma_url, token=self._chroma_token)
            if self._chroma_url:
                where = f"the Chroma server at {self._chroma_url}"
            else:
                where = "Chroma" if self._client is not None else f"the Chroma store in {self.home / 'chroma'}"
            self._bm25 = BM25Index(self.home / "bm25")
            self._chroma = ChromaStore(client, where=where)
            if settle and not self._allow_mismatch:
                self._settle()

    def _settle(self) -> None:
        """On open: put back a group an interrupted writer left pending, then check the counts agree.

        Both wait for a quiet store: while another process holds the write
        lock, its pending group is in flight, not abandoned, and the counts
        differ by that group until it commits; the store is read as it
        stands (what retrieval finds of an article not committed yet is
        dropped, as for one removed since retrieval).
        """
        quiet = self.table.get_meta(_PENDING) is None and (
            self._chroma.chunk_count() == self.table.chunk_count() == self._bm25.count
        )
        if quiet:
            return
        with self._lock.attempt() as free:
            if not free:
                logger.info("another process is writing to %s: reading the store as it stands", self.home)
                return
            self._recover()
            self._check_counts()

    # -- state checks ------------------------------------------------------
    @property
    def signature(self) -> dict:
        return {
            "embedder": self.embedder.id,
            "chunk_size": self._chunk_size,
            "chunk_overlap": self._chunk_overlap,
            "layout": INDEX_LAYOUT,
        }

    def stored_signature(self) -> dict | None:
        raw = self.table.get_meta("signature")
        return json.loads(raw) if raw else None

    def _check_signature(self) -> None:
        stored = self.stored_signature()
        if stored is not None and stored != self.signature and self.table.count():
            raise IndexSignatureMismatch(
                f"the index was built with {_describe(stored)}, but the settings ask for "
                f"{_describe(self.signature)}"
            )

    def _check_counts(self) -> None:
        chunks = self._chroma.chunk_count()  # not the sentences: see ChromaStore.counts
        expected = self.table.chunk_count()
        if chunks != expected:
            raise IndexInconsistent(f"the dense index holds {chunks} chunks but the article table lists {expected}")
        if self._bm25.count != expected:
            # BM25 is derived from the table alone, so it is rebuilt rather than refused.
            logger.warning("BM25 holds %d chunks, the table %d: rebuilding it", self._bm25.count, expected)
            self._rebuild_bm25()

    def close(self) -> None:
        self.table.close()

    # -- writes --------------------------------------------------------------
    def ingest(self, articles: Sequence[LoadedArticle], *, progress: Progress | None = None) -> IngestOutcome:
        # The lock first: what is unchanged is decided against the table as the last writer left it.
        with self._lock.held():
            added, unchanged, replaced, todo = [], [], [], []
            for art in articles:
                digest = content_hash(art.text)
                old = self.table.hash_of(art.id)
                if old == digest:
                    unchanged.append(art.id)
                    continue
                (replaced if old is not None else added).append(art.id)
                todo.append(stored_article(art, digest))
            if todo:
                self._open_derived()  # first: opening restores any group an earlier run left pending
                self._write(todo, replacing=set(replaced), progress=progress)
        return IngestOutcome(tuple(added), tuple(unchanged), tuple(replaced))

    def remove(self, article_id: str) -> bool:
        with self._lock.held():
            self._open_derived()
            if self.table.hash_of(article_id) is None:
                return False
            with self.table.transaction() as conn:
                self.table.set_meta(conn, _PENDING, json.dumps([article_id]))
            self.chroma.delete_articles([article_id])
            self._forget_sentences()
            self.bm25.update(remove_articles=[article_id])
            with self.table.transaction() as conn:
                self.table.delete(conn, article_id)
                self.table.delete_copies(conn, article_id)
                self.table.delete_meta(conn, _PENDING)
            return True

    def reindex(self, *, progress: Progress | None = None) -> int:
        """Rebuild Chroma and BM25 from the article table with the current settings."""
        with self._lock.held():
            articles = self.table.all()
            self.chroma.reset()
            self._forget_sentences()
            self.bm25.rebuild([], [])
            with self.table.transaction() as conn:
                self.table.clear_chunks(conn)
                self.table.delete_copies(conn)
                self.table.delete_meta(conn, _PENDING)
            self._write(articles, replacing=set(), progress=progress)
            with self.table.transaction() as conn:
                self.table.set_meta(conn, "signature", json.dumps(self.signature))
            return len(articles)

    def _write(self, articles: Sequence[StoredArticle], *, replacing: set[str], progress: Progress | None) -> None:
        """Write in committed groups: Chroma, then BM25, then the table, each group whole."""
        self._forget_sentences()
        if progress:
            progress("articles", 0, len(articles))
        for lo in range(0, len(articles), INGEST_GROUP):
            self._write_group(articles[lo : lo + INGEST_GROUP], replacing=replacing)
            if progress:
                progress("articles", min(lo + INGEST_GROUP, len(articles)), len(articles))

    def _write_group(self, articles: Sequence[StoredArticle], *, replacing: set[str]) -> None:
        # Chunking and the chunk vectors' weights both count each sentence's tokens.
        count = functools.lru_cache(maxsize=None)(self.embedder.count_tokens)
        plans = []
        for art in articles:
            chunks = chunk_spans(art.text, size=self._chunk_size, overlap=self._chunk_overlap, count_tokens=count)
            plans.append((art, [(c.start, c.end) for c in chunks], sentence_spans(art.text)))
        chunk_texts = [art.text[s:e] for art, chunks, _ in plans for s, e in chunks]
        sent_texts = [art.text[s:e] for art, _, sents in plans for s, e in sents]
        # Each sentence is embedded once; a chunk's vector is derived from its
        # sentences' (see chunk_vectors), which halves what ingest embeds.
        sent_vecs = self._embed(sent_texts)
        chunk_vecs = chunk_vectors(plans, sent_vecs, [count(t) for t in sent_texts])

        chunk_ids, chunk_meta, sent_ids, sent_meta = [], [], [], []
        for art, chunks, sents in plans:
            base = _filter_meta(art)
            chunk_ids += [span_id(art.id, s, e) for s, e in chunks]
            chunk_meta += [{**base, "start": s, "end": e} for s, e in chunks]
            sent_ids += [span_id(art.id, s, e) for s, e in sents]
            sent_meta += [{"article_id": art.id, "start": s, "end": e} for s, e in sents]
        ids = [art.id for art, _, _ in plans]
        with self.table.transaction() as conn:
            self.table.set_meta(conn, _PENDING, json.dumps(ids))
        self.chroma.delete_articles([aid for aid in ids if aid in replacing])
        self.chroma.add(
            chunk_ids=chunk_ids,
            chunk_texts=chunk_texts,
            chunk_meta=chunk_meta,
            chunk_vectors=chunk_vecs,
            sentence_ids=sent_ids,
            sentence_meta=sent_meta,
            sentence_vectors=sent_vecs,
        )
        self.bm25.update(remove_articles=[aid for aid in ids if aid in replacing], ids=chunk_ids, texts=chunk_texts)
        copies = self._find_copies(plans, sent_ids, sent_vecs)
        with self.table.transaction() as conn:
            row = 0
            for art, chunks, sents in plans:
                self.table.put(conn, art)
                self.table.put_chunks(conn, art.id, chunks)
                self.table.put_sentences(conn, art.id, sents, sent_vecs[row : row + len(sents)])
                row += len(sents)
                self.table.delete_copies(conn, art.id)
            self.table.put_copies(conn, copies)
            self.table.set_meta(conn, "signature", json.dumps(self.signature))
            self.table.delete_meta(conn, _PENDING)

    def _find_copies(self, plans, sent_ids: list[str], sent_vecs: np.ndarray) -> list[tuple[str, str, float]]:
        """Wire copies: sentences of the new articles nearly equal to another article's (one batched query)."""
        return self.chroma.near_copies(sent_ids, sent_vecs, min_similarity=WIRE_COPY_SIMILARITY)

    def _recover(self) -> None:
        """Put back a group an interrupted ingest left half-written (see the module docstring)."""
        raw = self.table.get_meta(_PENDING)
        if raw is None:
            return
        ids = json.loads(raw)
        logger.warning("an earlier ingest stopped part-way; restoring %d articles as the table has them", len(ids))
        with self._lock.held():
            kept = self._roll_back(ids)
            self._restore(kept)

    def _roll_back(self, ids: list[str]) -> list[str]:
        """Drop a pending group's entries from every derived index; returns the ids the table holds.

        The group's new texts were never committed, so it can't be finished:
        the table keeps the versions from before it (or none), and those are
        what ``_restore`` puts back.
        """
        self.chroma.delete_articles(ids)
        self.bm25.update(remove_articles=ids)
        self._forget_sentences()
        with self.table.transaction() as conn:
            self.table.delete_meta(conn, _PENDING)
        return [aid for aid in ids if self.table.hash_of(aid) is not None]

    def _restore(self, article_ids: Sequence[str], *, only: Mapping[str, set[str]] | None = None) -> int:
        """Write these articles' entries back into Chroma and BM25 from the table, embedding nothing.

        The table keeps every sentence's ingest-time vector, and a chunk's
        vector is derived from its sentences' (``chunk_vectors``), so the
        entries come back as ingest wrote them. ``only``: index name -> the
        ids to write there (a repair's missing ones); default: all of them.
        Returns the number of entries written.
        """
        written = 0
        for lo in range(0, len(article_ids), INGEST_GROUP):
            part = list(article_ids[lo : lo + INGEST_GROUP])
            chunks_of = self.table.chunk_spans(part)
            sentences_of = self.table.sentences_of(part)
            count = functools.lru_cache(maxsize=None)(self.embedder.count_tokens)
            plans, vectors = [], []
            for aid in part:
                art, sents = self.table.get(aid), sentences_of.get(aid, [])
                if art is None:  # removed meanwhile: nothing to write back
                    continue
                plans.append((art, chunks_of.get(aid, []), [(s, e) for s, e, _ in sents]))
                vectors += [v for _, _, v in sents]
            sent_vecs = np.stack(vectors).astype(np.float32) if vectors else np.zeros((0, 1), dtype=np.float32)
            sent_texts = [art.text[s:e] for art, _, sents in plans for s, e in sents]
            chunk_vecs = chunk_vectors(plans, sent_vecs, [count(t) for t in sent_texts])
            chunks = [
                (span_id(art.id, s, e), art.text[s:e], {**_filter_meta(art), "start": s, "end": e})
                for art, spans, _ in plans
                for s, e in spans
            ]
            sentences = [
                (span_id(art.id, s, e), {"article_id": art.id, "start": s, "end": e})
                for art, _, spans in plans
                for s, e in spans
            ]

            def wanted(name: str, cid: str) -> bool:
                return only is None or cid in only.get(name, ())

            dense = [i for i, (cid, _, _) in enumerate(chunks) if wanted(CHROMA_CHUNKS, cid)]
            sparse = [i for i, (cid, _, _) in enumerate(chunks) if wanted(BM25, cid)]
            sent = [i for i, (sid, _) in enumerate(sentences) if wanted(CHROMA_SENTENCES, sid)]
            self.chroma.add(
                chunk_ids=[chunks[i][0] for i in dense],
                chunk_texts=[chunks[i][1] for i in dense],
                chunk_meta=[chunks[i][2] for i in dense],
                chunk_vectors=chunk_vecs[dense] if dense else chunk_vecs[:0],
                sentence_ids=[sentences[i][0] for i in sent],
                sentence_meta=[sentences[i][1] for i in sent],
                sentence_vectors=sent_vecs[sent] if sent else sent_vecs[:0],
            )
            self.bm25.update(ids=[chunks[i][0] for i in sparse], texts=[chunks[i][1] for i in sparse])
            written += len(dense) + len(sparse) + len(sent)
        return written

    # -- consistency -----------------------------------------------------------
    def check(self, *, repair: bool = False) -> CheckOutcome:
        """Compare the article table with Chroma's two collections and BM25, id by id.

        Without ``repair`` this only reads, and never holds the write lock
        (a check of a big store takes a while: writers must not wait for
        it); it notes whether another process held the lock before or after
        looking, since that writer's work in progress shows as drift. With
        ``repair`` it waits for the lock like any writer and brings every
        index back in line with the table: a pending group is rolled back,
        articles without chunk or sentence rows are embedded again, orphans
        and duplicates are deleted, and missing entries are written back
        from the table's stored vectors (no embedding).
        """
        self._open_derived(settle=False)  # the check itself reports what opening would have settled
        if not repair:
            busy = self._writer_busy()
            found = self._survey(writer_busy=busy)
            if not busy and not found.consistent and self._writer_busy():
                found = dataclasses.replace(found, writer_busy=True)
            return CheckOutcome(found=found, repaired=(), after=found)
        with self._lock.held():
            found = self._survey(writer_busy=False)
            repaired = self._repair(found) if not found.consistent else []
            after = self._survey(writer_busy=False) if repaired else found
        self._forget_sentences()
        return CheckOutcome(found=found, repaired=tuple(repaired), after=after)

    def _writer_busy(self) -> bool:
        """Whether another writer holds the lock now (asked without waiting)."""
        with self._lock.attempt() as free:
            return not free

    def _survey(self, *, writer_busy: bool) -> Survey:
        chroma_chunks, chroma_sentences = self.chroma.ids()
        raw = self.table.get_meta(_PENDING)
        return survey(
            articles=self.table.ids(),
            chunk_rows=self.table.chunks(),
            sentence_spans=self.table.sentence_spans(),
            unindexed=self.table.ids_without_rows(),
            pending=json.loads(raw) if raw else (),
            writer_busy=writer_busy,
            chroma_chunks=chroma_chunks,
            chroma_sentences=chroma_sentences,
            bm25=self.bm25.ids,
        )

    def _repair(self, found: Survey) -> list[str]:
        """Fix what ``found`` lists, in order; returns one line per step taken (under the write lock)."""
        done = []
        if found.pending:
            kept = self._roll_back(list(found.pending))
            done.append(
                f"rolled back the pending group of {len(found.pending)} article(s): its index entries dropped; "
                f"{len(kept)} kept as the table has them (written back below), "
                f"{len(found.pending) - len(kept)} never committed"
            )
        if found.unindexed:
            articles = [self.table.get(aid) for aid in found.unindexed]
            self._write(articles, replacing={a.id for a in articles}, progress=None)
            done.append(f"embedded again {len(articles)} article(s) the table held without chunk or sentence rows")
        now = self._survey(writer_busy=False) if done else found
        drift = {d.index: d for d in now.drift}
        orphan_chunks, orphan_sentences = drift[CHROMA_CHUNKS].orphans, drift[CHROMA_SENTENCES].orphans
        if orphan_chunks or orphan_sentences:
            self.chroma.delete_ids(chunk_ids=orphan_chunks, sentence_ids=orphan_sentences)
            done.append(
                f"deleted {len(orphan_chunks)} orphan chunk(s) and {len(orphan_sentences)} orphan sentence(s) from Chroma"
            )
        bm25 = drift[BM25]
        if bm25.orphans or bm25.duplicates:
            # Deleting by id drops every copy; a duplicated id is written back once below.
            self.bm25.update(remove_ids=[*bm25.orphans, *bm25.duplicates])
            done.append(f"deleted {len(bm25.orphans)} orphan(s) and the copies of {len(bm25.duplicates)} duplicated id(s) from BM25")
        only = {
            CHROMA_CHUNKS: set(drift[CHROMA_CHUNKS].missing),
            CHROMA_SENTENCES: set(drift[CHROMA_SENTENCES].missing),
            BM25: {*bm25.missing, *bm25.duplicates},
        }
        if any(only.values()):
            touched = sorted({cid.rsplit(":", 1)[0] for ids in only.values() for cid in ids})
            self._restore(touched, only=only)
            done.append(
                f"wrote back from the table {len(only[CHROMA_CHUNKS])} chunk(s) and "
                f"{len(only[CHROMA_SENTENCES])} sentence(s) to Chroma and {len(only[BM25])} chunk(s) to BM25, "
                f"of {len(touched)} article(s), from their stored vectors (nothing embedded)"
            )
        return done

    def sentences_of(self, hashes: Mapping[str, str]) -> dict[str, list[tuple[int, int, np.ndarray]]]:
        """Each article's sentence spans and ingest-time vectors; ``hashes``: article id -> content hash.

        Kept in memory by (id, hash): an article's sentences change only when
        its text does, and the same articles come back question after
        question, so the table is read only for the ones not seen lately.
        The table keeps them since a Chroma ``get`` with the vectors cost ~10
        ms a question at 10,000 chunks. Writes through this index clear the
        cache as well.
        """
        out, missing = {}, []
        with self._cache_lock:
            for aid, digest in hashes.items():
                hit = self._sentence_cache.get((aid, digest))
                if hit is None:
                    missing.append(aid)
                else:
                    self._sentence_cache.move_to_end((aid, digest))
                    out[aid] = hit
        if missing:
            got = self.table.sentences_of(missing)
            got.update({aid: [] for aid in missing if aid not in got})  # an article without sentences
            with self._cache_lock:
                for aid in missing:
                    self._sentence_cache[(aid, hashes[aid])] = got[aid]
                while len(self._sentence_cache) > SENTENCE_CACHE_ARTICLES:
                    self._sentence_cache.popitem(last=False)
            out.update(got)
        return {aid: out[aid] for aid in hashes}

    def _forget_sentences(self) -> None:
        with self._cache_lock:
            self._sentence_cache.clear()

    def copies_of(self, article_ids: list[str]) -> dict[str, list[str]]:
        return self.table.copies_of(article_ids)

    def _embed(self, texts: list[str]) -> np.ndarray:
        """The group's texts, shortest first, in slices of ``EMBED_BATCH``, back in the given order.

        A group's texts are its long chunks then its short sentences; sliced
        in that order, each slice mixed lengths and the embedder padded short
        sentences to chunk length. Sorted by length (characters, a proxy for
        word pieces), each embedder batch holds texts of about one length.
        """
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        ranked = [texts[i] for i in order]
        parts = [self.embedder.embed(ranked[lo : lo + EMBED_BATCH]) for lo in range(0, len(ranked), EMBED_BATCH)]
        vectors = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
        vectors[order] = np.concatenate(parts)
        return vectors

    def _rebuild_bm25(self) -> None:
        rows = self.table.chunks()
        texts_by_article = {a.id: a.text for a in self.table.all()}
        self.bm25.rebuild([r[0] for r in rows], [texts_by_article[r[1]][r[2] : r[3]] for r in rows])

    # -- reads ---------------------------------------------------------------
    def allowed_chunks(self, filters: ArticleFilters) -> set[str] | None:
        """Chunk ids passing ``filters`` (None when there is no filter)."""
        if filters.empty:
            return None
        return set(self.table.chunk_ids_where(filters.outlet, _iso(filters.since), _iso(filters.until)))

    def article(self, article_id: str) -> StoredArticle | None:
        return self.table.get(article_id)

    def articles(self) -> list[StoredArticle]:
        return self.table.all()

    def history(self, article_id: str) -> list[ArticleVersion]:
        return self.table.history(article_id)

    def counts(self) -> tuple[int, int]:
        return self.table.count(), self.table.chunk_count()

    def source_names(self) -> frozenset[str]:
        return self.table.source_names()

    def damage(self) -> list[str]:
        return self.table.damage()

    def dense_search(self, query: str, vector: np.ndarray, *, top_k: int, filters: ArticleFilters) -> Ranked:
        return self.chroma.dense_search(query, vector, top_k=top_k, filters=filters)

    def keyword_search(self, query: str, *, top_k: int, filters: ArticleFilters) -> Ranked:
        return self.bm25.search(query, top_k=top_k, allowed=self.allowed_chunks(filters))

    @property
    def lexicon(self) -> BM25Index:
        return self.bm25

    def vectors(self) -> Iterator[tuple[str, int, int, np.ndarray]]:
        return self.chroma.vectors()


def chunk_vectors(plans, sent_vecs: np.ndarray, sent_tokens: Sequence[int]) -> np.ndarray:
    """Each chunk's vector: its sentences' vectors averaged by their token counts, L2-normalised.

    MiniLM pools a text by averaging its tokens' vectors, so a chunk's own
    vector is close to the token-weighted mean of its sentences' (they lose
    only the context across sentence boundaries). Measured on the eval
    suites before it replaced embedding every chunk (README "Performance").
    ``plans``: (article, chunk spans, sentence spans) in ``sent_vecs`` order.
    """
    out, base = [], 0
    weights = np.asarray(sent_tokens, dtype=np.float32)
    for _, chunks, sents in plans:
        starts = [s for s, _ in sents]
        for start, end in chunks:
            lo = base + bisect.bisect_left(starts, start)
            hi = base + bisect.bisect_right(starts, end - 1)
            out.append(weights[lo:hi] @ sent_vecs[lo:hi])
        base += len(sents)
    if not out:
        return np.zeros((0, sent_vecs.shape[1] if sent_vecs.ndim == 2 else 1), dtype=np.float32)
    vecs = np.stack(out).astype(np.float32)
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


def stored_article(art: LoadedArticle, digest: str) -> StoredArticle:
    """A loaded article as the store keeps it, with its text's hash."""
    return StoredArticle(**{f.name: getattr(art, f.name) for f in fields(art)}, content_hash=digest)


def published_ord(published: str | None) -> int:
    return int(published.replace("-", "")) if published else 0


def _filter_meta(art: StoredArticle) -> dict:
    return {
        "article_id": art.id,
        "outlet_key": (art.outlet or "").casefold(),
        "published_ord": published_ord(art.published),
    }


def _iso(ordinal: int | None) -> str | None:
    return None if ordinal is None else f"{ordinal // 10000:04d}-{ordinal // 100 % 100:02d}-{ordinal % 100:02d}"


def _describe(sig: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(sig.items()))
