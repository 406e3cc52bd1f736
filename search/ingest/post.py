"""One post file's bytes -> a `Post` with its `Quote`s; no I/O.

A post file is TOML front matter between `+++` lines, a `> title` line, an
`引用元：[URL](URL)` line and one `{{<matomeQuote ...>}}` shortcode per
comment. Parsing never raises on bad content: it returns what can be trusted
plus `ParseWarning`s naming the file and line.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from urllib.parse import urlsplit

from ..records import ParseWarning, Post, Quote

SHORTCODE = "matomeQuote"
CREATED_AT_FORMATS = "YYYY-MM-DDThh:mm:ss or YYYY/MM/DD hh:mm:ss"
LINK_SCHEMES = ("http", "https")  # the only links that reach a page or `source_url`
EARLIEST_PLAUSIBLE = dt.date(1990, 1, 1)  # before the web: a typo, kept with a warning
FUTURE_SLACK = dt.timedelta(days=1)  # later than this from now: a typo, kept with a warning

# `(?![\w-])` so that a `{{<matomeQuotes>}}` shortcode is not mistaken for ours.
_OPEN = re.compile(r"\{\{<\s*" + SHORTCODE + r"(?![\w-])")
_SPACE = re.compile(r"\s*")
_NAME = re.compile(r"([A-Za-z_][\w-]*)\s*=\s*")
_BARE_VALUE = re.compile(r"[^\s\"`]*?(?=\s|/?>\}\}|\Z)")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SOURCE = re.compile(r"^引用元\s*[：:]\s*\[[^\]\n]*\]\(\s*([^)\s]+)", re.MULTILINE)
_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)")
_CREATED_AT = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d", re.ASCII)


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
    front = _split_front_matter(text, path, warnings)
    if front is None:
        return None, warnings
    toml_text, body_start = front
    header = _read_header(toml_text, path, warnings)
    if header is None:
        return None, warnings
    title, date, tags, draft = header
    source = _source_url(text, body_start, path, warnings)
    quotes = _scan_quotes(text, body_start, path, warnings)
    _warn_implausible_dates(date, quotes, path, toml_text, warnings)
    post = Post(path, url, title, date, tags, source, draft, quotes)
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
    latest = (dt.datetime.now(dt.timezone.utc) + FUTURE_SLACK)
    if not EARLIEST_PLAUSIBLE <= date <= latest.date():
        warnings.append(ParseWarning(path, _key_line(toml_text, "date"), f"implausible post date {date.isoformat()}"))
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


def _split_front_matter(text: str, path: str, warnings: list) -> tuple[str, int] | None:
    """Return (TOML text between the +++ lines, offset of the body) or None."""
    first_end = text.find("\n")
    if text[: first_end if first_end >= 0 else len(text)].rstrip() != "+++":
        warnings.append(ParseWarning(path, 1, "missing +++ front matter"))
        return None
    pos = first_end
    while first_end >= 0:
        pos = text.find("\n+++", pos)
        if pos < 0:
            break
        end = text.find("\n", pos + 4)
        end = len(text) if end < 0 else end
        if not text[pos + 4 : end].strip():
            return text[first_end + 1 : pos + 1], min(end + 1, len(text))
        pos += 4
    warnings.append(ParseWarning(path, 1, "unterminated front matter (no closing +++)"))
    return None


def _read_header(toml_text: str, path: str, warnings: list):
    """Return (title, date, tags, draft) from the front matter, or None."""
    try:
        # Hugo's front matter keys are case-insensitive (`Title`, `Date`).
        meta = {k.lower(): v for k, v in tomllib.loads(toml_text).items()}
    except RecursionError:  # arrays or tables nested a thousand deep
        warnings.append(ParseWarning(path, 1, "invalid TOML front matter: nested too deeply"))
        return None
    except tomllib.TOMLDecodeError as exc:
        at = _TOML_AT.search(str(exc))
        # tomllib counts lines from the first front matter line, file line 2.
        line = int(at.group(1)) + 1 if at and at.group(1) else toml_text.count("\n") + 1
        column = f" (column {at.group(2)})" if at and at.group(2) else ""
        reason = _TOML_AT.sub("", str(exc))
        warnings.append(ParseWarning(path, line, f"invalid TOML front matter: {reason}{column}"))
        return None
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        warnings.append(ParseWarning(path, _key_line(toml_text, "title"), "front matter without title"))
        return None
    date = _front_matter_date(meta.get("date"))
    if date is None:
        raw = meta.get("date")
        problem = "front matter without date" if raw is None else f"invalid front matter date {raw!r}"
        warnings.append(ParseWarning(path, _key_line(toml_text, "date"), problem))
        return None
    tags_line = _key_line(toml_text, "tags")
    tags = _read_tags(meta.get("tags"), lambda m: warnings.append(ParseWarning(path, tags_line, m)))
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        warnings.append(ParseWarning(path, _key_line(toml_text, "draft"), "draft should be true or false"))
        draft = _to_bool(draft)
    return title.strip(), date, tags, draft


def _to_bool(value) -> bool:
    """Hugo's reading (spf13/cast ToBool) of a draft value that is not a bool."""
    if isinstance(value, (int, float)):
        return value != 0
    return str(value).strip().lower() in ("true", "t", "1")


def _key_line(toml_text: str, key: str) -> int:
    """File line of `key = ...` in the front matter, or 1 (the opening +++)."""
    found = re.search(rf"^[ \t]*{key}[ \t]*=", toml_text, re.MULTILINE | re.IGNORECASE)
    return toml_text.count("\n", 0, found.start()) + 2 if found else 1


def _front_matter_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):  # before `date`: datetime is a date subclass
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text).date()
        except ValueError:
            return None
    return None


