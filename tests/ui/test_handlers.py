"""The app's handlers called directly, over the fake assistant (no server, no browser)."""

from __future__ import annotations

import pytest

from assistant import InvalidInputError
from ui.articles import ArticleHandlers

pytestmark = pytest.mark.unit


class _FakeStore:
    def __init__(self):
        self.ingested = []

    def ingest(self, paths, *, progress=None):
        from assistant import IngestReport

        self.ingested.extend(paths)
        if progress is not None:
            progress("Indexing", 1, 1)
        return IngestReport(added=tuple(p.stem for p in paths))

    def articles(self):
        return []

    def article(self, article_id):
        from assistant import ArticleNotFoundError

        raise ArticleNotFoundError(article_id)


def test_upload_rejects_wrong_types_and_big_files_by_name_and_ingests_the_rest(tmp_path):
    store = _FakeStore()
    ok = tmp_path / "fine.md"
    ok.write_text("# Title\n\nBody.")
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF")
    big = tmp_path / "big.txt"
    big.write_text("x" * 2_000_000)
    kept = tmp_path / "home" / "uploads"
    handlers = ArticleHandlers(store, max_file_mb=1, upload_dir=kept)
    report, *_ = handlers.upload([str(ok), str(pdf), str(big)], "", progress=lambda *a, **k: None)
    assert store.ingested == [kept / "fine.md"]  # kept in the data folder, not Gradio's temporary copy
    assert (kept / "fine.md").read_text() == "# Title\n\nBody."
    assert "Added: fine" in report
    assert "Rejected: paper.pdf: not a .txt, .md, .html, .jsonl file" in report
    assert "Rejected: big.txt: larger than 1 MB (ASSISTANT_MAX_FILE_MB)" in report


def test_a_bad_viewer_request_says_so():
    handlers = ArticleHandlers(_FakeStore(), max_file_mb=1)
    assert "could not be opened" in handlers.open_citation("{not json")
    assert "Not found" in handlers.open_citation('{"article_id": "gone", "start": 0, "end": 3}')



class _Votes:
    def __init__(self):
        self.saved = []

    def record(self, kind, answer):
        self.saved.append((kind, answer.question))


def _run(chat, question, **filters):
    """Every chat message list the handler yields for ``question``, and the conversation after."""
    from ui.chat import ChatSession

    convo = ChatSession()
    return [messages[-1]["content"] for _, messages, _ in chat.respond(question, [], convo, **filters)], convo


def test_the_chat_shows_steps_then_the_streamed_draft_then_the_checked_answer(fake_assistant):
    from ui.chat import ChatHandlers

    shown, convo = _run(ChatHandlers(fake_assistant, _Votes()), "Write it as a stream")
    assert "Searching the articles…" in shown[0]
    assert any("Reading 3 passages…" in s for s in shown)
    drafts = [s for s in shown if "answer-draft" in s]
    assert drafts[0].count("Azerbaijan said") == 1 and "posts [1]." in drafts[-1]
    assert "citation-card" in shown[-1] and "answer-draft" not in shown[-1]
    assert [a.question for a in convo.conversation.answers] == ["Write it as a stream"]
    assert convo.answer_at == {1: 0}  # message 1 (after the question) shows turn 0


def test_the_filters_reach_ask_stream(fake_assistant):
    from ui.chat import ChatHandlers

    _run(ChatHandlers(fake_assistant, _Votes()), "How many posts?", outlet="Example News", since="2023-09-01",
         until=" ", top_k=3.0, mode="extractive")  # fmt: skip
    assert fake_assistant.options[-1] == dict(
        outlet="Example News", since="2023-09-01", until=None, top_k=3, mode="extractive"
    )


def test_an_input_error_is_shown_as_its_message(fake_assistant):
    from ui.chat import ChatHandlers

    def fail(question, **options):
        raise InvalidInputError("since must be a date as YYYY-MM-DD, got 'soon'")

    fake_assistant.ask_stream = fail
    shown, convo = _run(ChatHandlers(fake_assistant, _Votes()), "How many posts?", since="soon")
    assert "answer-error" in shown[-1] and "since must be a date as YYYY-MM-DD" in shown[-1]
    assert len(convo.conversation) == 0


def test_votes_are_saved_for_answers_only_and_a_withdrawn_vote_is_not(fake_assistant):
    from types import SimpleNamespace

    from ui.chat import ChatHandlers

    votes = _Votes()
    chat = ChatHandlers(fake_assistant, votes)
    _, convo = _run(chat, "How many posts?")
    chat.feedback(convo, SimpleNamespace(index=1, liked=True, value=[]))
    chat.feedback(convo, SimpleNamespace(index=1, liked="Wrong source", value=[]))
    chat.feedback(convo, SimpleNamespace(index=1, liked="Wrong source", value=[]))  # Gradio sends it twice
    chat.feedback(convo, SimpleNamespace(index=1, liked="", value=[]))  # taken back
    chat.feedback(convo, SimpleNamespace(index=1, liked=False, value=[]))
    assert votes.saved == [("up", "How many posts?"), ("wrong_source", "How many posts?"), ("down", "How many posts?")]


def test_the_mode_picker_shows_only_when_there_is_a_choice(fake_assistant):
    from ui.app import build_app

    def mode_radio(app):
        return next(c for c in app.config["components"] if c.get("props", {}).get("elem_id") == "filter-mode")

    assert mode_radio(build_app(fake_assistant))["props"]["visible"] is False
    fake_assistant.modes = ("reader", "extractive", "llm")
    radio = mode_radio(build_app(fake_assistant))["props"]
    assert radio["visible"] is True and radio["value"] == "reader"


def test_the_fake_assistant_offers_only_what_the_real_one_does(fake_assistant):
    """Each public method of the fake exists on ``Assistant`` and takes the same named parameters."""
    import inspect

    from assistant import Assistant

    fake = type(fake_assistant)
    methods = [n for n, v in vars(fake).items() if callable(v) and not n.startswith("_")]
    assert {"ask", "ask_stream", "articles", "ingest"} <= set(methods)
    for name in methods:
        real = getattr(Assistant, name, None)
        assert callable(real), f"Assistant has no {name}"
        ours = [p for p in inspect.signature(getattr(fake, name)).parameters.values() if p.kind is not p.VAR_KEYWORD]
        theirs = inspect.signature(real).parameters
        for p in ours:
            assert p.name in theirs and theirs[p.name].kind == p.kind, f"{name}({p.name}) differs from Assistant's"
    assert set(fake.modes) <= {"extractive", "reader", "llm"}
