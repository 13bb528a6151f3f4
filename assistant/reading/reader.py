"""The reading model: does this passage state the answer to the question?

Sentence similarity finds the sentences on a question's topic; it cannot
tell the one that answers from its neighbours.  A small instruction-tuned
model can, asked one yes/no question per candidate.  Its score is
p(yes) / (p(yes) + p(no)) read from the next-token logits: judging
generates no text.  (``generate`` writes follow-up rewrites, which the rules
check before they are used.)

The prompt puts the question first: its tokens are evaluated once and kept
in the model's cache while each candidate is appended in turn.
"""

from __future__ import annotations

import atexit
import functools
import logging
import math
import os
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelLoadError
from .model_files import READER_MODEL, locate_gguf

__all__ = ["Claim", "JudgePrompt", "LlamaReader", "Verdicts", "default_reader"]

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


@dataclass(frozen=True, slots=True)
class JudgePrompt:
    """The yes/no prompt in three pieces, so that work is shared where the text is.

    ``head`` is the same for every question (evaluated once per process),
    ``question`` once per question, ``claim`` once per candidate.  On two
    CPU cores every token costs about 50 ms, so each piece is kept short.
    """

    # Measured on the dev splits against the first prompt ("reply yes if the
    # sentence states the answer to the question, and no if it does not"):
    # equal answers, citation precision +0.03, one more unanswerable refused.
    # Naming what a yes must not be (another group's or a total figure,
    # another event's) is what the plain prompt accepted on unseen news.
    head: str = (
        "<|im_start|>system\nYou check news articles. Given a question and a sentence from an article, reply "
        "yes only if the sentence itself states the answer: the very figure, name, date or fact asked for, about "
        "the same people, group, place and event as the question. Reply no if the sentence is on the topic but "
        "gives something else: another group's or a total figure, another event's, another side's, or only "
        "mentions what is asked about.<|im_end|>\n<|im_start|>user\nQuestion: "
    )
    question: str = "{}\nSentence: "
    claim: str = "{}<|im_end|>\n<|im_start|>assistant\n"


