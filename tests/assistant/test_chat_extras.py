"""Feedback log, Markdown export, example questions and ``Answer.from_dict`` (no model, no store)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant import (
    Answer,
    Article,
    Citation,
    FeedbackLog,
    InvalidInputError,
    SettingsError,
    conversation_markdown,
    example_questions,
    load_settings,
)

pytestmark = pytest.mark.unit


def _citation(**overrides) -> Citation:
    fields = dict(
        n=1, article_id="a1", title="Posts <seized>", outlet="Example News", published="2023-09-20",
        source="seeds/a1.txt", quote="Azerbaijan said it had seized *60* posts.", start=0, end=40,
        passage="Azerbaijan said it had seized *60* posts.", score=0.9,
    )  # fmt: skip
    fields.update(overrides)
    return Citation(**fields)


def _answer(question="How many posts?", **overrides) -> Answer:
    fields = dict(
        question=question, rewritten_question=question, text="It seized 60 posts [1].", citations=(_citation(),),
        refused=False, answerer="extractive", notice=None, timings_ms={"total": 1.0},
    )  # fmt: skip
    fields.update(overrides)
    return Answer(**fields)


def _article(article_id: str, text: str, *, outlet="Example News", published="2023-09-20", title="A title"):
    return Article(
        id=article_id, title=title, outlet=outlet, agencies=(), published=published, source=f"{article_id}.txt",
        content_hash="h", text=text,
    )  # fmt: skip


def test_feedback_is_appended_with_question_answer_and_citations(tmp_path):
    log = FeedbackLog(tmp_path)
    log.record("up", _answer())
    log.record("wrong_source", _answer("Who said it?"))
    lines = (tmp_path / "feedback.jsonl").read_text().splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["up", "wrong_source"]
    first = log.entries()[0]
    assert first["question"] == "How many posts?"
    assert first["answer"] == "It seized 60 posts [1]."
    assert first["citations"][0]["quote"] == "Azerbaijan said it had seized *60* posts."
    assert first["at"].endswith("+00:00")


def test_unknown_feedback_kind_is_refused_by_name(tmp_path):
    with pytest.raises(InvalidInputError, match="unknown feedback 'meh'"):
        FeedbackLog(tmp_path).record("meh", _answer())
    assert not (tmp_path / "feedback.jsonl").exists()


def test_a_damaged_feedback_line_is_skipped(tmp_path):
    log = FeedbackLog(tmp_path)
    log.record("down", _answer())
    with log.path.open("a") as f:
        f.write("{not json\n")
    log.record("up", _answer())
    assert [e["kind"] for e in log.entries()] == ["down", "up"]


def test_cli_feedback_lists_the_votes(tmp_path, monkeypatch):
    from assistant.cli import app

    home = tmp_path / "home"
    FeedbackLog(home).record("down", _answer())
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    result = CliRunner().invoke(app, ["feedback"])
    assert result.exit_code == 0, result.output
    assert "down" in result.output and "How many posts?" in result.output and "[1] Example News" in result.output
    listed = json.loads(CliRunner().invoke(app, ["feedback", "--json"]).output)
    assert listed[0]["kind"] == "down"


def test_export_has_every_turn_with_its_sources_and_escapes_markdown():
    follow = _answer("And when?", rewritten_question="And when did Azerbaijan seize posts?")
    refused = _answer("Capital of Australia?", text="The articles don't answer this.", citations=(), refused=True,
                      notice="No article mentions Australia.")  # fmt: skip
    md = conversation_markdown([("How many posts?", _answer()), ("And when?", follow), ("Capital?", refused)])
    assert md.startswith("# Conversation\n")
    assert "## 1. How many posts?" in md and "## 3. Capital?" in md
    assert "*Read as: And when did Azerbaijan seize posts?*" in md
    assert "- [1] Example News, 2023-09-20: Posts \\<seized\\>" in md
    assert "  > Azerbaijan said it had seized \\*60\\* posts." in md
    assert "> No article mentions Australia." in md


def test_examples_come_from_the_stored_articles_not_the_seeds():
    articles = [
        _article("x1", "Mayor Elena Kastrup opened the harbour. Elena Kastrup said the Tidewater Festival drew crowds. "
                 "The Tidewater Festival ends Sunday.", outlet="Harbour Gazette"),
        _article("x2", "Harbour Gazette reports. Orla Finch won the regatta; Orla Finch thanked the Tidewater Festival.",
                 outlet="Harbour Gazette"),
        _article("x3", "nothing capitalised here at all.", title="Quiet day"),
    ]  # fmt: skip
    questions = example_questions(articles, 4)
    assert questions[0] == "What do the articles say about Tidewater Festival?"  # named by two articles
    assert "What do the articles say about Orla Finch?" in questions
    assert "What happened: Quiet day?" in questions
    assert not any("Harbour Gazette" in q for q in questions)  # the outlet is no subject
    assert not any("Azerbaijan" in q for q in questions)
    assert len(questions) == 4 and len(set(questions)) == 4


def test_examples_of_an_empty_store_are_none():
    assert example_questions([], 4) == []


def test_answer_round_trips_through_to_dict():
    answer = _answer(notice="A note.")
    assert Answer.from_dict(answer.to_dict()) == answer
    assert Answer.from_dict(json.loads(json.dumps(answer.to_dict()))) == answer


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda d: d.pop("text"), "answer is missing the field 'text'"),
        (lambda d: d.update(refused="no"), "answer field 'refused' must be bool"),
        (lambda d: d.update(citations="none"), "'citations' must be a list"),
        (lambda d: d["citations"][0].update(start="0"), "citation field 'start' must be int"),
    ],
)
def test_a_bad_answer_dict_names_what_is_wrong(change, message):
    data = _answer().to_dict()
    change(data)
    with pytest.raises(InvalidInputError, match=message):
        Answer.from_dict(data)


def test_upload_limit_and_auth_settings(monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_FILE_MB", "2.5")
    monkeypatch.setenv("ASSISTANT_AUTH", "ann:secret")
    s = load_settings()
    assert s.max_file_mb == 2.5 and s.auth.get_secret_value() == "ann:secret"
    monkeypatch.setenv("ASSISTANT_AUTH", "ann")
    with pytest.raises(SettingsError, match="ASSISTANT_AUTH must be USER:PASS"):
        load_settings()
    monkeypatch.setenv("ASSISTANT_AUTH", "ann:secret")
    monkeypatch.setenv("ASSISTANT_MAX_FILE_MB", "0")
    with pytest.raises(SettingsError, match="ASSISTANT_MAX_FILE_MB"):
        load_settings()
