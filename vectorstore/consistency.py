"""What a consistency check finds: the article table against each index derived from it.

The table is the source of truth. Each derived index should hold exactly
the ids the table lists, once: the Chroma chunk collection and BM25 one
entry per chunk row, the Chroma sentence collection one per stored sentence
span. ``survey`` compares them id by id; ``NewsIndex.check`` repairs what it
finds (see there). Only ids are compared: an entry whose id is right is
taken to hold what ingest wrote under it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .articles import span_id

__all__ = ["ArticleCount", "IndexDrift", "Survey", "CheckOutcome", "survey", "CHROMA_CHUNKS", "CHROMA_SENTENCES", "BM25"]

CHROMA_CHUNKS = "Chroma chunks"
CHROMA_SENTENCES = "Chroma sentences"
BM25 = "BM25"
# Ids and articles named in a problem line; the report holds them all.
_SHOWN = 5


@dataclass(frozen=True, slots=True)
class ArticleCount:
    """How many of an article's entries an index holds, against the table's count."""

    article_id: str
    expected: int
    present: int
    in_table: bool = True


@dataclass(frozen=True, slots=True)
class IndexDrift:
    """One derived index against the table.

    ``missing``: ids the table lists that the index lacks; ``orphans``: ids
    the index holds that the table doesn't list (an article or a chunk no
    longer, or never, stored); ``duplicates``: ids it holds more than once
    (BM25 only: Chroma keeps ids unique). ``articles``: the counts of every
    article touched by any of these.
    """

    index: str
    expected: int
    present: int
    missing: tuple[str, ...] = ()
    orphans: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()
    articles: tuple[ArticleCount, ...] = ()

    @property
    def clean(self) -> bool:
        return not (self.missing or self.orphans or self.duplicates)

    def problems(self) -> list[str]:
        lines = []
        if self.missing:
            touched = [a for a in self.articles if a.in_table and a.present < a.expected]
            lines.append(
                f"{self.index}: {len(self.missing)} of the table's {self.expected} entries missing, "
                f"in {len(touched)} article(s): {_articles(touched)}"
            )
        if self.orphans:
            orphans = {_article_of(i) for i in self.orphans}
            gone = [a for a in self.articles if a.article_id in orphans]
            lines.append(
                f"{self.index}: {len(self.orphans)} orphan(s), ids the table doesn't list, "
                f"in {len(gone)} article(s): {_articles(gone)}"
            )
        if self.duplicates:
            lines.append(f"{self.index}: {len(self.duplicates)} id(s) held more than once: {_ids(self.duplicates)}")
        return lines


@dataclass(frozen=True, slots=True)
class Survey:
    """One look at the whole store.

    ``pending``: the ids of a group an ingest (or a remove) recorded as in
    flight and never finished; ``writer_busy``: another process held the
    write lock while this looked, so that group may still be in flight;
    ``unindexed``: articles the table holds without their chunk or sentence
    rows (a reindex cut short leaves them).
    """

    articles: int
    chunks: int
    sentences: int
    pending: tuple[str, ...]
    writer_busy: bool
    unindexed: tuple[str, ...]
    drift: tuple[IndexDrift, ...]

    @property
    def consistent(self) -> bool:
        return not self.pending and not self.unindexed and all(d.clean for d in self.drift)

    def problems(self) -> tuple[str, ...]:
        lines = []
        if self.writer_busy and not self.consistent:
            lines.append(
                "an ingest is running now (another process holds the write lock): what follows may be its "
                "work in progress; check again once it is done"
            )
        if self.pending:
            said = "is pending, in flight in that ingest" if self.writer_busy else "is still pending"
            lines.append(
                f"{'' if self.writer_busy else 'an ingest stopped part-way: '}a group of {len(self.pending)} "
                f"article(s) {said}: {_ids(self.pending)}"
            )
        if self.unindexed:
            lines.append(
                f"{len(self.unindexed)} article(s) in the table have no chunk or sentence rows: {_ids(self.unindexed)}"
            )
        for drift in self.drift:
            lines += drift.problems()
        return tuple(lines)

    def counts(self) -> dict[str, int]:
        present = {d.index: d.present for d in self.drift}
        return {
            "articles": self.articles,
            "table_chunks": self.chunks,
            "table_sentences": self.sentences,
            "chroma_chunks": present.get(CHROMA_CHUNKS, 0),
            "chroma_sentences": present.get(CHROMA_SENTENCES, 0),
            "bm25_chunks": present.get(BM25, 0),
        }


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """What ``NewsIndex.check`` found, what it repaired, and the store after (``found`` when not repairing)."""

    found: Survey
    repaired: tuple[str, ...]
    after: Survey

    @property
    def consistent(self) -> bool:
        return self.after.consistent


def survey(
    *,
    articles: Iterable[str],
    chunk_rows: Iterable[tuple[str, str, int, int]],
    sentence_spans: Mapping[str, list[tuple[int, int]]],
    unindexed: Iterable[str],
    pending: Iterable[str],
    writer_busy: bool,
    chroma_chunks: Iterable[str],
    chroma_sentences: Iterable[str],
    bm25: Iterable[str],
) -> Survey:
    """Compare the table's ids with each index's; every argument is read from the store by the caller."""
    stored = set(articles)
    chunk_ids = [row[0] for row in chunk_rows]
    sentence_ids = [span_id(aid, s, e) for aid, spans in sentence_spans.items() for s, e in spans]
    return Survey(
        articles=len(stored),
        chunks=len(chunk_ids),
        sentences=len(sentence_ids),
        pending=tuple(pending),
        writer_busy=writer_busy,
        unindexed=tuple(unindexed),
        drift=(
            _compare(CHROMA_CHUNKS, chunk_ids, list(chroma_chunks), stored),
            _compare(CHROMA_SENTENCES, sentence_ids, list(chroma_sentences), stored),
            _compare(BM25, chunk_ids, list(bm25), stored),
        ),
    )


def _compare(name: str, expected: list[str], present: list[str], stored: set[str]) -> IndexDrift:
    want, held = set(expected), Counter(present)
    missing = sorted(want.difference(held))
    orphans = sorted(set(held).difference(want))
    duplicates = sorted(i for i, n in held.items() if n > 1 and i in want)
    touched = {_article_of(i) for i in (*missing, *orphans, *duplicates)}
    per_expected = Counter(a for i in expected if (a := _article_of(i)) in touched)
    per_present = Counter(a for i in present if (a := _article_of(i)) in touched)
    return IndexDrift(
        index=name,
        expected=len(expected),
        present=len(present),
        missing=tuple(missing),
        orphans=tuple(orphans),
        duplicates=tuple(duplicates),
        articles=tuple(
            ArticleCount(a, per_expected[a], per_present[a], in_table=a in stored) for a in sorted(touched)
        ),
    )


def _article_of(entry_id: str) -> str:
    return entry_id.rsplit(":", 1)[0]


def _articles(counts: list[ArticleCount]) -> str:
    shown = ", ".join(
        f"{a.article_id!r} {a.present}/{a.expected}" + ("" if a.in_table else " (not in the table)")
        for a in counts[:_SHOWN]
    )
    return shown + (f", and {len(counts) - _SHOWN} more" if len(counts) > _SHOWN else "")


def _ids(ids) -> str:
    shown = ", ".join(repr(i) for i in ids[:_SHOWN])
    return shown + (f", and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")
