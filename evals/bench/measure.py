"""The ingest and ask measurements, each run inside a worker process, and the helpers they share."""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any

from .. import metrics as m
from .corpus import CachingEmbedder

# --- workers (each in its own process) -------------------------------------------------------


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def _bar(label: str):
    """A rich progress bar on stderr and its ``progress(stage, done, total)`` callback."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn(f"[bold]{label}[/] {{task.description}}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    )  # fmt: skip
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    return bar, update


def _settings(spec: dict, **more: Any) -> Any:
    from assistant import Settings, load_settings

    overrides = {"home": Path(spec["home"]), "seeds": Path(spec["seeds"]), **more}
    if "reader" in overrides and "reader" not in Settings.model_fields:
        overrides.pop("reader")
    return load_settings(**overrides)


def _work_ingest(spec: dict) -> dict:
    from assistant import Assistant, embedder_for

    embedder = CachingEmbedder(embedder_for(_settings(spec)), Path(spec["cache"]))
    embedder.warm_up()  # loading the model is start-up, not ingest
    phases = []
    with Assistant(_settings(spec, reader="off"), embedder=embedder) as assistant:
        for phase in spec["phases"]:
            embedder.lookup = phase["cached"]
            computed, reused = embedder.computed, embedder.reused
            before = assistant.counts()["chunks"]
            bar, update = _bar(phase["label"])
            with bar:
                t0 = time.perf_counter()
                report = assistant.ingest([phase["articles"]], progress=update)
                seconds = time.perf_counter() - t0
            if report.rejected:
                raise RuntimeError(f"ingest rejected {len(report.rejected)} articles: {report.rejected[:3]}")
            phases.append({
                "articles": len(report.added) + len(report.replaced),
                "chunks": assistant.counts()["chunks"] - before,
                "seconds": seconds,
                "embedded": embedder.computed - computed,
                "reused": embedder.reused - reused,
                "cached": phase["cached"],
            })  # fmt: skip
    embedder.save()
    return {"phases": phases, "peak_rss_mb": _peak_rss_mb()}


def _work_ask(spec: dict) -> dict:
    from assistant import Assistant

    questions = spec["questions"]
    with Assistant(_settings(spec, reader=spec["reader"])) as assistant:
        assistant.warm_up()
        for q in spec["warm_ups"]:
            assistant.ask(q["query"])
        times, cited, read = [], [], 0
        notes: set[str] = set()
        bar, update = _bar(f"ask, reader {spec['reader']}")
        with bar:
            cpu = []
            for i, q in enumerate(questions, start=1):
                t0, c0 = time.perf_counter(), time.process_time()
                answer = assistant.ask(q["query"])
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                cited.append(bool(answer.citations) and answer.citations[0].article_id in q["relevant"])
                read += answer.timings_ms.get("read", 0.0) > 0
                if answer.notice and "reading model" in answer.notice:
                    notes.add(answer.notice)
                update("questions", i, len(questions))
        hits = []
        for q in questions:  # not timed: the first passage is what retrieval put first
            passages = assistant.search(q["query"])
            hits.append(bool(passages) and passages[0].article_id in q["relevant"])
    return {
        "times_ms": times, "cpu_ms": cpu, "cited1": m.mean(map(float, cited)), "search_hit1": m.mean(map(float, hits)),
        "read": read, "notes": sorted(notes)[:3], "peak_rss_mb": _peak_rss_mb(),
    }  # fmt: skip
