"""LLM backends, through LlamaIndex's LLM classes, chosen by ``ASSISTANT_LLM``.

* ``local``: a GGUF in-process through llama-cpp-python (``llama-index-llms-llama-cpp``);
  by default the packaged Qwen2.5-Coder-1.5B-Instruct the reader uses;
* ``openai-compatible``: llama.cpp's server, vLLM, LM Studio... (``llama-index-llms-openai-like``);
* ``ollama``: a local Ollama (``llama-index-llms-ollama``);
* ``openai``: OpenAI itself (``llama-index-llms-openai``).

Everything here is built lazily: a backend's package is imported, and a local
model loaded, only when the first answer is written.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelLoadError, SettingsError

__all__ = ["ChatTurn", "LlamaIndexBackend", "backend_from_settings", "LLMFailure"]

logger = logging.getLogger(__name__)



class LLMFailure(Exception):
    """The LLM could not answer: down, timed out, refused the request."""


@dataclass(frozen=True, slots=True)
class ChatTurn:
    role: str  # "system" | "user" | "assistant"
    content: str


class LlamaIndexBackend:
    """Any LlamaIndex ``LLM``, built on first use by ``factory``; failures become ``LLMFailure``."""

    def __init__(self, factory, *, description: str, context_window: int, max_tokens: int = 320):
        self._factory = factory
        self.max_tokens = max_tokens
        self._llm = None
        self._lock = threading.Lock()
        self.description = description
        self.context_window = context_window

    def _get(self):
        if self._llm is None:
            with self._lock:
                if self._llm is None:
                    self._llm = self._factory()
        return self._llm

    def warm_up(self) -> None:
        self._get()

    def stream(self, messages: Sequence[ChatTurn]) -> Iterator[str]:
        from llama_index.core.llms import ChatMessage

        llm = self._get()
        chat = [ChatMessage(role=m.role, content=m.content) for m in messages]
        try:
            for chunk in llm.stream_chat(chat):
                if chunk.delta:
                    yield chunk.delta
        except (ModelLoadError, SettingsError):
            raise
        except Exception as exc:  # network, timeout, HTTP status, a server killed mid-answer
            raise LLMFailure(f"{type(exc).__name__}: {_first_line(exc)}") from exc


def backend_from_settings(settings) -> LlamaIndexBackend | None:
    """The backend ``settings.llm`` names, or None for ``none``."""
    kind = settings.llm
    if kind == "none":
        return None
    timeout = float(settings.llm_timeout_s)
    most = int(settings.llm_max_tokens)
    window = int(settings.llm_context)
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    if kind == "openai-compatible":
        base, model = settings.llm_base_url.rstrip("/"), settings.llm_model or "default"

        def openai_like():
            from llama_index.llms.openai_like import OpenAILike

            # No retries: a server that is down should fall back now, not in a minute.
            return OpenAILike(
                model=model, api_base=base, api_key=key or "none", is_chat_model=True, context_window=window,
                timeout=timeout, max_retries=0, temperature=0.0, max_tokens=most,
            )  # fmt: skip

        return LlamaIndexBackend(openai_like, description=f"the LLM server at {base}", context_window=window, max_tokens=most)
    if kind == "ollama":
        base = (settings.llm_base_url or "http://127.0.0.1:11434").rstrip("/")

        def ollama():
            from llama_index.llms.ollama import Ollama

            return Ollama(
                model=settings.llm_model, base_url=base, request_timeout=timeout, context_window=window,
                additional_kwargs={"num_predict": most, "temperature": 0.0},
            )  # fmt: skip

        return LlamaIndexBackend(ollama, description=f"Ollama ({settings.llm_model}) at {base}", context_window=window, max_tokens=most)
    if kind == "openai":
        model = settings.llm_model or "gpt-4o-mini"

        def openai():
            api_key = key or os.environ.get("OPENAI_API_KEY")
            if not api_key:
                raise SettingsError("ASSISTANT_LLM=openai needs ASSISTANT_LLM_API_KEY (or OPENAI_API_KEY)")
            from llama_index.llms.openai import OpenAI

            return OpenAI(
                model=model, api_key=api_key, timeout=timeout, max_retries=0, temperature=0.0,
                max_tokens=most,
            )  # fmt: skip

        return LlamaIndexBackend(openai, description=f"OpenAI ({model})", context_window=window, max_tokens=most)
    return _local_backend(settings, window, most)


def _local_backend(settings, window: int, most: int) -> LlamaIndexBackend:
    from .model_files import READER_MODEL, locate_gguf

    def local():
        if settings.llm_model:
            path = Path(settings.llm_model).expanduser()
            if not path.is_file():
                raise ModelLoadError(f"no GGUF file at {path} (ASSISTANT_LLM_MODEL)")
        else:
            path = locate_gguf(READER_MODEL, cache_dir=Path(settings.model_cache))
        try:
            from llama_index.llms.llama_cpp import LlamaCPP
        except ImportError as exc:
            raise ModelLoadError(f"ASSISTANT_LLM=local needs llama-index-llms-llama-cpp ({exc})") from None
        logger.info("loading the local LLM from %s", path)
        return LlamaCPP(
            model_path=str(path), temperature=0.0, max_new_tokens=most, context_window=window,
            messages_to_prompt=chatml, completion_to_prompt=lambda text: chatml([ChatTurn("user", text)]),
            model_kwargs={"n_threads": os.cpu_count() or 1}, verbose=False,
        )  # fmt: skip

    name = settings.llm_model or READER_MODEL.name
    return LlamaIndexBackend(local, description=f"the local model {Path(name).name}", context_window=window, max_tokens=most)


def chatml(messages) -> str:
    """Qwen's chat format (ChatML), for the in-process model."""
    text = "".join(f"<|im_start|>{_role(m)}\n{m.content}<|im_end|>\n" for m in messages)
    return text + "<|im_start|>assistant\n"


def _role(message) -> str:
    role = getattr(message, "role", "user")
    return getattr(role, "value", role)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else "no message"
