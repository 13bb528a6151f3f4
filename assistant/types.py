"""The result types every surface shows: Python, ``--json`` and the UI.

They are frozen dataclasses so that an ``Answer`` handed to a caller can't be
changed behind the citations that were validated for it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, get_args

from .errors import InvalidInputError

__all__ = [
    "Citation",
    "DatedFigure",
    "Answer",
    "REFUSAL_KINDS",
    "RefusalKind",
    "Passage",
    "ArticleInfo",
    "Article",
    "ArticleVersion",
    "IngestReport",
    "CheckReport",
    "Rejected",
    "Step",
    "TextDelta",
]


@dataclass(frozen=True, slots=True)
class Citation:
    """One piece of evidence behind an answer.

    Attributes:
        n: the number of its ``[n]`` marker in ``Answer.text``.
        article_id: id of the cited article.
        title, outlet: the article's title and publisher (outlet may be None).
        published: ``YYYY-MM-DD`` or None when the article carries no date.
        source: the file path or URL the article was loaded from.
        quote: one or two sentences, exactly as in the article.
        start, end: ``article.text[start:end] == quote`` on the cleaned text.
        passage: the retrieved chunk around the quote, for context.
        score: the ranking score of the quote (higher is better).
    """

    n: int
    article_id: str
    title: str
    outlet: str | None
    published: str | None
    source: str
    quote: str
    start: int
    end: int
    passage: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Citation:
        """The inverse of ``to_dict``; a missing or mistyped field is an ``InvalidInputError``."""
        return cls(**_fields_of(cls, data, "citation"))


RefusalKind = Literal[
    "unknown_name", "off_topic", "not_grounded", "no_such_kind", "not_stated", "nothing_more", "no_opening", "unchecked"
]
"""Why an answer is refused (``Answer.refusal``):

* ``unknown_name``: the question names something no article's words, outlet or agency hold;
* ``off_topic``: no sentence comes near the question (or none scores enough to quote);
* ``not_grounded``: no retrieved passage from an article naming what the question names answers it;
* ``no_such_kind``: the articles discuss it, but no close sentence holds the figure, date or name asked for;
* ``not_stated``: the reading model read the closest sentences and none states the answer;
* ``nothing_more``: "What else?" when the answers above said all there is;
* ``no_opening``: a request for a summary with no article's opening among the passages;
* ``unchecked``: every citation the answerer gave failed the check in code.
"""
REFUSAL_KINDS: tuple[str, ...] = get_args(RefusalKind)


@dataclass(frozen=True, slots=True)
class DatedFigure:
    """One report's figure in a developing story (``Answer.timeline``).

    Attributes:
        figure: the figure as the article writes it ("14", "dozens").
        value: its number, for a chart ("14" -> 14.0); None for words like "dozens".
        published: its report's date, ``YYYY-MM-DD``: the article's last update when one is
            stored (its text is that version's), else its publication (undated reports are left out).
        outlet: the article's outlet, or None.
        article_id: the article it comes from.
        n: the number of the citation (and ``[n]`` marker) that quotes it.
    """

    figure: str
    value: float | None
    published: str
    outlet: str | None
    article_id: str
    n: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatedFigure:
        """The inverse of ``to_dict``; a missing or mistyped field is an ``InvalidInputError``."""
        return cls(**_fields_of(cls, data, "timeline entry"))


@dataclass(frozen=True, slots=True)
class Answer:
    """What ``ask`` returns.

    Attributes:
        question: the question as asked.
        rewritten_question: the question used for retrieval (a follow-up is
            completed from the conversation); equal to ``question`` otherwise.
        text: the answer with ``[n]`` markers, or a refusal sentence.
        citations: the evidence, one per marker; empty when refused.
        refused: True when the articles don't answer the question.
        answerer: which answerer produced it: ``"reader"`` (sentences the
            reading model chose), ``"extractive"`` (the ranker's choice, reader
            off or unavailable) or ``"llm"`` (an LLM's words over the chosen
            sentences).
        notice: an extra remark for the reader (why it refused, a
            disagreement between outlets, a missing part), or None.
        timings_ms: milliseconds per stage: ``retrieve``, ``rank``,
            ``answer``, ``total`` (and ``read``, ``write`` when they ran).
        refusal: why it is refused, one of ``REFUSAL_KINDS`` (None when it answers).
        dropped: sentences an LLM wrote that the check left out as unsupported.
        timeline: when reports of different dates give different figures
            for what a "how many" (or "how did X change") question asks,
            each report's ``DatedFigure``, oldest first, each cited; empty
            otherwise (see ``assistant/answerers/timeline.py``).
    """

    question: str
    rewritten_question: str
    text: str
    citations: tuple[Citation, ...]
    refused: bool
    answerer: str
    notice: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    refusal: RefusalKind | None = None
    dropped: int = 0
    timeline: tuple[DatedFigure, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "rewritten_question": self.rewritten_question,
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "refused": self.refused,
            "answerer": self.answerer,
            "notice": self.notice,
            "timings_ms": dict(self.timings_ms),
            "refusal": self.refusal,
            "dropped": self.dropped,
            "timeline": [f.to_dict() for f in self.timeline],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The inverse of ``to_dict`` (e.g. an answer a client sends back as conversation history)."""
        fields_ = _fields_of(cls, data, "answer", optional=("notice", "timings_ms", "refusal", "dropped", "timeline"))
        citations = fields_.get("citations")
        if not isinstance(citations, (list, tuple)):
            raise InvalidInputError("answer field 'citations' must be a list")
        fields_["citations"] = tuple(Citation.from_dict(c) for c in citations)
        if fields_.get("refusal") not in (None, *REFUSAL_KINDS):
            raise InvalidInputError(f"answer field 'refusal' must be one of {', '.join(REFUSAL_KINDS)} or null")
        timeline = fields_.get("timeline", ())
        if not isinstance(timeline, (list, tuple)):
            raise InvalidInputError("answer field 'timeline' must be a list")
        fields_["timeline"] = tuple(DatedFigure.from_dict(f) for f in timeline)
        return cls(**fields_)


_KINDS: dict[str, tuple[type, ...]] = {
    "int": (int,), "str": (str,), "float": (int, float), "bool": (bool,),
    "str | None": (str, type(None)),
    "float | None": (int, float, type(None)),
}  # fmt: skip


def _fields_of(cls: type, data: Any, what: str, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """``data``'s values for ``cls``'s fields, type-checked where the type is simple."""
    if not isinstance(data, dict):
        raise InvalidInputError(f"{what} must be an object, got {type(data).__name__}")
    out = {}
    for f in fields(cls):
        if f.name not in data:
            if f.name in optional:
                continue
            raise InvalidInputError(f"{what} is missing the field {f.name!r}")
        value = data[f.name]
        kinds = _KINDS.get(str(f.type))
        if kinds is not None and (not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool))):
            raise InvalidInputError(f"{what} field {f.name!r} must be {f.type}, got {type(value).__name__}")
        out[f.name] = value
    return out


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk: ``article.text[start:end] == text``."""

    chunk_id: str
    article_id: str
    start: int
    end: int
    text: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """An article's metadata, as ``list`` shows it."""

    id: str
    title: str
    outlet: str | None
    agencies: tuple[str, ...]
    published: str | None
    source: str
    content_hash: str
    author: str | None = None    # a page's author, when its HTML names one
    updated: str | None = None   # YYYY-MM-DD: a page's last update, when later than published

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["agencies"] = list(self.agencies)
        return d


