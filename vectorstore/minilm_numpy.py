"""all-MiniLM-L6-v2 for a few texts in plain numpy: a question's vector without importing torch.

Loading sentence-transformers (and with it torch and transformers) takes
seconds; a cold ``assistant ask`` needs only its question's vectors. This is
the same BERT forward pass (6 layers, 12 heads, exact GELU), mean pooling
and L2 norm, over the same weights file and tokenizer, so its vectors match
sentence-transformers' to float rounding (checked in the tests). Ingest still
uses sentence-transformers, which is faster on many texts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["NumpyMiniLM"]

_LAYERS, _HEADS, _EPS = 6, 12, 1e-12


class NumpyMiniLM:
    def __init__(self, model_dir: Path, *, max_seq_length: int = 256):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self._w = load_file(str(model_dir / "model.safetensors"))
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_seq_length)
        self._tokenizer.no_padding()
        self._controller = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        # Matrices this small run slower split across BLAS threads, far slower on busy cores.
        with self._blas().limit(limits=1, user_api="blas"):
            return np.stack([self._one(e.ids) for e in self._tokenizer.encode_batch(list(texts))]).astype(np.float32)

    def _blas(self):
        # One controller for the process: building it scans the loaded
        # libraries (~2 ms), which a warm question would pay twice otherwise.
        if self._controller is None:
            from threadpoolctl import ThreadpoolController

            self._controller = ThreadpoolController()
        return self._controller

    def _one(self, ids: list[int]) -> np.ndarray:
        w = self._w
        n = len(ids)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _norm(x, w, "embeddings.LayerNorm")
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            x = _norm(x + _dense(_attention(x, w, p + "attention.self."), w, p + "attention.output.dense"),
                      w, p + "attention.output.LayerNorm")  # fmt: skip
            h = _gelu(_dense(x, w, p + "intermediate.dense"))
            x = _norm(x + _dense(h, w, p + "output.dense"), w, p + "output.LayerNorm")
        pooled = x.mean(axis=0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)


def _dense(x: np.ndarray, w: dict, name: str) -> np.ndarray:
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def _norm(x: np.ndarray, w: dict, name: str) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _EPS) * w[name + ".weight"] + w[name + ".bias"]


def _attention(x: np.ndarray, w: dict, p: str) -> np.ndarray:
    n, d = x.shape
    hd = d // _HEADS
    q, k, v = (_dense(x, w, p + part).reshape(n, _HEADS, hd).transpose(1, 0, 2) for part in ("query", "key", "value"))
    scores = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    scores /= scores.sum(axis=-1, keepdims=True)
    return (scores @ v).transpose(1, 0, 2).reshape(n, d)


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz and Stegun 7.1.26 is too coarse here; use float64 and the
    # complementary error function's Chebyshev fit (Numerical Recipes erfc), |error| < 1.2e-7.
    z = np.abs(x).astype(np.float64)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (
        0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    erf = 1.0 - t * np.exp(poly)
    return (np.sign(x) * erf).astype(x.dtype)
