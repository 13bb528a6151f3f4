"""The bench's serving phases, ``--load`` and ``--soak``, added to a report."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .figures import BenchReport
from .load import run_load
from .soak import run_soak


@dataclass(frozen=True)
class LoadOptions:
    conversations: int = 50
    turns: int = 3
    rounds: int = 3
    reader: str = "on"


@dataclass(frozen=True)
class SoakOptions:
    seconds: float = 600.0
    askers: int = 4
    reader: str = "on"


def run_serving(
    report: BenchReport,
    *,
    load: LoadOptions | None,
    soak: SoakOptions | None,
    workdir: Path | None,
    log: Callable[[str], None],
) -> BenchReport:
    """Run the load, then the soak (each over its own fresh store), and add their figures to ``report``."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as tmp:
        root = Path(workdir) if workdir is not None else Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        load_figures = soak_figures = None
        if load is not None:
            load_figures = run_load(
                conversations=load.conversations, turns=load.turns, rounds=load.rounds, reader=load.reader,
                workdir=root, log=log,
            )  # fmt: skip
        if soak is not None:
            soak_figures = run_soak(seconds=soak.seconds, askers=soak.askers, reader=soak.reader, workdir=root, log=log)
    machine = {**report.machine, "load_average_end": [round(x, 2) for x in os.getloadavg()]}
    return replace(
        report, load=load_figures, soak=soak_figures, machine=machine,
        seconds=round(report.seconds + time.perf_counter() - t0, 1),
    )  # fmt: skip
