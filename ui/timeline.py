"""An answer's timeline in the chat: a table of dated figures and a line chart.

``Answer.timeline`` (see ``assistant/answerers/timeline.py``) lists each report's
figure, oldest first, with the number of the citation that quotes it.  The
chat shows it under the answer text in a ``<details>`` block: folded ("Show
earlier figures") when the answer leads with the latest figure, open when
the question asked how the figure changed.  From three numeric figures on a
line chart is drawn as well, where the rise or fall reads at a glance.

The chart is a matplotlib PNG in a ``data:`` URI: the chat's sanitiser keeps
an ``<img>``'s data URI but drops the ``<use>`` elements matplotlib's SVG
draws its text and markers with.  Everything from an article is escaped.
"""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING

from assistant import asks_change

if TYPE_CHECKING:
    from assistant import Answer, DatedFigure

__all__ = ["render_timeline_html", "timeline_chart_png"]

# Fewer points than this read as well in the table alone.
CHART_FROM = 3


def _esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def render_timeline_html(answer: Answer) -> str:
    """The timeline block for ``answer`` (empty when it has none): table, then chart."""
    if not answer.timeline:
        return ""
    rows = "".join(
        "<tr>"
        f'<td class="timeline-date">{_esc(f.published)}</td>'
        f'<td class="timeline-figure">{_esc(f.figure)}</td>'
        f'<td class="timeline-outlet">{_esc(f.outlet) or "outlet unknown"}</td>'
        f'<td class="timeline-cite">[{int(f.n)}]</td>'
        "</tr>"
        for f in answer.timeline
    )
    table = (
        '<table class="timeline-table"><thead><tr><th>Date</th><th>Figure</th><th>Outlet</th><th>Source</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )
    chart = ""
    points = [f for f in answer.timeline if f.value is not None]
    if len(points) >= CHART_FROM:
        alt = "Line chart of the figure by report date: " + ", ".join(f"{f.figure} on {f.published}" for f in points)
        chart = f'<img class="timeline-chart" alt="{_esc(alt)}" src="data:image/png;base64,{timeline_chart_png(points)}">'
    change = asks_change(answer.rewritten_question or answer.question) is not None
    summary = "Figures by date" if change else f"Show earlier figures ({len(answer.timeline) - 1})"
    return f'<details class="timeline"{" open" if change else ""}><summary>{_esc(summary)}</summary>{table}{chart}</details>'


def timeline_chart_png(points: list[DatedFigure]) -> str:
    """A small line chart of the figures by date, as base64 PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory only
    from matplotlib.figure import Figure

    # A Figure, not pyplot: no global figure registry shared between the chat's threads.
    fig = Figure(figsize=(4.2, 2.2), dpi=100)
    ax = fig.subplots()
    dates = [f.published for f in points]
    ax.plot(range(len(points)), [f.value for f in points], marker="o", color="#2563eb")
    for i, f in enumerate(points):
        ax.annotate(f.figure, (i, f.value), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    ax.set_xticks(range(len(points)), dates, fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.margins(x=0.08, y=0.2)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")
