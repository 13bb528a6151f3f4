"""The retrieval-suite runner, with a scripted assistant over a tiny registered archive."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from evals import retrieval as rt

pytestmark = pytest.mark.unit

ARTICLES = [{"id": f"art-{i}", "outlet": "Wire", "text": f"Body of story {i}."} for i in range(6)]
QUERIES = [
    {"id": f"q-{i}", "query": f"headline {i}", "relevant": [f"art-{i}"], "category": "odd" if i % 2 else "even"}
    for i in range(6)
]


@dataclass(frozen=True)
class P:
    article_id: str
    chunk_id: str = "c"


@dataclass(frozen=True)
class Cite:
    article_id: str


@dataclass(frozen=True)
class Ans:
    refused: bool
    citations: tuple = ()


class Scripted:
    """dense ranks the right article 2nd, bm25 1st except for query 0, hybrid modes always 1st."""

    made: list = []

    def __init__(self, settings):
        self.settings = settings
        Scripted.made.append(settings)

    def ingest(self, paths, progress=None):
        rows = Path(paths[0]).read_text().splitlines()
        return type("R", (), {"added": tuple(range(len(rows))), "unchanged": (), "replaced": (), "rejected": ()})()

    def search(self, question, *, top_k):
        n = question.split()[-1]
        right, other = P(f"art-{n}"), P("art-x")
        mode = self.settings.retrieval
        if mode == "dense" or (mode == "bm25" and n == "0"):
            return [other, right][:top_k]
        return [right, other][:top_k]

    def ask(self, question):
        n = question.split()[-1]
        return Ans(True) if n == "1" else Ans(False, (Cite(f"art-{n}"),))

    def close(self):
        pass


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    arts, qs = tmp_path / "a.jsonl", tmp_path / "q.jsonl"
    arts.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    qs.write_text("".join(json.dumps(q) + "\n" for q in QUERIES))

    def load(*, size, out_dir, cache_dir=None):
        return rt.select("tiny", arts, qs, size=size, out_dir=out_dir, source="six made-up stories")

    monkeypatch.setitem(rt.RETRIEVAL_SUITES, "tiny", load)
    Scripted.made = []
    return arts, qs


def test_select_takes_a_fixed_hashed_order_and_keeps_the_queries_it_answers(tiny, tmp_path):
    arts, qs = tiny
    small = rt.select("tiny", arts, qs, size=3, out_dir=tmp_path / "s", source="")
    large = rt.select("tiny", arts, qs, size=5, out_dir=tmp_path / "l", source="")
    assert len(small.article_ids) == 3 and set(small.article_ids) < set(large.article_ids)
    assert {q.relevant[0] for q in small.queries} == set(small.article_ids)
    stored = [json.loads(line)["id"] for line in small.articles.read_text().splitlines()]
    assert stored == list(small.article_ids)
    assert len(rt.select("tiny", arts, qs, size=0, out_dir=tmp_path / "all", source="").article_ids) == 6


def test_scores_per_config_and_the_default_beats_the_best_single_retriever(tiny):
    report = rt.run_retrieval("tiny", size=0, assistant_factory=Scripted, progress=False)

    assert [c.config.name for c in report.configs] == ["dense", "bm25", "rrf", "default"]
    assert (report.n_articles, report.n_queries) == (6, 6)
    dense, bm25, rrf, default = (report.config(n).metrics for n in ("dense", "bm25", "rrf", "default"))
    assert dense == {"hit@1": 0.0, "hit@5": 1.0, "mrr": 0.5, "cited@1": None}
    assert bm25["hit@1"] == pytest.approx(5 / 6) and bm25["mrr"] == pytest.approx((5 + 0.5) / 6)
    assert rrf["hit@1"] == 1.0 and rrf["cited@1"] is None
    # Only the default asks; query 1's refusal scores 0.
    assert default["hit@1"] == 1.0 and default["cited@1"] == pytest.approx(5 / 6)
    assert report.best_single() == ("bm25", pytest.approx(5 / 6))
    assert rt.check_retrieval(report) == []
    # Every config searched with its own overrides on one store.
    modes = [(s.retrieval, s.rerank) for s in Scripted.made]
    assert modes == [("hybrid", True), ("dense", False), ("bm25", False), ("hybrid", False), ("hybrid", True)]
    assert len({s.home for s in Scripted.made}) == 1
    row = report.config("default").queries[1]
    assert row.refused is True and row.cited is None and row.rank == 1
    assert report.config("dense").per_category["odd"] == {"n": 3.0, "hit@1": 0.0, "hit@5": 1.0, "mrr": 0.5, "cited@1": None}
    assert set(report.config("default").latency_ms) == {"search", "ask"}


def test_a_default_that_only_ties_fails_the_check(tiny):
    configs = [c for c in rt.RETRIEVAL_CONFIGS if c.name != "rrf"]
    configs[0] = rt.EvalConfig("dense", {"retrieval": "hybrid", "rerank": False})  # as good as the default
    report = rt.run_retrieval("tiny", size=0, configs=configs, assistant_factory=Scripted, progress=False)
    assert rt.check_retrieval(report) == [
        "tiny: the default pipeline's hit@1 = 1.000 does not beat the best single retriever (dense, 1.000)"
    ]


def test_report_prints_and_writes_json(tiny, tmp_path):
    report = rt.run_retrieval("tiny", size=4, max_queries=2, assistant_factory=Scripted, progress=False)
    console = Console(record=True, width=140)
    rt.print_retrieval(report, console)
    text = console.export_text()
    assert "tiny retrieval (4 articles" in text and "2 queries" in text and "hit@1 per category" in text
    path = rt.write_retrieval_json(report, tmp_path / "out" / "tiny.json")
    data = json.loads(path.read_text())
    assert data["name"] == "tiny" and data["configs"][3]["config"]["name"] == "default"
    assert data["configs"][0]["queries"][0]["retrieved"]


def test_unknown_suite_names_the_known_ones(tmp_path):
    with pytest.raises(KeyError, match="known: bbc"):
        rt.load_corpus("nope", size=1, out_dir=tmp_path)


def test_eval_command_runs_a_retrieval_suite_by_name(tiny, tmp_path, monkeypatch):
    import evals

    real = rt.run_retrieval
    seen = {}

    def scripted(name, *, size):
        seen["size"] = size
        return real(name, size=size, assistant_factory=Scripted, progress=False)

    monkeypatch.setattr(rt, "run_retrieval", scripted)
    console = Console(record=True, width=160)
    code = evals.main_eval(["tiny"], json_path=tmp_path / "r" / "report.json", size=5, console=console)
    assert code == 0 and seen == {"size": 5}
    assert json.loads((tmp_path / "r" / "tiny.json").read_text())["n_articles"] == 5
    assert not (tmp_path / "r" / "report.json").exists()  # no QA suite ran
    assert "tiny retrieval" in console.export_text()
