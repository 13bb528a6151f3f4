"""``assistant bench --soak SECONDS``: the real server answering while articles come and go.

``askers`` threads hold conversations with the server (``app.SCRIPTS``),
every third one a question about the newest article the churn loop added.
The churn loop, in this process through the ``Assistant`` API as a second
writer would be, ingests a batch of new articles, then removes the oldest
batch, until time is up. Every citation is checked at the end against the
text its article had when stored (ids are never reused, so a removed
article's text still judges the answers given while it was there); then
``Assistant.check()`` must find the store consistent.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .app import SCRIPTS, Turn, ask, bad_citations, client, read_by_model, served, stored_texts
from .figures import SoakFigures, latency, soak_checks

logger = logging.getLogger(__name__)
BATCH = 5  # articles per ingest
# A batch is removed once it is this old (at most a quarter of the soak): long enough that a question
# about it, queued behind the others with the reader on (10-20 s on 2 busy cores), finds it still there.
KEEP_S = 60.0
RSS_SAMPLES = 40  # the server's RSS is read this many times over the soak
CHURN_PAUSE_S = 1.0  # between churn steps, so the askers meet each state of the store
SAMPLES = 5
NEW_QUESTION = "How many books does the library in {town} hold?"


@dataclass
class _Shared:
    """What the threads share, always under ``lock``."""

    deadline: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    turns: list[Turn] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # every article ever stored, as stored
    newest_town: str | None = None
    ingest_calls: int = 0
    added: int = 0
    removed: int = 0
    churn_errors: list[str] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)  # sampled over the soak


def town_article(n: int) -> tuple[str, str, str]:
    """(id, town, text) of the ``n``-th churn article: a made-up town and a figure only it holds."""
    town = f"Brindlemoor{n:05d}"
    text = (
        f"{town} opens a new library\n\n"
        f"The town of {town} opened a new library on Monday, the mayor said. "
        f"The library in {town} holds {300 + n % 600} books and took three years to build. "
        f"Residents of {town} had asked for a library for a decade.\n"
    )
    return f"soak_{n:05d}", town, text


def _asker(url: str, shared: _Shared, n: int) -> None:
    chat = client(url)
    i = n
    while time.monotonic() < shared.deadline:
        i += 1
        with shared.lock:
            town = shared.newest_town
        script = (NEW_QUESTION.format(town=town),) if town and i % 3 == 0 else SCRIPTS[i % len(SCRIPTS)]
        history: list[dict] = []
        for message in script:
            turn = ask(chat, message, history)
            with shared.lock:
                shared.turns.append(turn)
            if turn.answer is None or time.monotonic() >= shared.deadline:
                break
            history.append(turn.answer)


def _sampler(server, shared: _Shared, every_s: float) -> None:
    while time.monotonic() < shared.deadline:
        shared.rss_mb.append(server.memory_mb())  # one writer: this thread; read after it ends
        time.sleep(every_s)


def _churn(assistant, folder: Path, shared: _Shared, keep_s: float) -> None:
    batches: list[tuple[float, list[str]]] = []
    n = 0
    while time.monotonic() < shared.deadline:
        batch = folder / f"batch_{n:05d}"
        batch.mkdir()
        ids, town = [], None
        for _ in range(BATCH):
            article_id, town, text = town_article(n)
            (batch / f"{article_id}.txt").write_text(text, encoding="utf-8")
            ids.append(article_id)
            n += 1
        try:
            report = assistant.ingest([batch])
            stored = stored_texts(assistant, report.added)
            with shared.lock:
                shared.ingest_calls += 1
                shared.added += len(report.added)
                shared.texts.update(stored)
                shared.newest_town = town
                shared.churn_errors += [f"rejected {r}" for r in report.rejected]
            batches.append((time.monotonic(), list(report.added)))
            while batches and time.monotonic() - batches[0][0] >= keep_s:
                for article_id in batches.pop(0)[1]:
                    assistant.remove(article_id)
                    with shared.lock:
                        shared.removed += 1
        except Exception as exc:  # counted and reported; the soak goes on
            with shared.lock:
                shared.churn_errors.append(f"{type(exc).__name__}: {exc}"[:300])
        time.sleep(CHURN_PAUSE_S)


def run_soak(
    *, seconds: float = 600.0, askers: int = 4, reader: str = "on", workdir: Path,
    log: Callable[[str], None] = logger.info,
) -> SoakFigures:  # fmt: skip
    """Serve a fresh store of the seeds; ask and churn for ``seconds``; check the store."""
    from assistant import Assistant, load_settings

    if seconds <= 0 or askers < 1:
        raise ValueError(f"the soak needs seconds > 0 and askers >= 1, not {seconds} and {askers}")
    home, folder = workdir / "soak-home", workdir / "soak-articles"
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    log(f"soak: starting the server (reader {reader}) over a fresh store of the seed articles")
    with served(home, reader=reader, logs=workdir / "soak-logs") as server:
        with Assistant(load_settings(home=home, reader="off")) as writer:
            texts = stored_texts(writer)
            for script in SCRIPTS:  # warm-up: the reader's first answers settle its memory
                warm = ask(client(server.url), script[0], [])
                if warm.error:  # a server that cannot answer one question at a time is not worth soaking
                    raise RuntimeError(f"the server failed a warm-up question: {warm.error}")
            rss_start = server.memory_mb()
            log(f"soak: {askers} askers and an ingest/remove loop for {seconds:.0f} s; server RSS {rss_start:.0f} MB")
            t0 = time.perf_counter()
            shared = _Shared(deadline=time.monotonic() + seconds, texts=texts)
            threads = [threading.Thread(target=_asker, args=(server.url, shared, n)) for n in range(askers)]
            threads.append(threading.Thread(target=_churn, args=(writer, folder, shared, min(KEEP_S, seconds / 4))))
            threads.append(threading.Thread(target=_sampler, args=(server, shared, seconds / RSS_SAMPLES)))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
            rss_end, rss_peak = server.memory_mb(), server.memory_mb("VmHWM")
            report = writer.check()
    answers = [t.answer for t in shared.turns if t.answer is not None]
    errors = [t.error for t in shared.turns if t.error]
    bad = [b for a in answers for b in bad_citations(a, shared.texts)]
    new_asked, new_cited = _about_new_articles(shared.turns)
    figures = SoakFigures(
        seconds=round(elapsed, 1), askers=askers, reader=reader, answered=len(answers), errors=len(errors),
        error_samples=errors[:SAMPLES], bad_citations=len(bad), bad_samples=bad[:SAMPLES],
        citations=sum(len(a.get("citations", ())) for a in answers), refused=sum(bool(a.get("refused")) for a in answers),
        read_by_model=sum(read_by_model(a) for a in answers),
        latency=latency([t.seconds * 1000 for t in shared.turns]), ingest_calls=shared.ingest_calls,
        articles_added=shared.added, articles_removed=shared.removed, churn_errors=len(shared.churn_errors),
        churn_samples=shared.churn_errors[:SAMPLES], new_asked=new_asked, new_cited=new_cited, rss_start_mb=rss_start, rss_samples_mb=shared.rss_mb,
        rss_settled_mb=shared.rss_mb[len(shared.rss_mb) // 4] if shared.rss_mb else rss_start, rss_peak_mb=rss_peak, rss_end_mb=rss_end,
        consistent=report.consistent, check_problems=list(report.problems)[:SAMPLES],
    )  # fmt: skip
    return replace(figures, checks=soak_checks(figures))


def _about_new_articles(turns: list[Turn]) -> tuple[int, int]:
    """(asked, answered citing the article asked about) for the questions about a newly added article."""
    prefix = NEW_QUESTION.split("{")[0]
    asked = [t for t in turns if t.message.startswith(prefix)]
    cited = 0
    for t in asked:
        town = t.message[len(prefix) :].split()[0]
        cited += t.answer is not None and any(town in c["quote"] for c in t.answer.get("citations", ()))
    return len(asked), cited
