"""The runner, thresholds and reports, with a scripted fake assistant and a tiny suite."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rich.console import Console

import evals
from evals import EvalConfig, check_thresholds, load_suite, record_thresholds, run_evals
from evals.dataset import SuiteError, ensure_corpus

pytestmark = pytest.mark.unit

SENT_A = "Forces seized 60 military posts on Tuesday."
SENT_B = "Smith won the election by a wide margin."

CASES = [
    {"id": "c1", "category": "fact", "split": "test", "turns": ["How many posts were seized?"],
     "answers": ["60"], "evidence": [{"article_id": "a", "text": SENT_A}], "answerable": True},
    {"id": "c2", "category": "unanswerable", "split": "test", "turns": ["What is the capital of Mars?"],
     "answers": [], "evidence": [], "answerable": False},
    {"id": "c3", "category": "multi_turn", "split": "test", "turns": ["Who seized posts?", "How many?"],
     "answers": ["60"], "evidence": [{"article_id": "a", "text": SENT_A}], "answerable": True},
    {"id": "c4", "category": "fact", "split": "test", "turns": ["Who won the election?"],
     "answers": ["Smith"], "evidence": [{"article_id": "b", "text": SENT_B}], "answerable": True},
    {"id": "d1", "category": "fact", "split": "dev", "turns": ["Dev only?"],
     "answers": ["x"], "evidence": [], "answerable": True},
]  # fmt: skip


@dataclass(frozen=True)
class FakePassage:
    chunk_id: str
    article_id: str
    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class FakeCitation:
    n: int
    article_id: str
    quote: str


@dataclass(frozen=True)
class FakeAnswer:
    question: str
    rewritten_question: str
    text: str
    citations: tuple = ()
    refused: bool = False
    answerer: str = "fake"
    notice: str | None = None
    timings_ms: dict = field(default_factory=lambda: {"retrieve": 2.0, "rank": 1.0, "answer": 1.0, "total": 4.0})
    refusal: str | None = None
    dropped: int = 0


@pytest.mark.parametrize("fake, real", [(FakeAnswer, "Answer"), (FakePassage, "Passage")])
def test_the_fakes_have_every_field_of_the_real_types(fake, real):
    import dataclasses

    import assistant

    assert [f.name for f in dataclasses.fields(fake)] == [f.name for f in dataclasses.fields(getattr(assistant, real))]


def test_the_fake_citation_is_a_part_of_the_real_one():
    import dataclasses

    from assistant import Citation

    assert {f.name for f in dataclasses.fields(FakeCitation)} <= {f.name for f in dataclasses.fields(Citation)}


class FakeAssistant:
    """Knows one fact (posts) and misses the election; bm25 mode retrieves nothing."""

    log: list[tuple] = []

    def __init__(self, settings):
        self.settings = settings

    def ingest(self, paths):
        FakeAssistant.log.append(("ingest", str(self.settings.home), tuple(paths)))
        return type("Report", (), {"added": ("a", "b"), "unchanged": (), "replaced": (), "rejected": ()})()

    def search(self, question, *, top_k=None):
        FakeAssistant.log.append(("search", self.settings.retrieval, question, str(self.settings.home)))
        if self.settings.retrieval == "bm25":
            return []
        other = FakePassage("b-0", "b", 0, 10, "Unrelated chunk text about weather.", 0.9)
        if "posts" in question:
            return [FakePassage("a-0", "a", 0, 40, "Intro. " + SENT_A, 0.8), other]
        return [other]

    def ask(self, question, *, history=()):
        FakeAssistant.log.append(("ask", question, len(history)))
        rewritten = f"{history[-1][0]} {question}" if history else question
        if "posts" in rewritten:
            return FakeAnswer(question, rewritten, "They seized 60 posts [1].", (FakeCitation(1, "a", SENT_A),))
        return FakeAnswer(question, rewritten, "The articles don't say.", refused=True)

    def close(self):
        pass


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Title\n\n" + SENT_A)
    path = tmp_path / "mini.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in CASES) + "\n")
    (tmp_path / "mini.corpus").write_text("docs\n")
    FakeAssistant.log = []
    return path


@pytest.fixture
def report(suite: Path) -> evals.EvalReport:
    return run_evals([str(suite)], assistant_factory=FakeAssistant, progress=False)


# --- datasets -------------------------------------------------------------------------------


def test_load_suite_filters_the_split(suite: Path):
    assert [c.id for c in load_suite(suite).cases] == ["c1", "c2", "c3", "c4"]
    assert [c.id for c in load_suite(suite, "dev").cases] == ["d1"]
    assert len(load_suite(suite, "all")) == 5
    assert load_suite(suite).corpus == ((suite.parent / "docs").resolve(),)


def test_malformed_lines_name_the_file_and_line(tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    (tmp_path / "bad.corpus").write_text("x\n")
    bad.write_text(json.dumps(CASES[0]) + "\n\n{not json\n")
    with pytest.raises(SuiteError, match=r"bad\.jsonl:3: not valid JSON"):
        load_suite(bad)
    bad.write_text(json.dumps({**CASES[0], "split": "train"}) + "\n")
    with pytest.raises(SuiteError, match=r"bad\.jsonl:1: invalid case: split"):
        load_suite(bad)
    bad.write_text(json.dumps(CASES[0]) + "\n" + json.dumps(CASES[0]) + "\n")
    with pytest.raises(SuiteError, match=r"bad\.jsonl:2: duplicate case id 'c1' \(first on line 1\)"):
        load_suite(bad)
    with pytest.raises(SuiteError, match="no suite file"):
        load_suite("no-such-suite")


def test_missing_corpus_is_a_clear_error(suite: Path):
    (suite.parent / "mini.corpus").write_text("missing-folder\n")
    with pytest.raises(SuiteError, match="corpus path"):
        run_evals([str(suite)], assistant_factory=FakeAssistant, progress=False)


@pytest.mark.parametrize("suite_name", ["lee", "heldout"])
def test_a_missing_lee_corpus_is_fetched_for_any_suite_over_it(tmp_path: Path, monkeypatch, suite_name):
    cache = tmp_path / "cache" / "lee.jsonl"
    lee = tmp_path / f"{suite_name}.jsonl"
    lee.write_text(json.dumps(CASES[0]) + "\n")
    (tmp_path / f"{suite_name}.corpus").write_text("cache/lee.jsonl\n")
    monkeypatch.setattr("evals.fetch_lee.DEFAULT_CACHE_DIR", cache.parent)
    calls = []

    def fake_fetch(cache_dir=None, *, force=False):
        calls.append(cache_dir)
        cache.parent.mkdir()
        cache.write_text("{}\n")
        return cache

    monkeypatch.setattr("evals.fetch_lee.fetch_lee", fake_fetch)
    assert ensure_corpus(load_suite(lee)) == (cache.resolve(),)
    assert calls == [None]


# --- running and metrics ----------------------------------------------------------------------


def test_metrics_of_the_default_config(report: evals.EvalReport):
    suite = report.suite("mini")
    assert [c.config.name for c in suite.configs] == ["hybrid + reader"]
    result = suite.config()
    got = result.metrics
    # Retrieval and answers over c1, c3 (right) and c4 (missed); c2 is unanswerable.
    assert got["hit@1"] == pytest.approx(2 / 3)
    assert got["mrr"] == pytest.approx(2 / 3)
    assert got["contains"] == pytest.approx(2 / 3)
    assert got["citation_precision"] == pytest.approx(2 / 3)
    assert got["multi_turn"] == 1.0
    assert got["unanswerable_refused"] == 1.0
    assert got["answerable_answered"] == pytest.approx(2 / 3)
    assert got["refusal_accuracy"] == pytest.approx(5 / 6)
    assert result.latency_ms["total"] == {"p50": 4.0, "p95": 4.0}
    assert set(result.per_category) == {"fact", "unanswerable", "multi_turn"}
    assert result.per_category["fact"]["n"] == 2
    assert result.per_category["fact"]["contains"] == 0.5


def test_failures_carry_question_expectation_and_reasons(report: evals.EvalReport):
    failures = report.suite("mini").config().failures
    assert [c.case_id for c in failures] == ["c4"]
    failed = failures[0]
    assert failed.question == "Who won the election?"
    assert failed.expected == ("Smith",)
    assert failed.refused and failed.citations == ()
    assert "refused a question the articles answer" in failed.reasons
    assert any("no gold evidence in the top 5" in r for r in failed.reasons)


def test_multi_turn_asks_history_first_and_searches_the_rewritten_question(report: evals.EvalReport):
    asks = [e for e in FakeAssistant.log if e[0] == "ask"]
    assert ("ask", "Who seized posts?", 0) in asks and ("ask", "How many?", 1) in asks
    searches = [e[2] for e in FakeAssistant.log if e[0] == "search"]
    assert "Who seized posts? How many?" in searches
    case = next(c for c in report.suite("mini").config().cases if c.case_id == "c3")
    assert case.rewritten_question == "Who seized posts? How many?"
    assert case.citations[0].matches_gold


def test_compare_runs_every_config_on_one_ingested_store(suite: Path):
    report = run_evals([str(suite)], compare=True, assistant_factory=FakeAssistant, progress=False)
    suite_result = report.suite("mini")
    assert [c.config.name for c in suite_result.configs] == [
        "dense", "bm25", "hybrid, no rerank", "hybrid", "hybrid + reader"
    ]
    ingests = [e for e in FakeAssistant.log if e[0] == "ingest"]
    assert len(ingests) == 1
    homes = {e[3] for e in FakeAssistant.log if e[0] == "search"} | {ingests[0][1]}
    assert len(homes) == 1
    modes = {e[1] for e in FakeAssistant.log if e[0] == "search"}
    assert modes == {"dense", "bm25", "hybrid"}
    assert suite_result.config("bm25").metrics["hit@5"] == 0.0
    assert suite_result.config("dense").metrics["hit@5"] == pytest.approx(2 / 3)


def test_custom_configs_and_unique_names(suite: Path):
    configs = [EvalConfig("small", {"top_k": 2})]
    report = run_evals([str(suite)], configs=configs, assistant_factory=FakeAssistant, progress=False)
    assert report.suite("mini").config().config.name == "small"
    with pytest.raises(ValueError, match="unique"):
        run_evals([str(suite)], configs=configs * 2, assistant_factory=FakeAssistant, progress=False)


def test_a_crashing_case_is_reported_not_raised(suite: Path):
    class Crashing(FakeAssistant):
        def ask(self, question, *, history=()):
            if "election" in question:
                raise RuntimeError("boom")
            return super().ask(question, history=history)

    report = run_evals([str(suite)], assistant_factory=Crashing, progress=False)
    failed = report.suite("mini").config().failures
    assert [c.case_id for c in failed] == ["c4"]
    assert failed[0].error == "RuntimeError: boom"


# --- thresholds -------------------------------------------------------------------------------


def test_check_thresholds_message_format(report: evals.EvalReport, suite: Path):
    thresholds = {"split": "test", "recorded": "2024-01-01", "thresholds": {"hit@1": 0.9, "contains": 0.5}}
    (suite.parent / "mini.thresholds.json").write_text(json.dumps(thresholds))
    assert check_thresholds(report, "mini") == ["mini (test split): hit@1 = 0.667 is below its threshold 0.900"]


def test_no_thresholds_file_means_nothing_to_check(report: evals.EvalReport):
    assert check_thresholds(report, "mini") == []


def test_record_then_check_passes(report: evals.EvalReport, suite: Path):
    path = record_thresholds(report, "mini", margin=0.02)
    data = json.loads(path.read_text())
    assert path == suite.parent / "mini.thresholds.json"
    assert data["split"] == "test" and re.fullmatch(r"\d{4}-\d\d-\d\d", data["recorded"])
    t = data["thresholds"]
    assert t["hit@1"] == 0.646  # 0.6667 - 0.02 = 0.6467, rounded down
    assert t["refusal_accuracy"] == 0.813  # 0.8333 - 0.02
    assert t["multi_turn"] == 0.98
    assert "latency" not in json.dumps(t)
    assert check_thresholds(report, "mini") == []


# --- reports -----------------------------------------------------------------------------------


def test_print_report_shows_tables_and_failures(report: evals.EvalReport):
    console = Console(record=True, width=200)
    evals.print_report(report, console)
    out = console.export_text()
    assert "mini (test split)" in out and "hit@3" in out and "per category" in out
    assert "c4" in out and "Who won the election?" in out and "expected: Smith" in out


def test_json_and_html_reports(report: evals.EvalReport, tmp_path: Path):
    data = json.loads(evals.write_json(report, tmp_path / "r" / "report.json").read_text())
    assert data["suites"][0]["configs"][0]["metrics"]["multi_turn"] == 1.0
    html = evals.write_html(report, tmp_path / "r" / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") >= 3
    assert "Who won the election?" in html
    assert "<link" not in html and "src=" not in html  # self-contained


def test_main_eval_exit_codes(report: evals.EvalReport, suite: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr("evals.command.run_evals", lambda *a, **k: report)
    kwargs = dict(split="test", json_path=tmp_path / "r.json", html_path=tmp_path / "r.html", compare=False)
    console = Console(record=True, width=200)
    assert evals.main_eval(["mini"], record=True, console=console, **kwargs) == 0
    assert evals.main_eval(["mini"], record=False, console=console, **kwargs) == 0
    (suite.parent / "mini.thresholds.json").write_text(json.dumps({"split": "test", "thresholds": {"hit@1": 0.99}}))
    assert evals.main_eval(["mini"], record=False, console=console, **kwargs) == 1
    assert "hit@1 = 0.667 is below its threshold 0.990" in console.export_text()


def test_another_pipeline_s_thresholds_live_in_their_own_file(report: evals.EvalReport, suite: Path):
    from evals.dataset import thresholds_path_for

    assert thresholds_path_for(suite, "hybrid + reader") == suite.parent / "mini.thresholds.hybrid-reader.json"
    path = record_thresholds(report, "mini", margin=0.02, config=report.suite("mini").config().config.name)
    assert path.name.startswith("mini.thresholds.") and path.name != "mini.thresholds.json"
    assert check_thresholds(report, "mini") == []  # the gate's own file does not exist
    assert check_thresholds(report, "mini", config=report.suite("mini").config().config.name) == []
    data = json.loads(path.read_text())
    data["thresholds"]["hit@1"] = 0.99
    path.write_text(json.dumps(data))
    failing = check_thresholds(report, "mini", config=report.suite("mini").config().config.name)
    assert failing == ["mini (test split): hit@1 = 0.667 is below its threshold 0.990"]
