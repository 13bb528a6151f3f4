"""The ``Assistant``: ingest articles, answer questions with validated citations."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

from vectorstore.bm25_index import prime, tokenize
from vectorstore.embedding import Embedder, MiniLMEmbedder
from vectorstore.errors import TableDamaged
from vectorstore.index import NewsIndex
from vectorstore.loading import UNUSABLE_CHARS, load_paths
from vectorstore.salvage import is_damage, salvage_table
from vectorstore.write_lock import LOCK_NAME, WriteLock

from .answer_types import has_term
from .answerer import REFUSAL, AnswerContext, Answerer, Draft
from .answering import ExtractiveAnswerer, ReaderPolicy
from .conversation import ModelRewriter, asks_for_more, llm_writer, rewrite_follow_up, unchanged
from .errors import ArticleNotFoundError, InvalidInputError, StoreError
from .generative import LLMAnswerer
from .llm import LLMBackend, backend_from_settings
from .question import content_words, statement_form
from .reader import Reader, TextGenerator, default_reader
from .retrieval import Filters, IndexRetriever, Retriever
from .settings import Settings, load_settings
from .store_errors import store_errors as translating_block
from .store_errors import translating
from .types import (
    Answer,
    Article,
    ArticleInfo,
    ArticleVersion,
    CheckReport,
    Citation,
    IngestReport,
    Passage,
    Rejected,
    Step,
    TextDelta,
)

__all__ = ["Assistant", "ask", "Progress"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` during long work."""

_MAX_QUESTION = 2000
# Share of a follow-up's (idf-weighted) terms the previous answer's articles
# must hold for it to carry the previous subject.
_ABOUT_PREVIOUS = 0.5


