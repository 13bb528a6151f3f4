"""``assistant bench``: ingest speed, answer latency, start-up, memory, and a naive LlamaIndex baseline.

For each size (a number of chunks) the bench builds a store from real text,
the BBC archive of the ``bbc`` retrieval suite (fetched once, never
committed), and measures on it:

* **ingest**: chunks/s and articles/s of ``Assistant.ingest`` on the real
  articles, every vector computed (the model is loaded before the clock
  starts). Where the archive holds fewer chunks than the size asks for, the
  same articles are ingested again under new ids (``<id>.r<n>``) in a second
  call whose embeddings come from a cache of the first: that call measures
  everything ingest does but the model, and the report says so.
* **warm ask**: p50 and p95 of ``Assistant.ask`` wall time after
  ``warm_up``, with the reader off and, where ``Settings`` has a ``reader``
  and the model loads, on; each question asked once (the query-vector cache
  never hits).
* **cold ask**: wall time of a fresh ``python -m assistant ask`` process,
  median of ``cold_runs``.
* **peak RSS** of each process (``ru_maxrss``): the one answering questions
  is the serving footprint.
* **naive LlamaIndex**: ``VectorStoreIndex.from_documents`` over a Chroma
  collection with LlamaIndex's defaults (``SentenceSplitter`` 1024/200,
  retriever top-k 2) and the same MiniLM model, on the same articles and
  questions: its retrieve latency and hit@1 beside ours.

The questions are the articles' headlines (held out of the stored text);
a hit is the right story, in any of its copies.

Every measurement runs in a process of its own (``python -m evals.bench
worker SPEC``) so that peak memory is that job's alone and no cache of one
phase warms another.

The code lives in modules by concern: ``figures`` (targets, figures, checks),
``corpus`` (embedding cache, corpus plan, the archive), ``measure`` and
``naive`` (the measurements run in workers), ``worker`` (the processes),
``run`` (``run_bench``), ``report`` (table, Markdown, JSON) and ``command``
(``main_bench``, ``python -m evals.bench``). The served app under load is
apart: ``app`` (the server process, its clients, the citation check),
``load`` (``--load``), ``soak`` (``--soak``), ``serving`` (both added to a
report) and ``serving_report`` (their rows). This package re-exports the
public names.
"""

from __future__ import annotations

from .command import main as main
from .command import main_bench
from .corpus import CachingEmbedder, CorpusPlan, plan_corpus, prefill_cache
from .figures import (
    DEFAULT_SIZES,
    TARGETS,
    AskFigures,
    BenchReport,
    Check,
    IngestFigures,
    Latency,
    LoadFigures,
    NaiveFigures,
    SizeResult,
    SoakFigures,
    latency,
    load_checks,
    size_checks,
    soak_checks,
)
from .report import print_bench, render_markdown
from .run import bare_report, run_bench
from .serving import LoadOptions, SoakOptions, run_serving
from .worker import worker_main as worker_main

__all__ = [
    "DEFAULT_SIZES",
    "TARGETS",
    "CachingEmbedder",
    "CorpusPlan",
    "plan_corpus",
    "prefill_cache",
    "Latency",
    "IngestFigures",
    "AskFigures",
    "NaiveFigures",
    "Check",
    "SizeResult",
    "BenchReport",
    "latency",
    "size_checks",
    "run_bench",
    "print_bench",
    "render_markdown",
    "main_bench",
    "LoadOptions",
    "SoakOptions",
    "LoadFigures",
    "SoakFigures",
    "load_checks",
    "soak_checks",
    "run_serving",
    "bare_report",
]

