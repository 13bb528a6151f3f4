"""Show an ``EvalReport``: rich tables on a console, a JSON file, an HTML file."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .runner import METRIC_ORDER, CaseResult, ConfigResult, EvalReport, SuiteResult

__all__ = [
    "DEFAULT_REPORTS_DIR",
    "DEFAULT_JSON_PATH",
    "DEFAULT_HTML_PATH",
    "CATEGORY_METRICS",
    "print_report",
    "write_json",
    "write_html",
    "format_value",
    "best_value",
]

DEFAULT_REPORTS_DIR = Path(__file__).resolve().parent / "reports"  # git-ignored
DEFAULT_JSON_PATH = DEFAULT_REPORTS_DIR / "report.json"
DEFAULT_HTML_PATH = DEFAULT_REPORTS_DIR / "report.html"

# The per-category table keeps to the metrics that say most about a category.
CATEGORY_METRICS = ("hit@3", "mrr", "contains", "f1", "citation_precision", "citation_recall", "refusal_accuracy")
LATENCY_STAGES = ("retrieve", "rank", "answer", "total")


def format_value(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def best_value(values: list[float | None]) -> float | None:
    """The value to highlight: the highest, unless the configs tie or there is one."""
    present = {v for v in values if v is not None}
    return max(present) if len(present) > 1 else None


def _stages(result: ConfigResult) -> list[str]:
    known = [s for s in LATENCY_STAGES if s in result.latency_ms]
    return known + sorted(set(result.latency_ms) - set(known))


def _summary_table(suite: SuiteResult) -> Table:
    table = Table(
        title=f"{suite.name} ({suite.split} split)",
        caption=f"{suite.n_cases} cases over {suite.n_articles} articles",
        title_justify="left",
    )
    table.add_column("metric")
    for result in suite.configs:
        table.add_column(result.config.name, justify="right")
    for metric in METRIC_ORDER:
        values = [r.metrics.get(metric) for r in suite.configs]
        if all(v is None for v in values):
            continue
        best = best_value(values)
        cells = [Text(format_value(v), style="bold" if v == best else "") for v in values]
        table.add_row(metric, *cells)
    stages = list(dict.fromkeys(s for r in suite.configs for s in _stages(r)))
    for stage in stages:
        for q in ("p50", "p95"):
            cells = []
            for r in suite.configs:
                ms = r.latency_ms.get(stage, {}).get(q)
                cells.append("—" if ms is None else f"{ms:.0f} ms")
            table.add_row(f"latency {stage} {q}", *cells, style="dim")
    passed = [f"{sum(c.passed for c in r.cases)}/{len(r.cases)}" for r in suite.configs]
    table.add_row("cases passed", *passed)
    skipped = [sum(c.not_applicable is not None for c in r.cases) for r in suite.configs]
    if any(skipped):  # e.g. as_of cases against an ask without as_of: in no metric above
        table.add_row("cases not applicable", *map(str, skipped))
    return table


def _category_table(suite: SuiteResult, result: ConfigResult) -> Table:
    table = Table(title=f"{suite.name} per category — {result.config.name}", title_justify="left")
    table.add_column("category")
    table.add_column("n", justify="right")
    for metric in CATEGORY_METRICS:
        table.add_column(metric, justify="right")
    for category, values in result.per_category.items():
        n = int(values.get("n") or 0)
        table.add_row(category, str(n), *(format_value(values.get(metric)) for metric in CATEGORY_METRICS))
    return table


def _failure_lines(case: CaseResult) -> Text:
    text = Text()
    text.append(f"{case.case_id} [{case.category}] ", style="bold red")
    text.append("; ".join(case.reasons) + "\n", style="red")
    for i, turn in enumerate(case.turns[:-1], start=1):
        text.append(f"  earlier turn {i}: {turn}\n", style="dim")
    text.append(f"  question: {case.question}\n")
    if case.rewritten_question != case.question:
        text.append(f"  rewritten: {case.rewritten_question}\n", style="dim")
    expected = " | ".join(case.expected) if case.answerable else "(a refusal)"
    text.append(f"  expected: {expected}\n", style="green")
    got = "(refused) " if case.refused else ""
    text.append(f"  got: {got}{case.answer_text or case.error or ''}\n", style="yellow")
    for c in case.citations:
        mark = "✓" if c.matches_gold else "✗"
        text.append(f"  cited [{c.n}] {mark} {c.article_id}: {c.quote}\n", style="cyan")
    if case.answerable and case.evidence:
        text.append(f"  gold evidence: {case.evidence[0]}\n", style="dim")
    return text


def print_report(report: EvalReport, console: Console) -> None:
    """Summary (metrics × configs), per-category tables, then every failed case."""
    for suite in report.suites:
        console.print(_summary_table(suite))
        for result in suite.configs:
            console.print(_category_table(suite, result))
        for result in suite.configs:
            reasons = Counter(c.not_applicable for c in result.cases if c.not_applicable is not None)
            for reason, n in reasons.items():
                console.print(f"[yellow]{suite.name} · {result.config.name}: {n} case(s) {reason}[/]", highlight=False)
            failures = result.failures
            if not failures:
                console.print(f"[green]{suite.name} · {result.config.name}: every case passed[/]")
                continue
            console.rule(f"{suite.name} · {result.config.name}: {len(failures)} failed case(s)")
            for case in failures:
                console.print(_failure_lines(case), highlight=False)


def write_json(report: EvalReport, path: Path | str = DEFAULT_JSON_PATH) -> Path:
    """Write the whole report (every case) as JSON; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_html(report: EvalReport, path: Path | str = DEFAULT_HTML_PATH) -> Path:
    """Write a self-contained HTML report (inline CSS and SVG plots); returns the path."""
    from .html import render_html  # lazy: imports matplotlib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path
