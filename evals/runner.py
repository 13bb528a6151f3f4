"""Run evaluation suites against the assistant and collect a typed report.

Each suite gets a temporary store: the corpus is ingested once, then every
configuration (a set of settings overrides) gets its own ``Assistant`` on that
same store, so configurations are compared on identical data and cases.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import metrics as m
from .dataset import Case, Dataset, SplitChoice, ensure_corpus, load_suite
from .dated import NO_AS_OF, accepts_as_of, as_of_kwargs, contains_in_order

__all__ = [
    "EvalConfig",
    "DEFAULT_CONFIG",
    "COMPARE_CONFIGS",
    "READER_OFF_CONFIG",
    "LLM_CONFIG",
    "compare_configs",
    "RETRIEVAL_K",
    "METRIC_ORDER",
    "CitedQuote",
    "RetrievedPassage",
    "CaseResult",
    "ConfigResult",
    "SuiteResult",
    "EvalReport",
    "run_evals",
    "score_case",
    "aggregate",
]

logger = logging.getLogger(__name__)

RETRIEVAL_K = 5  # passages searched per case for the retrieval metrics
HIT_KS = (1, 3, 5)

# Display order; also the metrics that thresholds may be recorded for.
METRIC_ORDER = (
    "hit@1", "hit@3", "hit@5", "recall@5", "mrr", "ndcg@5",
    "contains", "exact_match", "f1", "citation_precision", "citation_recall",
    "multi_turn", "refusal_accuracy", "unanswerable_refused", "answerable_answered", "unsupported_rate",
)  # fmt: skip


@dataclass(frozen=True)
class EvalConfig:
    """A named pipeline configuration: overrides applied to the default settings."""

    name: str
    overrides: Mapping[str, Any] = field(default_factory=dict)


DEFAULT_CONFIG = EvalConfig("hybrid + reader", {"retrieval": "hybrid", "reader": "on"})
# The fast path: the same retrieval and ranking, no reading model.  The CI
# gate runs this one (the reader takes seconds a question on two cores).
READER_OFF_CONFIG = EvalConfig("hybrid", {"retrieval": "hybrid", "reader": "off"})
# Dense only and BM25 only answer with the same reranking answerer (reader
# off); "no rerank" shows what sentence-level reranking of the candidates adds.
COMPARE_CONFIGS = (
    EvalConfig("dense", {"retrieval": "dense", "reader": "off"}),
    EvalConfig("bm25", {"retrieval": "bm25", "reader": "off"}),
    EvalConfig("hybrid, no rerank", {"retrieval": "hybrid", "rerank": False, "reader": "off"}),
    READER_OFF_CONFIG,
    DEFAULT_CONFIG,
)
# With an LLM configured (ASSISTANT_LLM), --compare adds it over the reader's choice.
LLM_CONFIG = EvalConfig("hybrid + reader + llm", {"retrieval": "hybrid", "reader": "on", "answerer": "llm"})


def compare_configs() -> tuple[EvalConfig, ...]:
    """The configurations ``--compare`` runs: the LLM one too when an LLM is configured."""
    from assistant import load_settings

    return COMPARE_CONFIGS + ((LLM_CONFIG,) if load_settings().llm != "none" else ())


@dataclass(frozen=True)
class CitedQuote:
    n: int
    article_id: str
    quote: str
    matches_gold: bool


@dataclass(frozen=True)
class RetrievedPassage:
    article_id: str
    chunk_id: str
    score: float
    relevant: bool


@dataclass(frozen=True)
class CaseResult:
    """What happened on one case; ``scores`` holds only the metrics that apply to it."""

    case_id: str
    category: str
    answerable: bool
    turns: tuple[str, ...]
    question: str
    rewritten_question: str
    expected: tuple[str, ...]
    evidence: tuple[str, ...]
    answer_text: str
    refused: bool
    notice: str | None
    citations: tuple[CitedQuote, ...]
    retrieved: tuple[RetrievedPassage, ...]
    scores: dict[str, float]
    passed: bool
    reasons: tuple[str, ...]
    latency_ms: dict[str, float]
    error: str | None = None
    not_applicable: str | None = None  # why the case could not be asked (left out of every metric)


@dataclass(frozen=True)
class ConfigResult:
    config: EvalConfig
    metrics: dict[str, float | None]
    per_category: dict[str, dict[str, float | None]]
    latency_ms: dict[str, dict[str, float | None]]
    cases: tuple[CaseResult, ...]

    @property
    def failures(self) -> tuple[CaseResult, ...]:
        return tuple(c for c in self.cases if not c.passed and c.not_applicable is None)


@dataclass(frozen=True)
class SuiteResult:
    name: str
    split: str
    path: str
    corpus: tuple[str, ...]
    n_cases: int
    n_articles: int
    configs: tuple[ConfigResult, ...]

    def config(self, name: str | None = None) -> ConfigResult:
        """The result of one configuration; default: the default pipeline (else the first)."""
        wanted = name or DEFAULT_CONFIG.name
        for result in self.configs:
            if result.config.name == wanted:
                return result
        if name is None:
            return self.configs[0]
        raise KeyError(f"suite {self.name!r} has no config {name!r}")


@dataclass(frozen=True)
class EvalReport:
    split: str
    created: str
    suites: tuple[SuiteResult, ...]

    def suite(self, name: str) -> SuiteResult:
        for result in self.suites:
            if result.name == name:
                return result
        raise KeyError(f"the report has no suite {name!r}; it has {[s.name for s in self.suites]}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- scoring ---------------------------------------------------------------------------


def score_case(case: Case, answer: Any, passages: Sequence[Any]) -> tuple[dict[str, float], list[str]]:
    """Per-case scores and the reasons it fails (empty = passed)."""
    scores: dict[str, float] = {"refusal_correct": m.refusal_metric(case, answer)}
    unsupported = m.unsupported_rate_metric(case, answer)
    if unsupported is not None:
        scores["unsupported_rate"] = unsupported
    reasons: list[str] = []
    if not case.answerable:
        if not answer.refused:
            reasons.append("answered a question the articles cannot answer")
        return scores, reasons

    if case.evidence:
        rel = m.relevance(passages, case.evidence)
        n_gold = len({(e.article_id, " ".join(e.text.split())) for e in case.evidence})
        scores.update({f"hit@{k}": m.hit_at_k(rel, k) for k in HIT_KS})
        scores[f"recall@{RETRIEVAL_K}"] = m.recall_at_k(rel, n_gold, RETRIEVAL_K)
        scores["mrr"] = m.reciprocal_rank(rel)
        scores[f"ndcg@{RETRIEVAL_K}"] = m.ndcg_at_k(rel, n_gold, RETRIEVAL_K)
        scores["citation_precision"] = m.citation_precision_metric(case, answer)
        scores["citation_recall"] = m.citation_recall_metric(case, answer)
        if not scores[f"hit@{RETRIEVAL_K}"]:
            reasons.append(f"no gold evidence in the top {RETRIEVAL_K} retrieved passages")
    if case.ordered:  # a timeline: every figure, oldest first; EM and F1 against the whole of it
        scores["contains"] = contains_in_order(answer.text, case.answers)
        scores["exact_match"] = m.exact_match(answer.text, [" ".join(case.answers)])
        scores["f1"] = m.token_f1(answer.text, [" ".join(case.answers)])
    else:
        scores["contains"] = m.contains_metric(case, answer)
        scores["exact_match"] = m.exact_match_metric(case, answer)
        scores["f1"] = m.f1_metric(case, answer)
    if case.is_multi_turn:
        scores["multi_turn"] = scores["contains"]

    if answer.refused:
        reasons.append("refused a question the articles answer")
    elif not scores["contains"]:
        reasons.append("not every figure of the timeline, in order, in the answer text" if case.ordered
                       else "no accepted answer in the answer text")  # fmt: skip
    if case.evidence and not answer.refused and not scores["citation_recall"]:
        reasons.append("no citation quotes a gold evidence sentence")
    return scores, reasons


def aggregate(cases: Sequence[CaseResult]) -> dict[str, float | None]:
    """Suite-level metrics: each the mean over the cases it applies to (None if none)."""
    cases = [c for c in cases if c.not_applicable is None]
    result: dict[str, float | None] = {}
    for name in METRIC_ORDER:
        result[name] = m.mean(c.scores[name] for c in cases if name in c.scores)
    result.update(m.refusal_rates([c.answerable for c in cases], [c.refused for c in cases]))
    return result


# --- running -----------------------------------------------------------------------------


def _shared_model_factory() -> Callable[[Any], Any]:
    """Assistants that share one embedding model: each config would load its own."""
    from assistant import Assistant

    shared: list[Any] = []

    def make(settings: Any) -> Any:
        assistant = Assistant(settings, embedder=shared[0] if shared else None)
        if not shared:
            shared.append(assistant.embedder)
        return assistant

    return make


def _error_case(case: Case, exc: Exception) -> CaseResult:
    return CaseResult(
        case_id=case.id, category=case.category, answerable=case.answerable, turns=case.turns,
        question=case.question, rewritten_question=case.question, expected=case.answers,
        evidence=tuple(e.text for e in case.evidence), answer_text="", refused=True, notice=None,
        citations=(), retrieved=(), scores={"refusal_correct": float(not case.answerable)},
        passed=False, reasons=(f"error: {type(exc).__name__}: {exc}",), latency_ms={},
        error=f"{type(exc).__name__}: {exc}",
    )  # fmt: skip


def run_case(assistant: Any, case: Case) -> CaseResult:
    """Ask the turns in order, then search with the rewritten last question and score."""
    if case.as_of is not None and not accepts_as_of(assistant):
        return replace(_error_case(case, RuntimeError(NO_AS_OF)), error=None, reasons=(NO_AS_OF,),
                       scores={}, not_applicable=NO_AS_OF)  # fmt: skip
    dated = as_of_kwargs(case)  # every turn is asked as of the case's day
    try:
        history: list[tuple[str, Any]] = []
        for turn in case.history_turns:
            history.append((turn, assistant.ask(turn, history=tuple(history), **dated)))
        answer = assistant.ask(case.question, history=tuple(history), **dated)
        # Retrieval is scored on what the pipeline actually searched for: a
        # follow-up question only makes sense once rewritten from the history.
        passages = list(assistant.search(answer.rewritten_question, top_k=RETRIEVAL_K))
    except Exception as exc:  # one broken case must not hide the rest of the run
        logger.exception("case %s failed", case.id)
        return _error_case(case, exc)

    scores, reasons = score_case(case, answer, passages)
    rel = m.relevance(passages, case.evidence) if case.evidence else [set() for _ in passages]
    cited = tuple(
        CitedQuote(
            n=c.n, article_id=c.article_id, quote=c.quote,
            matches_gold=any(e.article_id == c.article_id and m.quote_matches(c.quote, e.text) for e in case.evidence),
        )
        for c in answer.citations
    )  # fmt: skip
    retrieved = tuple(
        RetrievedPassage(p.article_id, p.chunk_id, float(p.score), bool(r)) for p, r in zip(passages, rel, strict=True)
    )
    return CaseResult(
        case_id=case.id, category=case.category, answerable=case.answerable, turns=case.turns,
        question=case.question, rewritten_question=answer.rewritten_question, expected=case.answers,
        evidence=tuple(e.text for e in case.evidence), answer_text=answer.text, refused=bool(answer.refused),
        notice=answer.notice, citations=cited, retrieved=retrieved, scores=scores, passed=not reasons,
        reasons=tuple(reasons), latency_ms={k: float(v) for k, v in (answer.timings_ms or {}).items()},
    )  # fmt: skip


def _config_result(config: EvalConfig, results: Sequence[CaseResult]) -> ConfigResult:
    categories = sorted({r.category for r in results})
    per_category: dict[str, dict[str, float | None]] = {}
    for category in categories:
        subset = [r for r in results if r.category == category]
        per_category[category] = {"n": float(len(subset)), **aggregate(subset)}
    return ConfigResult(
        config=config,
        metrics=aggregate(results),
        per_category=per_category,
        latency_ms=m.latency_percentiles(r.latency_ms for r in results if r.error is None),
        cases=tuple(results),
    )


def _settings(home: Path, seeds: Path, overrides: Mapping[str, Any]) -> Any:
    from assistant import load_settings

    # An empty seeds folder: the store must hold exactly the suite's corpus,
    # never the default seed articles ingested on first use.
    return load_settings(home=home, seeds=seeds, **dict(overrides))


def _ingest(
    factory: Callable[[Any], Any],
    settings: Any,
    name: str,
    corpus: Sequence[Path],
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> int:
    """Ingest the suite's corpus into the store of ``settings``; returns the articles stored."""
    assistant = factory(settings)
    try:
        # Only a long ingest passes a progress callback (and a scripted
        # assistant in the tests takes none).
        report = assistant.ingest(list(corpus), progress=progress) if progress else assistant.ingest(list(corpus))
    finally:
        assistant.close()
    stored = len(getattr(report, "added", ())) + len(getattr(report, "unchanged", ()))
    stored += len(getattr(report, "replaced", ()))
    for rejected in getattr(report, "rejected", ()):
        logger.warning("suite %s: rejected %s: %s", name, rejected.source, rejected.reason)
    if stored == 0:
        raise RuntimeError(f"suite {name!r}: ingesting {', '.join(map(str, corpus))} stored no article")
    logger.info("suite %s: ingested %d articles", name, stored)
    return stored


