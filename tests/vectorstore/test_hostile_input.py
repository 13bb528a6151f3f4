"""Hostile files and records: each is rejected with one specific reason (or loaded exactly), never a traceback.

The loader is the first thing untrusted bytes meet; a crash here ends a
whole ingest (every good file with it), so each case below is one that
crashed or slipped through before it was fixed, or one that must stay safe.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from vectorstore.loading import MAX_ARTICLE_CHARS, iter_files, load_file, load_paths

pytestmark = pytest.mark.unit

GOOD = {"id": "good", "text": "Dock workers ended a nine-day strike on Friday."}


def _jsonl(tmp_path: Path, *records: dict | str) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _reasons(result) -> list[str]:
    return [reason for _, reason in result.rejected]


@pytest.mark.parametrize(("record", "reason"), [
    # json.dumps writes "\ud800" as the escape \\ud800, which json.loads turns back into a lone surrogate.
    ({"id": "a\ud800", "text": "Text."}, "'id' contains a lone surrogate (U+D800), which is not valid Unicode"),
    ({"id": "t", "text": "Half \udfff a word."}, "'text' contains a lone surrogate (U+DFFF), which is not valid Unicode"),
    ({"id": "n", "text": "Cut \x00 here."}, "'text' contains a NUL character"),
    ({"id": "x\x00", "text": "Text."}, "'id' contains a NUL character"),
    ({"id": "h", "title": "Head\x00line", "text": "Text."}, "'title' contains a NUL character"),
    ({"id": "o", "outlet": "Out\ud83dlet", "text": "Text."},
     "'outlet' contains a lone surrogate (U+D83D), which is not valid Unicode"),
    # An id that shows as another: "x\u202egnp.exe" is displayed as "xexe.png".
    ({"id": "x\u202egnp.exe", "text": "Text."}, "'id' contains the invisible or reordering character U+202E"),
    ({"id": "a\u200bb", "text": "Text."}, "'id' contains the invisible or reordering character U+200B"),
    ({"id": "a\u2067b", "text": "Text."}, "'id' contains the invisible or reordering character U+2067"),
])
def test_unstorable_characters_reject_the_record_by_field_and_keep_the_others(tmp_path, record, reason):
    result = load_file(_jsonl(tmp_path, record, GOOD))
    assert _reasons(result) == [f"line 1: {reason}"]
    assert [a.id for a in result.articles] == ["good"]


def test_zero_width_and_right_to_left_characters_in_text_and_titles_are_kept_verbatim(tmp_path):
    # They are real text (Arabic and Hebrew marks, emoji joiners, a prank);
    # citations quote the stored text, so it must be exactly what was given.
    text = "Mar\u200bket \u202eseirots\u202c opened.\n\nPrices rose \u2067\u05e9\u05dc\u05d5\u05dd\u2069 today."
    emoji_id = "family \U0001f468\u200d\U0001f469\u200d\U0001f467"  # ZWJ sequence: allowed in an id
    result = load_file(_jsonl(tmp_path, {"id": emoji_id, "title": "T\u202eitle", "text": text}))
    assert result.rejected == []
    [article] = result.articles
    assert (article.id, article.title) == (emoji_id, "T\u202eitle")
    assert article.text == "T\u202eitle\n\n" + text


@pytest.mark.parametrize("nested", ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000])
def test_deeply_nested_json_is_one_rejected_line_not_a_recursion_error(tmp_path, nested):
    # Before the fix json.loads raised RecursionError out of load_file.
    result = load_file(_jsonl(tmp_path, nested, GOOD))
    assert _reasons(result) == ["line 1: JSON nested too deeply (an article is one flat object)"]
    assert [a.id for a in result.articles] == ["good"]


def test_deeply_nested_html_is_rejected_by_name(tmp_path):
    # BeautifulSoup recursed per element (this crashed ingest once); lxml, under
    # trafilatura now, stops at 256 levels and would silently drop the rest.
    path = tmp_path / "deep.html"
    path.write_text("<html><body><h1>Deep</h1>" + "<div>" * 100_000 + "Text." + "</div>" * 100_000 + "</body></html>")
    assert load_file(path).rejected == [(str(path), "nested too deeply to read (over 250 nested elements)")]


def test_a_ten_megabyte_single_line_record_is_rejected_by_size_and_the_others_load(tmp_path):
    # Stored whole before the fix, the record then crashed ingest: the sentence
    # splitter's regex ran past its time limit on 10 MB (TimeoutError).
    body = "The council met again. " * 450_000  # ~10 MB on one line
    path = _jsonl(tmp_path, {"id": "huge", "title": "Council", "text": body}, GOOD)
    assert path.stat().st_size > 10_000_000
    result = load_file(path)
    assert _reasons(result) == [f"line 1: article text is {len(body.rstrip()):,} characters long; "
                                f"the limit is {MAX_ARTICLE_CHARS:,}"]
    assert [a.id for a in result.articles] == ["good"]


def test_an_article_at_the_size_limit_loads_whole(tmp_path):
    body = ("The council met again. " * (MAX_ARTICLE_CHARS // 23))[:MAX_ARTICLE_CHARS].rstrip()
    [article] = load_file(_jsonl(tmp_path, {"id": "long", "text": body})).articles
    assert article.text == body


def test_an_html_file_that_is_really_a_zip_is_rejected_as_binary(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("index.html", "<html><body><p>Hidden page.</p></body></html>")
    path = tmp_path / "page.html"
    path.write_bytes(buf.getvalue())
    assert load_file(path).rejected == [(str(path), "binary file (contains NUL bytes), not text")]


def test_a_nul_byte_in_a_text_file_rejects_the_file(tmp_path):
    path = tmp_path / "story.txt"
    path.write_bytes(b"Headline\n\nBody \x00 text.\n")
    assert load_file(path).rejected == [(str(path), "binary file (contains NUL bytes), not text")]


def test_symlinks_inside_an_ingested_folder_are_not_followed_and_are_named(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret memo\n\nThe password is hunter2.\n")
    (outside / "more.txt").write_text("More\n\nAlso secret.\n")
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "story.txt").write_text("Ferry sails\n\nThe ferry sailed on Monday.\n")
    os.symlink(outside / "secret.txt", folder / "leak.txt")
    os.symlink(outside, folder / "linked-dir")

    files, rejected = iter_files([folder])
    assert files == [folder / "story.txt"]
    reason = "symbolic link, not followed (links inside a folder are never read)"
    assert sorted(rejected) == [(str(folder / "leak.txt"), reason), (str(folder / "linked-dir"), reason)]
    result = load_paths([folder])
    assert [a.id for a in result.articles] == ["story"]
    assert not any("hunter2" in a.text for a in result.articles)
