"""Article loading and cleaning: formats, metadata, boilerplate and rejections.

All articles below are invented for these tests, except the two seed files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vectorstore.cleaning import find_date, parse_date_value, short_title
from vectorstore.loading import LoadedArticle, iter_files, load_file, load_paths

pytestmark = pytest.mark.unit

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def _one(path: Path) -> LoadedArticle:
    result = load_file(path)
    assert result.rejected == []
    assert len(result.articles) == 1
    return result.articles[0]


def test_wire_dateline_without_year_and_reporting_credit(tmp_path):
    body1 = ("LONDON, March 3 (Reuters) - The Bank of Lindmark kept its main interest rate at 4.5% on "
             "Thursday, citing slowing price growth.")
    path = _write(tmp_path, "rates.txt", (
        "Central bank holds rates steady as inflation cools\n\n"
        f"{body1}\n\n"
        "Governor Ana Ruiz said further cuts were possible later in the year.\n\n"
        "(Reporting by Tom Hale in London; Editing by Mary Voss)\n"))
    art = _one(path)
    assert (art.id, art.title, art.outlet, art.agencies, art.published) == (
        "rates", "Central bank holds rates steady as inflation cools", None, ("Reuters",), None)
    assert art.source == str(path)
    # The dateline opens a body paragraph, which is kept word for word.
    assert art.text == ("Central bank holds rates steady as inflation cools\n\n" + body1 + "\n\n"
                        "Governor Ana Ruiz said further cuts were possible later in the year.")


def test_pipe_byline_photo_line_and_additional_reporting(tmp_path):
    path = _write(tmp_path, "lanes.txt", (
        "City council approves new cycling lanes\n\n"
        "By Jane Smith | The Daily Ledger | 4 May 2024\n\n"
        "The city council voted 9-2 on Friday to build twelve kilometres of protected cycling lanes.\n\n"
        "Photo: Cyclists ride along Harbour Road during the morning rush\n\n"
        "Work is expected to begin in the autumn and last two years.\n\n"
        "Additional reporting by AFP\n"))
    art = _one(path)
    # A byline naming a person gives no outlet: "Jane Smith" is an author.
    assert (art.title, art.outlet, art.agencies, art.published) == (
        "City council approves new cycling lanes", None, ("AFP",), "2024-05-04")
    assert art.text == (
        "City council approves new cycling lanes\n\n"
        "The city council voted 9-2 on Friday to build twelve kilometres of protected cycling lanes.\n\n"
        "Work is expected to begin in the autumn and last two years.")


def test_markdown_captions_with_and_without_credit(tmp_path):
    path = _write(tmp_path, "drought.md", (
        "# Drought forces water limits in the valley\n\n"
        "*Published 2024-05-04*\n\n"
        "Farmers in the Oru valley will get half their usual water allowance from June, officials said.\n\n"
        "A dry riverbed near the village of Tessa\n"
        "A dry riverbed near Tessa, where wells have fallen to record lows (Getty Images)\n\n"
        "Rainfall over the winter was 40 percent below average\n\n"
        "Officials said the limits would be reviewed in September.\n"))
    art = _one(path)
    assert (art.title, art.outlet, art.agencies, art.published) == (
        "Drought forces water limits in the valley", None, (), "2024-05-04")
    # The credited caption and the short line above it go; an uncredited short line stays.
    assert art.text == (
        "Drought forces water limits in the valley\n\n"
        "Farmers in the Oru valley will get half their usual water allowance from June, officials said.\n\n"
        "Rainfall over the winter was 40 percent below average\n\n"
        "Officials said the limits would be reviewed in September.")


def test_html_drops_navigation_scripts_and_figures(tmp_path):
    path = _write(tmp_path, "bridge.html", """<!DOCTYPE html>
