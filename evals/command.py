"""Quality thresholds and the function behind ``assistant eval``.

Thresholds are checked against the results of the pipeline they were
recorded for (the file names it; older files mean the default pipeline). They are
recorded from a measured run minus a margin, so ordinary noise does not fail
the gate but a real regression does.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from rich.console import Console

from .dataset import read_thresholds, thresholds_path_for
from .report import DEFAULT_HTML_PATH, DEFAULT_JSON_PATH, print_report, write_html, write_json
from .runner import METRIC_ORDER, EvalReport, SuiteResult, run_evals

__all__ = ["check_thresholds", "record_thresholds", "main_eval", "DEFAULT_SUITES"]

logger = logging.getLogger(__name__)

DEFAULT_SUITES = ("seeds",)
LOWER_IS_BETTER = frozenset({"unsupported_rate"})


def _suite(report: EvalReport, suite: str | SuiteResult) -> SuiteResult:
    return suite if isinstance(suite, SuiteResult) else report.suite(suite)


def check_thresholds(report: EvalReport, suite: str | SuiteResult, *, config: str | None = None) -> list[str]:
    """Failure messages for the suite's metrics below their recorded thresholds.

    Each reads like ``seeds (test split): hit@3 = 0.000 is below its threshold
    0.878``. No thresholds file, or thresholds recorded on another split than
    the report's, means nothing to check (logged). ``config`` names another
    pipeline's thresholds file (``thresholds_path_for``) than the gate's own.
    """
    result = _suite(report, suite)
    thresholds, recorded_split = read_thresholds(Path(result.path), config)
    if not thresholds:
        logger.warning("suite %s has no thresholds file; nothing to check", result.name)
        return []
    if recorded_split and recorded_split != result.split:
        logger.warning(
            "suite %s: thresholds are for the %s split, this run is %s; not checked",
            result.name, recorded_split, result.split,
        )  # fmt: skip
        return []
    config = _recorded_config(Path(result.path), config)
    if config and config not in {c.config.name for c in result.configs}:
        logger.warning("suite %s: thresholds are for the %r pipeline, which this run did not include", result.name, config)
        return []
    measured = result.config(config).metrics
    failures = []
    for metric, threshold in thresholds.items():
        value = measured.get(metric)
        prefix = f"{result.name} ({result.split} split): {metric}"
        if value is None:
            failures.append(f"{prefix} was not measured (threshold {threshold:.3f})")
        elif value < threshold:
            failures.append(f"{prefix} = {value:.3f} is below its threshold {threshold:.3f}")
    return failures


def _recorded_config(jsonl_path: Path, config: str | None = None) -> str | None:
    """The pipeline the thresholds were recorded for (older files: the default)."""
    path = thresholds_path_for(jsonl_path, config)
    return json.loads(path.read_text(encoding="utf-8")).get("config") if path.is_file() else None


def record_thresholds(
    report: EvalReport, suite: str | SuiteResult, margin: float = 0.02, *, config: str | None = None
) -> Path:
    """Write measured − margin (rounded down to 3 decimals) for the default pipeline.

    Metrics that were not measured, or would get a threshold of 0 or less,
    are left out: they could never fail. Returns the thresholds file path.
    """
    result = _suite(report, suite)
    measured = result.config(config).metrics
    thresholds = {}
    for metric in METRIC_ORDER:
        value = measured.get(metric)
        if value is None or metric in LOWER_IS_BETTER:  # a floor on these would reward regressions
            continue
        # The epsilon keeps float noise (0.88 stored as 0.87999...) from
        # costing a whole thousandth.
        floored = math.floor((value - margin) * 1000 + 1e-6) / 1000
        if floored > 0:
            thresholds[metric] = floored
    path = thresholds_path_for(Path(result.path), config)
    payload = {
        "split": result.split, "config": result.config(config).config.name, "recorded": date.today().isoformat(),
        "thresholds": thresholds,
    }  # fmt: skip
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    logger.info("recorded %d thresholds for %s in %s", len(thresholds), result.name, path)
    return path


def main_eval(
    suites: Sequence[str] = (),
    *,
    split: str = "test",
    json_path: Path | str | None = None,
    html_path: Path | str | None = None,
    compare: bool = False,
    record: bool = False,
    size: int | None = None,
    console: Console | None = None,
) -> int:
    """Run, print, write the JSON and HTML reports, then check (or record) thresholds.

    Names in ``evals.retrieval.RETRIEVAL_SUITES`` (``bbc``) run as retrieval
    suites instead: ``size`` articles (default ``DEFAULT_SIZE``; 0 = all),
    every retriever side by side, the report written beside the JSON report
    as ``<name>.json``, and a failure when the default pipeline does not
    beat the best single retriever on hit@1.

    Returns the exit code: 1 when a threshold or check fails, else 0.
    """
    from .retrieval import DEFAULT_SIZE, RETRIEVAL_SUITES

    console = console or Console()
    names = list(suites) or list(DEFAULT_SUITES)
    retrieval = [n for n in names if n in RETRIEVAL_SUITES]
    qa = [n for n in names if n not in RETRIEVAL_SUITES]
    json_out_path = Path(json_path) if json_path else DEFAULT_JSON_PATH
    failures: list[str] = []
    if qa:
        failures += _main_qa(qa, split=split, json_path=json_out_path, html_path=html_path, compare=compare,
                             record=record, console=console)  # fmt: skip
    for name in retrieval:
        failures += _main_retrieval(
            name, size=DEFAULT_SIZE if size is None else size, json_path=json_out_path.with_name(f"{name}.json"),
            console=console,
        )  # fmt: skip
    for message in failures:
        console.print(f"[red]FAIL[/] {message}", highlight=False)
    if not failures and not record:
        console.print("[green]no threshold failed[/] (suites without thresholds for this split are not checked)")
    return 1 if failures else 0


def _main_qa(
    suites: list[str], *, split: str, json_path: Path, html_path: Path | str | None, compare: bool, record: bool,
    console: Console,
) -> list[str]:
    report = run_evals(suites, split=split, compare=compare)  # type: ignore[arg-type]
    print_report(report, console)
    json_out = write_json(report, json_path)
    html_out = write_html(report, Path(html_path) if html_path else DEFAULT_HTML_PATH)
    console.print(f"reports: {json_out}  {html_out}")
    if record:
        for suite in report.suites:
            if suite.split != "test":
                console.print(f"[yellow]note:[/] recording {suite.name} thresholds from the {suite.split} split")
            console.print(f"recorded thresholds: {record_thresholds(report, suite)}")
        return []
    return [msg for suite in report.suites for msg in check_thresholds(report, suite)]


def _main_retrieval(name: str, *, size: int, json_path: Path, console: Console) -> list[str]:
    from .retrieval import check_retrieval, print_retrieval, run_retrieval, write_retrieval_json

    report = run_retrieval(name, size=size)
    print_retrieval(report, console)
    console.print(f"report: {write_retrieval_json(report, json_path)}")
    return check_retrieval(report)
