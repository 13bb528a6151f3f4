"""Sentence spans and sentence-aware chunks, as exact character offsets.

Every span is a ``(start, end)`` pair into the article's cleaned text, so
``text[start:end]`` is the sentence or chunk exactly; citations depend on it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Span", "sentence_spans", "Chunk", "chunk_spans"]

Span = tuple[int, int]
_LINE = re.compile(r"[^\n]+")


@functools.lru_cache(maxsize=1)
def _punkt():
    # llama-index ships NLTK's punkt data inside its wheel; pointing nltk at
    # it keeps sentence splitting offline (nltk.download would need a network).
    from pathlib import Path

    import llama_index.core
    import nltk
    from nltk.tokenize import PunktTokenizer

    cache = str(Path(llama_index.core.__file__).parent / "_static" / "nltk_cache")
    if cache not in nltk.data.path:
        nltk.data.path.append(cache)

    return PunktTokenizer("english")


def sentence_spans(text: str) -> list[Span]:
    """Sentences of ``text``; a line break always ends a sentence.

    Headlines, subheads and captions have no final stop, so lines are split
    first and punkt runs inside each line.
    """
    spans: list[Span] = []
    tokenizer = _punkt()
    for line in _LINE.finditer(text):
        offset = line.start()
        for start, end in tokenizer.span_tokenize(line.group()):
            piece = text[offset + start : offset + end]
            stripped = piece.strip()
            if not stripped:
                continue
            lead = len(piece) - len(piece.lstrip())
            s = offset + start + lead
            spans.append((s, s + len(stripped)))
    return spans


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of whole sentences: ``text[start:end]``."""

    start: int
    end: int
    sentences: tuple[Span, ...]


def chunk_spans(
    text: str,
    *,
    size: int,
    overlap: int,
    count_tokens: Callable[[str], int],
) -> list[Chunk]:
    """Group whole sentences into chunks of at most ``size`` tokens.

    Neighbouring chunks share trailing sentences worth up to ``overlap``
    tokens.  A single sentence longer than ``size`` becomes a chunk of its own
    rather than being cut mid-sentence: a cut sentence could not be quoted.
    """
    if overlap >= size:
        raise ValueError("overlap must be smaller than size")
    sentences = sentence_spans(text)
    tokens = [count_tokens(text[s:e]) for s, e in sentences]
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        j, total = i, 0
        while j < len(sentences) and (j == i or total + tokens[j] <= size):
            total += tokens[j]
            j += 1
        group = tuple(sentences[i:j])
        chunks.append(Chunk(group[0][0], group[-1][1], group))
        if j >= len(sentences):
            break
        # Step back over trailing sentences that fit in the overlap, but always advance.
        back, shared = j, 0
        while back - 1 > i and shared + tokens[back - 1] <= overlap:
            back -= 1
            shared += tokens[back]
        i = back
    return chunks