<html><head><title>Harbour bridge reopens | Coastal Herald</title>
<meta property="og:site_name" content="Coastal Herald">
<meta property="article:published_time" content="2024-02-11T08:30:00Z">
<script>var tracking = "Harbour bridge";</script><style>p {color: red}</style></head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<article><h1>Harbour bridge reopens after repairs</h1>
<p class="byline">By Omar Haddad</p>
<figure><img src="x.jpg"><figcaption>The bridge at dusk. Photo: Lena Park</figcaption></figure>
<p>The Harbour bridge reopened to traffic on Sunday after   eight months
of repairs.</p>
<p>Engineers replaced 40 steel cables<br>and resurfaced the deck.</p>
<aside>Read more: Ferry fares rise</aside><script>console.log("x")</script>
</article><footer>&copy; Coastal Herald</footer></body></html>""")
    art = _one(path)
    assert (art.id, art.title, art.outlet, art.agencies, art.published) == (
        "bridge", "Harbour bridge reopens after repairs", "Coastal Herald", (), "2024-02-11")
    assert art.text == (
        "Harbour bridge reopens after repairs\n\n"
        "The Harbour bridge reopened to traffic on Sunday after eight months of repairs.\n\n"
        # trafilatura writes a <br> as a line break, as it does a paragraph end: the two become paragraphs.
        "Engineers replaced 40 steel cables\n\nand resurfaced the deck.")


def test_html_without_article_uses_title_tag_and_dateline(tmp_path):
    path = _write(tmp_path, "fair.htm", (
        "<html><head><title>Book fair draws record crowds</title></head><body>"
        "<nav>Home | World</nav><div><p>Posted on 3 June 2023</p>"
        "<p>More than 80,000 visitors attended the book fair over its four days.</p></div></body></html>"))
    art = _one(path)
    assert (art.title, art.outlet, art.published) == ("Book fair draws record crowds", None, "2023-06-03")
    assert art.text == ("Book fair draws record crowds\n\n"
                        "More than 80,000 visitors attended the book fair over its four days.")


def test_no_title_line_falls_back_to_file_name(tmp_path):
    body = ("The regional parliament passed the forestry bill by a wide margin on Thursday. "
            "It now goes to the governor.\n\n"
            "Opposition members said they would challenge the law in court.")
    path = _write(tmp_path, "no_title_report.txt", "Published: 12 January 2024\n\n" + body + "\n")
    art = _one(path)
    assert (art.title, art.published) == ("no_title_report", "2024-01-12")
    assert art.text == body


def test_no_date_and_source_credit(tmp_path):
    path = _write(tmp_path, "masks.txt", (
        "Museum returns carved masks to island community\n\n"
        "The National Museum has returned seven carved masks to the community on Pella Island.\n\n"
        "Source: Island Voice\n"))
    art = _one(path)
    assert (art.outlet, art.agencies, art.published) == ("Island Voice", (), None)
    assert "Source:" not in art.text


def test_body_lines_that_resemble_metadata_are_kept_verbatim(tmp_path):
    lines = [
        "By noon, the crowd outside the court had grown to several thousand people.",
        "Reporting by the BBC found that the permits were never filed.",
        "With friends like these, the mayor said, who needs rivals?",
        "Prices rose  3%  in March, the statistics office said [sic]",
    ]
    raw = "Protest grows outside the courthouse   \r\n\r\n" + "\r\n\r\n\r\n".join(f"{x}   " for x in lines)
    art = _one(_write(tmp_path, "court.txt", raw))
    assert art.title == "Protest grows outside the courthouse"
    assert art.text == "\n\n".join(["Protest grows outside the courthouse", *lines])
    assert (art.outlet, art.agencies, art.published) == (None, (), None)


def test_jsonl_bad_lines_are_rejected_individually(tmp_path):
    long_text = ("Rescue teams reached the remote mountain village of Karsi late on Monday after a landslide "
                 "blocked the only road for three days. Supplies were flown in.")
    lines = [
        json.dumps({"id": "quake-1", "title": "Aftershocks rattle the coast", "outlet": "Gulf Times",
                    "published": "2024-03-05", "url": "https://example.org/a", "text": "Two aftershocks hit."}),
        json.dumps({"text": long_text}),
        '{"id": "broken", "text": ',
        json.dumps({"id": "no-text", "title": "Empty"}),
        json.dumps({"id": "bad-date", "published": "next Tuesday", "text": "Some text."}),
        json.dumps({"id": "   ", "text": "Some text."}),
        "",
        json.dumps({"id": "quake-1", "text": "A repeated id."}),
    ]
    path = _write(tmp_path, "feed.jsonl", "\n".join(lines) + "\n")
    result = load_file(path)
    first, second = result.articles
    assert first == LoadedArticle(id="quake-1", title="Aftershocks rattle the coast", outlet="Gulf Times",
                                  agencies=(), published="2024-03-05", source="https://example.org/a",
                                  text="Aftershocks rattle the coast\n\nTwo aftershocks hit.")
    assert second.id == "feed-2"
    assert second.title == "Rescue teams reached the remote mountain village of Karsi late on Monday after a…"
    assert second.text == long_text  # a derived title isn't prepended to the text
    reasons = [reason for _, reason in result.rejected]
    assert reasons[0].startswith("line 3: invalid JSON")
    assert reasons[1:] == [
        "line 4: missing 'text'",
        "line 5: bad 'published' date 'next Tuesday' (expected YYYY-MM-DD)",
        "line 6: 'id' is empty",
        "line 8: duplicate id 'quake-1' (already on line 1)",
    ]


def test_bad_files_and_folders(tmp_path):
    folder = tmp_path / "in"
    _write(folder, "good.txt", "Ferry service resumes\n\nThe island ferry sailed again on Monday.\n")
    _write(folder, ".hidden.txt", "Secret\n\nNot loaded.\n")
    _write(folder, ".cache/skip.txt", "Secret\n\nNot loaded.\n")
    _write(folder, "empty.txt", "  \n\n")
    _write(folder, "blob.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    _write(folder, "latin.txt", b"Caf\xe9 closes\n\nThe caf\xe9 shut.\n")
    _write(folder, "notes.pdf", b"%PDF-1.4")
    _write(folder, "title_only.txt", "Just a headline\n\nSource: Island Voice\n")
    files, rejected = iter_files([folder, tmp_path / "missing.txt"])
    assert [p.name for p in files] == ["blob.txt", "empty.txt", "good.txt", "latin.txt", "title_only.txt"]
    assert rejected[0] == (str(folder / "notes.pdf"), "unsupported file type '.pdf' "
                           "(supported: .htm, .html, .jsonl, .md, .txt)")
    assert rejected[1] == (str(tmp_path / "missing.txt"), "no such file or directory")

    result = load_paths([folder])
    assert [a.id for a in result.articles] == ["good"]
    assert dict(result.rejected) == {
        str(folder / "notes.pdf"): "unsupported file type '.pdf' (supported: .htm, .html, .jsonl, .md, .txt)",
        str(folder / "blob.txt"): "binary file (contains NUL bytes), not text",
        str(folder / "empty.txt"): "empty file",
        str(folder / "latin.txt"): "not UTF-8 text (undecodable byte at offset 3)",
        str(folder / "title_only.txt"): "no article text left after cleaning",
    }
    assert load_file(_write(tmp_path, "x.docx", "hi")).rejected == [(str(tmp_path / "x.docx"),
                                                                    "unsupported file type '.docx'")]


def test_duplicate_ids_across_files_and_bom(tmp_path):
    a = _write(tmp_path, "a/story.txt", "\ufeffFirst headline\n\nFirst body sentence.\n")
    b = _write(tmp_path, "b/story.md", "# Second headline\n\nSecond body sentence.\n")
    result = load_paths([tmp_path / "a", b, a])  # a file named twice loads once
    assert [(x.id, x.title) for x in result.articles] == [("story", "First headline")]
    assert result.rejected == [(str(b), f"duplicate id 'story' (already loaded from {a})")]


@pytest.mark.parametrize("text, iso", [
    ("on Tuesday 19 September, 2023", "2023-09-19"),
    ("September 19, 2023", "2023-09-19"),
    ("19 Sep 2023", "2023-09-19"),
    ("Published: Sept. 4th, 2024 10:30 GMT", "2024-09-04"),
    ("2023-09-19T07:15:00+03:00", "2023-09-19"),
    ("March 3", None),
    ("2023-02-30", None),
])
def test_find_date(text, iso):
    found = find_date(text)
    assert (found[0] if found else None) == iso


def test_parse_date_value_and_short_title():
    assert parse_date_value("2024-05-04T10:00:00Z") == "2024-05-04"
    assert parse_date_value("4 May 2024") == "2024-05-04"
    assert parse_date_value("around May 2024 or so") is None
    assert short_title("Short first line.\nMore.") == "Short first line"


def test_seed_articles():
    aj = _one(SEEDS / "000_7df8da37a3d8a7ae.txt")
    assert (aj.title, aj.outlet, aj.agencies, aj.published) == (
        "Azerbaijan forces attack Nagorno-Karabakh as threat of new war looms", "Al Jazeera",
        ("news agencies",), "2023-09-19")
    for gone in ("THIS IMAGE HAS BEEN SUPPLIED", "[Karen Minasyan/AFP]", "Source: Al Jazeera",
                 "Armenians protest to urge", "People run as gunfire"):
        assert gone not in aj.text
    assert ("Azerbaijani forces on Tuesday seized more than 60 military posts and destroyed up to 20 military "
            "vehicles with other hardware, the ministry said in a statement.") in aj.text
    assert "\n\nRussia positions itself as mediator\n\n" in aj.text

    yd = _one(SEEDS / "001_151552ea4d882762.txt")
    assert (yd.title, yd.outlet, yd.agencies, yd.published) == (
        "US criticizes Azerbaijan after fresh attack on Nagorno-Karabakh", "Yemen Details", ("Reuters",),
        "2023-09-19")
    for gone in ("This grab taken from", "by : Yemen Details", "-With Reuters", "on Tuesday 19 September"):
        assert gone not in yd.text
    assert yd.text.startswith("US criticizes Azerbaijan after fresh attack on Nagorno-Karabakh\n\nAzerbaijan sent")
    # Every kept line is a verbatim line of the file.
    original = set((SEEDS / "001_151552ea4d882762.txt").read_text(encoding="utf-8").splitlines())
    assert all(line in original for line in yd.text.split("\n") if line)


@pytest.mark.unit
def test_a_jsonl_title_that_repeats_the_opening_is_not_indexed_twice(tmp_path):
    body = "Council workers repaired the flood wall on Friday. The river has since fallen."
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps({"id": "wall", "title": "Council workers repaired the flood...", "text": body}) + "\n"
        + json.dumps({"id": "bridge", "title": "Bridge reopens", "text": "The bridge reopened on Monday."}) + "\n"
    )
    result = load_file(feed)
    texts = {a.id: a.text for a in result.articles}
    assert texts["wall"] == body
    assert {a.id: a.title for a in result.articles}["wall"] == "Council workers repaired the flood..."
    assert texts["bridge"] == "Bridge reopens\n\nThe bridge reopened on Monday."


ODD_IDS = ["One Thousand and One Nights", "news/2023/09/19/x", "../etc/passwd", 'say "cheese"', "it's",
           "Ünïcödé 東京 🚀", "https://example.org/a?b=1&c=%20#frag", "50%_off", "a:1-2", "x" * 300]


def test_jsonl_keeps_any_string_id_as_given(tmp_path):
    lines = [json.dumps({"id": aid, "text": f"Story number {n} about the harbour."}) for n, aid in enumerate(ODD_IDS)]
    result = load_file(_write(tmp_path, "odd.jsonl", "\n".join(lines) + "\n"))
    assert [a.id for a in result.articles] == ODD_IDS
    assert result.rejected == []


@pytest.mark.parametrize(("value", "reason"), [
    (7, "'id' must be a string, not int 7"),
    ("", "'id' is empty"),
    ("x" * 1025, "'id' is 1025 characters long; the limit is 1024"),
])
def test_unusable_ids_are_rejected_with_the_reason(tmp_path, value, reason):
    path = _write(tmp_path, "bad.jsonl", json.dumps({"id": value, "text": "Some text."}) + "\n")
    assert [r for _, r in load_file(path).rejected] == [f"line 1: {reason}"]