@dataclass(frozen=True, slots=True)
class ArticleVersion:
    """An earlier version of an article, replaced when a changed copy (same id) was ingested.

    Attributes:
        replaced_at: when it was replaced, UTC, ``YYYY-MM-DDTHH:MM:SSZ``.
        title, published, updated, content_hash: that version's (its text is not kept).
    """

    replaced_at: str
    title: str
    published: str | None
    updated: str | None
    content_hash: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Article(ArticleInfo):
    """A stored article with its cleaned text (what citations point into).

    ``history``: the versions it replaced, oldest first (empty: never replaced).
    """

    text: str = ""
    history: tuple[ArticleVersion, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = ArticleInfo.to_dict(self)
        d["history"] = [v.to_dict() for v in self.history]
        return d


@dataclass(frozen=True, slots=True)
class Rejected:
    """A file or record that was not ingested, and why."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What an ingest did, by article id."""

    added: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    rejected: tuple[Rejected, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "unchanged": list(self.unchanged),
            "replaced": list(self.replaced),
            "rejected": [asdict(r) for r in self.rejected],
        }


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``Assistant.check`` found in the store, and what it repaired.

    The article table is the source of truth; Chroma's chunk and sentence
    collections and the BM25 index are derived from it and compared with it
    id by id.

    Attributes:
        consistent: True when every derived index holds exactly what the
            table lists and no ingest group is left pending (after the
            repair, when one was asked for).
        problems: what the check found, one human-readable line each
            (missing entries, orphans, duplicates, a pending group), with
            the articles they touch; empty when nothing drifted.
        repaired: what the repair did, one line per step; empty without
            ``repair`` or when there was nothing to do.
        remaining: the problems left at the end: after a repair, what it
            could not fix (normally none); without one, ``problems``.
        counts: entries in each place at the end: ``articles``,
            ``table_chunks``, ``table_sentences``, ``chroma_chunks``,
            ``chroma_sentences``, ``bm25_chunks``; empty when a damaged
            article table was found and not repaired.
    """

    consistent: bool
    problems: tuple[str, ...] = ()
    repaired: tuple[str, ...] = ()
    remaining: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "consistent": self.consistent,
            "problems": list(self.problems),
            "repaired": list(self.repaired),
            "remaining": list(self.remaining),
            "counts": dict(self.counts),
        }


@dataclass(frozen=True, slots=True)
class Step:
    """A stage an answer is passing through, shown while the user waits.

    Attributes:
        stage: ``"retrieve"``, ``"read"`` (the reading model judges
            passages) or ``"write"`` (an LLM writes the answer).
        message: ready to show, e.g. ``"Reading 6 passages…"``.
        count: how many items the stage works on, when it has a number.
    """

    stage: str
    message: str
    count: int | None = None


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the answer text as an LLM writes it; the final ``Answer`` replaces it."""

    text: str
