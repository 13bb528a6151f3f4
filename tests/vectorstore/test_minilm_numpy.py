"""The numpy forward pass gives sentence-transformers' vectors, without importing torch."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from vectorstore.embedding import LIGHT_MAX_TEXTS, MiniLMEmbedder

pytestmark = pytest.mark.integration

TEXTS = [
    "How many military posts did Azerbaijan say it seized?",
    "Hikmet Hajiyev, an aide to Azerbaijan's president, said civilians were not targeted.",
    "Ünïcödé 東京 🚀 “quotes” — dashes",
    "word " * 400,  # past the 256-piece limit: truncated the same way
]


def test_light_vectors_match_sentence_transformers(sentence_transformer):
    light = MiniLMEmbedder()  # fresh: sentence-transformers not loaded in it
    got = light.embed(TEXTS)
    assert light.loaded == ("numpy",)  # the light path answered
    # sentence-transformers itself: embedder.embed would take the numpy pass for so few texts
    want = sentence_transformer(TEXTS)
    assert got.shape == want.shape == (len(TEXTS), 384) and got.dtype == np.float32
    assert np.abs(got - want).max() < 1e-5


def test_a_question_is_embedded_without_importing_torch():
    code = (
        "import sys; from vectorstore.embedding import MiniLMEmbedder;"
        "v = MiniLMEmbedder().embed(['Who won?']);"
        "print(v.shape, sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'sentence_transformers', 'transformers'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "(1, 384) []"


def test_many_texts_go_to_sentence_transformers(monkeypatch):
    from sentence_transformers import SentenceTransformer

    sent = []
    real = SentenceTransformer.encode
    monkeypatch.setattr(SentenceTransformer, "encode", lambda self, texts, **kw: sent.append(len(texts)) or real(self, texts, **kw))
    model = MiniLMEmbedder()  # fresh: torch not loaded in it yet
    assert len(model.embed(["a sentence"] * LIGHT_MAX_TEXTS)) == LIGHT_MAX_TEXTS and "torch" not in model.loaded
    assert len(model.embed(["a sentence"] * (LIGHT_MAX_TEXTS + 1))) == LIGHT_MAX_TEXTS + 1
    assert "torch" in model.loaded and sent == [LIGHT_MAX_TEXTS + 1]


def test_a_question_takes_the_numpy_pass_once_torch_is_loaded(torch_embedder, monkeypatch):
    from sentence_transformers import SentenceTransformer

    torch_embedder.warm_up()
    assert "torch" in torch_embedder.loaded

    def refuse(*args, **kwargs):
        raise AssertionError("a question went to sentence-transformers")

    # sentence-transformers' own class, not the embedder's insides: any model of it refuses
    monkeypatch.setattr(SentenceTransformer, "encode", refuse)
    assert torch_embedder.embed(TEXTS[:2]).shape == (2, 384)
    with pytest.raises(AssertionError, match="went to sentence-transformers"):
        torch_embedder.embed(TEXTS[:1] * (LIGHT_MAX_TEXTS + 1))  # the patch does reach a big batch
