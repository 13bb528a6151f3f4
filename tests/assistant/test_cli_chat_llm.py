"""``assistant chat`` against a real LLM server (llama-cpp-python, the 0.5B model), as a user runs it.

stdout is read as it arrives, each piece with its time: the LLM's draft
must come in more than one piece (the checked answer and citations follow),
and every cited quote must be in its article.  The model is too weak to judge, so the
checked answer that follows the draft may be the extractive one.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant import Assistant, load_settings

pytestmark = pytest.mark.integration

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
QUESTION = "Who is Hikmet Hajiyev?"
PROMPT = "> "
CITATION_HEAD = re.compile(r"^\[\d+\] ", re.MULTILINE)


def _read_pieces(stream, pieces: list[tuple[float, str]]) -> None:
    """Append ``(time, text)`` for every read that returns something, until EOF."""
    fd = stream.fileno()
    while chunk := os.read(fd, 4096):
        pieces.append((time.monotonic(), chunk.decode("utf-8", errors="replace")))


def _quotes(citations: str) -> list[str]:
    """The quotes of the printed citations, whitespace folded (the console wraps long lines)."""
    quotes = []
    for block in CITATION_HEAD.split(citations)[1:]:
        block = block.split("\n\n")[0]  # a blank line ends the citation (then the prompt)
        quote = block[block.index("\n    “") :].strip()
        assert quote.startswith("“") and quote.endswith("”"), block
        quotes.append(" ".join(quote[1:-1].split()))
    return quotes


@pytest.fixture
def home(seeded_home, tmp_path):
    copy = tmp_path / "home"
    shutil.copytree(seeded_home, copy)
    return copy


def test_chat_streams_the_answer_in_pieces_then_prints_quotes_from_the_articles(llama_server, home, tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")},
        "ASSISTANT_HOME": str(home), "ASSISTANT_READER": "off", "ASSISTANT_ANSWERER": "llm",
        "ASSISTANT_LLM": "openai-compatible", "ASSISTANT_LLM_BASE_URL": llama_server,
        "ASSISTANT_LLM_MAX_TOKENS": "96", "ASSISTANT_LLM_TIMEOUT_S": "240",
    }  # fmt: skip
    env.pop("PYTHONUNBUFFERED", None)  # stdout is a pipe: the CLI must flush the pieces itself
    errors = tmp_path / "stderr.log"  # a file: only the reader below may read stdout
    with open(errors, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant", "chat"], cwd=REPO, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
        )  # fmt: skip
    pieces: list[tuple[float, str]] = []
    reader = threading.Thread(target=_read_pieces, args=(proc.stdout, pieces), daemon=True)
    reader.start()
    try:
        proc.stdin.write(f"{QUESTION}\n/quit\n".encode())
        proc.stdin.close()  # the questions are all there before the first answer: chat reads one at a time
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=10)
    stderr = errors.read_text(errors="replace")
    assert proc.returncode == 0, stderr[-2000:]

    output = "".join(text for _, text in pieces)
    answer_at = output.index(PROMPT) + len(PROMPT)  # the answer follows the first prompt
    cited = CITATION_HEAD.search(output, answer_at)
    assert cited, output  # an answer with citations was printed
    cited_at = cited.start()
    # The draft ends where the checked answer replaces it, or (printed once, the same) at its line's end.
    checked = output.find("\nChecked answer:", answer_at, cited_at)
    draft_end = checked if checked != -1 else output.index("\n", answer_at)
    # Each read, placed in the output, and the part of it that is draft.
    streamed, offset = [], 0
    for t, text in pieces:
        part = output[max(offset, answer_at) : min(offset + len(text), draft_end)]
        if part.strip():
            streamed.append((t, part))
        offset += len(text)
    logger.info("draft in %d reads over %.2f s", len(streamed), streamed[-1][0] - streamed[0][0] if streamed else 0)
    assert len(streamed) >= 2, pieces  # written as it came, not in one go at the end
    assert streamed[-1][0] > streamed[0][0]
    assert "Writing the answer with" in stderr  # the LLM was asked

    quotes = _quotes(output[cited_at:])
    assert quotes, output
    with Assistant(load_settings(home=home, reader="off")) as assistant:
        texts = [" ".join(assistant.article(a.id).text.split()) for a in assistant.articles()]
    for quote in quotes:
        assert any(quote in text for text in texts), quote
