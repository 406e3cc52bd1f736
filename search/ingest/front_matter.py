"""The TOML front matter between a post's `+++` lines -> its title, date, tags and draft flag.

Hugo's keys are case-insensitive (`Title`, `Date`). A problem names the
file line of its key; a front matter that cannot be trusted (bad TOML, no
title, no date) is None, and the post is skipped.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from typing import NamedTuple

from ..records import ParseWarning

_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)")


class FrontMatter(NamedTuple):
    """What a post's front matter says of it."""

    title: str
    date: dt.date
    tags: tuple[str, ...]
    draft: bool


def split_front_matter(text: str, path: str, warnings: list) -> tuple[str, int] | None:
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


def read_front_matter(toml_text: str, path: str, warnings: list) -> FrontMatter | None:
    """Return the title, date, tags and draft flag of the front matter, or None."""
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
        warnings.append(ParseWarning(path, key_line(toml_text, "title"), "front matter without title"))
        return None
    date = _front_matter_date(meta.get("date"))
    if date is None:
        raw = meta.get("date")
        problem = "front matter without date" if raw is None else f"invalid front matter date {raw!r}"
        warnings.append(ParseWarning(path, key_line(toml_text, "date"), problem))
        return None
    tags_line = key_line(toml_text, "tags")
    tags = _read_tags(meta.get("tags"), lambda m: warnings.append(ParseWarning(path, tags_line, m)))
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        warnings.append(ParseWarning(path, key_line(toml_text, "draft"), "draft should be true or false"))
        draft = _to_bool(draft)
    return FrontMatter(title.strip(), date, tags, draft)


def _to_bool(value) -> bool:
    """Hugo's reading (spf13/cast ToBool) of a draft value that is not a bool."""
    if isinstance(value, (int, float)):
        return value != 0
    return str(value).strip().lower() in ("true", "t", "1")


def key_line(toml_text: str, key: str) -> int:
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
