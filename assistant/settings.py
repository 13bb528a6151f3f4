"""The one settings object, read from ``ASSISTANT_*`` variables here and nowhere else."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vectorstore.fetch_limits import FetchLimits

from .errors import SettingsError

__all__ = ["Settings", "SupportCheck", "Tuning", "load_settings", "DEFAULT_SEEDS"]

_FETCH = FetchLimits()
_REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = _REPO_ROOT / "seeds"


class Tuning(BaseModel):
    """The extractive answerer's levels, each set on the dev splits (README "How it answers").

    Each reads ``ASSISTANT_TUNING__<NAME>``; none needs changing to use the
    assistant, they are here so that a measurement can move one without an edit.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    w_sem: float = Field(0.5, ge=0, description="Weight of a sentence's meaning (cosine with the question) in its score.")
    w_lex: float = Field(0.4, ge=0, description="Weight of the question's idf-weighted terms the sentence holds.")
    w_type: float = Field(0.1, ge=0, description="Weight of holding the kind of thing asked for (a figure, a name, a date).")
    context_weight: float = Field(1.0, ge=0, description="How much of the sentence before a 'He said ...' sentence lends it its names.")
    require_type: bool = Field(True, description="Reader off: refuse a figure, date or name question when no close sentence holds one.")
    rescue_similarity: float = Field(0.55, ge=0, le=1, description="Cosine at which a sentence answers a question naming what no article holds (other words, same meaning).")
    max_chars: int = Field(520, ge=80, description="Most characters of quotes in one answer (the first quote always fits).")
    grounded: bool = Field(True, description="Only articles that mention everything the question names may answer it.")
    runner_up: float = Field(0.9, ge=0, le=1, description="Reader off: a second sentence is quoted when it scores this share of the best.")
    close_share: float = Field(0.85, ge=0, le=1, description="Share of the best score at which a sentence counts as close to it (typed answers, lists, figures compared).")
    same_fact: float = Field(0.75, ge=0, le=1, description="Cosine at which two outlets' sentences report one fact, so different figures in them disagree.")
    most_leads: int = Field(3, ge=1, description="Articles whose opening sentence a summary request quotes.")
    timeline_same_fact: float = Field(0.45, ge=0, le=1, description="Cosine at which a report of another date joins a figure's timeline (to a report already in it).")
    timeline_near: float = Field(0.35, ge=0, le=1, description="Share of the answer sentence's score a report of another date needs to join its timeline.")
    timeline_look: int = Field(10, ge=1, description="How far down the ranked sentences a timeline looks for reports of other dates (and a question about the present for a newer near tie).")
    timeline_most: int = Field(8, ge=1, description="Most reports one timeline shows.")
    reader_weight: float = Field(0.7, ge=0, le=1, description="Weight of the reader's p(yes) against the ranker's score.")
    reader_accept: float = Field(0.2, ge=0, le=1, description="p(yes) the best sentence needs to be the answer.")
    reader_accept_more: float = Field(0.5, ge=0, le=1, description="p(yes) every further sentence needs to join the answer.")
    reader_early_stop: bool = Field(True, description="Stop reading once no unread sentence could beat an accepted one.")


