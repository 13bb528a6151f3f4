"""Showing a ``BenchReport``: the console table and verdicts, the README's Markdown table, and reading the JSON back."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from .figures import TARGETS, AskFigures, BenchReport, Check, IngestFigures, Latency, NaiveFigures, SizeResult
from .serving_report import serving_from_dict, serving_markdown, serving_sections, verdicts

# --- showing it --------------------------------------------------------------------------------


def _ms(x: Latency | None) -> str:
    if x is None or x.p50_ms is None:
        return "—"
    return f"{x.p50_ms:.0f} / {x.p95_ms:.0f}"


def _rows(report: BenchReport) -> list[tuple[str, list[str], str]]:
    """(figure, one cell per size, target) for the table and the README."""

    def cells(fn: Callable[[SizeResult], Any]) -> list[str]:
        out = []
        for r in report.sizes:
            try:
                value = fn(r)
            except (AttributeError, TypeError):
                value = None
            out.append("—" if value is None else str(value))
        return out

    def check(name: str) -> str:
        op, target, where = TARGETS[name]
        return f"{op} {target:g} ({where})"

    return [
        ("chunks (articles)", cells(lambda r: f"{r.chunks} ({r.articles})"), ""),
        ("ingest articles/s", cells(lambda r: f"{r.ingest.articles_per_s:.1f}"), ""),
        ("ingest chunks/s", cells(lambda r: f"{r.ingest.chunks_per_s:.1f}"), ""),
        ("ingest tokens/article", cells(lambda r: f"{r.ingest.tokens_per_article:.0f}"), ""),
        ("ingest, est. articles/s at 130 tokens", cells(lambda r: _check_value(r, "ingest_articles_per_s")),
         check("ingest_articles_per_s")),
        ("ingest of the other real articles: articles/s (vectors reused / computed)",
         cells(lambda r: _reuse(r.ingest_rest)), ""),
        ("ingest of copies: articles/s (vectors reused / computed)", cells(lambda r: _reuse(r.ingest_copies)), ""),
        ("warm ask, reader off: p50 / p95 ms", cells(lambda r: _ms(r.warm_reader_off.latency)),
         f"{check('warm_p50_ms')}; p95 <= 50"),
        ("warm ask, reader off: CPU p50 / p95 ms", cells(lambda r: _ms(r.warm_reader_off.cpu)), ""),
        ("warm ask, reader on: p50 / p95 ms",
         cells(lambda r: _ms(r.warm_reader_on.latency) if r.warm_reader_on.available else "not available"),
         f"{check('reader_p50_ms')}; p95 <= 6000"),
        ("cold `assistant ask`, reader off: median s", cells(lambda r: r.cold_ask_median_s), check("cold_ask_s")),
        ("cold `assistant ask`, reader off: CPU s (median)",
         cells(lambda r: statistics.median(r.cold_ask_cpu_s) if r.cold_ask_cpu_s else None), ""),
        ("cold `assistant ask`, reader on: median s", cells(lambda r: r.cold_ask_reader_on_median_s), ""),
        ("peak RSS answering, reader off: MB", cells(lambda r: f"{r.warm_reader_off.peak_rss_mb:.0f}"),
         check("peak_rss_mb")),
        ("peak RSS answering, reader on: MB",
         cells(lambda r: f"{r.warm_reader_on.peak_rss_mb:.0f}" if r.warm_reader_on.peak_rss_mb else None), ""),
        ("peak RSS ingesting: MB", cells(lambda r: f"{r.ingest_peak_rss_mb:.0f}"), ""),
        ("naive LlamaIndex retrieve: p50 / p95 ms", cells(lambda r: _ms(r.naive.latency)), ""),
        ("speed-up over naive (p50)", cells(lambda r: f"{r.speedup_vs_naive:.2f}x"), check("speedup_vs_naive")),
        ("hit@1 ours (search) / naive",
         cells(lambda r: f"{r.warm_reader_off.search_hit1:.3f} / {r.naive.hit1:.3f}"), "ours higher"),
        ("hit@1 ours, first citation of ask", cells(lambda r: f"{r.warm_reader_off.cited1:.3f}"), ""),
    ]  # fmt: skip


def _reuse(figures: IngestFigures | None) -> str | None:
    if figures is None:
        return None
    return f"{figures.articles_per_s:.1f} ({figures.reused} / {figures.embedded})"


def _check_value(result: SizeResult, name: str) -> str | None:
    for c in result.checks:
        if c.name == name and c.value is not None:
            return f"{c.value:g}"
    return None


def _verdicts(report: BenchReport) -> list[str]:
    lines = []
    for r in report.sizes:
        for c in r.checks:
            if c.met is not None:
                lines.append(f"{r.target_chunks}: {c.name} = {c.value:g} {'meets' if c.met else 'misses'} {c.target}")
    return lines


def print_bench(report: BenchReport, console: Any) -> None:
    if report.sizes:
        _print_sizes(report, console)
    _print_serving(report, console)
    console.print(
        f"{report.seconds:.0f} s in all; load average {report.machine.get('load_average_start')} at the start, "
        f"{report.machine.get('load_average_end')} at the end",
        highlight=False,
    )


def _print_serving(report: BenchReport, console: Any) -> None:
    from rich.table import Table

    for title, rows, checks, samples in serving_sections(report):
        table = Table(title=f"{title}: the real server, {report.machine.get('cores')} cores", title_justify="left")
        for column in ("figure", "measured", "target"):
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        for sample in samples:
            console.print(f"  {sample}", highlight=False, markup=False)
        for line in verdicts(checks):
            style = "green" if " meets " in line else "red"
            console.print(f"[{style}]{line}[/]", highlight=False)


def _print_sizes(report: BenchReport, console: Any) -> None:
    from rich.table import Table

    table = Table(title=f"assistant bench ({report.machine.get('cores')} cores, {report.machine.get('cpu')}, "
                        f"{report.machine.get('embed_backend', 'torch')} embeddings)",
                  caption=report.corpus, title_justify="left")  # fmt: skip
    table.add_column("figure")
    for r in report.sizes:
        table.add_column(f"{r.target_chunks:,} chunks", justify="right")
    table.add_column("target")
    for name, cells, target in _rows(report):
        table.add_row(name, *cells, target)
    console.print(table)
    for r in report.sizes:
        console.print(f"{r.target_chunks:,}: {r.made}", highlight=False)
    for line in _verdicts(report):
        style = "green" if " meets " in line else "red"
        console.print(f"[{style}]{line}[/]", highlight=False)
    for note in report.notes:
        console.print(f"note: {note}", highlight=False)


def render_markdown(report: BenchReport | dict) -> str:
    """The README's Performance table, from a report or its JSON."""
    if isinstance(report, dict):
        report = _from_dict(report)
    machine = report.machine
    if not report.sizes:
        return "\n".join([*serving_markdown(report)[1:], "", _serving_machine(report)])
    head = "| figure | " + " | ".join(f"{r.target_chunks:,} chunks" for r in report.sizes) + " | target |"
    lines = [head, "|---|" + "---:|" * len(report.sizes) + "---|"]
    for name, cells, target in _rows(report):
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {target} |")
    made = "; ".join(f"{r.target_chunks:,}: {r.made}" for r in report.sizes)
    lines += [
        "",
        f"Machine: {machine.get('cores')} cores ({machine.get('cpu')}), {machine.get('memory_gb')} GB, "
        f"Python {machine.get('python')}; embedding backend {machine.get('embed_backend', 'torch')}; load average {machine.get('load_average_start')} at the start "
        f"and {machine.get('load_average_end')} at the end. Corpus: {report.corpus}. Stores: {made}. "
        f"{report.questions} questions per size ({report.reader_questions} with the reader on); "
        f"{report.seconds / 60:.0f} minutes in all; measured {report.created[:10]}.",
    ]
    return "\n".join(lines + serving_markdown(report))


