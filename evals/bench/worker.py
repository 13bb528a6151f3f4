"""Running measurements in fresh processes: the worker entry, its environment, and the cold ``assistant ask``."""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .measure import _work_ask, _work_ingest
from .naive import _work_naive

_WORKERS: dict[str, Callable[[dict], dict]] = {"ingest": _work_ingest, "ask": _work_ask, "naive": _work_naive}


def _run_worker(task: str, spec: dict, workdir: Path, *, quiet: bool = False) -> dict:
    """Run one job in a fresh interpreter and return what it wrote."""
    spec = {**spec, "task": task, "out": str(workdir / f"{task}-{time.monotonic_ns()}.json")}
    spec_path = Path(spec["out"]).with_suffix(".spec.json")
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    cmd = [sys.executable, "-m", "evals.bench", "worker", str(spec_path)]
    proc = subprocess.run(cmd, env=_child_env(), capture_output=quiet, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or "").strip().splitlines()[-5:] if quiet else []
        raise RuntimeError(f"bench worker {task!r} failed (exit {proc.returncode})" + "".join(f"\n  {t}" for t in tail))
    return json.loads(Path(spec["out"]).read_text(encoding="utf-8"))


def _child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    # The worktree's code, not an installed copy, must run in the children.
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def _cold_ask(
    home: Path, seeds: Path, question: str, *, runs: int, reader: str | None
) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``python -m assistant ask`` in a new process, ``runs`` times."""
    extra = {"ASSISTANT_HOME": str(home), "ASSISTANT_SEEDS": str(seeds)}
    if reader is not None:
        extra["ASSISTANT_READER"] = reader
    env = _child_env(**extra)
    cmd = [sys.executable, "-m", "assistant", "--quiet", "ask", question]
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        wall.append(round(time.perf_counter() - t0, 2))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2))
        if proc.returncode != 0:
            raise RuntimeError(f"cold `assistant ask` failed (exit {proc.returncode}): {proc.stderr.strip()[-300:]}")
    return wall, cpu


def worker_main(spec_path: Path) -> int:
    """Entry of a worker process: run the job in the spec, write its JSON result."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("bm25s", "chromadb", "httpx", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    result = _WORKERS[spec["task"]](spec)
    Path(spec["out"]).write_text(json.dumps(result), encoding="utf-8")
    return 0
