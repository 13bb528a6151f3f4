"""Checks of the ``developing`` suite (issue 19) and of ``evals.fetch_developing``.

The suite is test-only gold data over a multi-day story: fifteen BBC reports
of the 2004 tsunami, each given a date read from its own text. These tests
guard against the easy mistakes: evidence that is not verbatim, an answer
that is not in its evidence, an ``as_of`` case whose evidence was published
after its day, a timeline whose figures are not oldest first, a date outside
the days its article's text allows.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from evals import fetch_developing as fd
from evals.dataset import Case, ensure_corpus, load_suite
from evals.fetch_lee import FetchError
from evals.metrics import contains

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "evals" / "suites" / "developing.jsonl"
BBC_CACHE = ROOT / "evals" / ".cache" / "bbc"
KINDS = {"latest", "earliest", "change", "as_of", "unanswerable"}
PUBLISHED = {a.article_id: a.published for a in fd.ARTICLES}


@pytest.fixture(scope="module")
def cases() -> tuple[Case, ...]:
    return load_suite("developing", split="all").cases


def test_schema_size_and_kinds(cases):
    assert 25 <= len(cases) <= 40
    assert all(c.id.startswith("developing-") for c in cases)
    # Test-only by design: nobody tunes on it.
    assert {c.split for c in cases} == {"test"}
    kinds = Counter(c.category for c in cases)
    assert set(kinds) == KINDS, kinds
    assert kinds["unanswerable"] >= 5 and kinds["as_of"] >= 5, kinds
    assert all(not c.answerable for c in cases if c.category == "unanswerable")
    assert all(c.answerable and c.evidence for c in cases if c.category != "unanswerable")
    assert all(c.as_of is not None for c in cases if c.category == "as_of")
    assert sum(c.ordered for c in cases) >= 4
    assert all(c.category == "change" for c in cases if c.ordered)
    assert all(len(c.turns) == 1 for c in cases)


def test_answers_appear_in_their_evidence(cases):
    problems = []
    for case in cases:
        if not case.answerable:
            continue
        gold = " ".join(e.text for e in case.evidence)
        # A timeline needs every figure in its evidence; otherwise one accepted answer.
        wanted = [(a,) for a in case.answers] if case.ordered else [case.answers]
        problems += [f"{case.id}: none of {w} in its evidence" for w in wanted if not contains(gold, w)]
    assert not problems, "\n".join(problems)


def test_as_of_evidence_was_published_by_the_day(cases):
    first = min(PUBLISHED.values())
    problems = []
    for case in cases:
        if case.as_of is None:
            continue
        if not case.answerable:
            continue
        late = [e.article_id for e in case.evidence if PUBLISHED[e.article_id] > case.as_of]
        if late:
            problems.append(f"{case.id}: evidence from {late}, published after {case.as_of}")
    assert not problems, "\n".join(problems)
    # An unanswerable dated case asks before the story or about what no report gave by then.
    assert any(c.as_of < first for c in cases if c.as_of is not None and not c.answerable)


def test_timelines_are_oldest_first(cases):
    problems = []
    for case in (c for c in cases if c.ordered):
        days = []
        for answer in case.answers:
            sources = [PUBLISHED[e.article_id] for e in case.evidence if contains(e.text, [answer])]
            days.append(min(sources))
        if days != sorted(days):
            problems.append(f"{case.id}: {case.answers} come from reports of {days}")
    assert not problems, "\n".join(problems)


def test_dates_lie_in_what_each_text_allows():
    ids = [a.article_id for a in fd.ARTICLES]
    assert len(ids) == len(set(ids)) >= 8
    assert [a.published for a in fd.ARTICLES] == sorted(a.published for a in fd.ARTICLES)
    for article in fd.ARTICLES:
        assert article.earliest <= article.published <= article.latest, article.article_id
        # After the tsunami of 26 December 2004, within the weeks the story covers.
        assert date(2004, 12, 27) <= article.earliest and article.latest <= date(2005, 1, 31)
        assert article.why.strip()
    # Several days: a developing story, not one day's reports.
    assert len({a.published for a in fd.ARTICLES}) >= 8


def test_corpus_file_points_at_the_cache():
    lines = SUITE.with_suffix(".corpus").read_text(encoding="utf-8").split()
    assert [(SUITE.parent / line).resolve() for line in lines] == [fd.DEFAULT_CACHE_DIR.resolve() / "developing.jsonl"]


def test_evidence_is_verbatim_in_the_stored_text(cases, tmp_path: Path):
    articles, queries = BBC_CACHE / "bbc.jsonl", BBC_CACHE / "bbc.queries.jsonl"
    if not (articles.exists() and queries.exists()):
        pytest.skip(f"{BBC_CACHE} is missing; run `python -m evals.fetch_bbc` to fetch the BBC archive")
    from vectorstore.loading import load_file  # the loader the assistant ingests with

    built = tmp_path / "developing.jsonl"
    assert fd.build(articles, queries, built) == len(fd.ARTICLES)
    result = load_file(built)
    assert not result.rejected, result.rejected[:3]
    stored = {a.id: a for a in result.articles}
    assert {i: a.published for i, a in stored.items()} == {i: d.isoformat() for i, d in PUBLISHED.items()}
    problems = []
    for case in cases:
        listed = {(e.article_id, e.text) for e in case.evidence}
        for e in case.evidence:
            if e.text not in stored[e.article_id].text:
                problems.append(f"{case.id}: not verbatim in {e.article_id}: {e.text[:70]!r}")
            # A sentence found in another stored article must be listed for it too.
            problems += [
                f"{case.id}: {e.text[:50]!r} is also in {other}, not listed"
                for other, article in stored.items()
                if e.text in article.text and (other, e.text) not in listed
            ]
    assert not problems, "\n".join(problems)


def _fake_archive(folder: Path, ids: list[str]) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    articles, queries = folder / "bbc.jsonl", folder / "bbc.queries.jsonl"
    articles.write_text("".join(json.dumps({"id": i, "outlet": "BBC News", "text": f"Body of {i}."}) + "\n"
                                for i in ids))  # fmt: skip
    queries.write_text("".join(json.dumps({"id": f"q-{i}", "query": f"Headline {i}", "relevant": [i]}) + "\n"
                               for i in ids))  # fmt: skip
    return articles, queries


def test_build_writes_dated_titled_articles_and_names_what_is_missing(tmp_path: Path):
    ids = [a.article_id for a in fd.ARTICLES]
    articles, queries = _fake_archive(tmp_path / "bbc", ids + ["bbc-sport-001"])
    out = tmp_path / "out" / "developing.jsonl"
    assert fd.build(articles, queries, out) == len(ids)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ids  # only the story, oldest first
    assert rows[0] == {"id": ids[0], "title": f"Headline {ids[0]}", "outlet": "BBC News",
                       "published": fd.ARTICLES[0].published.isoformat(), "text": f"Body of {ids[0]}."}  # fmt: skip
    short, short_queries = _fake_archive(tmp_path / "short", ids[1:])
    with pytest.raises(FetchError, match=ids[0]):
        fd.build(short, short_queries, tmp_path / "none.jsonl")
    assert not (tmp_path / "none.jsonl").exists()


def test_a_missing_developing_corpus_is_built(tmp_path: Path, monkeypatch):
    cache = tmp_path / "cache" / "developing.jsonl"
    suite = tmp_path / "story.jsonl"
    case = {"id": "x-1", "category": "latest", "split": "test", "turns": ["q?"], "answers": ["a"],
            "evidence": [], "answerable": True}  # fmt: skip
    suite.write_text(json.dumps(case) + "\n", encoding="utf-8")
    (tmp_path / "story.corpus").write_text("cache/developing.jsonl\n", encoding="utf-8")
    monkeypatch.setattr("evals.fetch_developing.DEFAULT_CACHE_DIR", cache.parent)
    calls = []

    def fake_fetch(cache_dir=None, *, force=False):
        calls.append(cache_dir)
        cache.parent.mkdir()
        cache.write_text("{}\n", encoding="utf-8")
        return cache

    def no_other(*args, **kwargs):
        raise AssertionError("only the developing corpus is missing")

    monkeypatch.setattr("evals.fetch_developing.fetch_developing", fake_fetch)
    monkeypatch.setattr("evals.fetch_lee.fetch_lee", no_other)
    monkeypatch.setattr("evals.fetch_bbc.fetch_bbc", no_other)
    dataset = load_suite(suite)
    assert ensure_corpus(dataset) == (cache.resolve(),)
    assert ensure_corpus(dataset) == (cache.resolve(),)  # present now: built once
    assert calls == [None]
