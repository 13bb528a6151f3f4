"""The app's CSS, theme and the small script that opens cited articles.

Gradio 6 takes these in ``launch`` (no longer in ``Blocks``): see
``ui.app.launch_options``.
"""

from __future__ import annotations

import gradio as gr

__all__ = ["APP_CSS", "APP_JS", "APP_THEME", "SCROLL_TO_QUOTE_JS"]

APP_CSS = """
.hidden-controls { display: none !important; }
.archive-drift { border-left: 3px solid #b45309; padding: .4em .6em; margin: .4em 0; background: #fffbeb; }
.archive-drift ul { margin: .3em 0 0 1.2em; }
#chat .answer-text { margin: 0 0 .5em 0; }
#chat .cite-marker { font-size: .75em; color: var(--color-accent); cursor: pointer; }
#chat .answer-notice { margin: .25em 0 .5em 0; font-style: italic; opacity: .85; }
#chat .answer-read-as { margin: 0 0 .35em 0; font-size: .85em; opacity: .7; }
#chat .answer-step { margin: 0; font-style: italic; opacity: .75; }
#chat .answer-refused {
  border-left: 4px solid var(--border-color-primary); padding-left: .6em; opacity: .9;
}
#chat .answer-refused .answer-text::before { content: "No answer in the articles: "; font-weight: 600; }
#chat .answer-error .answer-text { color: var(--error-text-color, #b91c1c); }
#chat .citations { display: flex; flex-direction: column; gap: .5em; }
#chat a.citation-card, #chat a.cite-link { color: inherit; text-decoration: none; }
#chat a.cite-link { color: var(--color-accent); }
#chat .citation-card {
  display: block; border: 1px solid var(--border-color-primary); border-radius: 8px; cursor: pointer;
  padding: .5em .75em; background: var(--background-fill-secondary);
}
#chat .citation-card:hover { border-color: var(--color-accent); }
#chat .citation-head { font-size: .85em; opacity: .9; }
#chat .citation-n { font-weight: 700; }
#chat .citation-outlet { font-weight: 600; }
#chat .citation-quote {
  margin: .4em 0 0 0; padding-left: .75em;
  border-left: 3px solid var(--color-accent);
}
#viewer .article-title { margin: 0 0 .25em 0; }
#viewer .article-meta { font-size: .85em; opacity: .8; margin-bottom: .5em; overflow-wrap: anywhere; }
#viewer .article-body { max-height: 520px; overflow-y: auto; padding-right: .5em; white-space: normal; }
#viewer mark.cited { background: #fde68a; color: inherit; padding: 0 .1em; border-radius: 2px; }
#viewer .viewer-empty, #article-list .article-list-empty { opacity: .7; font-style: italic; }
#article-list { max-height: 320px; overflow-y: auto; }
#article-list table { width: 100%; font-size: .85em; border-collapse: collapse; }
#article-list td, #article-list th { padding: .2em .4em; border-bottom: 1px solid var(--border-color-primary); text-align: left; }
#article-list .article-count { font-size: .8em; opacity: .7; }
#upload-report .ingest-rejected { color: var(--error-text-color, #b91c1c); }
#chat details.timeline { margin: .25em 0 .6em 0; }
#chat details.timeline summary { cursor: pointer; font-size: .9em; color: var(--color-accent); }
#chat .timeline-table { font-size: .85em; border-collapse: collapse; margin: .4em 0; }
#chat .timeline-table td, #chat .timeline-table th { padding: .15em .6em; border-bottom: 1px solid var(--border-color-primary); text-align: left; }
#chat .timeline-figure { font-weight: 600; text-align: right; }
#chat img.timeline-chart { display: block; max-width: 100%; height: auto; }
"""

# Runs once when the page loads.  A click on a citation card or an [n] marker
# (both links to "#open=ID&start=S&end=E", see ui.render) writes the
# target into the hidden #viewer-request box and presses #viewer-open, whose
# Python handler renders the article.  Delegated from the document, so it
# covers messages added later.
APP_JS = """
() => {
  if (window.__newsViewerInstalled) return;
  window.__newsViewerInstalled = true;
  document.addEventListener("click", (event) => {
    const link = event.target.closest('#chat a[href^="#open="]');
    if (!link) return;
    event.preventDefault();
    const params = new URLSearchParams(link.getAttribute("href").slice(1));
    const box = document.querySelector("#viewer-request textarea, #viewer-request input");
    const button = document.querySelector("#viewer-open");
    if (!box || !button) return;
    box.value = JSON.stringify({
      article_id: params.get("open"),
      start: Number(params.get("start")),
      end: Number(params.get("end")),
    });
    box.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => button.click(), 0);
  });
}
"""

# After the viewer renders: bring the highlighted sentence into view.
SCROLL_TO_QUOTE_JS = """
() => {
  const tryScroll = (left) => {
    const mark = document.querySelector("#viewer mark.cited");
    if (mark) { mark.scrollIntoView({ block: "center" }); return; }
    if (left > 0) setTimeout(() => tryScroll(left - 1), 50);
  };
  tryScroll(20);
}
"""

# System fonts only: the default themes fetch Google Fonts, which an offline
# assistant must not depend on (and which only time out without a network).
APP_THEME = gr.themes.Soft(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)
