"""The article side's handlers: the viewer, the article list, remove, upload and add by URL."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gradio as gr

from assistant import Rejected, UserError
from ui.chat import one_line
from ui.render_articles import (
    render_article_html,
    render_article_list,
    render_drift,
    render_ingest_report,
    render_newest,
    render_viewer_message,
)

__all__ = ["ArticleHandlers", "UPLOAD_TYPES", "ALL_OUTLETS", "LIST_LIMIT", "MAX_URLS", "parse_urls"]

logger = logging.getLogger(__name__)

UPLOAD_TYPES = (".txt", ".md", ".html", ".jsonl")
ALL_OUTLETS = ""  # the outlet filter's "any outlet" value
LIST_LIMIT = 200  # rows the article list shows at once; the search box narrows the rest
MAX_URLS = 50  # URLs the "Add by URL" box takes at once
NOT_A_URL = "not an http(s) URL (one http:// or https:// address a line); nothing was added"


def parse_urls(text: str | None) -> tuple[list[str], list[Rejected]]:
    """The box's lines as URLs (blank lines and repeats dropped), and each line that is not an http(s) URL."""
    urls, refused = [], []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line in urls:
            continue
        try:
            parts = urlsplit(line)
            ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and not any(
                c.isspace() for c in line
            )
        except ValueError:  # e.g. a malformed port or IPv6 address
            ok = False
        if ok:
            urls.append(line)
        else:
            refused.append(Rejected(line, NOT_A_URL))
    return urls, refused


