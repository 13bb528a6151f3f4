"""The API endpoints (``/ask``, ``/chat``, ``/articles``), through ``gradio_client`` as an outside caller uses them.

The ``unit`` tests run the app in-process over a fake assistant (wiring and
error paths); the ``integration`` tests hit the real app started by
``python -m assistant serve``.
"""

from __future__ import annotations

import pytest
from gradio_client import Client
from gradio_client.exceptions import AuthenticationError


def _client(url: str) -> Client:
    return Client(url, verbose=False, analytics_enabled=False)


@pytest.mark.unit
def test_ask_endpoint_returns_answer_dict(fake_app, seized_question):
    url, fake = fake_app
    result = _client(url).predict(seized_question, api_name="/ask")
    assert result["text"].endswith("[1].")
    assert result["refused"] is False
    assert result["citations"][0]["outlet"] == "Example News"
    # The API answers single questions: no conversation is carried over.
    assert fake.calls[-1] == (seized_question, ())


@pytest.mark.unit
def test_ask_endpoint_reports_user_error_message(fake_app):
    url, _ = fake_app
    with pytest.raises(Exception, match="The question is empty"):
        _client(url).predict("  ", api_name="/ask")


@pytest.mark.unit
def test_chat_events_are_not_public_api(fake_app):
    url, _ = fake_app
    named = _client(url).view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert sorted(named) == ["/articles", "/ask", "/chat"]


@pytest.mark.unit
def test_chat_endpoint_passes_the_conversation_and_filters(fake_app, seized_question, make_answer, make_citation):
    url, fake = fake_app
    # The earlier turn cites another outlet than the filter names, so neither can stand in for the other.
    first = make_answer(seized_question, citations=(make_citation(outlet="Harbour Post"),)).to_dict()
    result = _client(url).predict(
        "And when?", [first], "Example News", "2023-09-01", "", 3, "", "2023-09-20", api_name="/chat"
    )
    assert result["question"] == "And when?"
    question, history = fake.calls[-1]
    assert question == "And when?"
    assert [q for q, _ in history] == [seized_question]
    assert history[0][1].citations[0].outlet == "Harbour Post"
    assert fake.options[-1] == dict(outlet="Example News", since="2023-09-01", until=None, top_k=3, mode=None, as_of="2023-09-20")


@pytest.mark.unit
def test_chat_endpoint_names_a_bad_history_field(fake_app, make_answer):
    url, _ = fake_app
    broken = make_answer().to_dict()
    del broken["citations"]
    with pytest.raises(Exception, match="answer is missing the field 'citations'"):
        _client(url).predict("And when?", [broken], api_name="/chat")


@pytest.mark.unit
def test_articles_endpoint_lists_and_searches(fake_app):
    url, _ = fake_app
    client = _client(url)
    listed = client.predict("", api_name="/articles")
    assert [a["id"] for a in listed] == ["a1"]
    assert listed[0]["outlet"] == "Example News" and listed[0]["published"] == "2023-09-20"
    assert client.predict("karabakh", api_name="/articles")[0]["id"] == "a1"
    assert client.predict("no such words", api_name="/articles") == []


@pytest.mark.integration
def test_real_app_answers_with_exact_citation(app_url, seized_question):
    result = _client(app_url).predict(seized_question, api_name="/ask")
    assert isinstance(result, dict)
    assert result["refused"] is False
    assert "60" in result["text"]
    quotes = [c for c in result["citations"] if "more than 60 military posts" in c["quote"]]
    assert quotes, result["citations"]
    assert quotes[0]["outlet"]
    assert quotes[0]["published"]


@pytest.mark.integration
def test_real_app_refuses_off_topic_question(app_url, off_topic_question):
    result = _client(app_url).predict(off_topic_question, api_name="/ask")
    assert result["refused"] is True
    assert result["citations"] == []


@pytest.mark.integration
def test_real_app_chat_completes_a_follow_up_from_history(app_url):
    client = _client(app_url)
    first = client.predict("Who is Hikmet Hajiyev?", [], api_name="/chat")
    assert first["refused"] is False
    follow = client.predict("What did he say about civilians?", [first], api_name="/chat")
    assert "Hajiyev" in follow["rewritten_question"], follow["rewritten_question"]
    assert follow["citations"]


@pytest.mark.integration
def test_real_app_lists_the_seed_articles(app_url):
    listed = _client(app_url).predict("", api_name="/articles")
    assert {"Al Jazeera", "Yemen Details"} <= {a["outlet"] for a in listed}


@pytest.mark.unit
def test_served_with_auth_the_endpoints_need_the_password(fake_assistant):
    from ui.app import build_app, launch_options
    from ui.server import check_bind, configure_queue

    app = configure_queue(build_app(fake_assistant))
    app.launch(server_name="127.0.0.1", prevent_thread_lock=True,
               auth=check_bind("127.0.0.1", "ann:secret"), **launch_options(fake_assistant))  # fmt: skip
    url = app.local_url
    try:
        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            _client(url).predict("Who is Hikmet Hajiyev?", api_name="/ask")
        result = Client(url, auth=("ann", "secret"), verbose=False, analytics_enabled=False).predict(
            "Who is Hikmet Hajiyev?", api_name="/ask"
        )
        assert result["question"] == "Who is Hikmet Hajiyev?"
    finally:
        app.close()