def _run_suite(
    dataset: Dataset,
    configs: Sequence[EvalConfig],
    factory: Callable[[Any], Any],
    progress: Progress,
) -> SuiteResult:
    corpus = ensure_corpus(dataset)
    with tempfile.TemporaryDirectory(prefix=f"eval-{dataset.name}-") as tmp:
        home, seeds = Path(tmp) / "home", Path(tmp) / "no-seeds"
        seeds.mkdir()
        n_articles = _ingest(factory, _settings(home, seeds, {}), dataset.name, corpus)
        config_results = []
        for config in configs:
            task = progress.add_task(f"{dataset.name} · {config.name}", total=len(dataset.cases))
            assistant = factory(_settings(home, seeds, config.overrides))
            try:
                # Load the model before the clock runs, so the first case's
                # latency is not the model load (warm_up is optional).
                warm_up = getattr(assistant, "warm_up", None)
                if callable(warm_up):
                    warm_up()
                results = []
                for case in dataset.cases:
                    results.append(run_case(assistant, case))
                    progress.advance(task)
            finally:
                assistant.close()
            config_results.append(_config_result(config, results))
            logger.info("suite %s, config %s: %d/%d cases passed", dataset.name, config.name,
                        sum(r.passed for r in results), len(results))  # fmt: skip
    return SuiteResult(
        name=dataset.name,
        split=dataset.split,
        path=str(dataset.path),
        corpus=tuple(str(p) for p in corpus),
        n_cases=len(dataset.cases),
        n_articles=n_articles,
        configs=tuple(config_results),
    )