class Assistant:
    """Answers questions over the stored articles.

    Construction is cheap: the model and the store open on first use (or on
    ``warm_up``).  Swappable parts can be passed in: an ``embedder``, a
    ``retriever`` (anything with ``retrieve(query, *, top_k, filters)``), an
    ``answerer``, and the ``reader`` the default answerer judges with (by
    default the packaged model, unless ``settings.reader`` is off).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        retriever: Retriever | None = None,
        answerer: Answerer | None = None,
        reader: Reader | None = None,
        llm: LLMBackend | None = None,
    ):
        self.settings = settings if settings is not None else load_settings()
        self._embedder = embedder if embedder is not None else embedder_for(self.settings)
        self._retriever = retriever
        self._builds_retriever = retriever is None  # ours reads the open index: rebuilt when it reopens
        self._llm = llm if llm is not None else backend_from_settings(self.settings)
        reader = reader if reader is not None or answerer is not None else default_reader(self.settings)
        self._rewriter = self._model_rewriter(reader)
        if answerer is not None:
            self._answerers: dict[str, Answerer] = {answerer.name: answerer}
        else:
            self._answerers = self._default_answerers(reader)
        self._answerer = next(iter(self._answerers.values()))
        self._index: NewsIndex | None = None
        self._lock = threading.Lock()
        self._embed_query = functools.lru_cache(maxsize=512)(self._embed_one)

    def _model_rewriter(self, reader: Reader | None) -> ModelRewriter | None:
        """Who rewrites follow-ups (``settings.rewriter``): a configured LLM, else the
        reading model when it is on and can write; None leaves it to the rules."""
        if self.settings.rewriter == "rules":
            return None
        if self._llm is not None:
            return ModelRewriter(llm_writer(self._llm))
        if isinstance(reader, TextGenerator):
            return ModelRewriter(reader.generate)
        return None

    def _default_answerers(self, reader: Reader | None) -> dict[str, Answerer]:
        """The reading answerer when a reader is on, and the plain extractive one always."""
        options = dict(min_score=self.settings.min_score, min_similarity=self.settings.min_similarity)
        plain = ExtractiveAnswerer(**options)
        if reader is None:
            return self._with_llm({plain.name: plain})
        policy = ReaderPolicy(
            candidates=self.settings.reader_candidates, budget_ms=float(self.settings.reader_budget_ms)
        )
        reading = ExtractiveAnswerer(**options, reader=reader, policy=policy)
        return self._with_llm({reading.name: reading, plain.name: plain})

    def _with_llm(self, answerers: dict[str, Answerer]) -> dict[str, Answerer]:
        """The LLM answerer over the default extractive one, first when ``answerer`` is llm."""
        if self._llm is None:
            return answerers
        evidence = next(iter(answerers.values()))
        writer = LLMAnswerer(self._llm, evidence, self._embedder.embed, timeout_s=self.settings.llm_timeout_s)
        if self.settings.answerer == "llm":
            return {writer.name: writer, **answerers}
        return {**answerers, writer.name: writer}

    @property
    def embedder(self) -> Embedder:
        """The embedding model (shareable: pass it to another ``Assistant``)."""
        return self._embedder

    # -- lifecycle ----------------------------------------------------------------
    @translating
    def warm_up(self) -> None:
        """Open the store, load the model and the answerer's tables, and run one retrieval.

        Everything the first question would otherwise wait for loads lazily
        (LlamaIndex's retriever, Chroma's segments, the gazetteer): a server
        calls this before it takes questions.
        """
        self._open()
        self._embedder.warm_up()
        for answerer in self._answerers.values():
            answerer_warm_up = getattr(answerer, "warm_up", None)  # optional, as for Haystack components
            if answerer_warm_up is not None:
                answerer_warm_up()
        self._context("warm up", 1, Filters())

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
        if self._builds_retriever:
            # It holds the closed index's Chroma collections, which a reindex replaces.
            self._retriever = None

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open(self, *, allow_mismatch: bool = False) -> NewsIndex:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = self._open_index(allow_mismatch)
        return self._index

    @translating
    def _open_index(self, allow_mismatch: bool) -> NewsIndex:
        return NewsIndex(
            Path(self.settings.home),
            embedder=self._embedder,
            chunk_size=self.settings.chunk_size,
            chunk_overlap=self.settings.chunk_overlap,
            chroma_url=self.settings.chroma_url,
            chroma_token=self.settings.chroma_token.get_secret_value() if self.settings.chroma_token else None,
            allow_mismatch=allow_mismatch,
            write_lock_timeout_s=self.settings.write_lock_timeout_s,
        )

    # -- articles -----------------------------------------------------------------
    @translating
    def ingest(self, paths: Iterable[str | Path], *, progress: Progress | None = None) -> IngestReport:
        """Load files, folders, page or feed URLs and feed files; index what is new or changed."""
        paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
        if not paths:
            raise InvalidInputError("no paths given to ingest")
        loaded = load_paths(paths, limits=self.settings.fetch_limits)
        index = self._open()
        outcome = index.ingest(loaded.articles, progress=progress)
        report = IngestReport(
            added=outcome.added,
            unchanged=outcome.unchanged,
            replaced=outcome.replaced,
            rejected=tuple(Rejected(src, why) for src, why in loaded.rejected),
        )
        logger.info(
            "ingest: %d added, %d unchanged, %d replaced, %d rejected",
            len(report.added), len(report.unchanged), len(report.replaced), len(report.rejected),
        )
        return report

    @translating
    def ensure_seeded(self, *, progress: Progress | None = None) -> IngestReport | None:
        """Index ``settings.seeds`` when the store holds no article yet."""
        if self._open().table.count():
            return None
        logger.info("empty store: indexing the seeds in %s", self.settings.seeds)
        return self.ingest([self.settings.seeds], progress=progress)

    @translating
    def articles(self) -> list[ArticleInfo]:
        return [_info(a) for a in self._open().table.all()]

    @translating
    def article(self, article_id: str) -> Article:
        stored = self._open().table.get(_check_id(article_id))
        if stored is None:
            raise ArticleNotFoundError(article_id)
        return _full(stored, self.article_history(article_id))

    @translating
    def article_history(self, article_id: str) -> tuple[ArticleVersion, ...]:
        """The versions of an article that changed copies replaced, oldest first."""
        table = self._open().table
        if table.hash_of(_check_id(article_id)) is None:
            raise ArticleNotFoundError(article_id)
        return tuple(ArticleVersion(**{f.name: getattr(v, f.name) for f in fields(ArticleVersion)})
                     for v in table.history(article_id))

    @translating
    def remove(self, article_id: str) -> None:
        if not self._open().remove(_check_id(article_id)):
            raise ArticleNotFoundError(article_id)

    @translating
    def reindex(self, *, progress: Progress | None = None) -> int:
        """Rebuild every derived index from the article table; returns the article count."""
        self.close()
        index = self._open(allow_mismatch=True)
        return index.reindex(progress=progress)

    @translating
    def check(self, *, repair: bool = False) -> CheckReport:
        """Compare the article table with Chroma and BM25; with ``repair``, fix what drifted.

        Checking only reads. Repairing is a write: it waits for the write
        lock like an ingest, rolls back an ingest group left pending,
        deletes orphans and writes missing entries back from the table.
        """
        damage = self._table_damage()
        if damage and not repair:
            return CheckReport(consistent=False, problems=(damage,), repaired=(), remaining=(damage,), counts={})
        salvaged = self._salvage(damage) if damage else ()
        outcome = self._open().check(repair=repair)
        return CheckReport(
            consistent=outcome.consistent,
            problems=outcome.found.problems(),
            repaired=salvaged + outcome.repaired,
            remaining=outcome.after.problems(),
            counts=outcome.after.counts(),
        )

    def _table_damage(self) -> str | None:
        """What is wrong with the article table's file, if anything (SQLite's quick check)."""
        path = Path(self.settings.home) / "articles.sqlite3"
        try:
            found = self._open().table.damage()
        except StoreError as exc:
            if not isinstance(exc.__cause__, TableDamaged):
                raise
            return str(exc.__cause__)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            found = [str(exc)]
        if not found:
            return None
        return f"the article table {path} is damaged ({'; '.join(found[:3])})"

    def _salvage(self, damage: str) -> tuple[str, ...]:
        """The damaged article table replaced by what can still be read of it, and
        every index rebuilt from that; the lines say what was done."""
        self.close()
        path = Path(self.settings.home) / "articles.sqlite3"
        lock = WriteLock(Path(self.settings.home) / LOCK_NAME, timeout_s=self.settings.write_lock_timeout_s)
        with translating_block(), lock.held():
            report = salvage_table(path)
        count = self.reindex()
        return (
            f"{damage}: kept it as {report.damaged_copy.name}, saved {len(report.recovered)} readable articles "
            f"into a new table ({report.unreadable_rows} rows unreadable) and rebuilt every index from them "
            f"({count} articles)",
        )

    # -- questions ----------------------------------------------------------------
    @translating
    def search(
        self,
        question: str,
        *,
        top_k: int | None = None,
        outlet: str | None = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
    ) -> list[Passage]:
        """The ranked passages the answerer would see."""
        question = _check_question(question)
        context = self._context(question, top_k or self.settings.top_k, _filters(outlet, since, until))
        return list(context.passages)

    def ask(
        self,
        question: str,
        *,
        history: Sequence[tuple[str, Answer]] = (),
        top_k: int | None = None,
        outlet: str | None = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        mode: str | None = None,
    ) -> Answer:
        """Answer ``question`` from the stored articles, citing exact sentences.

        ``history`` holds earlier ``(question, Answer)`` turns of the same
        conversation, used to complete follow-ups ("What did he say?").
        ``mode`` picks one of ``modes`` (default: the first).
        """
        events = self.ask_stream(
            question, history=history, top_k=top_k, outlet=outlet, since=since, until=until, mode=mode
        )
        return next(e for e in events if isinstance(e, Answer))

    def ask_stream(
        self,
        question: str,
        *,
        history: Sequence[tuple[str, Answer]] = (),
        top_k: int | None = None,
        outlet: str | None = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        mode: str | None = None,
    ) -> Iterator[Step | TextDelta | Answer]:
        """``ask``, as it happens: ``Step`` events, ``TextDelta`` pieces of text
        (from an answerer that writes), then the validated ``Answer``, last.

        Input errors are raised before the first event.
        """
        t0 = time.perf_counter()
        question = _check_question(question)
        filters = _filters(outlet, since, until)
        answerer = self._answerer_for(mode)
        return self._stream(question, history, top_k, filters, answerer, t0)

    @translating
    def _stream(self, question, history, top_k, filters, answerer, t0) -> Iterator[Step | TextDelta | Answer]:
        yield Step("retrieve", "Searching the articles…")
        rewritten = self._rewrite(question, history)
        context = self._context(rewritten, top_k or self.settings.top_k, filters)
        if history and asks_for_more(question):
            said = {
                (c.article_id, c.start, c.end) for _, before in history if before.rewritten_question == rewritten
                for c in before.citations
            }  # fmt: skip
            context = replace(context, already_cited=frozenset(said))
        t1 = time.perf_counter()
        stream = getattr(answerer, "answer_stream", None)
        draft = None
        for event in stream(context) if stream is not None else (answerer.answer(context),):
            if isinstance(event, Draft):
                draft = event
            else:
                yield event
        if draft is None:
            raise TypeError(f"answerer {answerer.name!r} gave no Draft")
        citations = self._validate(draft)
        refused = draft.refused or not citations
        timings = {"retrieve": (t1 - t0) * 1000, "rank": 0.0, "answer": 0.0, **draft.timings_ms}
        timings["total"] = (time.perf_counter() - t0) * 1000
        yield Answer(
            question=question,
            rewritten_question=rewritten,
            # All citations failing validation turns an answer into a refusal.
            text=draft.text if not refused or draft.refused else REFUSAL,
            citations=citations if not refused else (),
            refused=refused,
            answerer=draft.answerer or answerer.name,
            notice=draft.notice,
            timings_ms={k: round(v, 2) for k, v in timings.items()},
        )

    def _rewrite(self, question: str, history: Sequence[tuple[str, Answer]]) -> str:
        """A follow-up made to stand alone: by the LLM when one is configured, else by the rules.

        "What else?" always goes to the rules: it means the previous question
        again, which is what lets the answer skip what was said.
        """
        if history and self._rewriter is not None and not asks_for_more(question):
            rewritten = self._rewriter.rewrite(question.strip(), history)
            # A model that left a follow-up as it was ("What is his job?") saw
            # nothing to fill in; the rules may still see a pronoun or an ellipsis.
            if rewritten and not unchanged(rewritten, question):
                return rewritten
        return rewrite_follow_up(question, history, about_previous=self._about_previous)

    def _about_previous(self, question: str, previous: Answer) -> bool:
        """Whether the articles the previous answer cited speak of what ``question`` asks.

        Half the question's idf-weighted terms must be in them; a refused
        answer cited nothing, so it gives no reason to doubt the follow-up.
        """
        cited = {c.article_id for c in previous.citations}
        if not cited:
            return True
        index = self._open()
        terms = set(tokenize(" ".join(content_words(question))))
        weights = {t: index.bm25.idf(t) for t in terms}
        total = sum(weights.values())
        if not total:
            return True
        texts = [stored.text for aid in cited if (stored := index.table.get(aid)) is not None]
        present = set(tokenize(" ".join(texts)))
        covered = sum(w for t, w in weights.items() if has_term(t, present))
        return covered / total >= _ABOUT_PREVIOUS

    @property
    def modes(self) -> tuple[str, ...]:
        """The answer modes ``ask`` can use now, the default first."""
        return tuple(self._answerers)

    def _answerer_for(self, mode: str | None) -> Answerer:
        if mode is None:
            return next(iter(self._answerers.values()))
        if mode not in self._answerers:
            raise InvalidInputError(f"unknown answer mode {mode!r}; this assistant has {', '.join(self._answerers)}")
        return self._answerers[mode]

    def _context(self, question: str, top_k: int, filters: Filters) -> AnswerContext:
        """Retrieve, then (with ``rerank``) reorder the candidates by their best sentence."""
        rerank = self.settings.rerank and hasattr(self._answerer, "rerank")
        depth = max(self.settings.candidates, top_k) if rerank else top_k
        passages = self._get_retriever().retrieve(question, top_k=depth, filters=filters)
        index = self._open()
        texts, outlets, published, hashes, credits = {}, {}, {}, {}, {}
        for aid in dict.fromkeys(p.article_id for p in passages):
            stored = index.table.get(aid)
            if stored is not None:  # removed since retrieval
                texts[aid], outlets[aid], published[aid] = stored.text, stored.outlet, stored.published
                hashes[aid] = stored.content_hash
                credits[aid] = "; ".join(n for n in (stored.outlet, *stored.agencies) if n)
        sentences = index.sentences_of(hashes)
        # The ranker tokenises every sentence of the candidates: one call for those not seen yet.
        prime([texts[aid][s:e] for aid, spans in sentences.items() for s, e, _ in spans])
        context = AnswerContext(
            question=question,
            passages=[p for p in passages if p.article_id in texts],
            query_vector=self._sentence_query_vector(question),
            sentences=sentences,
            texts=texts,
            lexicon=index.bm25,
            tokenize=tokenize,
            outlets=outlets,
            published=published,
            credits=credits,
            source_names=index.table.source_names(),
            copies=index.copies_of(list(texts)),
        )
        context = replace(context, pool=context.passages)
        if rerank:
            context = replace(context, passages=self._answerer.rerank(context, top_k))
        return context

    def _sentence_query_vector(self, question: str) -> np.ndarray:
        """The mean of the question's vector and its statement form's, for ranking sentences.

        Measured on the dev split: answer sentences rank higher against the
        mean than against the question alone (see the commit adding this).
        """
        statement = statement_form(question)
        if statement == question:
            return self._embed_query(question)
        mean = self._embed_query(question) + self._embed_query(statement)
        return mean / np.linalg.norm(mean)

    def _get_retriever(self) -> Retriever:
        if self._retriever is None:
            self._retriever = IndexRetriever(
                self._open(),
                self._embed_query,
                mode=self.settings.retrieval,
                candidates=self.settings.candidates,
                rrf_k=self.settings.rrf_k,
            )
        return self._retriever

    def _embed_one(self, text: str) -> np.ndarray:
        return self._embedder.embed([text])[0]

    def _validate(self, draft: Draft) -> tuple[Citation, ...]:
        """Keep only citations whose quote is exactly the article's text at its offsets."""
        index = self._open()
        out: list[Citation] = []
        for n, cited in enumerate(draft.citations, start=1):
            stored = index.table.get(cited.article_id)
            if stored is None or not (0 <= cited.start < cited.end <= len(stored.text)):
                logger.warning("dropping citation [%d]: bad article or offsets", n)
                continue
            quote = stored.text[cited.start : cited.end]
            if f"[{n}]" not in draft.text:
                logger.warning("dropping citation [%d]: no marker in the answer", n)
                continue
            out.append(
                Citation(
                    n=n,
                    article_id=stored.id,
                    title=stored.title,
                    outlet=stored.outlet,
                    published=stored.published,
                    source=stored.source,
                    quote=quote,
                    start=cited.start,
                    end=cited.end,
                    passage=cited.passage.text,
                    score=round(float(cited.score), 4),
                )
            )
        return tuple(out)


