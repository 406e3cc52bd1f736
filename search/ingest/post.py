"""One post file's bytes -> a `Post` with its `Quote`s; no I/O.

A post file is TOML front matter between `+++` lines, a `> title` line, an
`引用元：[URL](URL)` line and one `{{<matomeQuote ...>}}` shortcode per
comment. Parsing never raises on bad content: it returns what can be trusted
plus `ParseWarning`s naming the file and line.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from ..records import ParseWarning, Post
from .front_matter import key_line, read_front_matter, split_front_matter
from .shortcodes import scan_quotes

LINK_SCHEMES = ("http", "https")  # the only links that reach a page or `source_url`
EARLIEST_PLAUSIBLE = dt.date(1990, 1, 1)  # before the web: a typo, kept with a warning
FUTURE_SLACK = dt.timedelta(days=1)  # later than this from now: a typo, kept with a warning

_SOURCE = re.compile(r"^引用元\s*[：:]\s*\[[^\]\n]*\]\(\s*([^)\s]+)", re.MULTILINE)


def parse_post(data: bytes, path: str, url: str) -> tuple[Post | None, list[ParseWarning]]:
    """Parse one post file's bytes; never raises on bad content, does no I/O.

    Returns (post, warnings). `post` is None when the file cannot be trusted
    at all (empty, binary, no usable front matter); a bad comment only costs
    that comment. Drafts are returned with `draft=True`. Whatever a parser
    below raises (a bug, or content no test foresaw) costs this post only:
    it becomes a warning naming the file.
    """
    try:
        return _parse(data, path, url)
    except Exception as exc:  # noqa: BLE001 -- one post's failure must not stop the others
        return None, [ParseWarning(path, None, f"cannot parse the post ({type(exc).__name__}: {exc}); skipped")]


def _parse(data: bytes, path: str, url: str) -> tuple[Post | None, list[ParseWarning]]:
    if not data.strip():
        return None, [ParseWarning(path, None, "empty file")]
    if b"\x00" in data:
        return None, [ParseWarning(path, None, "binary file (contains NUL bytes)")]
    warnings: list[ParseWarning] = []
    text = _decode(data, path, warnings)
    front = split_front_matter(text, path, warnings)
    if front is None:
        return None, warnings
    toml_text, body_start = front
    header = read_front_matter(toml_text, path, warnings)
    if header is None:
        return None, warnings
    source = _source_url(text, body_start, path, warnings)
    quotes = scan_quotes(text, body_start, path, warnings)
    _warn_implausible_dates(header.date, quotes, path, toml_text, warnings)
    post = Post(path, url, header.title, header.date, header.tags, source, header.draft, quotes)
    return post, warnings


def _source_url(text: str, body_start: int, path: str, warnings: list) -> str | None:
    """The `引用元` line's link, when it is an http(s) URL with a host; else None (warned)."""
    source = _SOURCE.search(text, body_start)
    if source is None:
        return None
    url = source.group(1)
    if not is_web_url(url):
        line = text.count("\n", 0, source.start()) + 1
        warnings.append(ParseWarning(path, line, f"source link {url[:80]!r} is not an http(s) URL; not linked"))
        return None
    return url


def is_web_url(url: str) -> bool:
    """True for an absolute http or https URL with a host (and a valid port, if any): what may become a link."""
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a port that is not a number, a bracket left open
        return False
    return parts.scheme in LINK_SCHEMES and bool(parts.hostname) and port_ok


def _warn_implausible_dates(date, quotes, path: str, toml_text: str, warnings: list) -> None:
    """Warn of a post or comment date before 1990 or more than a day ahead: kept, but likely typos."""
    latest = dt.datetime.now(dt.UTC) + FUTURE_SLACK
    if not EARLIEST_PLAUSIBLE <= date <= latest.date():
        warnings.append(ParseWarning(path, key_line(toml_text, "date"), f"implausible post date {date.isoformat()}"))
    for quote in quotes:
        if not EARLIEST_PLAUSIBLE <= quote.created_at.date() or quote.created_at > latest:
            warnings.append(ParseWarning(path, quote.line, f"implausible createdAt {quote.created_at.isoformat()}"))


def _decode(data: bytes, path: str, warnings: list) -> str:
    """UTF-8 text with BOM dropped and line ends normalised to LF."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
        warnings.append(ParseWarning(path, line, "invalid UTF-8; bad bytes replaced with U+FFFD"))
        text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
