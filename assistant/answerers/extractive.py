"""The default answerer: it quotes the sentences that answer, chosen by the ranker and the reading model.

One of the ``Answerer`` port's implementations (``assistant.ports``); the
LLM answerer (``generative.py``) words what this one chooses.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from ..context.ranking import Candidate, SentenceRanker, source_terms
from ..errors import ModelLoadError
from ..language.followups import resolve_in_part
from ..language.parts import split_parts
from ..language.question import QuestionInfo, analyse, is_bare_summary
from ..language.terms import load_gazetteer, spellings
from ..ports import Reader
from ..reading.reader import Claim
from ..settings import Settings, Tuning
from ..types import Passage, Step
from .choosing import ReaderPolicy, Reading, judge_question, states_kind
from .drafts import AnswerContext, Draft, drain, refusal
from .evidence import about_named, overlaps, quote_of, said_before, same_report, source_line
from .rendering import KIND_WORD, NOTHING_MORE, leads, merge_parts, none_states_it, render
from .timeline import as_count, reads_every_report

__all__ = ["ExtractiveAnswerer"]


logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _RankedPart:
    """One part of the question (most have one), its sentences ranked, or why it is refused unread."""

    info: QuestionInfo
    context: AnswerContext  # the question's context, asked this part
    ranked: list[Candidate] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # names no article holds
    refused: Draft | None = None  # refused before reading, and why


class ExtractiveAnswerer:
    """Picks the sentences that answer the question and quotes them.

    Sentences are ranked by ``SentenceRanker`` (meaning, words, answer type).
    Only sentences from articles that mention everything the question names
    may answer it.  It refuses when the question names something the articles
    never mention.  With the reader, it answers from the sentences the reader
    accepts and refuses when none states the answer.  Without it (or when the
    reader fails or runs out of time), it refuses when no sentence's meaning
    comes within ``min_similarity`` of the question's, when the best sentence
    scores under ``min_score``, or when the question asks for a figure, date
    or name and no close sentence has one.
    """

    def __init__(
        self,
        *,
        min_score: float = Settings.model_fields["min_score"].default,
        min_similarity: float = Settings.model_fields["min_similarity"].default,
        tuning: Tuning = Tuning(),
        reader: Reader | None = None,
        policy: ReaderPolicy = ReaderPolicy(),
    ):
        self._reader = reader
        self._reader_failed: str | None = None  # why the model could not load, once per process
        self._policy = policy
        self._min_score = min_score
        self._min_similarity = min_similarity
        self._tuning = tuning
        self._ranker = SentenceRanker(
            w_sem=tuning.w_sem, w_lex=tuning.w_lex, w_type=tuning.w_type, context_weight=tuning.context_weight
        )

    def warm_up(self) -> None:
        """Load the gazetteer and the reading model now rather than on the first question.

        A reader that cannot load is reported once and left out: answers
        carry on without it, each saying so.
        """
        load_gazetteer()
        if self._reader is not None and not self._reader_failed:
            try:
                self._reader.warm_up()
            except ModelLoadError as exc:
                logger.warning("reading model unavailable, answering without it: %s", exc)
                self._reader_failed = f"The reading model is not available ({exc})"

    @property
    def name(self) -> str:
        return "extractive" if self._reader is None else "reader"

    def answer(self, context: AnswerContext) -> Draft:
        return drain(self.answer_stream(context))

    def answer_stream(self, context: AnswerContext) -> Iterator[Step | Draft]:
        """``Step`` events while it works (reading N passages), then the ``Draft``."""
        t0 = time.perf_counter()
        if is_bare_summary(context.question):
            draft = leads(context, most=self._tuning.most_leads)
            yield replace(draft, timings_ms={"rank": 0.0, "answer": (time.perf_counter() - t0) * 1000})
            return
        parts = split_parts(context.question)
        parts = parts[:1] + [resolve_in_part(part, parts[0]) for part in parts[1:]]
        ranked_parts: list[_RankedPart] = []
        article_terms: dict[str, set[str]] = {}  # shared by the parts: each article is tokenized once
        for part in parts:
            info = as_count(analyse(part))  # time-aware: "how did X change" asks for figures (timeline.py)
            sub = replace(context, question=part)
            missing = self._unknown_names(info, sub)
            ranked = self._ranker.rank(info, sub)
            if context.already_cited and ranked:
                ranked = [c for c in ranked if not said_before(c, context.already_cited)]
                if not ranked:
                    ranked_parts.append(_RankedPart(info, sub, refused=refusal("nothing_more", NOTHING_MORE)))
                    continue
            if self._tuning.grounded and not missing:
                grounded = about_named(ranked, info, sub, article_terms)
                if ranked and not grounded:
                    names = " or ".join(info.names)
                    why = f"No retrieved passage that mentions {names} answers this."
                    ranked_parts.append(_RankedPart(info, sub, refused=refusal("not_grounded", why)))
                    continue
                ranked = grounded
            ranked_parts.append(_RankedPart(info, sub, ranked, missing))
        t1 = time.perf_counter()
        deadline = t1 + self._policy.budget_ms / 1000
        drafts, read_ms = [], 0.0
        for part in ranked_parts:
            info, sub, ranked, missing = part.info, part.context, part.ranked, part.missing
            if part.refused:
                drafts.append(part.refused)
                continue
            early = self._refusal_before_reading(ranked, missing, reading=self._reads)
            if early:
                drafts.append(early)
                continue
            reading = None
            if self._reader is not None:
                pool = self._pool(ranked, sub)
                if pool and not self._reader_failed:
                    yield Step("read", f"Reading {len(pool)} passage{'s' if len(pool) > 1 else ''}…", len(pool))
                reading = self._read(info, pool, sub, deadline)
                read_ms += reading.elapsed_ms
            drafts.append(self._compose(info, ranked, missing, sub, reading))
        draft = drafts[0] if len(drafts) == 1 else merge_parts(parts, drafts)
        t2 = time.perf_counter()
        timings = {"rank": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000 - read_ms}
        used_reader = self._reader is not None and not self._reader_failed and read_ms > 0
        if self._reader is not None:
            timings["read"] = read_ms
        yield replace(draft, timings_ms=timings, answerer=self.name if used_reader else "extractive")

    # -- reading --------------------------------------------------------------
    def _pool(self, ranked: list[Candidate], context: AnswerContext) -> list[Candidate]:
        """The best distinct candidates: a wire copy or an overlapping quote is read once."""
        pool: list[Candidate] = []
        for cand in ranked:
            if len(pool) == self._policy.candidates:
                break
            if not any(same_report(cand, p, context) or overlaps(cand, p) for p in pool):
                pool.append(cand)
        return pool

    def _read(self, info: QuestionInfo, pool: list[Candidate], context: AnswerContext, deadline: float) -> Reading:
        """The reader's verdicts on the pool, within what is left of the budget."""
        if self._reader_failed or not pool:
            return Reading(pool, (None,) * len(pool), 0.0, self._reader_failed)
        claims = [Claim(quote_of(c, context), source_line(c, context)) for c in pool]
        left_ms = max(0.0, deadline - time.perf_counter()) * 1000
        # Time-aware answers (timeline.py): a figure reported on several dates is read in full.
        early = self._policy.early_stop and not reads_every_report(info, pool, context)
        until = self._settled(info, pool, context) if early else None
        try:
            verdicts = self._reader.judge(judge_question(info), claims, budget_ms=left_ms, until=until)
        except ModelLoadError as exc:
            logger.warning("reading model unavailable, answering without it: %s", exc)
            self._reader_failed = f"The reading model is not available ({exc})"
            return Reading(pool, (None,) * len(pool), 0.0, self._reader_failed)
        settled = until is not None and not verdicts.complete and until(verdicts.scores)
        return Reading(pool, verdicts.scores, verdicts.elapsed_ms, None, settled)

    def _settled(self, info: QuestionInfo, pool: list[Candidate], context: AnswerContext):
        """Whether the verdicts so far fix the answer: an accepted sentence's blend
        beats what any unread candidate could reach with p(yes) = 1."""
        policy = self._policy
        top = max((c.score for c in pool), default=0.0) or 1.0

        def settled(scores: Sequence[float | None]) -> bool:
            read = [(c, p) for c, p in zip(pool, scores, strict=True) if p is not None]
            unread = [c for c, p in zip(pool, scores, strict=True) if p is None]
            best = max(
                (policy.weight * p + (1 - policy.weight) * c.score / top
                 for c, p in read if p >= policy.accept and states_kind(info, quote_of(c, context))),
                default=None,
            )  # fmt: skip
            reach = max((policy.weight + (1 - policy.weight) * c.score / top for c in unread), default=0.0)
            return best is not None and best >= reach

        return settled

    def _chosen_by_reader(
        self, info: QuestionInfo, reading: Reading, context: AnswerContext
    ) -> tuple[list[Candidate], list[Candidate]]:
        """The answer's picks among the candidates the reader accepted, and every
        candidate it accepted as well as a second pick (the pool a count
        disagreement may be drawn from), best first by the blend of its verdict
        and the ranker's score."""
        policy = self._policy
        top = max((c.score for c in reading.pool), default=0.0) or 1.0
        judged = [
            (c, p) for c, p in zip(reading.pool, reading.scores, strict=True)
            if p is not None and states_kind(info, quote_of(c, context))
        ]  # fmt: skip
        blend = {id(c): policy.weight * p + (1 - policy.weight) * c.score / top for c, p in judged}
        eligible = sorted((cp for cp in judged if cp[1] >= policy.accept), key=lambda cp: -blend[id(cp[0])])
        if not eligible:
            return [], []
        picks = [eligible[0][0]]
        accepted = picks + [cand for cand, p in eligible[1:] if p >= policy.accept_more]
        if reads_every_report(info, reading.pool, context):
            # Time-aware answers (timeline.py): an earlier report of a figure is accepted at the
            # answer's level; ``accept_more`` is the bar for a second sentence in the text.
            accepted = [cand for cand, _ in eligible]
        most = 3 if info.wants_list else 2
        for cand, p in eligible[1:]:
            if len(picks) == most:
                break
            if p >= policy.accept_more and not any(same_report(cand, q, context) or overlaps(cand, q) for q in picks):
                picks.append(cand)
        return picks, accepted

    def rerank(self, context: AnswerContext, top_k: int) -> list[Passage]:
        """The passages ordered by their best sentence's score, best first.

        Retrieval ranks whole chunks; a chunk whose one sentence answers the
        question can sit low in that order when the rest of it is off topic.
        """
        best: dict[str, Candidate] = {}
        for cand in self._ranker.rank(as_count(analyse(context.question)), context):  # as answer_stream reads it
            best.setdefault(cand.passage.chunk_id, cand)
        order = sorted(context.passages, key=lambda p: -best[p.chunk_id].score if p.chunk_id in best else float("inf"))
        # Diversify: a passage whose best sentence is a wire copy of a higher
        # one's says nothing new, so it goes after the others.
        fresh, repeats = [], []
        for p in order:
            lead = best.get(p.chunk_id)
            dup = lead is not None and any(same_report(lead, best[q.chunk_id], context) for q in fresh if q.chunk_id in best)
            (repeats if dup else fresh).append(p)
        chosen = (fresh + repeats)[:top_k]
        return [replace(p, score=round(best[p.chunk_id].score, 4) if p.chunk_id in best else 0.0) for p in chosen]

    # -- refusal on names the corpus never contains ---------------------------
    @staticmethod
    def _unknown_names(info: QuestionInfo, context: AnswerContext) -> list[str]:
        """Names the question uses that no article's words, outlet or agency hold."""
        sources = source_terms(context.source_names, context.lexicon.tokenize)
        missing = []
        for name in info.names:
            ways = spellings(name, context.lexicon.tokenize)
            terms = context.lexicon.tokenize(name)
            if terms and all(t in sources for t in terms):
                continue  # "Reuters", "Al Jazeera": an outlet or agency of the stored articles
            if terms and not any(context.lexicon.knows(t) for way in ways for t in way):
                missing.append(name)
        return missing

    # -- composing --------------------------------------------------------------
    def _compose(
        self, info: QuestionInfo, ranked: list[Candidate], missing: list[str], context: AnswerContext,
        reading: Reading | None = None,
    ) -> Draft:
        early = self._refusal_before_reading(ranked, missing, reading=reading is not None and reading.failure is None)
        if early:
            return early
        fallback = None
        if reading is not None and reading.failure is None:
            picks, accepted = self._chosen_by_reader(info, reading, context)
            if picks:
                # Only sentences the reader accepted reach the answer's text.
                return render(info, picks, accepted, context, tuning=self._tuning)
            unread = [c for c, p in zip(reading.pool, reading.scores, strict=True) if p is None]
            if not unread or reading.settled:
                return refusal("not_stated", none_states_it(info, reading, context))
            # Out of time: the ranker's order stands for what was not read.
            ranked = [c for c in ranked if not any(c is r for r, p in zip(reading.pool, reading.scores, strict=True) if p is not None)]
            fallback = "The reading model ran out of time; this answer is the ranker's choice."
        elif reading is not None:
            fallback = f"{reading.failure}; this answer is the ranker's choice."
        draft = self._compose_by_rules(info, ranked, context)
        if fallback:
            draft = replace(draft, notice=" ".join(n for n in (fallback, draft.notice) if n))
        return draft

    def _refusal_before_reading(self, ranked: list[Candidate], missing: list[str], *, reading: bool) -> Draft | None:
        """Refusals that need no reading: what no reading could answer.

        A name no article's words, outlet or agency hold cannot be answered
        about.  Without the reader, a question whose meaning no sentence comes
        near is off topic too; with it, that is the reader's call: "Who is X?"
        is far from every long sentence about X, yet one of them says who X is.
        """
        if missing and not (ranked and ranked[0].semantic >= self._tuning.rescue_similarity):
            # A name the corpus lacks is refused unless a sentence means the
            # same thing in other words ("America" for "the US").
            return refusal("unknown_name", f"The articles never mention {' or '.join(missing)}.")
        if not ranked:
            return refusal("off_topic", "The articles are not about this.")
        if not reading and max(c.semantic for c in ranked) < self._min_similarity:
            # Shared words alone ("bake" in a name) don't make a sentence about the question.
            return refusal("off_topic", "The articles are not about this.")
        return None

    @property
    def _reads(self) -> bool:
        return self._reader is not None and not self._reader_failed

    def _compose_by_rules(self, info: QuestionInfo, ranked: list[Candidate], context: AnswerContext) -> Draft:
        if not ranked:
            return refusal("off_topic", "No passage in the articles is close enough to the question.")
        if ranked[0].score < self._min_score:
            return refusal("off_topic", "No passage in the articles is close enough to the question.")
        typed_only = self._tuning.require_type and info.kind in KIND_WORD and not info.wants_list
        need = 1.0 if info.kind == "count" and info.counted else 0.5
        if typed_only:
            # The best sentence that holds a figure/name/date, if one is close
            # to the top; none close means the articles don't say.
            close = [c for c in ranked[:5] if c.score >= ranked[0].score * self._tuning.close_share]
            typed = [c for c in close if c.typed >= need]
            if not typed:
                why = f"The articles discuss this but give no {KIND_WORD[info.kind]} that answers it."
                return refusal("no_such_kind", why)
            ranked = [typed[0]] + [c for c in ranked if c is not typed[0]]
        # A list gathers up to three sentences; any other question takes a
        # second, different sentence when it scores nearly as well: with no
        # QA model to tell two close sentences apart, showing both beats guessing.
        picks = [ranked[0]]
        most, floor = (3, self._tuning.close_share) if info.wants_list else (2, self._tuning.runner_up)
        for cand in ranked[1:]:
            if len(picks) == most or cand.score < ranked[0].score * floor:
                break
            if typed_only and cand.typed < need:
                continue  # "it was not clear how many" is no second answer to "how many"
            if not any(same_report(cand, p, context) or overlaps(cand, p) for p in picks):
                picks.append(cand)
        return render(info, picks, ranked, context, tuning=self._tuning)
