"""The ``Assistant``: ingest articles, answer questions with validated citations."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace

import numpy as np

from vectorstore.embedding import Embedder

from .answerers.choosing import ReaderPolicy
from .answerers.drafts import REFUSAL, AnswerContext, Draft
from .answerers.extractive import ExtractiveAnswerer
from .answerers.generative import LLMAnswerer
from .answerers.timeline import kept_timeline
from .archive import Archive
from .citations import checked_citations
from .context.building import build_context, cites_what_is_asked, sentence_query_vector
from .context.retrieval import Filters, IndexRetriever
from .errors import InvalidInputError
from .inputs import article_filters, checked_question, until_as_of
from .language.followups import ModelRewriter, asks_for_more, llm_writer, rewrite_follow_up, unchanged
from .ports import Answerer, LLMBackend, Reader, Retriever, Store, TextGenerator
from .reading.llm import backend_from_settings
from .reading.reader import default_reader
from .settings import Settings
from .store_errors import translating
from .types import (
    Answer,
    Passage,
    Step,
    TextDelta,
)

__all__ = ["Assistant", "ask"]

logger = logging.getLogger(__name__)


class Assistant(Archive):
    """Answers questions over the stored articles.

    Construction is cheap: the model and the store open on first use (or on
    ``warm_up``).  Swappable parts can be passed in: an ``embedder``, an open
    ``store`` (any ``ports.Store``), a ``retriever`` (anything with
    ``retrieve(query, *, top_k, filters)``), an ``answerer``, and the ``reader`` the default answerer judges with (by
    default the packaged model, unless ``settings.reader`` is off).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        store: Store | None = None,
        retriever: Retriever | None = None,
        answerer: Answerer | None = None,
        reader: Reader | None = None,
        llm: LLMBackend | None = None,
    ):
        super().__init__(settings, embedder=embedder, store=store)
        self._retriever = retriever
        self._builds_retriever = retriever is None  # ours reads the open index: rebuilt when it reopens
        self._llm = llm if llm is not None else backend_from_settings(self.settings)
        reader = reader if reader is not None or answerer is not None else default_reader(self.settings)
        self._rewriter = self._model_rewriter(reader)
        if answerer is not None:
            self._answerers: dict[str, Answerer] = {answerer.name: answerer}
        else:
            self._answerers = self._default_answerers(reader)
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
        writer = LLMAnswerer(
            self._llm, evidence, self._embedder.embed, timeout_s=self.settings.llm_timeout_s, check=self.settings.support
        )
        if self.settings.answerer == "llm":
            return {writer.name: writer, **answerers}
        return {**answerers, writer.name: writer}

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
        super().close()
        if self._builds_retriever:
            # It holds the closed index's Chroma collections, which a reindex replaces.
            self._retriever = None

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
        as_of: str | dt.date | None = None,
    ) -> list[Passage]:
        """The ranked passages the answerer would see (filters and ``as_of`` as in ``ask``)."""
        question = checked_question(question)
        filters = article_filters(outlet, since, until_as_of(until, as_of))
        context = self._context(question, top_k or self.settings.top_k, filters, self._answerer_for(None))
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
        citations = checked_citations(draft, self._open())
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
        """A follow-up made to stand alone: by a model (the LLM when one is configured, else the reading model), else by the rules.

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
