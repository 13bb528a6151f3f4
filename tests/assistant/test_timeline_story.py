"""A developing story, really ingested: four reports over four days of a rising death toll.

tests/data/kaslo_landslide.jsonl is written in wire style (a first-day lede,
then "the death toll rose to ..."), outlets and dates differing.  Real
embedder, real Chroma and BM25, reader off (the fast path ``make test``
runs everywhere else too).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
STORY = REPO / "tests" / "data" / "kaslo_landslide.jsonl"
DIED = "How many people have died in the Kaslo Valley landslide?"
ROSE = "How did the death toll from the Kaslo Valley landslide rise?"
DATES = {"kaslo-1": "2024-06-10", "kaslo-2": "2024-06-11", "kaslo-3": "2024-06-12", "kaslo-4": "2024-06-13"}


@pytest.fixture(scope="module")
def story_home(tmp_path_factory, embedder) -> Path:
    from assistant import Assistant, load_settings

    home = tmp_path_factory.mktemp("kaslo") / "home"
    with Assistant(load_settings(home=home, reader="off"), embedder=embedder) as assistant:
        report = assistant.ingest([STORY])
    assert sorted(report.added) == sorted(DATES)
    return home


@pytest.fixture(scope="module")
def story(story_home, embedder):
    from assistant import Assistant, load_settings

    with Assistant(load_settings(home=story_home, reader="off"), embedder=embedder) as assistant:
        yield assistant


def _cited_figures(answer, story):
    """(date, figure) per timeline entry, after checking its citation quotes its own article."""
    by_n = {c.n: c for c in answer.citations}
    out = []
    for entry in answer.timeline:
        cite = by_n[entry.n]
        assert cite.article_id == entry.article_id and cite.published == entry.published
        assert story.article(cite.article_id).text[cite.start : cite.end] == cite.quote
        assert entry.figure in cite.quote
        out.append((entry.published, entry.figure))
    return out


def test_a_latest_question_gets_the_newest_figure_and_its_date(story):
    answer = story.ask(DIED)
    assert not answer.refused
    assert answer.text.startswith("23 (Valley Times, 2024-06-13), the latest of 4 reports:")
    first = answer.citations[0]
    assert (first.outlet, first.published) == ("Valley Times", "2024-06-13") and "23" in first.quote
    assert _cited_figures(answer, story) == [
        ("2024-06-10", "seven"), ("2024-06-11", "12"), ("2024-06-12", "19"), ("2024-06-13", "23"),
    ]  # fmt: skip
    # "so far" asks the same, of the present
    assert story.ask(DIED.replace("?", " so far?")).text.startswith("23 (Valley Times, 2024-06-13)")


def test_how_the_toll_rose_is_the_figures_in_date_order(story):
    answer = story.ask(ROSE)
    assert answer.text.startswith("From seven to 23 over 4 reports, oldest first: seven (Hill Country Gazette, 2024-06-10) [1];")
    assert [f for _, f in _cited_figures(answer, story)] == ["seven", "12", "19", "23"]
    assert [e.value for e in answer.timeline] == [7.0, 12.0, 19.0, 23.0]


def test_as_of_a_date_answers_as_the_archive_stood_then(story):
    answer = story.ask(DIED, as_of="2024-06-11")
    assert answer.text.startswith("12 (Coast Post, 2024-06-11), the latest of 2 reports:")
    assert max(c.published for c in answer.citations) == "2024-06-11"
    assert _cited_figures(answer, story) == [("2024-06-10", "seven"), ("2024-06-11", "12")]
    before = story.ask(DIED, as_of="2024-06-09")
    assert before.refused and before.citations == ()
    assert {p.article_id for p in story.search(DIED, as_of="2024-06-11")} == {
        c.article_id for c in answer.citations
    } == {p.article_id for p in story.search(DIED, until="2024-06-11")}


def test_the_cli_takes_as_of_and_names_a_bad_date(story_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(story_home, home)  # a private copy: the module's Assistant holds the original open
    env = {**os.environ, "ASSISTANT_HOME": str(home), "ASSISTANT_READER": "off"}
    cmd = [sys.executable, "-m", "assistant", "ask", DIED]
    bad = subprocess.run([*cmd, "--as-of", "2024-02-30"], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert "as of must be a date as YYYY-MM-DD, got '2024-02-30'" in bad.stderr
    good = subprocess.run([*cmd, "--as-of", "2024-06-12", "--json"], env=env, cwd=REPO, capture_output=True, text=True, timeout=180)
    assert good.returncode == 0, good.stderr
    data = json.loads(good.stdout)
    assert [(e["published"], e["figure"]) for e in data["timeline"]] == [
        ("2024-06-10", "seven"), ("2024-06-11", "12"), ("2024-06-12", "19"),
    ]  # fmt: skip
    assert data["citations"][0]["published"] == "2024-06-12"
