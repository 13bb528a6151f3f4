"""Metadata detection and boilerplate removal for news article text.

Citations quote the cleaned text verbatim, so this module never rewrites a
line it keeps: it only decides, line by line, whether a line is metadata
(dateline, byline, source or wire credit), a photo caption, or body. Lines
that are metadata or captions are dropped; everything else is kept exactly.
Detection is deliberately conservative: a false "caption" silently deletes a
sentence a user may ask about, while a missed caption only adds some noise.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime

logger = logging.getLogger(__name__)

__all__ = ["CleanedArticle", "clean_article", "find_date", "parse_date_value", "normalize_text", "short_title"]

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DATE_RES = (
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"),
    re.compile(rf"\b(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH})\.?,?\s+(?P<y>\d{{4}})\b", re.I),
)
# Words that may surround a date on a line that is only a dateline.
_DATELINE_WORDS = {
    "on", "at", "published", "updated", "posted", "last", "first", "date", "dated", "modified", "am", "pm",
    "a", "m", "p", "gmt", "utc", "local", "time", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
}
# Wire services, keyed by lower-case spelling; values are the names we store.
_AGENCIES = {
    "reuters": "Reuters", "afp": "AFP", "agence france-presse": "AFP", "agence france presse": "AFP",
    "ap": "AP", "associated press": "AP", "the associated press": "AP", "dpa": "dpa", "xinhua": "Xinhua",
    "anadolu": "Anadolu", "anadolu agency": "Anadolu", "tass": "TASS", "efe": "EFE", "ansa": "ANSA",
    "kyodo": "Kyodo", "upi": "UPI", "pa": "PA Media", "pa media": "PA Media", "yonhap": "Yonhap",
    "interfax": "Interfax", "bernama": "Bernama", "wafa": "WAFA", "ani": "ANI", "pti": "PTI",
    "news agencies": "news agencies", "agencies": "news agencies", "wire services": "news agencies",
    "wires": "news agencies",
}
_CONNECTORS = {"and", "in", "of", "the", "de", "da", "del", "van", "von", "der", "al", "bin", "el", "la",
               "le", "di", "du", "y", "at", "from", "for", "by"}
_SEGMENT_SPLIT = re.compile(r"\s*(?:\||,|;|&|/|\(|\)|\s[-–—]\s|\band\b)\s*")

_BY_COLON = re.compile(r"(?i)^by\s*:\s*(?P<who>\S.{0,120})$")
_BY_NAME = re.compile(r"^(?:by|By|BY)\s+(?P<who>[A-Z].{0,150})$")
_SOURCE = re.compile(r"(?i)^sources?\s*:\s*(?P<who>\S.{0,150})$")
_WITH = re.compile(r"(?i)^[-–—]*\s*with\s+(?P<who>.{2,80}?)\s*\.?$")
_REPORTING = re.compile(
    r"(?i)^(?:additional\s+)?(?:reporting|writing|editing|compiled|contributions?)\s+(?:by|from)\s+(?P<who>.+?)\.?$")
_STANDALONE = re.compile(r"^[-–—\s]*\(?\s*(?P<who>[^()]{2,60}?)\s*\)?\.?$")
_WIRE_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'’/-]*[A-Z])(?:,\s*(?P<rest>[^()]{0,40}?))?\s*\((?P<who>[^()]{2,40})\)\s*[-–—]+\s*\S")
# Photo-agency boilerplate that only ever appears in picture captions.
_CAPTION_MARKERS = re.compile(
    r"THIS IMAGE HAS BEEN SUPPLIED BY A THIRD PARTY|NO RESALES\.?\s+NO ARCHIVES|MANDATORY CREDIT|"
    r"EDITORIAL USE ONLY|via REUTERS|via Getty Images|\b(?:REUTERS|AFP|AP Photo|EPA(?:-EFE)?)/[A-Z]")
_BRACKET_CREDIT = re.compile(r"\[(?P<c>[^\[\]]{2,100})\]$")
_PAREN_CREDIT = re.compile(r"\((?P<c>[^()]{2,60})\)$")
_CREDIT_WORDS = re.compile(
    r"(?i)/|\b(?:afp|reuters|ap|epa|getty|handout|file|photo|courtesy|anadolu|via|supplied|pool)\b")
_PHOTO_CREDIT = re.compile(r"(?i)\b(?:getty|photo|file|handout|supplied|courtesy|pool)\b|/")
_CAPTION_CUES = re.compile(
    r"(?i)\b(?:shows?|showing|taken|pictured|photo(?:graph)?|image|grab|screengrab|footage|seen|file|handout|"
    r"in this)\b")
_CAPTION_PREFIX = re.compile(
    r"(?i)^(?:photo|image|picture|photograph|caption|credit|photo credit|image credit|file photo)\s*:\s*\S")
_SENTENCE_END = ".!?:;\"”’)]"


@dataclass(frozen=True)
class CleanedArticle:
    """The outcome of cleaning one article's text.

    ``title`` is None when no line looked like a headline; ``body`` holds the
    kept paragraphs, each made of verbatim lines joined by "\\n".
    """

    title: str | None
    body: tuple[str, ...]
    outlet: str | None
    agencies: tuple[str, ...]
    published: str | None
    removed: int


def normalize_text(raw: str) -> str:
    """Unify line endings and drop trailing spaces; nothing inside a line changes."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _iso(y: str, m: int, d: str) -> str | None:
    try:
        return date(int(y), m, int(d)).isoformat()
    except ValueError:
        return None