class ArticleHandlers:
    """Functions over ``assistant``'s ``articles``/``article``/``remove``/``ingest``."""

    def __init__(self, assistant: Any, *, max_file_mb: float, upload_dir: Path | None = None):
        self._assistant = assistant
        self._upload_dir = upload_dir
        self._max_bytes = int(max_file_mb * 1024 * 1024)
        self._max_file_mb = max_file_mb

    # -- the viewer -------------------------------------------------------------
    def open_citation(self, request: str) -> str:
        """The viewer's HTML for a click on a citation: ``{"article_id", "start", "end"}`` as JSON."""
        try:
            target = json.loads(request or "{}")
            article_id = str(target["article_id"])
            start, end = int(target["start"]), int(target["end"])
        except (ValueError, KeyError, TypeError):
            return render_viewer_message("That citation could not be opened.")
        try:
            article = self._assistant.article(article_id)
        except UserError as exc:
            return render_viewer_message(f"Not found: {exc}")
        return render_article_html(article, start, end)

    # -- the list -----------------------------------------------------------------
    def _matching(self, query: str):
        infos = self._assistant.articles()
        words = (query or "").casefold().split()
        if words:
            infos = [
                a for a in infos
                if all(w in f"{a.title} {a.outlet or ''} {a.id} {a.published or ''}".casefold() for w in words)
            ]  # fmt: skip
        return infos

    def list_view(self, query: str = ""):
        """The article table and the remove picker, narrowed by ``query``."""
        infos = self._matching(query)
        total = len(self._assistant.articles()) if query else len(infos)
        shown = infos[:LIST_LIMIT]
        sizes = {}
        for a in shown:
            try:
                sizes[a.id] = len(self._assistant.article(a.id).text)
            except UserError:  # removed meanwhile
                continue
        choices = [(f"{a.title} ({a.id})", a.id) for a in shown]
        table = render_article_list(shown, sizes, query=query or "", total=total)
        return table, gr.Dropdown(choices=choices, value=None)

    def newest(self) -> str:
        """The archive's newest article date and its outlet(s), from the stored published dates."""
        return render_newest(self._assistant.articles())

    def drift(self) -> str:
        """A warning line when ``check`` finds the indexes drifted from the table ("" when they agree).

        Checking reads every id of the three stores (and the table's pages):
        seconds on a big archive, so it runs on page load after everything else.
        """
        try:
            report = self._assistant.check()
        except Exception as exc:  # a failing check must not keep the tab from loading
            logger.warning("archive check failed: %s", exc)
            return render_drift([f"the check itself failed: {one_line(exc)}"])
        return "" if report.consistent else render_drift(report.problems)

    def outlet_choices(self):
        """The outlet filter, from the stored outlets (the current choice kept when still there)."""
        outlets = sorted({a.outlet for a in self._assistant.articles() if a.outlet}, key=str.casefold)
        return gr.Dropdown(choices=[("All outlets", ALL_OUTLETS), *[(o, o) for o in outlets]])

    def remove(self, article_id: str | None, query: str):
        if not article_id:
            raise gr.Error("Choose an article to remove first.")
        try:
            self._assistant.remove(article_id)
        except UserError as exc:
            raise gr.Error(one_line(exc)) from exc
        logger.info("removed %s from the chat", article_id)
        gr.Info(f"Removed {article_id}.")
        table, picker = self.list_view(query)
        return table, picker, self.outlet_choices()

    # -- upload -------------------------------------------------------------------
    def _keep(self, path: Path) -> Path | None:
        """Copy an upload to ``upload_dir/<its bare name>``, never anywhere else (None: no usable name).

        Only the last component of the name is used ("../../x.txt" -> "x.txt";
        no shell sees it, so metacharacters are just characters), and a link
        already at the destination is replaced, not written through.
        """
        assert self._upload_dir is not None
        name = Path(path.name).name
        if name in ("", ".", ".."):
            return None
        target = self._upload_dir / name
        if target.is_symlink():
            target.unlink()
        if target.resolve().parent != self._upload_dir.resolve():
            return None
        return Path(shutil.copy2(path, target))

    def upload(self, files: list[str] | str | None, query: str, progress=gr.Progress()):
        """Ingest the uploaded files; report added, unchanged, replaced and rejected (with why)."""
        paths = [files] if isinstance(files, str) else list(files or [])
        accepted, rejected = [], []
        for raw in paths:
            path = Path(raw)
            if path.suffix.lower() not in UPLOAD_TYPES:
                rejected.append(Rejected(path.name, f"not a {', '.join(UPLOAD_TYPES)} file"))
            elif path.stat().st_size > self._max_bytes:
                rejected.append(Rejected(path.name, f"larger than {self._max_file_mb:g} MB (ASSISTANT_MAX_FILE_MB)"))
            else:
                accepted.append(path)
        report = None
        if accepted and self._upload_dir is not None:
            # Gradio's upload copies are temporary: keep each file in the data
            # folder, so an article's source names a file that stays.
            self._upload_dir.mkdir(parents=True, exist_ok=True)
            kept = [(path, self._keep(path)) for path in accepted]
            rejected += [Rejected(path.name, "not a usable file name") for path, copy in kept if copy is None]
            accepted = [copy for _, copy in kept if copy is not None]
        if accepted:
            progress(0, desc="Reading the files…")

            def step(stage: str, done: int, total: int) -> None:
                progress((done, total) if total else None, desc=stage)

            try:
                report = self._assistant.ingest(accepted, progress=step)
            except UserError as exc:
                rejected.append(Rejected(", ".join(p.name for p in accepted), one_line(exc)))
            except Exception as exc:  # the app must survive a failed ingest
                logger.exception("upload ingest failed")
                rejected.append(Rejected(", ".join(p.name for p in accepted), f"failed: {one_line(exc)}"))
        table, picker = self.list_view(query)
        return render_ingest_report(report, rejected), table, picker, self.outlet_choices(), None

    # -- add by URL ---------------------------------------------------------------
    def add_urls(self, text: str | None, query: str, progress=gr.Progress()):
        """Ingest the pages and feeds named in ``text`` (one URL a line); the same report as an upload.

        Any line that is not an http(s) URL refuses the whole box (nothing is
        fetched) and the text stays for fixing; after an ingest the box empties.
        """
        urls, refused = parse_urls(text)
        report, rejected, keep = None, list(refused), text
        if not urls and not refused:
            rejected.append(Rejected("(empty)", "enter one or more http(s) URLs, one a line"))
        elif len(urls) > MAX_URLS and not refused:
            rejected.append(Rejected(f"{len(urls)} URLs", f"at most {MAX_URLS} at once; nothing was added"))
        elif urls and not refused:
            progress(0, desc="Fetching the pages…")

            def step(stage: str, done: int, total: int) -> None:
                progress((done, total) if total else None, desc=stage)

            try:
                report = self._assistant.ingest(urls, progress=step)
                keep = ""
            except UserError as exc:
                rejected.append(Rejected(", ".join(urls), one_line(exc)))
            except Exception as exc:  # the app must survive a failed ingest
                logger.exception("URL ingest failed")
                rejected.append(Rejected(", ".join(urls), f"failed: {one_line(exc)}"))
        table, picker = self.list_view(query)
        return render_ingest_report(report, rejected), table, picker, self.outlet_choices(), keep, self.newest()
