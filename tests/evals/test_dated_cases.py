"""The runner on cases about a developing story: ``as_of`` and ``ordered`` (``evals.dated``).

A scripted fake assistant stands in for the real one (as in test_runner.py):
what is under test is how the runner asks and scores, not the answers, so
the cases carry no evidence (no retrieval or citation scores).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rich.console import Console

from evals import print_report, run_evals
from evals.dataset import SuiteError, load_suite
from evals.dated import NO_AS_OF, accepts_as_of, contains_in_order

pytestmark = pytest.mark.unit

SENT_OLD = "The toll stood at 23,000 on Monday."

CASES = [
    {"id": "t1", "category": "latest", "split": "test", "turns": ["What is the toll now?"],
     "answers": ["150,000"], "evidence": [], "answerable": True},
    {"id": "t2", "category": "as_of", "split": "test", "turns": ["What was the toll?"], "as_of": "2004-12-27",
     "answers": ["23,000"], "evidence": [], "answerable": True},
    {"id": "t3", "category": "change", "split": "test", "turns": ["How did the toll change?"], "ordered": True,
     "answers": ["23,000", "150,000"], "evidence": [], "answerable": True},
    {"id": "t4", "category": "unanswerable", "split": "test", "turns": ["What was the toll?"],
     "as_of": "2004-12-25", "answers": [], "evidence": [], "answerable": False},
]  # fmt: skip


@dataclass(frozen=True)
class Answer:
    question: str
    rewritten_question: str
    text: str
    citations: tuple = ()
    refused: bool = False
    answerer: str = "fake"
    notice: str | None = None
    timings_ms: dict = field(default_factory=lambda: {"total": 1.0})
    refusal: str | None = None
    dropped: int = 0


def test_the_fake_answer_has_every_field_of_the_real_one():
    import dataclasses

    import assistant

    assert [f.name for f in dataclasses.fields(Answer)] == [f.name for f in dataclasses.fields(assistant.Answer)]


class OldAssistant:
    """``ask`` without ``as_of``, as ``Assistant.ask`` is before the time-aware work."""

    asked: list[tuple[str, dict]] = []
    change_text = "It rose from 23,000 to 150,000."

    def __init__(self, settings):
        self.settings = settings

    def ingest(self, paths):
        return type("Report", (), {"added": ("old", "new"), "unchanged": (), "replaced": (), "rejected": ()})()

    def search(self, question, *, top_k=None):
        return []

    def _answer(self, question, as_of=None):
        type(self).asked.append((question, {} if as_of is None else {"as_of": as_of}))
        if "change" in question:
            return Answer(question, question, self.change_text)
        if as_of is not None and as_of < "2004-12-27":
            return Answer(question, question, "The articles don't say.", refused=True)
        return Answer(question, question, "23,000 [1]." if as_of else "150,000 [1].")

    def ask(self, question, *, history=()):
        return self._answer(question)

    def close(self):
        pass


class DatedAssistant(OldAssistant):
    def ask(self, question, *, history=(), as_of=None):
        return self._answer(question, as_of)


class BackwardsAssistant(DatedAssistant):
    change_text = "It is 150,000 now, up from 23,000."


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "old.txt").write_text("Old\n\n" + SENT_OLD)
    path = tmp_path / "story.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in CASES) + "\n")
    (tmp_path / "story.corpus").write_text("docs\n")
    OldAssistant.asked = []
    return path


def _cases(report):
    return {c.case_id: c for c in report.suite("story").config().cases}


def test_an_ask_without_as_of_makes_dated_cases_not_applicable(suite: Path):
    result = run_evals([str(suite)], assistant_factory=OldAssistant, progress=False).suite("story").config()
    cases = {c.case_id: c for c in result.cases}
    for cid in ("t2", "t4"):
        assert cases[cid].not_applicable == NO_AS_OF
        assert cases[cid].scores == {} and cases[cid].error is None
    # Never asked undated (that would score a different question), never counted as failures.
    assert [q for q, _ in OldAssistant.asked] == ["What is the toll now?", "How did the toll change?"]
    assert [c.case_id for c in result.failures] == []
    # The metrics cover the two cases that could be asked, both answered right.
    assert result.metrics["contains"] == 1.0
    assert result.metrics["unanswerable_refused"] is None
    assert result.metrics["answerable_answered"] == 1.0
    assert result.per_category["as_of"]["contains"] is None


def test_the_printed_report_counts_the_cases_not_applicable(suite: Path):
    report = run_evals([str(suite)], assistant_factory=OldAssistant, progress=False)
    console = Console(record=True, width=200)
    print_report(report, console)
    text = console.export_text()
    assert "cases not applicable" in text
    assert f"story · hybrid + reader: 2 case(s) {NO_AS_OF}" in text
    assert "every case passed" in text


def test_an_ask_with_as_of_gets_the_day_as_a_date_string(suite: Path):
    result = run_evals([str(suite)], assistant_factory=DatedAssistant, progress=False).suite("story").config()
    cases = {c.case_id: c for c in result.cases}
    assert ("What was the toll?", {"as_of": "2004-12-27"}) in OldAssistant.asked
    assert ("What was the toll?", {"as_of": "2004-12-25"}) in OldAssistant.asked
    assert ("What is the toll now?", {}) in OldAssistant.asked  # no as_of: nothing passed
    assert all(c.not_applicable is None for c in cases.values())
    assert cases["t2"].scores["contains"] == 1.0
    assert cases["t4"].refused and cases["t4"].passed
    assert result.metrics["unanswerable_refused"] == 1.0


def test_an_ordered_case_needs_every_figure_oldest_first(suite: Path):
    right = _cases(run_evals([str(suite)], assistant_factory=DatedAssistant, progress=False))["t3"]
    assert right.scores["contains"] == 1.0 and right.passed
    backwards = _cases(run_evals([str(suite)], assistant_factory=BackwardsAssistant, progress=False))["t3"]
    assert backwards.scores["contains"] == 0.0
    assert backwards.reasons == ("not every figure of the timeline, in order, in the answer text",)


def test_contains_in_order():
    assert contains_in_order("From 23,000 [1] to 38,000, then 150,000 [2].", ["23,000", "38,000", "150,000"]) == 1.0
    assert contains_in_order("150,000 now; 23,000 at first.", ["23,000", "150,000"]) == 0.0
    assert contains_in_order("Only 23,000.", ["23,000", "150,000"]) == 0.0
    # Whole words: 41 is not found inside 410 or 4,100, and one mention serves once.
    assert contains_in_order("410 then 440", ["41", "440"]) == 0.0
    assert contains_in_order("41 41", ["41", "41"]) == 1.0
    assert contains_in_order("41 only", ["41", "41"]) == 0.0


def test_accepts_as_of_reads_the_signature():
    class Keyword:
        def ask(self, question, *, history=(), as_of=None): ...

    class Catchall:
        def ask(self, question, **kwargs): ...

    assert accepts_as_of(Keyword())
    assert not accepts_as_of(OldAssistant(None))
    assert not accepts_as_of(Catchall())  # a catch-all might drop it silently


def test_bad_dated_fields_are_clear_errors(tmp_path: Path):
    base = dict(CASES[0])
    for extra, message in (({"as_of": "27/12/2004"}, "as_of"), ({"ordered": True}, "at least two answers")):
        path = tmp_path / "bad.jsonl"
        path.write_text(json.dumps({**base, **extra}) + "\n")
        (tmp_path / "bad.corpus").write_text("docs\n")
        with pytest.raises(SuiteError, match=message):
            load_suite(path)
