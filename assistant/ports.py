"""The core's ports: every swappable part as a Protocol that says what the core calls of it.

An implementation passes its port's contract test class, and so does the
port's fake: ``tests/assistant/test_ports.py`` (Answerer, Retriever,
LLMBackend, TextGenerator), ``test_reader.py`` (Reader),
``tests/vectorstore/test_index.py`` (Store, whose fake is
``vectorstore.memory.MemoryStore``) and ``test_embedders.py`` (Embedder).  The core calls
nothing outside these signatures, so it never probes a part with ``hasattr``.

* ``Embedder``, ``Store`` and its ``Lexicon`` belong to ``vectorstore`` (which knows nothing of
  this package) and are re-exported here so that every port has one address.
* ``Retriever`` ranks stored chunks; ``Reader`` judges sentences;
  ``TextGenerator`` writes a short text (a rewritten follow-up);
  ``LLMBackend`` streams an LLM's words; ``Answerer`` turns an ``AnswerContext``
  into a ``Draft``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, runtime_checkable

from vectorstore.chroma_store import ArticleFilters
from vectorstore.embedding import Embedder
from vectorstore.protocols import Lexicon, Store

from .answerers.drafts import AnswerContext, Draft, Event
from .reading.llm import ChatTurn
from .reading.reader import Claim, Verdicts
from .types import Passage

__all__ = [
    "Answerer",
    "ArticleFilters",
    "ChatTurn",
    "Embedder",
    "LLMBackend",
    "Lexicon",
    "Reader",
    "Retriever",
    "Store",
    "TextGenerator",
]


@runtime_checkable
class Retriever(Protocol):
    """Ranks stored chunks for a query, best first, within the filters."""

    def retrieve(self, query: str, *, top_k: int, filters: ArticleFilters | None = None) -> list[Passage]: ...


@runtime_checkable
class Reader(Protocol):
    """Judges whether each claim answers a question."""

    def warm_up(self) -> None: ...

    def judge(
        self,
        question: str,
        claims: Sequence[Claim],
        *,
        budget_ms: float | None = None,
        until: Callable[[Sequence[float | None]], bool] | None = None,
    ) -> Verdicts:
        """p(claim states the answer) per claim, in order.

        Reading stops when ``budget_ms`` is spent or when ``until(scores so
        far)`` says the rest cannot change the outcome; unread claims are None.
        """
        ...


@runtime_checkable
class TextGenerator(Protocol):
    """A model that writes a short text (a rewritten follow-up) after a fixed prompt."""

    def generate(self, prompt: str, user: str, *, max_tokens: int = 48) -> str: ...


@runtime_checkable
class LLMBackend(Protocol):
    """What an answerer needs of an LLM: a description, its window, and streamed text.

    ``stream`` raises ``LLMFailure`` (``reading.llm``) when the LLM is down,
    times out or refuses; ``warm_up`` loads a local model or does nothing.
    """

    description: str
    context_window: int
    max_tokens: int

    def warm_up(self) -> None: ...

    def stream(self, messages: Sequence[ChatTurn]) -> Iterator[str]: ...


@runtime_checkable
class Answerer(Protocol):
    """Turns an ``AnswerContext`` into a ``Draft``; the Assistant checks its citations.

    ``answer_stream`` yields ``Step`` and ``TextDelta`` events and ends with
    the ``Draft`` that ``answer`` returns.  ``rerank`` reorders retrieved
    passages by what this answerer would quote from them, keeping ``top_k``.
    """

    name: str

    def warm_up(self) -> None: ...

    def answer(self, context: AnswerContext) -> Draft: ...

    def answer_stream(self, context: AnswerContext) -> Iterator[Event]: ...

    def rerank(self, context: AnswerContext, top_k: int) -> list[Passage]: ...
