"""Evaluation of the news assistant: suites, metrics, runner, reports, thresholds.

    from evals import run_evals, check_thresholds, print_report
    report = run_evals(["seeds"], split="test", compare=True)
    print_report(report, rich.console.Console())
    assert not check_thresholds(report, "seeds")

``evals.metrics`` holds the metric functions (pure and dspy-style).
"""

from __future__ import annotations

from . import metrics
from .command import check_thresholds, main_eval, record_thresholds
from .dataset import Case, Dataset, Evidence, SuiteError, load_suite
from .report import print_report, write_html, write_json
from .runner import (
    COMPARE_CONFIGS,
    DEFAULT_CONFIG,
    LLM_CONFIG,
    READER_OFF_CONFIG,
    CaseResult,
    ConfigResult,
    EvalConfig,
    EvalReport,
    SuiteResult,
    run_evals,
)

__all__ = [
    "run_evals",
    "EvalReport",
    "SuiteResult",
    "ConfigResult",
    "CaseResult",
    "EvalConfig",
    "DEFAULT_CONFIG",
    "COMPARE_CONFIGS",
    "READER_OFF_CONFIG",
    "LLM_CONFIG",
    "load_suite",
    "Case",
    "Dataset",
    "Evidence",
    "SuiteError",
    "check_thresholds",
    "record_thresholds",
    "print_report",
    "write_json",
    "write_html",
    "main_eval",
    "metrics",
]
