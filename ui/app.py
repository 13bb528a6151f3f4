"""The Gradio app: a cited news chat plus an ``/ask`` JSON endpoint.

``build_app`` only wires components to an object with an ``ask`` method, so
tests can drive it with a fake; ``serve`` launches it (blocking) on localhost.
"""

from __future__ import annotations

import logging
import os
from typing import Any

# Gradio reads this at import time; the assistant runs offline and must not
# phone home, so it is set before gradio is imported anywhere in this process.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from assistant import Answer, UserError  # noqa: E402
from ui.render import render_answer_html, render_error_html  # noqa: E402

__all__ = ["build_app", "serve", "APP_CSS", "APP_THEME", "EXAMPLES"]

logger = logging.getLogger(__name__)

EXAMPLES = [
    "How many military posts did Azerbaijan say it seized?",
    "What did Antony Blinken say about Azerbaijan's military actions?",
    "How many people did the separatist official say were killed?",
    # Shows a refusal: the articles don't cover it.
    "What is the capital of Australia?",
]

# Gradio 6 takes CSS in ``launch`` (no longer in ``Blocks``), so it is a
# module constant that ``serve`` and any test launching the app can pass.
APP_CSS = """
#chat .answer-text { margin: 0 0 .5em 0; }
#chat .cite-marker { font-size: .75em; color: var(--color-accent); }
#chat .answer-notice { margin: .25em 0 .5em 0; font-style: italic; opacity: .85; }
#chat .answer-read-as { margin: 0 0 .35em 0; font-size: .85em; opacity: .7; }
#chat .answer-refused .answer-text, #chat .answer-error .answer-text { opacity: .9; }
#chat .citations { display: flex; flex-direction: column; gap: .5em; }
#chat .citation-card {
  border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: .5em .75em; background: var(--background-fill-secondary);
}
#chat .citation-head { font-size: .85em; opacity: .9; }
#chat .citation-n { font-weight: 700; }
#chat .citation-outlet { font-weight: 600; }
#chat .citation-quote {
  margin: .4em 0 0 0; padding-left: .75em;
  border-left: 3px solid var(--color-accent);
}
"""

# System fonts only: the default themes fetch Google Fonts, which an offline
# assistant must not depend on (and which only time out without a network).
APP_THEME = gr.themes.Soft(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)

Turns = list[tuple[str, Answer]]


def _one_line(exc: BaseException) -> str:
    """The first line of an exception's message (never a traceback in the chat)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def build_app(assistant: Any) -> gr.Blocks:
    """The chat UI and the ``/ask`` API endpoint over ``assistant.ask``.

    Each browser session keeps its own list of ``(question, Answer)`` turns in
    a ``gr.State`` and passes it as ``history=`` so follow-up questions work.
    """

    def respond(question: str, messages: list[dict[str, Any]] | None, turns: Turns | None):
        messages = list(messages or [])
        turns = list(turns or [])
        question = (question or "").strip()
        if not question:
            # Nothing to ask; leave everything as it is.
            yield gr.skip(), messages, turns
            return
        # Show the question at once and clear the box; the answer can take seconds.
        messages.append({"role": "user", "content": question})
        yield "", messages, turns
        try:
            answer = assistant.ask(question, history=tuple(turns))
        except UserError as exc:
            reply = render_error_html(str(exc))
        except Exception as exc:  # the chat must survive any failure underneath
            logger.exception("ask failed for question %r", question)
            reply = render_error_html(f"Something went wrong: {_one_line(exc)}")
        else:
            turns.append((question, answer))
            reply = render_answer_html(answer)
        messages.append({"role": "assistant", "content": reply})
        yield "", messages, turns

    def clear():
        return [], [], ""

    def ask(question: str) -> dict:
        """Answer one question (no conversation) and return ``Answer.to_dict()``.

        A ``UserError`` (e.g. an empty question) is re-raised as ``gr.Error`` so
        the client receives its message; any other failure is logged and
        reported as one line.
        """
        try:
            return assistant.ask(question).to_dict()
        except UserError as exc:
            raise gr.Error(str(exc)) from exc
        except Exception as exc:  # one clear line for the caller, the traceback in our log
            logger.exception("ask failed for question %r", question)
            raise gr.Error(f"Something went wrong: {_one_line(exc)}") from exc

    with gr.Blocks(title="News assistant", analytics_enabled=False) as app:
        gr.Markdown(
            "## News assistant\n"
            "Ask about the news articles in the store. Every answer cites the exact "
            "sentences it comes from; when the articles don't say, it says so.",
            elem_id="intro",
        )
        chatbot = gr.Chatbot(
            elem_id="chat",
            label="Conversation",
            show_label=False,  # the floating label covers the first message when scrolled
            height=560,
            # "$" is common in news (prices); never read it as LaTeX.
            latex_delimiters=[],
            buttons=["copy", "copy_all"],
            feedback_options=None,
            placeholder="Ask a question about the news articles below.",
        )
        turns = gr.State([])
        with gr.Row(equal_height=True):
            question = gr.Textbox(
                elem_id="question",
                show_label=False,
                placeholder="Ask a question about the news…",
                lines=1,
                max_lines=4,
                scale=8,
                autofocus=True,
                submit_btn=False,
            )
            submit = gr.Button("Ask", elem_id="submit", variant="primary", scale=1, min_width=80)
        gr.Examples(examples=EXAMPLES, inputs=question, label="Examples", elem_id="examples")
        with gr.Row():
            new_chat = gr.Button(
                "New conversation", elem_id="new-chat", variant="secondary", size="sm", scale=0
            )

        # One event for Enter and the button, so its "once" trigger mode blocks a
        # second question while the first is pending (it would see stale turns).
        # The chat events are UI-only: the public API is the /ask endpoint below.
        gr.on(
            triggers=[question.submit, submit.click],
            fn=respond,
            inputs=[question, chatbot, turns],
            outputs=[question, chatbot, turns],
            api_visibility="private",
        )
        new_chat.click(clear, outputs=[chatbot, turns, question], api_visibility="private")

        # gr.api derives the endpoint's schema from the type hints of ``ask``.
        gr.api(ask, api_name="ask")
    return app


def serve(assistant: Any, *, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Launch the app and block until the server stops.

    Binds to localhost unless told otherwise, never creates a share link, and
    keeps Gradio quiet (the CLI does its own logging).
    """
    app = build_app(assistant)
    app.queue(default_concurrency_limit=1)  # one model in memory: answer one at a time
    logger.info("serving the news assistant on http://%s:%d", host, port)
    app.launch(
        server_name=host,
        server_port=port,
        share=False,
        quiet=True,
        inbrowser=False,
        show_error=True,
        enable_monitoring=False,
        mcp_server=False,
        css=APP_CSS,
        theme=APP_THEME,
    )