def run_evals(
    suites: Sequence[str | Path],
    *,
    split: SplitChoice = "test",
    compare: bool = False,
    configs: Sequence[EvalConfig] | None = None,
    assistant_factory: Callable[[Any], Any] | None = None,
    progress: bool = True,
) -> EvalReport:
    """Run the suites (names or ``.jsonl`` paths) and return the report.

    Args:
        split: which cases to run: ``"test"``, ``"dev"`` or ``"all"``.
        compare: run dense, bm25 and hybrid side by side (ignored if ``configs``).
        configs: explicit configurations; default: the default pipeline only.
        assistant_factory: ``settings -> Assistant``; default ``Assistant(settings)``.
        progress: show a rich progress bar.
    """
    if isinstance(suites, (str, Path)):
        suites = [suites]
    chosen = tuple(configs) if configs else (compare_configs() if compare else (DEFAULT_CONFIG,))
    if len({c.name for c in chosen}) != len(chosen):
        raise ValueError(f"config names must be unique: {[c.name for c in chosen]}")
    factory = assistant_factory or _shared_model_factory()
    datasets = [load_suite(s, split) for s in suites]  # fail on a bad suite before any work
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=not progress, transient=True) as bar:
        results = tuple(_run_suite(d, chosen, factory, bar) for d in datasets)
    return EvalReport(split=split, created=datetime.now(UTC).isoformat(timespec="seconds"), suites=results)
