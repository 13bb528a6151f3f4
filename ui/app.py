"""The Gradio app: a cited news chat, the article viewer and list, upload and add by URL, filters, feedback.

``build_app`` wires components to an object with the ``Assistant`` methods it
uses (``ask``, ``ask_stream``, ``articles``, ``article``, ``remove``,
``ingest``, ``modes``, ``settings``), so tests can drive it with a fake;
``ui.server.serve`` launches it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

# Gradio reads this at import time; the assistant runs offline and must not
# phone home, so it is set before gradio is imported anywhere in this process.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from assistant import FeedbackLog  # noqa: E402
from ui.articles import ALL_OUTLETS, UPLOAD_TYPES, ArticleHandlers  # noqa: E402
from ui.chat import FEEDBACK_OPTIONS, ChatHandlers, ChatSession  # noqa: E402
from ui.endpoints import make_endpoints  # noqa: E402
from ui.render_articles import render_viewer_message  # noqa: E402
from ui.style import APP_CSS, APP_JS, APP_THEME, SCROLL_TO_QUOTE_JS  # noqa: E402

__all__ = ["build_app", "launch_options", "APP_CSS", "APP_JS", "APP_THEME"]

logger = logging.getLogger(__name__)

VIEWER_TAB, ARTICLES_TAB, FILTERS_TAB = "viewer-tab", "articles-tab", "filters-tab"
UPLOADS = "uploads"  # under ASSISTANT_HOME: the files added in the chat


def launch_options(assistant: Any) -> dict[str, Any]:
    """What every ``launch`` of the app needs (Gradio 6 takes CSS, JS and theme here)."""
    return dict(
        css=APP_CSS,
        js=APP_JS,
        theme=APP_THEME,
        max_file_size=f"{assistant.settings.max_file_mb:g}mb",
        share=False,
        quiet=True,
    )


def build_app(assistant: Any, *, feedback: Any = None) -> gr.Blocks:
    """The chat UI and the API endpoints over ``assistant``.

    ``feedback`` saves votes (default: a ``FeedbackLog`` in the store's home).
    """
    settings = assistant.settings
    chat = ChatHandlers(assistant, feedback if feedback is not None else FeedbackLog(settings.home))
    arts = ArticleHandlers(assistant, max_file_mb=settings.max_file_mb, upload_dir=Path(settings.home) / UPLOADS)
    modes = tuple(assistant.modes)

    with gr.Blocks(title="News assistant", analytics_enabled=False) as app:
        gr.Markdown(
            "## News assistant\n"
            "Ask about the news articles in the store. Every answer cites the exact sentences it comes "
            "from; click a citation to read it in its article. When the articles don't say, it says so.",
            elem_id="intro",
        )
        convo = gr.State(ChatSession())
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    label="Conversation",
                    show_label=False,  # the floating label covers the first message when scrolled
                    height=600,
                    latex_delimiters=[],  # "$" is common in news (prices); never read it as LaTeX
                    buttons=["copy", "copy_all"],
                    feedback_options=FEEDBACK_OPTIONS,
                    placeholder="Ask a question about the news articles in the store.",
                    examples=chat.examples() or None,
                )
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
                with gr.Row():
                    new_chat = gr.Button("New conversation", elem_id="new-chat", size="sm", scale=0)
                    export = gr.Button("Export as Markdown", elem_id="export", size="sm", scale=0)
                export_file = gr.File(label="Conversation", elem_id="export-file", interactive=False, visible=False)
            with gr.Column(scale=2, min_width=360):
                with gr.Tabs(elem_id="side") as side:
                    with gr.Tab("Article", id=VIEWER_TAB, elem_id="tab-viewer", render_children=True):
                        viewer = gr.HTML(render_viewer_message(), elem_id="viewer")
                    with gr.Tab("Articles", id=ARTICLES_TAB, elem_id="tab-articles", render_children=True):
                        newest = gr.HTML(elem_id="newest-article")
                        drift = gr.HTML(elem_id="archive-drift")
                        search = gr.Textbox(
                            elem_id="article-search", show_label=False, placeholder="Search title, outlet, id…"
                        )
                        article_list = gr.HTML(elem_id="article-list")
                        with gr.Row(equal_height=True):
                            remove_choice = gr.Dropdown(
                                label="Article to remove", elem_id="remove-choice", choices=[], scale=4
                            )
                            remove = gr.Button("Remove", elem_id="remove", variant="stop", scale=1, min_width=80)
                        upload = gr.File(
                            label=f"Add articles ({', '.join(UPLOAD_TYPES)}; up to {settings.max_file_mb:g} MB each)",
                            elem_id="upload",
                            file_count="multiple",
                            file_types=list(UPLOAD_TYPES),
                            type="filepath",
                        )
                        with gr.Row(equal_height=True):
                            url_box = gr.Textbox(
                                label="Add by URL (pages or feeds, one per line)", elem_id="url-box",
                                placeholder="https://example.com/news/story", lines=2, max_lines=8, scale=4,
                            )  # fmt: skip
                            add_urls = gr.Button("Add", elem_id="add-urls", variant="primary", scale=1, min_width=80)
                        upload_report = gr.HTML(elem_id="upload-report")
                    with gr.Tab("Filters", id=FILTERS_TAB, elem_id="tab-filters", render_children=True):
                        outlet = gr.Dropdown(
                            label="Outlet", elem_id="filter-outlet", choices=[("All outlets", ALL_OUTLETS)],
                            value=ALL_OUTLETS,
                        )  # fmt: skip
                        with gr.Row():
                            since = gr.Textbox(label="From", placeholder="YYYY-MM-DD", elem_id="filter-since")
                            until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD", elem_id="filter-until")
                        # Time-aware answers: answer as the archive stood on a date (assistant/answerers/timeline.py).
                        as_of = gr.DateTime(
                            label="As of (only articles published by then)", elem_id="filter-as-of",
                            include_time=False, type="string", value=None,
                        )  # fmt: skip
                        top_k = gr.Slider(
                            1, max(20, settings.top_k), value=settings.top_k, step=1,
                            label="Passages to read (top-k)", elem_id="filter-top-k",
                        )  # fmt: skip
                        mode = gr.Radio(
                            choices=list(modes), value=modes[0] if modes else None, label="Answer mode",
                            elem_id="filter-mode", visible=len(modes) > 1,
                        )  # fmt: skip
        # Written by APP_JS when a citation is clicked; visually hidden, kept in the DOM.
        with gr.Row(elem_classes=["hidden-controls"]):
            viewer_request = gr.Textbox(elem_id="viewer-request", show_label=False, visible="hidden")
            viewer_open = gr.Button("open", elem_id="viewer-open", visible="hidden")

        # One event for Enter and the button, so its "once" trigger mode blocks a
        # second question while the first is pending (it would see stale turns).
        # The chat events are UI-only: the public API is the endpoints below.
        ask_inputs = [question, chatbot, convo, outlet, since, until, top_k, mode, as_of]
        gr.on(
            triggers=[question.submit, submit.click],
            fn=chat.respond,
            inputs=ask_inputs,
            outputs=[question, chatbot, convo],
            api_visibility="private",
        )
        chatbot.example_select(chat.pick_example, outputs=question, api_visibility="private").then(
            chat.respond, inputs=ask_inputs, outputs=[question, chatbot, convo], api_visibility="private"
        )
        chatbot.like(chat.feedback, inputs=convo, api_visibility="private")
        new_chat.click(
            chat.new_conversation, outputs=[chatbot, convo, question, export_file], api_visibility="private"
        ).then(lambda: gr.Chatbot(examples=chat.examples() or None), outputs=chatbot, api_visibility="private")
        # The chat's own trash button empties the messages: forget the turns too.
        chatbot.clear(ChatSession, outputs=convo, api_visibility="private")
        export.click(chat.export, inputs=convo, outputs=export_file, api_visibility="private").then(
            lambda path: gr.File(visible=path is not None), inputs=export_file, outputs=export_file,
            api_visibility="private",
        )  # fmt: skip

        viewer_open.click(
            lambda request: (arts.open_citation(request), gr.Tabs(selected=VIEWER_TAB)),
            inputs=viewer_request,
            outputs=[viewer, side],
            api_visibility="private",
        ).then(None, js=SCROLL_TO_QUOTE_JS)
        search.change(arts.list_view, inputs=search, outputs=[article_list, remove_choice], api_visibility="private")
        remove.click(
            arts.remove, inputs=[remove_choice, search], outputs=[article_list, remove_choice, outlet],
            api_visibility="private", concurrency_id="store", concurrency_limit=1,
        ).then(arts.newest, outputs=newest, api_visibility="private")  # fmt: skip
        upload.upload(
            arts.upload, inputs=[upload, search],
            outputs=[upload_report, article_list, remove_choice, outlet, upload],
            api_visibility="private", concurrency_id="store", concurrency_limit=1,
        ).then(arts.newest, outputs=newest, api_visibility="private")  # fmt: skip
        add_urls.click(
            arts.add_urls, inputs=[url_box, search],
            outputs=[upload_report, article_list, remove_choice, outlet, url_box, newest],
            api_visibility="private", concurrency_id="store", concurrency_limit=1,
        )  # fmt: skip

        def refresh(query: str):
            table, picker = arts.list_view(query)
            return table, picker, arts.outlet_choices(), gr.Chatbot(examples=chat.examples() or None), arts.newest()

        # On every page load: the store may have changed since the app was built.
        app.load(
            refresh, inputs=search, outputs=[article_list, remove_choice, outlet, chatbot, newest],
            api_visibility="private",
        ).then(arts.drift, outputs=drift, api_visibility="private")  # fmt: skip

        # gr.api derives each endpoint's schema from the type hints of its function.
        for endpoint in make_endpoints(assistant):
            gr.api(endpoint, api_name=endpoint.__name__)
    return app
