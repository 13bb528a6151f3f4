"""``assistant bench --load`` / ``--soak``: the figures and verdicts (unit), and short real runs (integration).

The real runs start ``python -m assistant serve`` with the reader off (an
answer in well under a second): 3 conversations x 2 turns x 2 rounds, and a
20-second soak with 2 askers beside an ingest/remove loop. The full-size
runs (50 conversations with the reader on, a 10-minute soak) are the
bench's, not the suite's.
"""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from evals import bench as b
from evals.bench.app import Turn
from evals.bench.load import load_figures, run_load, scripts_for
from evals.bench.soak import run_soak

TEXT = "Azerbaijan said it had seized more than 60 military posts. Officials gave no figure."
QUOTE = "Azerbaijan said it had seized more than 60 military posts."


def _answer(question: str, *, quote: str = QUOTE, start: int = 0, rewritten: str | None = None) -> dict:
    citation = {"n": 1, "article_id": "a1", "quote": quote, "start": start, "end": start + len(quote)}
    return {"question": question, "rewritten_question": rewritten or question, "citations": [citation],
            "refused": False, "timings_ms": {"read": 900.0, "total": 1000.0}}  # fmt: skip


def _figures(conversations, rss=(1000.0, 1010.0, 1020.0)) -> b.LoadFigures:
    return load_figures(
        conversations, {"a1": TEXT}, turns=2, rounds=len(rss), reader="on", round_seconds=[1.0] * len(rss),
        rss_after_rounds_mb=list(rss), peak_rss_mb=1100.0,
    )  # fmt: skip


def _verdict(checks: list[b.Check]) -> dict[str, bool | None]:
    return {c.name: c.met for c in checks}


@pytest.mark.unit
def test_a_clean_load_meets_every_target_and_counts_what_it_saw():
    good = [
        Turn("Who?", _answer("Who?"), 0.5),
        Turn("And he?", _answer("And he?", rewritten="And Hajiyev?"), 1.5),
    ]
    figures = _figures([good, good, good])
    assert (figures.answers, figures.errors, figures.bad_citations, figures.citations) == (6, 0, 0, 6)
    assert figures.read_by_model == 6 and figures.followups_rewritten == 1.0
    assert figures.latency.p50_ms == 1000.0 and figures.latency.n == 6
    assert figures.rss_growth == 1.02
    assert _verdict(figures.checks) == {"load_errors": True, "load_bad_citations": True, "load_rss_growth": True}


@pytest.mark.unit
def test_errors_lost_turns_wrong_slices_and_growth_each_miss_their_target():
    wrong = _answer("Who?", start=1)  # the quote is not text[1:1 + len]
    cut_short = [Turn("Who?", None, 3.0, "'Who?': ConnectionError: refused")]  # its second turn never ran
    figures = _figures([[Turn("Who?", wrong, 0.5), Turn("And?", _answer("And?"), 0.5)], cut_short],
                       rss=(1000.0, 1300.0))  # fmt: skip
    assert figures.errors == 2  # the failed turn and the one it cost
    assert figures.error_samples == ["'Who?': ConnectionError: refused"]
    assert figures.bad_citations == 1 and figures.bad_samples[0].startswith("a1[1:")
    assert figures.followups_rewritten == 0.0  # the follow-up came back as it was asked
    assert _verdict(figures.checks) == {"load_errors": False, "load_bad_citations": False, "load_rss_growth": False}


@pytest.mark.unit
def test_scripts_cycle_through_the_conversations_and_refuse_impossible_shapes():
    scripts = scripts_for(7, 2)
    assert len(scripts) == 7 and all(len(s) == 2 for s in scripts)
    assert scripts[0] == scripts[5] != scripts[1]
    with pytest.raises(ValueError, match="turns must be 1 to 3"):
        scripts_for(3, 4)
    with pytest.raises(ValueError, match="conversations must be 1 or more"):
        scripts_for(0, 1)


def _soak(**changes) -> b.SoakFigures:
    fields = dict(
        seconds=600.0, askers=4, reader="on", answered=300, errors=0, error_samples=[], bad_citations=0,
        bad_samples=[], citations=400, refused=20, read_by_model=290, latency=b.latency([1000.0, 3000.0]),
        ingest_calls=50, articles_added=250, articles_removed=240, churn_errors=0, churn_samples=[], new_asked=30,
        new_cited=28,
        rss_start_mb=1800.0, rss_samples_mb=[1900.0, 2000.0, 2100.0], rss_settled_mb=2000.0, rss_peak_mb=2300.0,
        rss_end_mb=2100.0, consistent=True, check_problems=[],
    )  # fmt: skip
    fields.update(changes)
    return b.SoakFigures(**fields)