def find_date(text: str) -> tuple[str, tuple[int, int]] | None:
    """The earliest valid calendar date in ``text`` (with a year), as ISO and span."""
    best: tuple[str, tuple[int, int]] | None = None
    for rx in _DATE_RES:
        for m in rx.finditer(text):
            month = int(m["m"]) if "m" in rx.groupindex else _MONTHS[m["mon"][:3].lower()]
            if iso := _iso(m["y"], month, m["d"]):
                if best is None or m.start() < best[1][0]:
                    best = (iso, m.span())
                break  # later matches of this pattern start later still
    return best


def parse_date_value(value: str) -> str | None:
    """Parse a whole date field (ISO date/datetime or e.g. "4 May 2024") to ISO, else None."""
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    found = find_date(value)
    if found and _is_dateline(value):
        return found[0]
    return None


def _is_dateline(line: str) -> bool:
    """A short line that holds a date and nothing but dateline filler."""
    found = find_date(line)
    if not found or len(line) > 100:
        return False
    rest = line[: found[1][0]] + " " + line[found[1][1]:]
    for tok in re.findall(r"[^\W\d_]+|\d+", rest):
        if not (tok.lower() in _DATELINE_WORDS or tok.isupper() or (tok.isdigit() and len(tok) <= 2)):
            return False
    return True


def _segments(who: str) -> list[str]:
    return [s.strip(" .:-–—") for s in _SEGMENT_SPLIT.split(who) if s and s.strip(" .:-–—")]


def _agency(seg: str) -> str | None:
    return _AGENCIES.get(" ".join(seg.split()).lower().strip(" .()"))


def _name_like(seg: str) -> bool:
    """Capitalised words (a person, place or outlet), not a sentence."""
    words = seg.split()
    return 0 < len(words) <= 8 and all(
        w[0].isupper() or w[0].isdigit() or w.lower() in _CONNECTORS or w.lower().startswith("al-") for w in words)


@dataclass
class _Meta:
    outlet: str | None = None
    published: str | None = None
    caption_date: str | None = None
    agencies: list[str] = field(default_factory=list)

    def add_agency(self, name: str) -> None:
        if name not in self.agencies:
            self.agencies.append(name)

    def add_date(self, iso: str | None) -> None:
        self.published = self.published or iso


def _pop_dates(text: str) -> tuple[str, list[str]]:
    """Take the dates out of a credit list first: "September 19, 2023" holds a comma."""
    dates = []
    while found := find_date(text):
        dates.append(found[0])
        text = text[: found[1][0]] + " | " + text[found[1][1]:]
    return text, dates


def _credit_list(who: str, meta: _Meta, *, allow_outlet: bool) -> bool:
    """Read a "Source: X and news agencies" style list; False if it isn't one."""
    rest, dates = _pop_dates(who)
    segs = [s for s in _segments(rest) if s.lower() not in _DATELINE_WORDS]
    if not (segs or dates) or any(len(s.split()) > 8 for s in segs):
        return False
    for iso in dates:
        meta.add_date(iso)
    for seg in segs:
        if (ag := _agency(seg)) is not None:
            meta.add_agency(ag)
        elif allow_outlet and meta.outlet is None:
            meta.outlet = seg
    return True


def _meta_line(core: str, meta: _Meta) -> bool:
    """Consume ``core`` as dateline/byline/source/credit; True if it was one."""
    if _is_dateline(core):
        meta.add_date(find_date(core)[0])  # type: ignore[index]
        return True
    if m := _BY_COLON.match(core):
        # "by : Yemen Details" credits the publisher, not a person.
        return _credit_list(m["who"], meta, allow_outlet=True)
    if m := _SOURCE.match(core):
        return _credit_list(m["who"], meta, allow_outlet=True)
    if (m := _BY_NAME.match(core)) and core[-1] not in ".!?":
        segs = _segments(_pop_dates(m["who"])[0])
        if segs and all(_name_like(s) for s in segs):
            # A person's byline: keep its date and wire credits, never guess an outlet.
            return _credit_list(m["who"], meta, allow_outlet=False)
        return False
    if (m := _WITH.match(core)) and all(_agency(s) for s in _segments(m["who"]) or [""]):
        return _credit_list(m["who"], meta, allow_outlet=False)
    if (m := _REPORTING.match(core.strip("()"))) and len(core) <= 250:
        parts = re.split(r"(?i);\s*|\s+(?:in|and)\s+|,\s*|\s+(?:editing|writing)\s+by\s+", m["who"])
        parts = [re.sub(r"(?i)^(?:editing|writing)\s+by\s+", "", p).strip() for p in parts]
        if all(_name_like(p) for p in parts if p):
            for p in parts:
                if ag := _agency(p):
                    meta.add_agency(ag)
            return True
        return False
    if (m := _STANDALONE.match(core)) and all(_agency(s) for s in _segments(m["who"]) or [""]):
        return _credit_list(m["who"], meta, allow_outlet=False)
    return False