class LlamaReader:
    """A GGUF instruct model through llama-cpp-python, judging in-process.

    Construction is cheap; ``warm_up`` (or the first ``judge``) loads the
    model once.  ``model_path`` may be a callable so that finding or
    assembling the file also waits for first use.  One judgement at a time:
    the model's cache holds one conversation.
    """

    def __init__(
        self,
        model_path: Path | Callable[[], Path],
        *,
        n_threads: int | None = None,
        n_ctx: int = 1024,
        max_claim_tokens: int = 96,
        cache_size: int = 4096,
        prompt: JudgePrompt = JudgePrompt(),
    ):
        self._prompt = prompt
        self._head_len = 0
        self._head_state = None  # the head's cache, restored after the model wrote something
        self._asked: tuple[str, int] | None = None  # the question whose tokens the cache holds, and where they end
        self._writer: tuple[str, int, object] | None = None  # generate()'s fixed prompt, its length and cache
        self._model_path = model_path
        # llama.cpp's default is half the cores; judging is all prompt
        # processing, which uses every core it is given.
        self._n_threads = n_threads or os.cpu_count() or 1
        self._n_ctx = n_ctx
        self._max_claim_tokens = max_claim_tokens
        self._llm = None
        self._yes: list[int] = []
        self._no: list[int] = []
        self._lock = threading.Lock()
        # The same question over the same passages is judged once (reruns,
        # "what else?", several chats asking alike).
        self._memo: OrderedDict[tuple[str, str], float] = OrderedDict()
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
        _free_before_exit(llm)
        self._yes = _variants(llm, ("yes", "Yes", " yes", " Yes", "YES"))
        self._no = _variants(llm, ("no", "No", " no", " No", "NO"))
        if not self._yes or not self._no:
            raise ModelLoadError(f"the model at {path} has no single-token yes/no; it cannot judge")
        return llm

    def judge(
        self,
        question: str,
        claims: Sequence[Claim],
        *,
        budget_ms: float | None = None,
        until: Callable[[Sequence[float | None]], bool] | None = None,
    ) -> Verdicts:
        t0 = time.perf_counter()
        self.warm_up()
        scores: list[float | None] = [None] * len(claims)
        with self._lock:
            prefix = None
            for i, claim in enumerate(claims):
                if i and until is not None and until(scores):
                    break
                key = (question, claim.text)
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
        """Evaluate the question after the cached head; returns the shared prefix length."""
        llm = self._llm
        if self._asked is not None and self._asked[0] == question:
            return self._asked[1]  # the candidates only ever write past the question
        if not self._head_len:
            llm.reset()
            llm.eval(self._tokens(self._prompt.head))
            self._head_len = llm.n_tokens
            self._head_state = llm.save_state()
        elif llm.n_tokens < self._head_len:
            llm.load_state(self._head_state)  # generate() wrote over the head
        # eval() drops what the cache holds past n_tokens, so going back to the
        # end of the head reuses it for every question.
        llm.n_tokens = self._head_len
        llm.eval(self._fill(self._prompt.question, question))
        self._asked = (question, llm.n_tokens)
        return llm.n_tokens

    def generate(self, prompt: str, user: str, *, max_tokens: int = 48) -> str:
        """One line of greedy text after ``prompt`` and a user turn holding ``user``.

        ``prompt`` is ChatML (instructions, worked examples as earlier turns);
        it is evaluated once and its cache kept, so each call pays only for
        ``user``, whose words are never read as control tokens.  The model
        and its lock are shared with judging, whose head is restored from a
        saved copy on the next question.
        """
        self.warm_up()
        with self._lock:
            llm = self._llm
            self._asked = None
            if self._writer is None or self._writer[0] != prompt:
                llm.reset()
                llm.eval(self._tokens(prompt))
                self._writer = (prompt, llm.n_tokens, llm.save_state())
            else:
                llm.load_state(self._writer[2])
            tokens = (
                [int(t) for t in llm.input_ids[: self._writer[1]]]
                + self._tokens("<|im_start|>user\n")
                + self._plain(user, keep_lines=True)
                + self._tokens("<|im_end|>\n<|im_start|>assistant\n")
            )
            stops = {llm.token_eos(), *self._tokens("<|im_end|>"), *llm.tokenize(b"\n", add_bos=False, special=False)}
            out: list[int] = []
            for token in llm.generate(tokens, top_k=1, temp=0.0, reset=True):
                if token in stops or len(out) >= max_tokens:
                    break
                out.append(token)
            llm.n_tokens = 0  # the next judgement restores its head
            return llm.detokenize(out).decode("utf-8", errors="ignore").strip()

    def _score(self, prefix: int, claim: Claim) -> float:
        llm = self._llm
        llm.n_tokens = prefix
        llm.eval(self._fill(self._prompt.claim, claim.text, limit=self._max_claim_tokens))
        logits = _last_logits(llm)
        yes = _logsumexp([float(logits[t]) for t in self._yes])
        no = _logsumexp([float(logits[t]) for t in self._no])
        return 1.0 / (1.0 + math.exp(no - yes))

    def encode(self, template: str, text: str = "") -> list[int]:
        """The token ids the model reads for ``template`` with ``text`` in its ``{}``.

        Public so that the escaping can be checked from outside: control
        tokens ("<|im_end|>") come from the template only, never from
        ``text``. A template without ``{}`` has ``text`` after it.
        """
        self.warm_up()
        return self._fill(template if "{}" in template else template + "{}", text)

    def _fill(self, template: str, text: str, *, limit: int | None = None) -> list[int]:
        """The template's tokens around ``text``'s.

        Only the template may hold control tokens: an article (or a question)
        that spells out "<|im_end|>" is read as plain text, never as the end
        of the instruction.
        """
        before, after = template.split("{}", 1)
        return self._tokens(before) + self._plain(text)[:limit] + self._tokens(after)

    def _plain(self, text: str, *, keep_lines: bool = False) -> list[int]:
        """``text`` as plain tokens: a "<|im_end|>" in it is just characters."""
        lines = text.splitlines() if keep_lines else [text]
        flat = "\n".join(" ".join(line.split()) for line in lines)
        return self._llm.tokenize(flat.encode("utf-8"), add_bos=False, special=False)

    def _tokens(self, template_text: str) -> list[int]:
        if not template_text:
            return []
        return self._llm.tokenize(template_text.encode("utf-8"), add_bos=False, special=True)


def _variants(llm, words: Sequence[str]) -> list[int]:
    """Token ids of the words that are one token each (a tokenizer may split some)."""
    ids = set()
    for word in words:
        tokens = llm.tokenize(word.encode("utf-8"), add_bos=False, special=False)
        if len(tokens) == 1:
            ids.add(tokens[0])
    return sorted(ids)


def _free_before_exit(llm) -> None:
    """Free the model at interpreter exit while llama.cpp's bindings still exist.

    Left to ``Llama.__del__`` during shutdown, the free finds them torn down
    and prints an ignored ``TypeError``.  A weak reference: a reader that goes
    earlier frees its model as usual.
    """
    ref = weakref.ref(llm)

    def free() -> None:
        model = ref()
        if model is not None:
            model.close()

    atexit.register(free)


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
