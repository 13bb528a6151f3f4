"""A new process pays only for what it uses: list, show and --help load no model and no vector store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
HEAVY = (
    "torch", "sentence_transformers", "transformers", "chromadb", "llama_index", "llama_cpp", "bm25s", "gradio", "onnxruntime",
    "mcp",
)  # fmt: skip

# Runs the CLI in-process, then reports which heavy packages it imported.
_PROBE = """
import json, runpy, sys
watched = set(json.loads(sys.argv[2]))
sys.argv = ["assistant", *json.loads(sys.argv[1])]
try:
    runpy.run_module("assistant", run_name="__main__")
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & watched)
print("HEAVY=" + json.dumps(heavy), file=sys.stderr)
"""


def _probe(args: list[str], env: dict) -> tuple[subprocess.CompletedProcess, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args), json.dumps(HEAVY)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    line = next(x for x in done.stderr.splitlines() if x.startswith("HEAVY="))
    return done, json.loads(line.removeprefix("HEAVY="))


@pytest.fixture(scope="module")
def home_with_seeds(tmp_path_factory, embedder):
    from assistant import Assistant, load_settings

    home = tmp_path_factory.mktemp("startup") / "home"
    with Assistant(load_settings(home=home, reader="off"), embedder=embedder) as assistant:
        assistant.ingest([REPO / "seeds"])
        first = assistant.articles()[0].id
    return home, first


@pytest.mark.parametrize(
    "command", [["--help"], ["list"], ["list", "--json"], ["show", "FIRST"], ["ingest", "--help"], ["mcp", "--help"]]
)
def test_light_commands_import_no_model_and_no_store(home_with_seeds, command):
    home, first = home_with_seeds
    env = {**os.environ, "ASSISTANT_HOME": str(home)}
    env.pop("ASSISTANT_READER", None)  # the default, reader on, must not load its model either
    done, heavy = _probe([first if part == "FIRST" else part for part in command], env)
    assert heavy == [], f"{command} imported {heavy}"
    assert done.stdout.strip()  # and it did its job