def _read_tags(value, warn) -> tuple[str, ...]:
    """Tags as a tuple of non-empty strings; anything else is dropped with a warning."""
    if value is None:
        return ()
    if isinstance(value, str):
        warn("tags is not a list; kept as one tag")
        value = [value]
    elif not isinstance(value, list):
        warn(f"tags is not a list ({type(value).__name__}); ignored")
        return ()
    kept = [t.strip() for t in value if isinstance(t, str) and t.strip()]
    if len(kept) != len(value):
        warn("tags that are not non-empty strings were ignored")
    return tuple(dict.fromkeys(kept))


def parse_created_at(value: str) -> dt.datetime | None:
    """Parse a `createdAt` value to a UTC datetime, or None.

    Both archive formats (`2025-03-21T21:37:25`, `2025/09/06 16:36:41`) are
    UTC; an explicit `Z` or offset is honoured and converted to UTC.
    """
    text = value.strip()
    if text[4:5] == "/" and text[7:8] == "/":
        text = text.replace("/", "-", 2)
    # The shape check keeps fromisoformat from accepting a bare date.
    if not _CREATED_AT.match(text):
        return None
    try:
        parsed = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=dt.timezone.utc)
        return parsed.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00:00+09:00 is before year 1 in UTC
        return None


def _scan_quotes(text: str, pos: int, path: str, warnings: list) -> tuple[Quote, ...]:
    """Every valid matomeQuote from `text[pos:]`, in order; problems become warnings."""
    quotes: list[Quote] = []
    line, counted = 1, 0
    while True:
        match = _OPEN.search(text, pos)
        if match is None:
            break
        # Count lines incrementally: recounting from 0 is quadratic in big posts.
        line += text.count("\n", counted, match.start())
        counted = match.start()
        params, pos, problem = _read_params(text, match.end())
        if problem is not None:
            if pos is None:  # nothing after this point can be trusted
                warnings.append(ParseWarning(path, line, problem + "; rest of the post skipped"))
                break
            warnings.append(ParseWarning(path, line, problem + "; comment skipped"))
            continue
        quote = _make_quote(params, len(quotes), line)
        if isinstance(quote, Quote):
            quotes.append(quote)
        else:
            warnings.append(ParseWarning(path, line, quote + "; comment skipped"))
    return tuple(quotes)


def _read_params(text: str, pos: int) -> tuple[dict, int | None, str | None]:
    """Read `name="value"` pairs up to the closing `>}}`.

    Returns (params, end, None) on success, else (params, resume, problem)
    where `resume` is where scanning may go on, or None to stop.
    """
    params: dict[str, str] = {}
    while True:
        pos = _SPACE.match(text, pos).end()
        if text.startswith(">}}", pos) or text.startswith("/>}}", pos):
            return params, text.find("}}", pos) + 2, None
        name = _NAME.match(text, pos)
        if name is None:
            if pos >= len(text):
                return params, None, f"unterminated {SHORTCODE} shortcode (no closing >}}}})"
            if text.startswith("{{", pos):
                return params, pos, f"unterminated {SHORTCODE} shortcode (next shortcode starts before >}}}})"
            return params, pos, f"malformed {SHORTCODE} shortcode: unexpected {text[pos:pos + 12]!r}"
        value, pos, problem = _read_value(text, name.end())
        if problem is not None:
            return params, pos, problem
        params[name.group(1)] = value


def _read_value(text: str, pos: int) -> tuple[str, int | None, str | None]:
    """Read one value at `pos`: "quoted", `raw` or bare; return (value, end, problem)."""
    opener = text[pos : pos + 1]
    if opener == '"':
        return _read_quoted(text, pos + 1)
    if opener == "`":  # Hugo's raw string: no escapes, may span lines
        end = text.find("`", pos + 1)
        if end < 0:
            return "", None, f"unterminated `raw` value in {SHORTCODE}"
        return text[pos + 1 : end], end + 1, None
    bare = _BARE_VALUE.match(text, pos)
    if bare is None:
        return "", pos, f"malformed {SHORTCODE} shortcode: unexpected {text[pos:pos + 12]!r}"
    return bare.group(), bare.end(), None


def _read_quoted(text: str, start: int) -> tuple[str, int | None, str | None]:
    """Read a "..." value from just after its opening quote.

    As in Hugo's lexer, `\\"` is an escaped quote, any other backslash is
    literal, and a quoted value ends at the line: Hugo refuses to build a page
    with a newline inside one, so the damage stops there and scanning resumes
    on the next line.
    """
    parts = []
    pos = start
    while True:
        end = text.find('"', pos)
        newline = text.find("\n", pos, end if end >= 0 else len(text))
        if newline >= 0:
            return "", newline, f"unterminated quoted value in {SHORTCODE}"
        if end < 0:
            return "", None, f"unterminated quoted value in {SHORTCODE}"
        if text[end - 1] != "\\":
            parts.append(text[pos:end])
            return "".join(parts), end + 1, None
        parts.append(text[pos : end - 1] + '"')
        pos = end + 1


def _make_quote(params: dict, index: int, line: int) -> Quote | str:
    """Return the Quote, or a message saying why the comment is skipped."""
    body = params.get("body", "")
    if "<" in body:
        body = _BR.sub("\n", body)
    body = body.strip()
    user = params.get("userName", "").strip()
    raw_created = params.get("createdAt", "").strip()
    if not body:
        return f"{SHORTCODE} without body"
    if not user:
        return f"{SHORTCODE} without userName"
    if not raw_created:
        return f"{SHORTCODE} without createdAt"
    created = parse_created_at(raw_created)
    if created is None:
        return f"invalid createdAt {raw_created!r}: expected {CREATED_AT_FORMATS}"
    return Quote(index=index, user=user, created_at=created, body=body, line=line)
