"""Fixtures for the UI tests.

``fake_assistant`` / ``fake_app_url`` drive the app in-process with hand-built
answers (fast, no model).  ``app_url`` starts the REAL app the way a user
does (``python -m assistant serve``) in a subprocess with its own
``ASSISTANT_HOME``, so the browser and client tests see what users see;
``real_llm_app`` is the same app answering with an LLM served by
llama-cpp-python (``llama_server``, in tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import pytest  # noqa: E402

from assistant import (  # noqa: E402
    Answer,
    Article,
    ArticleInfo,
    ArticleNotFoundError,
    CheckReport,
    Citation,
    IngestReport,
    Step,
    TextDelta,
    UserError,
    load_settings,
)
from tests.conftest import stop_process  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120.0  # first start loads the model and seeds the store
LLM_MAX_TOKENS = 96  # the LLM's answers: a few sentences, quick on two cores

SEIZED_QUESTION = "How many military posts did Azerbaijan say it seized?"
OFF_TOPIC_QUESTION = "What is the capital of Australia?"


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen | None, timeout: float) -> None:
    """Poll ``url`` until it answers; fail early if ``proc`` dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def _make_citation(n: int = 1, **overrides) -> Citation:
    fields = dict(
        n=n,
        article_id="a1",
        title="Azerbaijan claims control of Karabakh posts",
        outlet="Example News",
        published="2023-09-20",
        source="seeds/example.txt",
        quote="Azerbaijan said it had seized more than 60 military posts.",
        start=10,
        end=68,
        passage="... Azerbaijan said it had seized more than 60 military posts. ...",
        score=0.9,
    )
    fields.update(overrides)
    return Citation(**fields)


def _make_answer(question: str = SEIZED_QUESTION, **overrides) -> Answer:
    fields = dict(
        question=question,
        rewritten_question=question,
        text="Azerbaijan said it seized more than 60 military posts [1].",
        citations=(_make_citation(),),
        refused=False,
        answerer="extractive",
        notice=None,
        timings_ms={"total": 1.0},
    )
    fields.update(overrides)
    return Answer(**fields)


FAKE_TEXT = (
    "BAKU, AZ. Azerbaijan said it had seized more than 60 military posts. "
    "Officials gave no figure for casualties.\n\nA second paragraph <b>stays</b> *literal*."
)


class FakeAssistant:
    """Stands in for ``Assistant``: canned answers and one article, records every call.

    A question with "boom" fails underneath, one with "Australia" is refused,
    one with "slowly" pauses between its steps (so a browser can see them),
    one with "stream" is written in ``TextDelta`` pieces first.
    """

    modes = ("extractive",)

    def __init__(self, home: Path) -> None:
        self.settings = load_settings(home=home, reader="off", max_file_mb=1)
        self.calls: list[tuple[str, tuple]] = []
        self.options: list[dict] = []
        self.removed: list[str] = []
        self.drifted: tuple[str, ...] = ()  # what check reports; a test sets it
        self._articles = {"a1": Article(
            id="a1", title="Azerbaijan claims control of Karabakh posts", outlet="Example News", agencies=(),
            published="2023-09-20", source="seeds/example.txt", content_hash="x", text=FAKE_TEXT,
        )}  # fmt: skip

    def _answer(self, question: str) -> Answer:
        if "Australia" in question:
            return _make_answer(
                question,
                text="The articles don't answer this question.",
                citations=(),
                refused=True,
                notice="No article mentions Australia.",
            )
        return _make_answer(question)

    def ask(self, question: str, *, history=(), **options) -> Answer:
        self.calls.append((question, tuple(history)))
        self.options.append(options)
        if not question.strip():
            raise UserError("The question is empty.")
        if "boom" in question:
            raise RuntimeError("store exploded\nsecond line of detail")
        return self._answer(question)

    def ask_stream(self, question: str, *, history=(), **options):
        self.calls.append((question, tuple(history)))
        self.options.append(options)
        if not question.strip():
            raise UserError("The question is empty.")

        def events():
            yield Step("retrieve", "Searching the articles…")
            if "slowly" in question:
                time.sleep(2.5)
            yield Step("read", "Reading 3 passages…", 3)
            if "slowly" in question:
                time.sleep(2.5)
            if "boom" in question:
                raise RuntimeError("store exploded\nsecond line of detail")
            if "stream" in question:
                for piece in ("Azerbaijan said ", "it seized ", "posts [1]."):
                    yield TextDelta(piece)
            yield self._answer(question)

        return events()

    def check(self, *, repair: bool = False) -> CheckReport:
        """A store in agreement, unless a test set ``drifted`` to the problems it should report."""
        problems = self.drifted
        return CheckReport(consistent=not problems, problems=problems, repaired=(), remaining=problems, counts={})

    def articles(self) -> list[ArticleInfo]:
        fields = [f.name for f in dataclasses.fields(ArticleInfo)]
        return [ArticleInfo(**{f: getattr(a, f) for f in fields}) for a in self._articles.values()]

    def article(self, article_id: str) -> Article:
        if article_id not in self._articles:
            raise ArticleNotFoundError(article_id)
        return self._articles[article_id]

    def remove(self, article_id: str) -> None:
        self.article(article_id)
        self.removed.append(article_id)
        del self._articles[article_id]

    def ingest(self, paths, *, progress=None) -> IngestReport:
        added = []
        for path in map(Path, paths):
            text = path.read_text(encoding="utf-8")
            self._articles[path.stem] = Article(
                id=path.stem, title=text.splitlines()[0], outlet="Upload Outlet", agencies=(), published=None,
                source=str(path), content_hash="y", text=text,
            )  # fmt: skip
            added.append(path.stem)
        return IngestReport(added=tuple(added))