class SupportCheck(BaseModel):
    """When a sentence an LLM wrote counts as said by the passages it cites (``answerers/generative.py``).

    A sentence made almost wholly of the cited text's words (``close_overlap``)
    needs only ``close_similarity``: a short restatement of one clause of a
    long sentence is far from that sentence's vector, though every word is the
    article's.  Every figure it gives must appear in the cited text too.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_similarity: float = Field(0.55, ge=0, le=1, description="Cosine of a written sentence with the closest sentence it cites.")
    min_overlap: float = Field(0.5, ge=0, le=1, description="Share of a written sentence's content terms the cited text must hold.")
    close_overlap: float = Field(0.85, ge=0, le=1, description="Share of terms at which a written sentence is a restatement of the cited text.")
    close_similarity: float = Field(0.4, ge=0, le=1, description="Cosine a restatement needs (it may be one clause of a long sentence).")
    min_terms: int = Field(2, ge=0, description="Content terms a written sentence needs (one with fewer is dropped).")


class Settings(BaseSettings):
    """Every knob, with its default. Each field reads ``ASSISTANT_<NAME>``.

    The fields that shape the stored index (``chunk_size``, ``chunk_overlap``,
    the embedder) are recorded with it; changing them later asks for
    ``assistant reindex`` instead of mixing vectors.
    """

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_nested_delimiter="__", frozen=True, extra="forbid")

    home: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("news-assistant")),
        description="Data folder: the article table, Chroma and the BM25 index.",
    )
    seeds: Path = Field(DEFAULT_SEEDS, description="Articles indexed on first use when the store is empty.")
    chroma_url: str | None = Field(
        None,
        description="A Chroma server (http://HOST:PORT) instead of the embedded one under home.",
    )
    chroma_token: SecretStr | None = Field(
        None, description="Sent as 'Authorization: Bearer TOKEN' to the Chroma server (or a proxy in front of it)."
    )
    embed_backend: Literal["torch", "onnx-int8"] = Field(
        "onnx-int8",
        description="How MiniLM runs: torch (sentence-transformers) or onnx-int8 (onnxruntime, int8); a store keeps one.",
    )
    top_k: int = Field(5, ge=1, le=100, description="Passages handed to the answerer.")
    chunk_size: int = Field(256, ge=32, le=2048, description="Chunk size in tokens.")
    chunk_overlap: int = Field(32, ge=0, description="Tokens shared by neighbouring chunks.")
    retrieval: Literal["hybrid", "dense", "bm25"] = Field(
        "hybrid", description="Retrieval mode; dense and bm25 exist for comparisons."
    )
    candidates: int = Field(20, ge=1, le=500, description="Candidates each retriever gives to fusion.")
    rerank: bool = Field(True, description="Reorder the candidates by their best sentence before cutting to top_k.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    min_score: float = Field(
        0.35, ge=0.0, le=1.0, description="Best-sentence score below which the answerer refuses."
    )
    min_similarity: float = Field(
        0.3, ge=0.0, le=1.0, description="Refuse as off topic when no sentence's cosine with the question reaches this."
    )

    tuning: Tuning = Field(default_factory=Tuning, description="The answerer's levels (ASSISTANT_TUNING__<NAME>).")
    support: SupportCheck = Field(
        default_factory=SupportCheck, description="When an LLM's sentence counts as supported (ASSISTANT_SUPPORT__<NAME>)."
    )

    reader: Literal["on", "off"] = Field(
        "on", description="Let the reading model choose the answering sentences; off is the fast extractive path."
    )
    reader_model: Path | None = Field(
        None, description="A GGUF file for the reader; default: the packaged Qwen2.5-Coder-1.5B-Instruct, assembled once."
    )
    reader_budget_ms: int = Field(
        30000, ge=0, le=600_000, description="Reading time per question, after which the ranker's order stands."
    )
    reader_candidates: int = Field(5, ge=1, le=20, description="Sentences the reader judges per question.")
    rewriter: Literal["model", "rules"] = Field(
        "model",
        description="Who rewrites follow-ups: model (the LLM if set, else the reading model when on; rules as fallback) or rules.",
    )
    followup_share: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Share of a follow-up's idf-weighted terms the previous answer's articles must hold for the rules to carry its subject on.",
    )
    model_cache: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("news-assistant")) / "models",
        description="Per-user folder where packaged models are assembled, shared by every store.",
    )

    answerer: Literal["extractive", "llm"] = Field(
        "extractive", description="extractive: quote the chosen sentences; llm: an LLM writes the answer from them."
    )
    llm: Literal["none", "local", "openai-compatible", "ollama", "openai"] = Field(
        "none", description="The LLM that writes answers and rewrites follow-ups; none: no LLM."
    )
    llm_base_url: str | None = Field(None, description="Server URL for openai-compatible (…/v1) or ollama.")
    llm_model: str | None = Field(None, description="Model name on the server; local: a GGUF path.")
    llm_api_key: SecretStr | None = Field(None, description="API key (openai; optional for openai-compatible).")
    llm_timeout_s: float = Field(60.0, gt=0, le=3600, description="Seconds to wait for the LLM before falling back.")
    llm_context: int = Field(4096, ge=512, le=1_000_000, description="The LLM's context window in tokens.")
    llm_max_tokens: int = Field(320, ge=16, le=8192, description="Most tokens the LLM may write per answer.")

    write_lock_timeout_s: float = Field(
        30.0,
        ge=0,
        le=86_400,
        description="Seconds a write (ingest, remove, reindex, check --repair) waits for another writer's lock before failing.",
    )

    fetch_timeout_s: float = Field(
        _FETCH.timeout_s, gt=0, le=600, description="Seconds a page, feed or robots.txt request may take (ingest by URL, watch)."
    )
    fetch_max_mb: float = Field(
        _FETCH.max_bytes / (1024 * 1024), gt=0, le=1024, description="Largest page or feed fetched, in MB; larger is rejected."
    )
    fetch_max_redirects: int = Field(_FETCH.max_redirects, ge=0, le=50, description="Redirects a fetch follows.")
    fetch_user_agent: str = Field(
        _FETCH.user_agent, min_length=1, max_length=500, description="The User-Agent sent, and matched in robots.txt."
    )

    max_file_mb: float = Field(10.0, gt=0, le=1024, description="Largest file the chat's upload box accepts, in MB.")
    auth: SecretStr | None = Field(
        None, description="USER:PASS the chat asks for; needed to serve on an address other than localhost."
    )

    @property
    def fetch_limits(self) -> FetchLimits:
        """What ``vectorstore.web`` obeys, from the ``fetch_*`` fields."""
        return FetchLimits(timeout_s=self.fetch_timeout_s, max_bytes=max(1, int(self.fetch_max_mb * 1024 * 1024)),
                           max_redirects=self.fetch_max_redirects, user_agent=self.fetch_user_agent)

    @model_validator(mode="after")
    def _llm_is_configured(self) -> Settings:
        if self.answerer == "llm" and self.llm == "none":
            raise ValueError("ASSISTANT_ANSWERER=llm needs an LLM: set ASSISTANT_LLM (local, openai-compatible, ollama or openai)")
        if self.llm == "openai-compatible" and not self.llm_base_url:
            raise ValueError("ASSISTANT_LLM=openai-compatible needs ASSISTANT_LLM_BASE_URL, e.g. http://127.0.0.1:8080/v1")
        if self.llm == "ollama" and not self.llm_model:
            raise ValueError("ASSISTANT_LLM=ollama needs ASSISTANT_LLM_MODEL, e.g. qwen2.5:1.5b")
        return self

    @field_validator("fetch_user_agent")
    @classmethod
    def _user_agent_is_one_line(cls, value: str) -> str:
        if not value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError("must be one line of printable text (it is sent as an HTTP header)")
        return value.strip()

    @field_validator("chroma_url")
    @classmethod
    def _chroma_url_is_a_server(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.fullmatch(r"https?://[^/\s:]+(:\d{1,5})?/?", value.strip()):
            raise ValueError(f"expected http://HOST:PORT (or https://), got {value!r}")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _auth_is_user_and_password(self) -> Settings:
        if self.auth is not None:
            user, sep, password = self.auth.get_secret_value().partition(":")
            if not sep or not user or not password:
                raise ValueError("ASSISTANT_AUTH must be USER:PASS (both non-empty)")
        return self

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size ({self.chunk_size})"
            )
        return self


def load_settings(**overrides: object) -> Settings:
    """Build ``Settings`` from the environment plus overrides, with one clear error.

    A bad value raises ``SettingsError`` naming the ``ASSISTANT_*`` variable.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [str(part) for part in err.get("loc", ()) if part]
            msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
            # A check across fields names its variables in its own message.
            problems.append(f"ASSISTANT_{'__'.join(loc).upper()}: {msg}" if loc else msg)
        raise SettingsError("invalid setting: " + "; ".join(problems)) from None