def _credit_caption(line: str) -> bool:
    """A caption identified by its photo credit or photo-agency boilerplate."""
    if _CAPTION_MARKERS.search(line):
        return True
    if (m := _BRACKET_CREDIT.search(line)) and _CREDIT_WORDS.search(m["c"]):
        return True
    if m := _PAREN_CREDIT.search(line):
        credit = m["c"]
        photo = _PHOTO_CREDIT.search(credit) is not None
        if photo or (_agency(credit) and _CAPTION_CUES.search(line[: m.start()])):
            return True
    return False


def _core(line: str) -> str:
    # Markdown emphasis and quote marks around a dateline don't change its meaning.
    return line.strip().strip("*_>").strip()


def _title_like(line: str) -> bool:
    if not line or len(line) > 200 or line[-1] in ",:;":
        return False
    return line[-1] != "." or re.search(r"\b(?:[A-Z]\.){2,}$", line) is not None


def _norm_title(s: str) -> str:
    return " ".join(s.strip().lstrip("#").split()).casefold()


def clean_article(raw: str, *, find_title: bool = True, title_hint: str | None = None,
                  markdown: bool = False) -> CleanedArticle:
    """Split ``raw`` into title, body paragraphs and metadata, dropping boilerplate.

    ``find_title``: take the first kept line as the title if it looks like one.
    ``title_hint``: a title known from elsewhere (HTML <h1>, JSONL); a line
    repeating it near the top is dropped so the title isn't indexed twice.
    """
    text = normalize_text(raw).strip("\n")
    blocks = [b.split("\n") for b in re.split(r"\n{2,}", text) if b.strip()]
    meta = _Meta()
    kinds: list[list[str | None]] = []
    for block in blocks:
        row: list[str | None] = []
        for line in block:
            core = _core(line)
            if not core:
                row.append("blank")
            elif _meta_line(core, meta):
                row.append("meta")
            elif _credit_caption(core) or (_CAPTION_PREFIX.match(core) and len(core) <= 300):
                row.append("caption")
                found = find_date(core)
                meta.caption_date = meta.caption_date or (found[0] if found else None)
            else:
                row.append(None)
                if (m := _WIRE_DATELINE.match(core)) and (ag := _agency(m["who"])):
                    # "LONDON, March 3 (Reuters) - ..." opens a body paragraph: keep the
                    # paragraph, but take the wire credit (and the date, if it has a year).
                    meta.add_agency(ag)
                    found = find_date(m["rest"] or "")
                    meta.add_date(found[0] if found else None)
                elif (m := _PAREN_CREDIT.search(core)) and (ag := _agency(m["c"])):
                    meta.add_agency(ag)
        # A short unpunctuated line right above a credited caption is its headline.
        for i in range(len(block) - 1):
            core = _core(block[i])
            if (row[i] is None and row[i + 1] == "caption" and _credit_caption(_core(block[i + 1]))
                    and len(core) <= 200 and core[-1] not in _SENTENCE_END):
                row[i] = "caption"
        kinds.append(row)

    title: str | None = None
    content = [(bi, li) for bi, row in enumerate(kinds) for li, k in enumerate(row) if k is None]
    if title_hint:
        for bi, li in content[:3]:
            if _norm_title(blocks[bi][li]) == _norm_title(title_hint):
                kinds[bi][li] = "title"
                break
    elif find_title and content:
        bi, li = content[0]
        candidate = blocks[bi][li].strip()
        if markdown:
            candidate = candidate.lstrip("#").strip()
        if _title_like(candidate):
            title = candidate
            kinds[bi][li] = "title"

    body = []
    removed = 0
    for block, row in zip(blocks, kinds, strict=True):
        kept = [line for line, k in zip(block, row, strict=True) if k is None]
        removed += sum(1 for k in row if k in ("meta", "caption"))
        if any(line.strip() for line in kept):
            body.append("\n".join(kept))
    for block, row in zip(blocks, kinds, strict=True):
        for line, k in zip(block, row, strict=True):
            if k in ("meta", "caption"):
                logger.debug("dropped %s line: %.80s", k, line)
    return CleanedArticle(title=title, body=tuple(body), outlet=meta.outlet, agencies=tuple(meta.agencies),
                          published=meta.published or meta.caption_date, removed=removed)


def short_title(text: str, limit: int = 80) -> str:
    """A title made from the first sentence (or line) of ``text``, cut at a word boundary."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    m = re.match(r"(.+?[.!?])(?=\s|$)", first)
    sentence = (m.group(1) if m else first).rstrip(".")
    if len(sentence) <= limit:
        return sentence
    # Look one character past the limit so a word ending exactly at it is kept whole.
    head = sentence[: limit + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else sentence[:limit]
    return cut.rstrip(" ,;:-–—") + "…"
