"""Shared fixtures: every test gets its own ASSISTANT_HOME; one seeded store per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """No test may touch the user's data folder."""
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    for name in list(os.environ):
        if name.startswith("ASSISTANT_") and name != "ASSISTANT_HOME":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def embedder():
    from vectorstore.embedding import MiniLMEmbedder

    model = MiniLMEmbedder()
    model.warm_up()
    return model


@pytest.fixture(scope="session")
def seeded_home(tmp_path_factory, embedder) -> Path:
    """A store with the two seed articles, built once; copy it before writing."""
    from assistant import Assistant, load_settings

    home = tmp_path_factory.mktemp("seeded") / "home"
    with Assistant(load_settings(home=home), embedder=embedder) as assistant:
        assistant.ingest([SEEDS])
    return home


@pytest.fixture(scope="session")
def seeded(seeded_home, embedder):
    """A read-only Assistant over the seeds."""
    from assistant import Assistant, load_settings

    with Assistant(load_settings(home=seeded_home), embedder=embedder) as assistant:
        yield assistant


@pytest.fixture
def writable_seeded(seeded_home, tmp_path, embedder):
    """An Assistant over a private copy of the seeded store, free to change."""
    from assistant import Assistant, load_settings

    home = tmp_path / "copy"
    shutil.copytree(seeded_home, home)
    with Assistant(load_settings(home=home), embedder=embedder) as assistant:
        yield assistant