# Helpers are handed out as fixtures, not imported: tests/ui is not a package
# (an __init__.py here would make pytest put tests/ on sys.path, where the
# test folders named like the real packages would shadow them).
@pytest.fixture
def make_citation():
    """Factory of ``Citation``s with sensible defaults; keywords override."""
    return _make_citation


@pytest.fixture
def make_answer():
    """Factory of ``Answer``s (one citation by default); keywords override."""
    return _make_answer


@pytest.fixture
def seized_question() -> str:
    return SEIZED_QUESTION


@pytest.fixture
def off_topic_question() -> str:
    return OFF_TOPIC_QUESTION


@pytest.fixture
def fake_assistant(tmp_path) -> FakeAssistant:
    """A fresh ``FakeAssistant`` with its own home."""
    return FakeAssistant(tmp_path / "fake_home")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Screenshots and other test artifacts: ``.artifacts/ui`` (git-ignored), or ASSISTANT_TEST_ARTIFACTS."""
    path = Path(os.environ.get("ASSISTANT_TEST_ARTIFACTS", REPO_ROOT / ".artifacts" / "ui"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def fake_app(tmp_path_factory) -> Iterator[tuple[str, FakeAssistant]]:
    """The app over a ``FakeAssistant``, launched in this process."""
    from ui.app import build_app, launch_options
    from ui.server import configure_queue

    fake = FakeAssistant(tmp_path_factory.mktemp("fake_home"))
    app = build_app(fake)
    configure_queue(app)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, **launch_options(fake))
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, None, 30)
        yield url, fake
    finally:
        app.close()


def _server_command(port: int) -> list[str]:
    return [sys.executable, "-m", "assistant", "serve", "--port", str(port)]


@dataclasses.dataclass(frozen=True)
class RealApp:
    url: str
    home: Path
    pid: int = 0  # the server process, e.g. to read its memory from /proc/<pid>/status


@contextlib.contextmanager
def _started_app(
    tmp_path_factory: pytest.TempPathFactory, home: Path | None = None, **settings: str
) -> Iterator[RealApp]:
    """``python -m assistant serve`` on a free port, over its own empty home (or ``home``), reader off.

    It indexes the seeds into that home at start, as ``make run`` does;
    ``settings`` are more ``ASSISTANT_*`` variables (``LLM="ollama"`` sets
    ``ASSISTANT_LLM``).
    """
    home = home or tmp_path_factory.mktemp("assistant_home")
    logs = tmp_path_factory.mktemp("server_logs")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_HOME=str(home), ASSISTANT_READER="off", GRADIO_ANALYTICS_ENABLED="False")
    env.update({f"ASSISTANT_{name}": value for name, value in settings.items()})
    # Output goes to files, not pipes: a chatty server could fill a pipe
    # nobody reads and hang.
    out = open(logs / "stdout.log", "wb")  # noqa: SIM115
    err = open(logs / "stderr.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(_server_command(port), cwd=REPO_ROOT, env=env, stdout=out, stderr=err)
    url = f"http://127.0.0.1:{port}/"
    try:
        try:
            wait_for_http(url, proc, START_TIMEOUT_S)
        except (TimeoutError, RuntimeError) as exc:
            err.flush()
            stderr = (logs / "stderr.log").read_text(errors="replace")[-4000:]
            pytest.fail(f"the app did not start: {exc}\n--- server stderr ---\n{stderr}")
        yield RealApp(url, home, proc.pid)
    finally:
        stop_process(proc)
        out.close()
        err.close()


@pytest.fixture(scope="session")
def real_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealApp]:
    """The real app (extractive answers), one per session."""
    with _started_app(tmp_path_factory) as app:
        yield app


@pytest.fixture
def start_real_app(tmp_path_factory: pytest.TempPathFactory):
    """A private real app for one test: ``with start_real_app(home=..., READER="off") as app:``."""

    def start(home: Path | None = None, **settings: str):
        return _started_app(tmp_path_factory, home, **settings)

    return start


@pytest.fixture(scope="session")
def real_llm_app(tmp_path_factory: pytest.TempPathFactory, llama_server: str) -> Iterator[RealApp]:
    """The real app answering with the LLM behind ``llama_server`` (the session's llama-cpp server)."""
    with _started_app(
        tmp_path_factory, ANSWERER="llm", LLM="openai-compatible", LLM_BASE_URL=llama_server,
        LLM_MAX_TOKENS=str(LLM_MAX_TOKENS), LLM_TIMEOUT_S="240",
    ) as app:  # fmt: skip
        yield app


@pytest.fixture(scope="session")
def real_reader_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealApp]:
    """The real app with the reader on, judging with the small packaged model (quick; no judge, but real)."""
    from assistant import load_settings
    from assistant.reading.model_files import SMALL_MODEL, locate_gguf

    model = locate_gguf(SMALL_MODEL, cache_dir=load_settings().model_cache)
    with _started_app(tmp_path_factory, READER="on", READER_MODEL=str(model)) as app:
        yield app


