"""Evaluation suites: cases, their corpus and their thresholds.

A suite ``<name>`` is three files in ``evals/suites/``:

* ``<name>.jsonl`` - one case per line (see ``Case``);
* ``<name>.corpus`` - one path per line, relative to ``evals/suites/``
  (a folder or a file the assistant can ingest);
* ``<name>.thresholds.json`` - optional, ``{"split": "test", "config":
  "hybrid", "recorded": "<date>", "thresholds": {"hit@3": 0.86, ...}}``,
  written by ``evals.record_thresholds``; ``<name>.thresholds.<slug>.json``
  holds another pipeline's (``thresholds_path_for``).

The shapes follow pydantic-evals (a ``Dataset`` of frozen ``Case`` objects)
without depending on it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
    "SUITES_DIR",
    "Evidence",
    "Case",
    "Dataset",
    "SuiteError",
    "load_suite",
    "suite_path",
    "read_thresholds",
    "ensure_corpus",
]

logger = logging.getLogger(__name__)

SUITES_DIR = Path(__file__).resolve().parent / "suites"

Split = Literal["dev", "test"]
SplitChoice = Literal["dev", "test", "all"]


class SuiteError(ValueError):
    """A suite file is missing or malformed; the message names file and line."""


class Evidence(BaseModel):
    """A gold sentence, exactly as it appears in the article's cleaned text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    article_id: str = Field(min_length=1)
    text: str = Field(min_length=1)


