"""``assistant bench --load``: many conversations at once through the real server, round after round.

Each round starts ``conversations`` conversations together, one
``gradio_client.Client`` each in its own thread, each a question and its
follow-ups about the seed articles (``app.SCRIPTS``). The figures are every
turn's latency as its client waits for it (queueing included), the errors,
every citation checked against its stored article, and the server's RSS
after each round: a server that keeps something per conversation grows
round after round.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from .app import SCRIPTS, Turn, bad_citations, conversation, read_by_model, served, stored_texts
from .figures import LoadFigures, latency, load_checks

logger = logging.getLogger(__name__)
SAMPLES = 5  # errors and bad citations quoted in the report; all are counted


def scripts_for(conversations: int, turns: int) -> list[tuple[str, ...]]:
    """``conversations`` scripts of ``turns`` messages, cycling through ``SCRIPTS``."""
    if not 1 <= turns <= len(SCRIPTS[0]):
        raise ValueError(f"turns must be 1 to {len(SCRIPTS[0])}, not {turns}")
    if conversations < 1:
        raise ValueError(f"conversations must be 1 or more, not {conversations}")
    return [SCRIPTS[i % len(SCRIPTS)][:turns] for i in range(conversations)]


def load_figures(
    conversations: Sequence[Sequence[Turn]],
    texts: dict[str, str],
    *,
    turns: int,
    rounds: int,
    reader: str,
    round_seconds: Sequence[float],
    rss_after_rounds_mb: Sequence[float],
    peak_rss_mb: float,
) -> LoadFigures:
    """Gather every round's conversations into the figures and judge them against the targets."""
    done = [t for c in conversations for t in c]
    answers = [t.answer for t in done if t.answer is not None]
    errors = [t.error for t in done if t.error]
    # A conversation cut short by an error also lost the turns after it: those are errors too.
    lost = sum(turns - len(c) for c in conversations)
    bad = [b for a in answers for b in bad_citations(a, texts)]
    followups = [t for c in conversations for t in c[1:] if t.answer is not None]
    rewritten = sum(t.answer.get("rewritten_question") != t.message for t in followups)
    first, last = (rss_after_rounds_mb[0], rss_after_rounds_mb[-1]) if rss_after_rounds_mb else (None, None)
    figures = LoadFigures(
        conversations=len(conversations) // max(rounds, 1), turns=turns, rounds=rounds, reader=reader,
        answers=len(answers), errors=len(errors) + lost, error_samples=errors[:SAMPLES],
        bad_citations=len(bad), bad_samples=bad[:SAMPLES], citations=sum(len(a.get("citations", ())) for a in answers),
        refused=sum(bool(a.get("refused")) for a in answers),
        read_by_model=sum(read_by_model(a) for a in answers),
        followups_rewritten=round(rewritten / len(followups), 3) if followups else None,
        latency=latency([t.seconds * 1000 for t in done]), round_seconds=[round(s, 1) for s in round_seconds],
        rss_after_rounds_mb=list(rss_after_rounds_mb), peak_rss_mb=peak_rss_mb,
        rss_growth=round(last / first, 3) if first else None,
    )  # fmt: skip
    return replace(figures, checks=load_checks(figures))


def run_load(
    *,
    conversations: int = 50,
    turns: int = 3,
    rounds: int = 3,
    reader: str = "on",
    workdir: Path,
    log: Callable[[str], None] = logger.info,
) -> LoadFigures:
    """Serve a fresh store of the seed articles and run ``rounds`` rounds of concurrent conversations."""
    from assistant import Assistant, load_settings

    scripts = scripts_for(conversations, turns)
    home = workdir / "load-home"
    shutil.rmtree(home, ignore_errors=True)  # a kept workdir: start from the seeds again
    log(f"load: starting the server (reader {reader}) over a fresh store of the seed articles")
    with served(home, reader=reader, logs=workdir / "load-logs") as server:
        with Assistant(load_settings(home=home, reader="off")) as reading:
            texts = stored_texts(reading)
        done: list[list[Turn]] = []
        round_seconds, rss = [], []
        for n in range(1, rounds + 1):
            log(f"load: round {n}/{rounds}, {conversations} conversations x {turns} turns at once")
            t0 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=conversations) as pool:
                done += pool.map(lambda script: conversation(server.url, script), scripts)
            round_seconds.append(time.perf_counter() - t0)
            rss.append(server.memory_mb("VmRSS"))
            log(f"load: round {n} took {round_seconds[-1]:.0f} s; server RSS {rss[-1]:.0f} MB")
        peak = server.memory_mb("VmHWM")
    return load_figures(
        done, texts, turns=turns, rounds=rounds, reader=reader, round_seconds=round_seconds,
        rss_after_rounds_mb=rss, peak_rss_mb=peak,
    )  # fmt: skip
