"""Showing the serving phases (``--load``, ``--soak``): rows for the console and the README, and reading them back."""

from __future__ import annotations

from typing import Any

from .figures import Check, Latency, LoadFigures, SoakFigures


def _s(x: Latency) -> str:
    if x.p50_ms is None:
        return "—"
    return f"{x.p50_ms / 1000:.2f} / {x.p95_ms / 1000:.2f} (mean {x.mean_ms / 1000:.2f}, {x.n} turns)"


def _target(checks: list[Check], name: str) -> str:
    for c in checks:
        if c.name == name:
            return c.target
    return ""


def _check_value(checks: list[Check], name: str) -> str:
    for c in checks:
        if c.name == name and c.value is not None:
            return f"{c.value:g}"
    return "—"


def load_rows(load: LoadFigures) -> list[tuple[str, str, str]]:
    """(figure, value, target) for ``--load``."""
    t = load.checks
    return [
        ("conversations at once x turns x rounds", f"{load.conversations} x {load.turns} x {load.rounds}", ""),
        ("reader", f"{load.reader} ({load.read_by_model} of {load.answers} answers read by the model)", ""),
        ("answers (refused)", f"{load.answers} ({load.refused})", ""),
        ("errors", str(load.errors), _target(t, "load_errors")),
        ("citations checked / not exact", f"{load.citations} / {load.bad_citations}", _target(t, "load_bad_citations")),
        ("follow-ups read with their conversation", "—" if load.followups_rewritten is None
         else f"{load.followups_rewritten:.0%}", ""),
        ("latency per turn p50 / p95 s", _s(load.latency), ""),
        ("seconds per round", ", ".join(f"{s:.0f}" for s in load.round_seconds), ""),
        ("answers per second (all rounds)", f"{load.answers / sum(load.round_seconds):.2f}"
         if sum(load.round_seconds) else "—", ""),
        ("server RSS after each round MB", ", ".join(f"{r:.0f}" for r in load.rss_after_rounds_mb), ""),
        ("server RSS growth, last round / first", "—" if load.rss_growth is None else f"{load.rss_growth:.3f}",
         _target(t, "load_rss_growth")),
        ("server peak RSS (VmHWM) MB", f"{load.peak_rss_mb:.0f}", ""),
    ]  # fmt: skip


def soak_rows(soak: SoakFigures) -> list[tuple[str, str, str]]:
    """(figure, value, target) for ``--soak``."""
    t = soak.checks
    return [
        ("seconds, asking threads", f"{soak.seconds:.0f}, {soak.askers}", ""),
        ("reader", f"{soak.reader} ({soak.read_by_model} of {soak.answered} answers read by the model)", ""),
        ("questions answered (refused)", f"{soak.answered} ({soak.refused})", ""),
        ("errors asking / ingesting or removing", f"{soak.errors} / {soak.churn_errors}", _target(t, "soak_errors")),
        ("citations checked / not exact", f"{soak.citations} / {soak.bad_citations}", _target(t, "soak_bad_citations")),
        ("latency per question p50 / p95 s", _s(soak.latency), ""),
        ("ingests (articles added) / articles removed",
         f"{soak.ingest_calls} ({soak.articles_added}) / {soak.articles_removed}", ""),
        ("questions about the newest added article: asked / answered citing it", f"{soak.new_asked} / {soak.new_cited}",
         ""),
        ("server RSS after warm-up / a quarter in / peak / end MB",
         f"{soak.rss_start_mb:.0f} / {soak.rss_settled_mb:.0f} / {soak.rss_peak_mb:.0f} / {soak.rss_end_mb:.0f} "
         f"(end / a quarter in {_check_value(t, 'soak_rss_growth')})",
         _target(t, "soak_rss_growth")),
        ("server RSS over the soak MB (every 1/40)", ", ".join(f"{r:.0f}" for r in soak.rss_samples_mb), ""),
        ("`check` at the end", "consistent" if soak.consistent else f"NOT consistent: {'; '.join(soak.check_problems)}",
         _target(t, "soak_consistent")),
    ]  # fmt: skip


def serving_sections(report: Any) -> list[tuple[str, list[tuple[str, str, str]], list[Check], list[str]]]:
    """(title, rows, checks, samples of what went wrong) for each serving phase the report holds."""
    sections = []
    if report.load is not None:
        load = report.load
        sections.append(("load (`--load`)", load_rows(load), load.checks, load.error_samples + load.bad_samples))
    if report.soak is not None:
        soak = report.soak
        samples = soak.error_samples + soak.churn_samples + soak.bad_samples
        sections.append(("soak (`--soak`)", soak_rows(soak), soak.checks, samples))
    return sections


def serving_markdown(report: Any) -> list[str]:
    lines = []
    for title, rows, _, samples in serving_sections(report):
        lines += ["", f"| {title} | measured | target |", "|---|---:|---|"]
        lines += [f"| {name} | {value} | {target} |" for name, value, target in rows]
        lines += [f"- {s}" for s in samples]
    return lines


def verdicts(checks: list[Check]) -> list[str]:
    return [f"{c.name} = {c.value:g} {'meets' if c.met else 'misses'} {c.target}" for c in checks if c.met is not None]


def serving_from_dict(data: dict) -> dict[str, Any]:
    """The ``load`` and ``soak`` entries of a bench JSON as figures (None where the run had none)."""

    def build(cls: type, d: dict | None) -> Any:
        if not d:
            return None
        return cls(**{**d, "latency": Latency(**d["latency"]), "checks": [Check(**c) for c in d.get("checks", [])]})

    return {"load": build(LoadFigures, data.get("load")), "soak": build(SoakFigures, data.get("soak"))}