def embedder_for(settings: Settings) -> MiniLMEmbedder:
    """The embedding model the settings name (``embed_backend``); cheap until first used."""
    return MiniLMEmbedder(backend=settings.embed_backend, cache_dir=settings.model_cache)


def _info(stored, cls: type = ArticleInfo, **extra):
    """The store's record as the public type: the two share their field names."""
    return cls(**{f.name: getattr(stored, f.name) for f in fields(cls) if f.name not in extra}, **extra)


def _full(stored, history: tuple[ArticleVersion, ...] = ()) -> Article:
    return _info(stored, Article, history=history)


def _check_question(question: str) -> str:
    if not isinstance(question, str) or not question.strip():
        raise InvalidInputError("the question is empty")
    if len(question) > _MAX_QUESTION:
        raise InvalidInputError(f"the question is {len(question)} characters long; the limit is {_MAX_QUESTION}")
    # A lone surrogate can't be encoded for the model or the index, and a NUL
    # cuts the text short in C code underneath: refuse them by name here.
    if (m := UNUSABLE_CHARS.search(question)) is not None:
        raise InvalidInputError(f"the question contains the character U+{ord(m.group()):04X}, which is not usable text")
    return question.strip()


def _check_id(article_id: str) -> str:
    """An id no stored article can have (loading rejects them) is simply not found, without a lookup.

    A lone surrogate would otherwise fail in SQLite's encoder with a traceback.
    """
    if not isinstance(article_id, str) or UNUSABLE_CHARS.search(article_id) is not None:
        raise ArticleNotFoundError(article_id)
    return article_id


def _filters(outlet: str | None, since, until) -> Filters:
    lo, hi = _as_ord(since, "since"), _as_ord(until, "until")
    if lo is not None and hi is not None and lo > hi:
        raise InvalidInputError("--since is after --until")
    return Filters(outlet=outlet.strip().casefold() if outlet else None, since=lo, until=hi)


def _as_ord(value, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidInputError(f"{name} must be a date as YYYY-MM-DD, got {value!r}") from None
    return value.year * 10000 + value.month * 100 + value.day


@functools.lru_cache(maxsize=1)
def _default_assistant() -> Assistant:
    return Assistant()


def ask(question: str, **kwargs) -> Answer:
    """Ask the default ``Assistant`` (settings from the environment).

    Its store is seeded with ``ASSISTANT_SEEDS`` on first use when empty.
    """
    assistant = _default_assistant()
    assistant.ensure_seeded()
    return assistant.ask(question, **kwargs)