def _serving_machine(report: BenchReport) -> str:
    machine = report.machine
    return (
        f"Machine: {machine.get('cores')} cores ({machine.get('cpu')}), {machine.get('memory_gb')} GB, "
        f"Python {machine.get('python')}; load average {machine.get('load_average_start')} at the start and "
        f"{machine.get('load_average_end')} at the end; {report.seconds / 60:.0f} minutes in all; "
        f"measured {report.created[:10]}."
    )


def _from_dict(data: dict) -> BenchReport:
    def lat(d: dict | None) -> Latency | None:
        return Latency(**d) if d else None

    def ask(d: dict) -> AskFigures:
        return AskFigures(**{**d, "latency": lat(d.get("latency")), "cpu": lat(d.get("cpu"))})

    sizes = []
    for s in data["sizes"]:
        naive = s.get("naive")
        sizes.append(SizeResult(**{
            **s, "ingest": IngestFigures(**s["ingest"]),
            "ingest_rest": IngestFigures(**s["ingest_rest"]) if s.get("ingest_rest") else None,
            "ingest_copies": IngestFigures(**s["ingest_copies"]) if s.get("ingest_copies") else None,
            "warm_reader_off": ask(s["warm_reader_off"]), "warm_reader_on": ask(s["warm_reader_on"]),
            "naive": NaiveFigures(**{**naive, "latency": lat(naive["latency"])}) if naive else None,
            "checks": [Check(**c) for c in s.get("checks", [])],
        }))  # fmt: skip
    return BenchReport(**{**data, "sizes": sizes, **serving_from_dict(data)})
