"""A chunk's vector is derived from its sentences' vectors, weighted by their tokens."""

from __future__ import annotations

import numpy as np
import pytest

from vectorstore.index import chunk_vectors
from vectorstore.text import chunk_spans, sentence_spans

pytestmark = pytest.mark.unit

TEXT = (
    "The council met on Monday. It voted to close the old harbour road for repairs. "
    "Residents said the work was long overdue. The mayor promised it would reopen in May."
)


def _unit(rows):
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_each_chunk_is_the_token_weighted_mean_of_its_sentences():
    count = lambda s: len(s.split())  # noqa: E731
    sents = sentence_spans(TEXT)
    chunks = [(c.start, c.end) for c in chunk_spans(TEXT, size=16, overlap=8, count_tokens=count)]
    assert len(chunks) > 1  # overlapping chunks share a sentence
    rng = np.random.default_rng(0)
    vecs = _unit(rng.standard_normal((len(sents), 8)))
    tokens = [count(TEXT[s:e]) for s, e in sents]
    plans = [("other", [(0, 10)], [(0, 10)]), ("art", chunks, sents)]  # a first article shifts the rows
    all_vecs = np.vstack([_unit(rng.standard_normal((1, 8))), vecs])
    got = chunk_vectors(plans, all_vecs, [2] + tokens)
    assert got.shape == (1 + len(chunks), 8) and got.dtype == np.float32
    assert np.allclose(got[0], all_vecs[0], atol=1e-6)  # a one-sentence chunk is its sentence
    for row, (start, end) in zip(got[1:], chunks, strict=True):
        inside = [i for i, (s, e) in enumerate(sents) if start <= s and e <= end]
        want = sum(tokens[i] * vecs[i] for i in inside)
        assert np.allclose(row, want / np.linalg.norm(want), atol=1e-6)


def test_no_chunks_give_no_rows():
    assert chunk_vectors([], np.zeros((0, 8), dtype=np.float32), []).shape[0] == 0