@pytest.fixture(scope="session")
def app_url(real_app: RealApp) -> str:
    """URL of the real app."""
    return real_app.url


# -- the browser ----------------------------------------------------------------
CHROMIUM = Path(os.environ.get("ASSISTANT_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Debian's chromium driven by Playwright (its own download needs the network); one per session."""
    if not CHROMIUM.exists():
        pytest.skip(f"no chromium at {CHROMIUM}: apt-get install chromium, or set ASSISTANT_TEST_CHROMIUM")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A fresh browser session (its own chat memory), with page errors collected in ``page.errors``."""
    context = browser.new_context(viewport={"width": 1300, "height": 1000}, accept_downloads=True)
    p = context.new_page()
    p.errors = []
    p.on("pageerror", lambda exc: p.errors.append(str(exc)))
    try:
        yield p
    finally:
        context.close()


class Chat:
    """What a user does in the page: ask, wait for answers, open tabs."""

    def __init__(self, page, timeout_ms: int):
        self.page = page
        self.timeout_ms = timeout_ms

    def ask(self, question: str, *, enter: bool = False) -> None:
        box = self.page.locator("#question textarea")
        box.fill(question)
        if enter:
            box.press("Enter")
        else:
            self.page.locator("#submit").click()

    def answers(self):
        """The finished answers (and errors) in the chat, in order; steps and drafts excluded."""
        return self.page.locator("#chat .answer:not(.answer-working)")

    def ask_and_wait(self, question: str):
        """Ask, wait for this question's answer, and return its locator."""
        before = self.answers().count()
        self.ask(question)
        answer = self.answers().nth(before)
        answer.wait_for(timeout=self.timeout_ms)
        return answer

    def tab(self, name: str) -> None:
        self.page.locator(f"#tab-{name}-button").click()


@pytest.fixture
def chat(page):
    return Chat(page, ANSWER_TIMEOUT_MS)


ANSWER_TIMEOUT_MS = 90_000  # the first question to the real app may load what warm-up left
