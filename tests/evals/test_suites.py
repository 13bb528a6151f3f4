"""Checks of the evaluation suites in ``evals/suites/``, of ``evals.fetch_lee`` and
of ``evals.dataset.ensure_corpus`` for the BBC archive.

The suites are hand-written gold data, so these tests guard against the easy
mistakes: a typo in an evidence sentence (it must be copied verbatim, or no
citation can ever match it), a missing key, a category that only exists in one
split, or an unbalanced dev/test split.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from evals import fetch_lee as fl
from evals.dataset import ensure_corpus
from evals.dataset import load_suite as load_dataset
from evals.metrics import contains

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SUITES = ROOT / "evals" / "suites"
SEEDS_DIR = ROOT / "seeds"
LEE_CACHE = ROOT / "evals" / ".cache" / "lee" / "lee.jsonl"
BBC_CACHE = ROOT / "evals" / ".cache" / "bbc" / "bbc.jsonl"

CATEGORIES = {
    "fact",
    "who_said",
    "paraphrase",
    "both_articles",
    "list",
    "unanswerable",
    "off_topic",
    "multi_turn",
}
KEYS = {"id", "category", "split", "turns", "answers", "evidence", "answerable"}


def load_suite(name: str) -> list[dict]:
    path = SUITES / f"{name}.jsonl"
    cases = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            cases.append(json.loads(line))
        except json.JSONDecodeError as exc:  # name the line, not just "invalid JSON"
            pytest.fail(f"{path.name}:{lineno} is not valid JSON: {exc}")
    return cases


def check_schema(name: str, cases: list[dict]) -> None:
    problems = []
    for case in cases:
        cid = case.get("id", "<no id>")
        if set(case) != KEYS:
            problems.append(f"{cid}: keys {sorted(case)} != {sorted(KEYS)}")
            continue
        if not (isinstance(case["id"], str) and case["id"].startswith(f"{name}-")):
            problems.append(f"{cid}: id must be a string starting with '{name}-'")
        if case["category"] not in CATEGORIES:
            problems.append(f"{cid}: unknown category {case['category']!r}")
        if case["split"] not in ("dev", "test"):
            problems.append(f"{cid}: split must be dev or test, not {case['split']!r}")
        turns = case["turns"]
        if not (isinstance(turns, list) and turns and all(isinstance(t, str) and t.strip() for t in turns)):
            problems.append(f"{cid}: turns must be a non-empty list of questions")
        elif case["category"] == "multi_turn" and not 2 <= len(turns) <= 3:
            problems.append(f"{cid}: a multi_turn case has 2-3 turns")
        elif case["category"] != "multi_turn" and len(turns) != 1:
            problems.append(f"{cid}: only multi_turn cases have several turns")
        answers, evidence = case["answers"], case["evidence"]
        if not (isinstance(answers, list) and all(isinstance(a, str) and a.strip() for a in answers)):
            problems.append(f"{cid}: answers must be a list of non-empty strings")
        if not isinstance(evidence, list) or not all(
            isinstance(e, dict)
            and set(e) == {"article_id", "text"}
            and isinstance(e["article_id"], str)
            and isinstance(e["text"], str)
            and e["text"].strip()
            for e in evidence
        ):
            problems.append(f"{cid}: evidence must be a list of {{article_id, text}}")
            continue
        if not isinstance(case["answerable"], bool):
            problems.append(f"{cid}: answerable must be a bool")
        elif case["answerable"]:
            if not answers or not evidence:
                problems.append(f"{cid}: an answerable case needs answers and evidence")
            if case["category"] in ("unanswerable", "off_topic"):
                problems.append(f"{cid}: {case['category']} cases are not answerable")
        else:
            if answers or evidence:
                problems.append(f"{cid}: an unanswerable case has no answers nor evidence")
            if case["category"] not in ("unanswerable", "off_topic"):
                problems.append(f"{cid}: only unanswerable/off_topic cases may be unanswerable")
        if any("\n" in e["text"] for e in evidence):
            problems.append(f"{cid}: an evidence sentence spans lines")
        if case["category"] == "both_articles" and len({e["article_id"] for e in evidence}) < 2:
            problems.append(f"{cid}: both_articles needs evidence from two articles")
    ids = Counter(c.get("id") for c in cases)
    problems += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    assert not problems, "\n".join(problems)


def check_splits(cases: list[dict], categories: set[str]) -> None:
    splits = Counter(c["split"] for c in cases)
    # "Roughly half": allow a small imbalance from odd category sizes.
    assert abs(splits["dev"] - splits["test"]) <= max(2, len(cases) // 20), splits
    for cat in categories:
        in_splits = {c["split"] for c in cases if c["category"] == cat}
        assert in_splits == {"dev", "test"}, f"category {cat} is only in {in_splits or 'no split'}"


def check_evidence(cases: list[dict], texts: dict[str, str]) -> None:
    problems = []
    for case in cases:
        listed = {(e["article_id"], e["text"]) for e in case["evidence"]}
        for e in case["evidence"]:
            aid, sentence = e["article_id"], e["text"]
            if aid not in texts:
                problems.append(f"{case['id']}: unknown article {aid}")
            elif sentence not in texts[aid]:
                problems.append(f"{case['id']}: not verbatim in {aid}: {sentence[:70]!r}")
            # When a sentence also occurs in another article (a duplicate
            # copy), the gold must list that copy too, or citing it is scored
            # as wrong.
            for other, text in texts.items():
                if sentence in text and (other, sentence) not in listed:
                    problems.append(f"{case['id']}: {sentence[:50]!r} is also in {other}, not listed")
    assert not problems, "\n".join(problems)


def read_corpus_file(name: str) -> list[Path]:
    lines = (SUITES / f"{name}.corpus").read_text(encoding="utf-8").splitlines()
    return [(SUITES / line.strip()).resolve() for line in lines if line.strip()]


# ---- seeds -----------------------------------------------------------------


def test_seeds_schema_and_size():
    cases = load_suite("seeds")
    check_schema("seeds", cases)
    assert len(cases) >= 80


def test_seeds_splits_cover_every_category():
    cases = load_suite("seeds")
    check_splits(cases, CATEGORIES)


def test_seeds_evidence_is_verbatim():
    texts = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS_DIR.glob("*.txt")}
    assert texts, f"no seed articles in {SEEDS_DIR}"
    check_evidence(load_suite("seeds"), texts)


def test_seeds_corpus_file_points_at_seeds():
    assert read_corpus_file("seeds") == [SEEDS_DIR.resolve()]


# ---- lee -------------------------------------------------------------------


def test_lee_schema_and_size():
    cases = load_suite("lee")
    check_schema("lee", cases)
    assert len(cases) >= 40
    used = {c["category"] for c in cases}
    check_splits(cases, used)
    assert used >= {"fact", "who_said", "paraphrase", "list", "unanswerable", "off_topic", "multi_turn"}


def test_lee_corpus_file_points_at_cache():
    assert read_corpus_file("lee") == [LEE_CACHE.resolve()]


def test_lee_evidence_is_verbatim():
    if not LEE_CACHE.exists():
        pytest.skip(f"{LEE_CACHE} is missing; run `python -m evals.fetch_lee` to fetch the Lee corpus")
    texts = {}
    for line in LEE_CACHE.read_text(encoding="utf-8").splitlines():
        article = json.loads(line)
        texts[article["id"]] = article["text"]
    check_evidence(load_suite("lee"), texts)


# ---- abc_heldout -----------------------------------------------------------
#
# The held-out suite nobody tunes on: it is test-only by design (no dev split
# to tune on), so it is exempt from the dev/test balance of check_splits. Its
# evidence comes only from Lee articles the `lee` suite does not use as
# evidence, and its corpus is the same cached lee.jsonl.


def test_abc_heldout_schema_and_size():
    cases = load_suite("abc_heldout")
    check_schema("abc_heldout", cases)
    assert 45 <= len(cases) <= 50
    # Held out by design: every case is in the test split (exempt from check_splits).
    assert {c["split"] for c in cases} == {"test"}
    used = {c["category"] for c in cases}
    assert used >= {"fact", "who_said", "paraphrase", "list", "unanswerable", "multi_turn"}
    assert sum(c["category"] == "unanswerable" for c in cases) >= 15


def test_abc_heldout_avoids_lee_evidence_articles():
    lee_articles = {e["article_id"] for c in load_suite("lee") for e in c["evidence"]}
    cases = load_suite("abc_heldout")
    mine = {e["article_id"] for c in cases for e in c["evidence"]}
    assert not mine & lee_articles, sorted(mine & lee_articles)
    assert len(mine) >= 25


def test_abc_heldout_corpus_file_points_at_cache():
    assert read_corpus_file("abc_heldout") == [LEE_CACHE.resolve()]


def test_abc_heldout_evidence_is_verbatim():
    if not LEE_CACHE.exists():
        pytest.skip(f"{LEE_CACHE} is missing; run `python -m evals.fetch_lee` to fetch the Lee corpus")
    texts = {}
    for line in LEE_CACHE.read_text(encoding="utf-8").splitlines():
        article = json.loads(line)
        texts[article["id"]] = article["text"]
    check_evidence(load_suite("abc_heldout"), texts)


# ---- bbc_news --------------------------------------------------------------
#
# The fourth suite nobody tunes on, from another domain than the other three:
# test-only cases over the BBC News archive (2004-2005) that the `bbc`
# retrieval suite fetches. A third of it is unanswerable but on topic, and it
# holds ten conversations. Its evidence is checked against the text the
# assistant stores (the cleaned article), since that is what citations quote.


def test_bbc_news_schema_and_size():
    cases = load_suite("bbc_news")
    check_schema("bbc_news", cases)
    assert len(cases) >= 66
    # Held out by design: every case is in the test split (exempt from check_splits).
    assert {c["split"] for c in cases} == {"test"}
    categories = Counter(c["category"] for c in cases)
    assert set(categories) >= {"fact", "who_said", "unanswerable", "multi_turn"}
    assert categories["unanswerable"] * 3 >= len(cases) - 2, categories  # about a third
    assert categories["multi_turn"] >= 10, categories
    assert all(c["answerable"] for c in cases if c["category"] == "multi_turn")


def test_bbc_news_spreads_over_articles_and_sections():
    articles = {e["article_id"] for c in load_suite("bbc_news") for e in c["evidence"]}
    assert all(a.startswith("bbc-") for a in articles), sorted(articles)
    assert len(articles) >= 25
    sections = {a.split("-")[1] for a in articles}
    assert sections == {"business", "entertainment", "politics", "sports", "tech"}


def test_bbc_news_answers_appear_in_their_evidence():
    # The scored answer must be in the gold sentences: a typo in an accepted
    # answer (or evidence for the wrong turn) would make the case unwinnable.
    problems = [
        f"{c['id']}: none of {c['answers']} in its evidence"
        for c in load_suite("bbc_news")
        if c["answerable"] and not contains(" ".join(e["text"] for e in c["evidence"]), c["answers"])
    ]
    assert not problems, "\n".join(problems)


def test_bbc_news_corpus_file_points_at_cache():
    assert read_corpus_file("bbc_news") == [BBC_CACHE.resolve()]


def test_bbc_news_evidence_is_verbatim():
    if not BBC_CACHE.exists():
        pytest.skip(f"{BBC_CACHE} is missing; run `python -m evals.fetch_bbc` to fetch the BBC archive")
    from vectorstore.loading import load_file  # the loader the assistant ingests with

    result = load_file(BBC_CACHE)
    assert not result.rejected, result.rejected[:3]
    texts = {article.id: article.text for article in result.articles}
    check_evidence(load_suite("bbc_news"), texts)


def test_a_missing_bbc_corpus_is_fetched(tmp_path: Path, monkeypatch):
    cache = tmp_path / "cache" / "bbc.jsonl"
    case = {"id": "x-1", "category": "fact", "split": "test", "turns": ["q?"], "answers": ["a"],
            "evidence": [], "answerable": True}
    suite = tmp_path / "news.jsonl"
    suite.write_text(json.dumps(case) + "\n", encoding="utf-8")
    (tmp_path / "news.corpus").write_text("cache/bbc.jsonl\n", encoding="utf-8")
    monkeypatch.setattr("evals.fetch_bbc.DEFAULT_CACHE_DIR", cache.parent)
    calls = []

    def fake_fetch(cache_dir=None, *, force=False):
        calls.append(cache_dir)
        cache.parent.mkdir()
        cache.write_text("{}\n", encoding="utf-8")
        queries = cache.with_name("bbc.queries.jsonl")
        queries.write_text("{}\n", encoding="utf-8")
        return cache, queries

    def no_lee(*args, **kwargs):
        raise AssertionError("the Lee corpus must not be fetched for a BBC suite")

    monkeypatch.setattr("evals.fetch_bbc.fetch_bbc", fake_fetch)
    monkeypatch.setattr("evals.fetch_lee.fetch_lee", no_lee)
    dataset = load_dataset(suite)
    assert ensure_corpus(dataset) == (cache.resolve(),)
    assert calls == [None]
    assert ensure_corpus(dataset) == (cache.resolve(),)  # present now: no second download
    assert calls == [None]


# ---- fetch_lee -------------------------------------------------------------


def make_wheel(path: Path, corpus: str | None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("gensim/__init__.py", "")
        if corpus is not None:
            zf.writestr(fl.CORPUS_MEMBER, corpus)
    return path


def test_convert_wheel_writes_one_article_per_line(tmp_path):
    first = "Hundreds of people have been forced to vacate their homes in the Southern Highlands of New South Wales today. More text."
    corpus = f"  {first}  \n\nShort one. Second sentence.\n"
    wheel = make_wheel(tmp_path / "gensim-0.0-py3-none-any.whl", corpus)
    out = tmp_path / "cache" / "lee.jsonl"

    assert fl.convert_wheel(wheel, out) == 2

    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["lee_000", "lee_001"]
    assert rows[0]["text"] == first  # stripped, otherwise verbatim
    assert rows[0]["outlet"] == "ABC News (Australia)"
    assert "published" not in rows[0]
    # The title is the first sentence cut at a word boundary.
    assert rows[0]["title"].endswith("...")
    assert len(rows[0]["title"]) <= fl.TITLE_MAX_CHARS + 3
    assert first.startswith(rows[0]["title"][:-3])
    assert rows[1]["title"] == "Short one."
    assert not out.with_suffix(".jsonl.part").exists()


def test_convert_wheel_errors_are_clear(tmp_path):
    no_corpus = make_wheel(tmp_path / "a.whl", None)
    with pytest.raises(fl.FetchError, match="lee_background.cor"):
        fl.convert_wheel(no_corpus, tmp_path / "out.jsonl")
    not_zip = tmp_path / "b.whl"
    not_zip.write_text("not a zip")
    with pytest.raises(fl.FetchError, match="not a valid wheel"):
        fl.convert_wheel(not_zip, tmp_path / "out.jsonl")


def test_fetch_lee_skips_when_cached_and_downloads_when_forced(tmp_path, monkeypatch):
    out = tmp_path / "lee.jsonl"
    out.write_text("cached\n", encoding="utf-8")

    def no_pip(dest, requirement, **kwargs):
        raise AssertionError("pip must not run when the file exists")

    monkeypatch.setattr(fl, "download_wheel", no_pip)
    assert fl.fetch_lee(tmp_path) == out
    assert out.read_text(encoding="utf-8") == "cached\n"

    # force=True downloads again; the fake download makes a tiny wheel.
    monkeypatch.setattr(fl, "download_wheel", lambda dest, requirement, **kw: make_wheel(dest / "gensim-x.whl", "One. Two.\n"))
    assert fl.fetch_lee(tmp_path, force=True) == out
    assert json.loads(out.read_text(encoding="utf-8"))["text"] == "One. Two."
