"""The ``Assistant``: ingest articles, answer questions with validated citations."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

from vectorstore.embedding import Embedder, MiniLMEmbedder
from vectorstore.index import NewsIndex
from vectorstore.loading import load_paths
from vectorstore.text import chunk_spans

from .answerers.choosing import ReaderPolicy
from .answerers.drafts import REFUSAL, AnswerContext, Draft
from .answerers.extractive import ExtractiveAnswerer
from .answerers.generative import LLMAnswerer
from .answerers.timeline import kept_timeline
from .citations import checked_citations
from .context.building import build_context, cites_what_is_asked, sentence_query_vector
from .context.retrieval import Filters, IndexRetriever
from .errors import ArticleNotFoundError, InvalidInputError
from .inputs import article_filters, checked_article_id, checked_question, until_as_of
from .language.followups import ModelRewriter, asks_for_more, llm_writer, rewrite_follow_up, unchanged
from .ports import Answerer, LLMBackend, Reader, Retriever, TextGenerator
from .reading.llm import backend_from_settings
from .reading.reader import default_reader
from .settings import Settings, load_settings
from .store_errors import translating
from .types import (
    Answer,
    Article,
    ArticleInfo,
    CheckReport,
    IngestReport,
    Passage,
    Rejected,
    Step,
    TextDelta,
)
from .upkeep import salvage, table_damage

__all__ = ["Assistant", "ask", "Progress"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` during long work."""



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
        settings = self.settings
        options = dict(min_score=settings.min_score, min_similarity=settings.min_similarity, tuning=settings.tuning)
        plain = ExtractiveAnswerer(**options)
        if reader is None:
            return self._with_llm({plain.name: plain})
        reading = ExtractiveAnswerer(**options, reader=reader, policy=ReaderPolicy.from_settings(settings))
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
            answerer.warm_up()
        self._context("warm up", 1, Filters(), self._answerer_for(None))

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
        loaded = load_paths(paths)
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
    def counts(self) -> dict[str, int]:
        """How much the archive holds: ``articles`` and their ``chunks`` (as the article table records them)."""
        table = self._open().table
        return {"articles": table.count(), "chunks": table.chunk_count()}

    @translating
    def stored_vectors(self) -> Iterator[tuple[str, np.ndarray]]:
        """Every stored chunk's and sentence's text with the vector ingest gave it (for a cache to reuse)."""
        index = self._open()
        texts: dict[str, str | None] = {}
        for article_id, start, end, vector in index.chroma.vectors():
            if article_id not in texts:
                stored = index.table.get(article_id)
                texts[article_id] = stored.text if stored is not None else None
            if (text := texts[article_id]) is not None:
                yield text[start:end], vector

    def chunk_plan(self, paths: Iterable[str | Path]) -> dict[str, tuple[int, int]]:
        """What ingesting ``paths`` would make, without storing anything: per article id, its
        chunk count and token count under these settings (loading errors are left out)."""
        count = self._embedder.count_tokens
        size, overlap = self.settings.chunk_size, self.settings.chunk_overlap
        return {
            a.id: (len(chunk_spans(a.text, size=size, overlap=overlap, count_tokens=count)), count(a.text))
            for a in load_paths(list(paths)).articles
        }

    @translating
    def article(self, article_id: str) -> Article:
        stored = self._open().table.get(checked_article_id(article_id))
        if stored is None:
            raise ArticleNotFoundError(article_id)
        return _full(stored)

    @translating
    def remove(self, article_id: str) -> None:
        if not self._open().remove(checked_article_id(article_id)):
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
        damage = table_damage(self._open, Path(self.settings.home))
        if damage and not repair:
            return CheckReport(consistent=False, problems=(damage,), repaired=(), remaining=(damage,), counts={})
        if damage:
            self.close()
            timeout = self.settings.write_lock_timeout_s
            salvaged = salvage(damage, Path(self.settings.home), lock_timeout_s=timeout, reindex=self.reindex)
        else:
            salvaged = ()
        outcome = self._open().check(repair=repair)
        return CheckReport(
            consistent=outcome.consistent,
            problems=outcome.found.problems(),
            repaired=salvaged + outcome.repaired,
            remaining=outcome.after.problems(),
            counts=outcome.after.counts(),
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
        question = checked_question(question)
        context = self._context(question, top_k or self.settings.top_k, article_filters(outlet, since, until), self._answerer_for(None))
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
        as_of: str | dt.date | None = None,
    ) -> Answer:
        """Answer ``question`` from the stored articles, citing exact sentences.

        ``history`` holds earlier ``(question, Answer)`` turns of the same
        conversation, used to complete follow-ups ("What did he say?").
        ``mode`` picks one of ``modes`` (default: the first).  ``as_of``
        (``YYYY-MM-DD``) answers as the archive stood that day: only articles
        published by then.
        """
        events = self.ask_stream(
            question, history=history, top_k=top_k, outlet=outlet, since=since, until=until, mode=mode, as_of=as_of
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
        as_of: str | dt.date | None = None,
    ) -> Iterator[Step | TextDelta | Answer]:
        """``ask``, as it happens: ``Step`` events, ``TextDelta`` pieces of text
        (from an answerer that writes), then the validated ``Answer``, last.

        Input errors are raised before the first event.
        """
        t0 = time.perf_counter()
        question = checked_question(question)
        filters = article_filters(outlet, since, until_as_of(until, as_of))  # as of a date: inputs.py
        answerer = self._answerer_for(mode)
        return self._stream(question, history, top_k, filters, answerer, t0)

    @translating
    def _stream(self, question, history, top_k, filters, answerer, t0) -> Iterator[Step | TextDelta | Answer]:
        yield Step("retrieve", "Searching the articles…")
        rewritten = self._rewrite(question, history)
        context = self._context(rewritten, top_k or self.settings.top_k, filters, answerer)
        if history and asks_for_more(question):
            said = {
                (c.article_id, c.start, c.end) for _, before in history if before.rewritten_question == rewritten
                for c in before.citations
            }  # fmt: skip
            context = replace(context, already_cited=frozenset(said))
        t1 = time.perf_counter()
        draft = None
        for event in answerer.answer_stream(context):
            if isinstance(event, Draft):
                draft = event
            else:
                yield event
        if draft is None:
            raise TypeError(f"answerer {answerer.name!r} gave no Draft")
        citations = checked_citations(draft, self._open().table)
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
            refusal=(draft.refusal or "unchecked") if refused else None,
            dropped=draft.dropped,
            # Time-aware answers (answerers/timeline.py): only entries whose citation survived the check.
            timeline=kept_timeline(draft.timeline, {c.n for c in citations}) if not refused else (),
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

    def _context(self, question: str, top_k: int, filters: Filters, answerer: Answerer) -> AnswerContext:
        """Retrieve, then (with ``rerank``) let the answerer reorder the candidates by what it would quote."""
        rerank = self.settings.rerank
        depth = max(self.settings.candidates, top_k) if rerank else top_k
        passages = self._get_retriever().retrieve(question, top_k=depth, filters=filters)
        context = build_context(self._open(), question, passages, sentence_query_vector(question, self._embed_query))
        if rerank:
            context = replace(context, passages=answerer.rerank(context, top_k))
        return context

    def _about_previous(self, question: str, previous: Answer) -> bool:
        return cites_what_is_asked(self._open(), question, previous, share=self.settings.followup_share)

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


def embedder_for(settings: Settings) -> MiniLMEmbedder:
    """The embedding model the settings name (``embed_backend``); cheap until first used."""
    return MiniLMEmbedder(backend=settings.embed_backend, cache_dir=settings.model_cache)


def _info(stored, cls: type = ArticleInfo):
    """The store's record as the public type: the two share their field names."""
    return cls(**{f.name: getattr(stored, f.name) for f in fields(cls)})


def _full(stored) -> Article:
    return _info(stored, Article)


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
