"""The reading model: does this passage state the answer to the question?

Sentence similarity finds the sentences on a question's topic; it cannot
tell the one that answers from its neighbours.  A small instruction-tuned
model can, asked one yes/no question per candidate.  Its score is
p(yes) / (p(yes) + p(no)) read from the next-token logits, so no text is
generated and nothing it writes is ever shown or trusted.

The prompt puts the question first: its tokens are evaluated once and kept
in the model's cache while each candidate is appended in turn.
"""

from __future__ import annotations

import functools
import logging
import math
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from .errors import ModelLoadError
from .model_files import READER_MODEL, locate_gguf

__all__ = ["Claim", "Reader", "LlamaReader", "Verdicts", "default_reader"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Claim:
    """What the reader judges: a quote as the user would see it, and where it is from."""

    text: str
    source: str = ""  # "Al Jazeera, 2023-09-19"


@dataclass(frozen=True, slots=True)
class Verdicts:
    """p(the claim states the answer) per claim, in order; None where the budget ran out first."""

    scores: tuple[float | None, ...]
    elapsed_ms: float

    @property
    def complete(self) -> bool:
        return all(s is not None for s in self.scores)


@runtime_checkable
class Reader(Protocol):
    """Judges whether each claim answers a question."""

    name: str

    def warm_up(self) -> None: ...

    def judge(self, question: str, claims: Sequence[Claim], *, budget_ms: float | None = None) -> Verdicts: ...


_SYSTEM = (
    "You are a careful news fact-checker. You judge whether a sentence from a news article "
    "states the answer to a reader's question. Answer only yes or no."
)
_ASK = "Does this sentence state the answer to the question? Reply yes or no."


def _chatml(system: str, user: str) -> str:
    return f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"


class LlamaReader:
    """A GGUF instruct model through llama-cpp-python, judging in-process.

    Construction is cheap; ``warm_up`` (or the first ``judge``) loads the
    model once.  ``model_path`` may be a callable so that finding or
    assembling the file also waits for first use.  One judgement at a time:
    the model's cache holds one conversation.
    """

    name = "qwen2.5-1.5b"

    def __init__(
        self,
        model_path: Path | Callable[[], Path],
        *,
        n_threads: int | None = None,
        n_ctx: int = 1024,
        max_claim_tokens: int = 160,
        cache_size: int = 4096,
    ):
        self._model_path = model_path
        self._n_threads = n_threads
        self._n_ctx = n_ctx
        self._max_claim_tokens = max_claim_tokens
        self._llm = None
        self._yes: list[int] = []
        self._no: list[int] = []
        self._lock = threading.Lock()
        # The same question over the same passages is judged once (reruns,
        # "what else?", several chats asking alike).
        self._memo: OrderedDict[tuple[str, str, str], float] = OrderedDict()
        self._cache_size = cache_size

    def warm_up(self) -> None:
        if self._llm is not None:
            return
        with self._lock:
            if self._llm is None:
                self._llm = self._load()

    def _load(self):
        path = self._model_path() if callable(self._model_path) else Path(self._model_path)
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ModelLoadError(
                f"the reading model needs llama-cpp-python ({exc}); `make install` builds it"
            ) from None
        logger.info("loading the reading model from %s", path)
        try:
            llm = Llama(
                model_path=str(path),
                n_ctx=self._n_ctx,
                n_batch=512,
                n_threads=self._n_threads,
                n_threads_batch=self._n_threads,
                logits_all=False,
                verbose=False,
            )
        except Exception as exc:  # llama.cpp says little more than "failed to load"
            raise ModelLoadError(f"could not load the reading model from {path}: {exc}") from None
        self._yes = _variants(llm, ("yes", "Yes", " yes", " Yes", "YES"))
        self._no = _variants(llm, ("no", "No", " no", " No", "NO"))
        if not self._yes or not self._no:
            raise ModelLoadError(f"the model at {path} has no single-token yes/no; it cannot judge")
        return llm

    def judge(self, question: str, claims: Sequence[Claim], *, budget_ms: float | None = None) -> Verdicts:
        t0 = time.perf_counter()
        self.warm_up()
        scores: list[float | None] = [None] * len(claims)
        with self._lock:
            prefix = None
            for i, claim in enumerate(claims):
                key = (question, claim.text, claim.source)
                if key in self._memo:
                    self._memo.move_to_end(key)
                    scores[i] = self._memo[key]
                    continue
                if budget_ms is not None and (time.perf_counter() - t0) * 1000 >= budget_ms:
                    break
                if prefix is None:
                    prefix = self._start(question)
                scores[i] = self._memo[key] = self._score(prefix, claim)
                if len(self._memo) > self._cache_size:
                    self._memo.popitem(last=False)
        return Verdicts(tuple(scores), (time.perf_counter() - t0) * 1000)

    # -- the model ------------------------------------------------------------
    def _start(self, question: str) -> int:
        """Evaluate the shared prompt prefix (system and question); returns its length."""
        llm = self._llm
        head = _chatml(_SYSTEM, f"Question: {question.strip()}\n").split("<|im_end|>\n<|im_start|>assistant")[0]
        tokens = llm.tokenize(head.encode("utf-8"), add_bos=False, special=True)
        llm.reset()
        llm.eval(tokens)
        return llm.n_tokens

    def _score(self, prefix: int, claim: Claim) -> float:
        llm = self._llm
        label = f"Sentence ({claim.source})" if claim.source else "Sentence"
        body = llm.tokenize(f"{label}: {claim.text.strip()}".encode(), add_bos=False, special=False)
        body = body[: self._max_claim_tokens]
        tail = llm.tokenize(f"\n{_ASK}<|im_end|>\n<|im_start|>assistant\n".encode(), add_bos=False, special=True)
        # Back to the end of the prefix: eval() drops the cache after n_tokens.
        llm.n_tokens = prefix
        llm.eval(body + tail)
        logits = _last_logits(llm)
        yes = _logsumexp([float(logits[t]) for t in self._yes])
        no = _logsumexp([float(logits[t]) for t in self._no])
        return 1.0 / (1.0 + math.exp(no - yes))


def _variants(llm, words: Sequence[str]) -> list[int]:
    """Token ids of the words that are one token each (a tokenizer may split some)."""
    ids = set()
    for word in words:
        tokens = llm.tokenize(word.encode("utf-8"), add_bos=False, special=False)
        if len(tokens) == 1:
            ids.add(tokens[0])
    return sorted(ids)


def _last_logits(llm):
    import numpy as np
    from llama_cpp import llama_get_logits_ith

    return np.ctypeslib.as_array(llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def default_reader(settings) -> LlamaReader | None:
    """The reader ``settings`` ask for: None when ``reader`` is off.

    One model per process however many ``Assistant`` objects there are: it
    takes a gigabyte of memory and a second to load.
    """
    if settings.reader == "off":
        return None
    override = str(settings.reader_model) if settings.reader_model else None
    return _shared_reader(override, str(settings.model_cache))


@functools.lru_cache(maxsize=2)
def _shared_reader(override: str | None, cache_dir: str) -> LlamaReader:
    def path() -> Path:
        return locate_gguf(
            READER_MODEL,
            cache_dir=Path(cache_dir),
            override=Path(override) if override else None,
            progress=_assembly_bar(),
        )

    return LlamaReader(path)


def _assembly_bar():
    """A progress bar on stderr for the one-time assembly of the model (about a gigabyte)."""
    bar = None

    def update(stage: str, done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, desc=stage, unit="B", unit_scale=True, file=sys.stderr, leave=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update
