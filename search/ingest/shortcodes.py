"""A post's `{{<matomeQuote ...>}}` shortcodes -> its `Quote`s, in order.

Each shortcode's `name=value` pairs are read as Hugo's lexer reads them:
double-quoted with backslash-escaped quotes, raw between backquotes, or
bare. A comment without a body, a user or a valid `createdAt` is skipped
with a warning naming its line; a shortcode left open stops the scan.
"""

from __future__ import annotations

import datetime as dt
import re

from ..records import ParseWarning, Quote

SHORTCODE = "matomeQuote"
CREATED_AT_FORMATS = "YYYY-MM-DDThh:mm:ss or YYYY/MM/DD hh:mm:ss"

# `(?![\w-])` so that a `{{<matomeQuotes>}}` shortcode is not mistaken for ours.
_OPEN = re.compile(r"\{\{<\s*" + SHORTCODE + r"(?![\w-])")
_SPACE = re.compile(r"\s*")
_NAME = re.compile(r"([A-Za-z_][\w-]*)\s*=\s*")
_BARE_VALUE = re.compile(r"[^\s\"`]*?(?=\s|/?>\}\}|\Z)")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_CREATED_AT = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d", re.ASCII)


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
            return parsed.replace(tzinfo=dt.UTC)
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00:00+09:00 is before year 1 in UTC
        return None


def scan_quotes(text: str, pos: int, path: str, warnings: list) -> tuple[Quote, ...]:
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
            return params, pos, f"malformed {SHORTCODE} shortcode: unexpected {text[pos : pos + 12]!r}"
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
        return "", pos, f"malformed {SHORTCODE} shortcode: unexpected {text[pos : pos + 12]!r}"
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