@pytest.mark.unit
def test_soak_checks_judge_errors_citations_consistency_and_memory():
    assert set(_verdict(b.soak_checks(_soak())).values()) == {True}
    bad = b.soak_checks(_soak(churn_errors=1, bad_citations=2, consistent=False, rss_end_mb=2600.0))
    assert _verdict(bad) == {"soak_errors": False, "soak_bad_citations": False, "soak_consistent": False,
                             "soak_rss_growth": False}  # fmt: skip
    assert [c.value for c in bad] == [1, 2, 0.0, 1.3]


@pytest.mark.unit
def test_a_serving_report_prints_and_renders_from_its_json():
    from dataclasses import replace

    good = [Turn("Who?", _answer("Who?"), 0.5), Turn("And?", _answer("And?", rewritten="And Baku?"), 1.5)]
    soak = _soak()
    report = replace(b.bare_report(), load=_figures([good]), soak=replace(soak, checks=b.soak_checks(soak)))
    data = json.loads(json.dumps(report.to_dict()))
    markdown = b.render_markdown(data)
    assert "| errors | 0 | <= 0 (failed turns) |" in markdown
    assert "| server RSS after each round MB | 1000, 1010, 1020 |" in markdown
    assert "| ingests (articles added) / articles removed | 50 (250) / 240 |" in markdown
    assert "| questions about the newest added article: asked / answered citing it | 30 / 28 |" in markdown
    assert "1800 / 2000 / 2300 / 2100 (end / a quarter in 1.05)" in markdown
    assert "| server RSS over the soak MB (every 1/40) | 1900, 2000, 2100 |" in markdown
    out = io.StringIO()
    b.print_bench(report, Console(file=out, width=200))
    printed = out.getvalue()
    assert "load_rss_growth = 1.02 meets <= 1.15" in printed and "soak_consistent = 1 meets" in printed


@pytest.mark.integration
def test_a_short_load_on_the_real_server_meets_its_targets(tmp_path):
    figures = run_load(conversations=3, turns=2, rounds=2, reader="off", workdir=tmp_path)
    assert (figures.answers, figures.errors, figures.bad_citations) == (12, 0, 0), figures
    assert figures.citations > 0 and figures.followups_rewritten == 1.0
    assert len(figures.rss_after_rounds_mb) == 2 and figures.peak_rss_mb >= max(figures.rss_after_rounds_mb)
    assert all(c.met for c in figures.checks), figures.checks


@pytest.mark.integration
def test_a_short_soak_asks_ingests_removes_and_leaves_a_consistent_store(tmp_path):
    figures = run_soak(seconds=20, askers=2, reader="off", workdir=tmp_path)
    assert figures.answered > 10 and figures.errors == 0 and figures.churn_errors == 0, figures
    assert figures.ingest_calls >= 2 and figures.articles_removed >= 1, figures
    assert figures.bad_citations == 0 and figures.consistent, figures
    # The server answers about articles another writer added while it runs.
    assert figures.new_asked >= 1 and figures.new_cited >= 1, figures
    assert all(c.met for c in figures.checks), figures.checks


@pytest.mark.unit
def test_bench_offers_load_and_soak_and_refuses_a_bad_reader_before_anything_runs():
    from importlib.metadata import EntryPoint

    import typer
    from typer.testing import CliRunner

    from assistant import UserError, cli

    app = typer.Typer()
    app.callback()(lambda: None)
    cli.add_commands(app, [EntryPoint(name="evals", value="evals.cli:register", group=cli.COMMANDS_GROUP)])
    runner = CliRunner()
    help_text = runner.invoke(app, ["bench", "--help"], env={"COLUMNS": "200"}).output
    for option in ("--load", "--load-conversations", "--load-turns", "--load-rounds", "--soak", "--soak-askers",
                   "--serve-reader"):  # fmt: skip
        assert option in help_text
    for args, message in ((["bench", "--load", "--serve-reader", "maybe"], "--serve-reader must be on or off"),
                          (["bench", "--soak", "5", "--sizes", "0"], "--sizes needs at least one size")):  # fmt: skip
        result = runner.invoke(app, args)
        assert isinstance(result.exception, UserError) and message in str(result.exception), result.output