class Case(BaseModel):
    """One evaluation case.

    ``turns`` are asked in order; only the last one is scored, the earlier
    ones build the conversation history (multi-turn cases).

    ``as_of`` asks the question as of that day (what the articles published
    by then say); the runner passes it only to an ``Assistant.ask`` that
    takes an ``as_of`` keyword. ``ordered`` makes ``answers`` a timeline
    rather than alternatives: every one must appear, in this order ("how did
    the toll change" expects the figures oldest first).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    category: str = Field(min_length=1)
    split: Split
    turns: tuple[str, ...] = Field(min_length=1)
    answers: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    answerable: bool
    as_of: date | None = None
    ordered: bool = False

    @model_validator(mode="after")
    def _answerable_has_answers(self) -> Case:
        if any(not turn.strip() for turn in self.turns):
            raise ValueError("turns must not contain empty questions")
        if self.answerable and not self.answers:
            raise ValueError("an answerable case needs at least one accepted answer")
        if self.ordered and len(self.answers) < 2:
            raise ValueError("an ordered case needs at least two answers (the figures, oldest first)")
        return self

    @property
    def question(self) -> str:
        """The scored question (the last turn)."""
        return self.turns[-1]

    @property
    def history_turns(self) -> tuple[str, ...]:
        """The questions asked before the scored one."""
        return self.turns[:-1]

    @property
    def is_multi_turn(self) -> bool:
        return len(self.turns) > 1


class Dataset(BaseModel):
    """A loaded suite, filtered to one split (or ``"all"``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    path: Path
    split: SplitChoice
    cases: tuple[Case, ...]
    corpus: tuple[Path, ...]
    thresholds: dict[str, float] = Field(default_factory=dict)
    thresholds_split: str | None = None

    @property
    def thresholds_path(self) -> Path:
        return thresholds_path_for(self.path)

    def __len__(self) -> int:
        return len(self.cases)


def suite_path(name_or_path: str | Path) -> Path:
    """The ``.jsonl`` of a suite given by name (``"seeds"``) or by path."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".jsonl" or len(candidate.parts) > 1:
        path = candidate
    else:
        path = SUITES_DIR / f"{name_or_path}.jsonl"
    if not path.is_file():
        known = sorted(p.stem for p in SUITES_DIR.glob("*.jsonl"))
        raise SuiteError(f"no suite file {path}; known suites: {', '.join(known) or 'none'}")
    return path.resolve()


def thresholds_path_for(jsonl_path: Path, config: str | None = None) -> Path:
    """``<name>.thresholds.json`` (the gate's pipeline), or for another pipeline
    ``<name>.thresholds.<config as a slug>.json`` ("hybrid + reader" -> "hybrid-reader")."""
    if config is None:
        return jsonl_path.with_name(f"{jsonl_path.stem}.thresholds.json")
    slug = "-".join(re.findall(r"[a-z0-9]+", config.lower()))
    return jsonl_path.with_name(f"{jsonl_path.stem}.thresholds.{slug}.json")


def _read_cases(path: Path) -> list[Case]:
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SuiteError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(record, dict):
            raise SuiteError(f"{where}: expected a JSON object, got {type(record).__name__}")
        try:
            case = Case.model_validate(record)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'case'}: {err['msg']}" for err in exc.errors()
            )
            raise SuiteError(f"{where}: invalid case: {problems}") from None
        if case.id in seen:
            raise SuiteError(f"{where}: duplicate case id {case.id!r} (first on line {seen[case.id]})")
        seen[case.id] = lineno
        cases.append(case)
    if not cases:
        raise SuiteError(f"{path}: the suite has no cases")
    return cases


def _read_corpus(jsonl_path: Path) -> tuple[Path, ...]:
    corpus_file = jsonl_path.with_suffix(".corpus")
    if not corpus_file.is_file():
        raise SuiteError(f"no corpus file {corpus_file} (one path per line, relative to {jsonl_path.parent})")
    paths = []
    for line in corpus_file.read_text(encoding="utf-8").splitlines():
        entry = line.strip()
        if entry and not entry.startswith("#"):
            paths.append((jsonl_path.parent / entry).resolve())
    if not paths:
        raise SuiteError(f"{corpus_file}: lists no corpus paths")
    return tuple(paths)


def read_thresholds(jsonl_path: Path, config: str | None = None) -> tuple[dict[str, float], str | None]:
    """The thresholds of a suite (for ``config``'s file, see ``thresholds_path_for``)
    and the split they were recorded on."""
    path = thresholds_path_for(jsonl_path, config)
    if not path.is_file():
        return {}, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        thresholds = {str(k): float(v) for k, v in data["thresholds"].items()}
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SuiteError(f"{path}: malformed thresholds file ({exc})") from None
    return thresholds, data.get("split")


def load_suite(name_or_path: str | Path, split: SplitChoice = "test") -> Dataset:
    """Load a suite by name (``"seeds"``) or by path to its ``.jsonl``.

    Raises ``SuiteError`` with the file and line number of a malformed case,
    and when the split has no cases.
    """
    if split not in ("dev", "test", "all"):
        raise SuiteError(f"unknown split {split!r}; use dev, test or all")
    path = suite_path(name_or_path)
    cases = _read_cases(path)
    selected = tuple(c for c in cases if split == "all" or c.split == split)
    if not selected:
        raise SuiteError(f"{path}: no cases in the {split} split")
    thresholds, thresholds_split = read_thresholds(path)
    return Dataset(
        name=path.stem,
        path=path,
        split=split,
        cases=selected,
        corpus=_read_corpus(path),
        thresholds=thresholds,
        thresholds_split=thresholds_split,
    )


def _fetched_corpora() -> tuple[tuple[str, Path, Callable[[], Path]], ...]:
    """``(name, cache folder, fetch)`` for each corpus downloaded on demand.

    ``fetch()`` downloads the corpus into its cache folder and returns the
    articles file. The fetch modules are imported here, lazily: they download
    with pip and only a missing corpus needs them. Their attributes are read at
    call time, so a test can replace them.
    """
    from evals import fetch_bbc, fetch_developing, fetch_lee

    return (
        ("lee", fetch_lee.DEFAULT_CACHE_DIR.resolve(), lambda: Path(fetch_lee.fetch_lee())),
        ("bbc", fetch_bbc.DEFAULT_CACHE_DIR.resolve(), lambda: Path(fetch_bbc.fetch_bbc()[0])),
        # The dated story articles of the `developing` suite, built from the BBC archive.
        (
            "developing",
            fetch_developing.DEFAULT_CACHE_DIR.resolve(),
            lambda: Path(fetch_developing.fetch_developing()),
        ),
    )


def ensure_corpus(dataset: Dataset) -> tuple[Path, ...]:
    """The corpus paths, all existing; fetches a fetched corpus when it is missing.

    The Lee corpus (used by ``lee`` and ``abc_heldout``), the BBC archive
    (used by ``bbc_news``) and the dated articles built from it (used by
    ``developing``) live in git-ignored caches, so a fresh checkout has to
    download them once; any other missing path is an error.
    """
    missing = [p for p in dataset.corpus if not p.exists()]
    if not missing:
        return dataset.corpus
    corpora = _fetched_corpora()
    owners: dict[Path, str | None] = {}
    for path in missing:
        parents = path.resolve().parents
        owners[path] = next((name for name, cache, _ in corpora if cache in parents), None)
    unknown = [p for p, name in owners.items() if name is None]
    if unknown:
        raise SuiteError(f"suite {dataset.name!r}: corpus path(s) missing: {', '.join(map(str, unknown))}")
    fetches = {name: fetch for name, _, fetch in corpora}
    fetched: dict[str | None, Path] = {}
    for name in dict.fromkeys(owners.values()):
        logger.warning("the %s corpus is missing; fetching it (one-time download)", name)
        fetched[name] = fetches[name]()
    # The .corpus file normally names the cache file itself; if it names
    # something else in the cache, fall back to what the fetch produced.
    resolved = tuple(p if p.exists() else fetched[owners[p]] for p in dataset.corpus)
    still_missing = [p for p in resolved if not p.exists()]
    if still_missing:
        raise SuiteError(f"suite {dataset.name!r}: corpus still missing after fetching: {still_missing}")
    return tuple(dict.fromkeys(resolved))
