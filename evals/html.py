"""A self-contained HTML report: inline CSS and inline SVG plots, no external files.

Plots use ``matplotlib.figure.Figure`` directly (no pyplot), rendered with the
Agg/SVG backends, so nothing here touches a display or global plotting state.
"""

from __future__ import annotations

import io
from html import escape

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .report import CATEGORY_METRICS, LATENCY_STAGES, best_value, format_value
from .runner import METRIC_ORDER, CaseResult, EvalReport, SuiteResult

__all__ = ["render_html"]

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1, h2, h3 { font-weight: 600; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f4f4f4; }
.best { font-weight: 700; }
.plots { display: flex; flex-wrap: wrap; gap: 1rem; }
.plots svg { max-width: 100%; height: auto; }
.case { border-left: 4px solid #c0392b; padding: 0.3rem 0.8rem; margin: 0.8rem 0; background: #fdf5f4; }
.case .why { color: #c0392b; font-weight: 600; }
.case .exp { color: #1e7e34; }
.case .got { color: #8a6d00; }
.case .cite { color: #1f5f8b; font-size: 0.9rem; }
.muted { color: #777; font-size: 0.9rem; }
"""


def _svg(fig: Figure) -> str:
    FigureCanvasAgg(fig)  # attach a canvas; savefig then picks the SVG backend by format
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.find("<svg") :]  # drop the XML prolog and doctype: it is inlined


def _grouped_bars(title: str, labels: list[str], series: dict[str, list[float]], ylabel: str, unit: float = 1.0):
    fig = Figure(figsize=(min(10.0, max(5.0, 2 + 0.5 * len(labels))), 3.4))
    ax = fig.add_subplot()
    x = np.arange(len(labels))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, label=name)
    ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel, fontsize=9)
    if unit:
        ax.set_ylim(0, unit)
    ax.grid(axis="y", alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(fig)


def _plots(suite: SuiteResult) -> list[str]:
    configs = suite.configs
    metric_names = [m for m in METRIC_ORDER if any(c.metrics.get(m) is not None for c in configs)]
    plots = [
        _grouped_bars(
            "Metrics per configuration",
            metric_names,
            {c.config.name: [c.metrics.get(m) or 0.0 for m in metric_names] for c in configs},
            "score",
        )
    ]
    for metric in ("contains", "hit@3"):
        # Unanswerable categories have no such metric: leave them out of the plot.
        categories = sorted(
            {cat for c in configs for cat, values in c.per_category.items() if values.get(metric) is not None}
        )
        if not categories:
            continue
        plots.append(
            _grouped_bars(
                f"{metric} per category",
                categories,
                {c.config.name: [(c.per_category.get(cat, {}).get(metric) or 0.0) for cat in categories] for c in configs},
                metric,
            )
        )
    stages = [s for s in LATENCY_STAGES if any(s in c.latency_ms for c in configs)]
    if stages:
        labels = [f"{s} {q}" for s in stages for q in ("p50", "p95")]
        series = {
            c.config.name: [(c.latency_ms.get(s, {}).get(q) or 0.0) for s in stages for q in ("p50", "p95")]
            for c in configs
        }
        plots.append(_grouped_bars("Latency per stage", labels, series, "ms", unit=0.0))
    return plots


def _summary(suite: SuiteResult) -> str:
    head = "".join(f"<th>{escape(c.config.name)}</th>" for c in suite.configs)
    rows = []
    for metric in METRIC_ORDER:
        values = [c.metrics.get(metric) for c in suite.configs]
        if all(v is None for v in values):
            continue
        best = best_value(values)
        cells = "".join(f'<td class="num{" best" if v == best else ""}">{format_value(v)}</td>' for v in values)
        rows.append(f"<tr><td>{escape(metric)}</td>{cells}</tr>")
    for stage in LATENCY_STAGES:
        for q in ("p50", "p95"):
            ms = [c.latency_ms.get(stage, {}).get(q) for c in suite.configs]
            if any(v is not None for v in ms):
                cells = "".join(f'<td class="num">{"—" if v is None else f"{v:.0f} ms"}</td>' for v in ms)
                rows.append(f'<tr class="muted"><td>latency {stage} {q}</td>{cells}</tr>')
    passed = "".join(f'<td class="num">{sum(x.passed for x in c.cases)}/{len(c.cases)}</td>' for c in suite.configs)
    rows.append(f"<tr><td>cases passed</td>{passed}</tr>")
    return f"<table><tr><th>metric</th>{head}</tr>{''.join(rows)}</table>"


def _categories(suite: SuiteResult) -> str:
    parts = []
    for c in suite.configs:
        head = "".join(f"<th>{escape(m)}</th>" for m in CATEGORY_METRICS)
        rows = "".join(
            f"<tr><td>{escape(cat)}</td><td class='num'>{int(v.get('n') or 0)}</td>"
            + "".join(f'<td class="num">{format_value(v.get(m))}</td>' for m in CATEGORY_METRICS)
            + "</tr>"
            for cat, v in c.per_category.items()
        )
        parts.append(
            f"<h3>Per category — {escape(c.config.name)}</h3>"
            f"<table><tr><th>category</th><th>n</th>{head}</tr>{rows}</table>"
        )
    return "".join(parts)


def _case(case: CaseResult) -> str:
    earlier = "".join(f"<div class='muted'>earlier turn: {escape(t)}</div>" for t in case.turns[:-1])
    rewritten = (
        f"<div class='muted'>rewritten: {escape(case.rewritten_question)}</div>"
        if case.rewritten_question != case.question
        else ""
    )
    expected = " | ".join(case.expected) if case.answerable else "(a refusal)"
    got = ("(refused) " if case.refused else "") + (case.answer_text or case.error or "")
    cites = "".join(
        f"<div class='cite'>[{c.n}] {'✓' if c.matches_gold else '✗'} {escape(c.article_id)}: {escape(c.quote)}</div>"
        for c in case.citations
    )
    gold = "".join(f"<div class='muted'>gold: {escape(e)}</div>" for e in case.evidence[:2])
    return (
        f"<div class='case'><div><b>{escape(case.case_id)}</b> [{escape(case.category)}] "
        f"<span class='why'>{escape('; '.join(case.reasons))}</span></div>{earlier}"
        f"<div>question: {escape(case.question)}</div>{rewritten}"
        f"<div class='exp'>expected: {escape(expected)}</div>"
        f"<div class='got'>got: {escape(got)}</div>{cites}{gold}</div>"
    )


def _suite_section(suite: SuiteResult) -> str:
    failures = "".join(
        f"<h3>Failed cases — {escape(c.config.name)} ({len(c.failures)}/{len(c.cases)})</h3>"
        + ("".join(_case(x) for x in c.failures) or "<p>Every case passed.</p>")
        for c in suite.configs
    )
    plots = "".join(f"<div>{svg}</div>" for svg in _plots(suite))
    return (
        f"<h2>{escape(suite.name)} ({escape(suite.split)} split)</h2>"
        f"<p class='muted'>{suite.n_cases} cases, {suite.n_articles} articles</p>"
        f"{_summary(suite)}<div class='plots'>{plots}</div>{_categories(suite)}{failures}"
    )


def render_html(report: EvalReport) -> str:
    """The whole report as one HTML document."""
    body = "".join(_suite_section(s) for s in report.suites)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Evaluation report</title><style>{_CSS}</style></head><body>"
        f"<h1>Evaluation report</h1><p class='muted'>{escape(report.created)} · split {escape(report.split)}</p>"
        f"{body}</body></html>\n"
    )
