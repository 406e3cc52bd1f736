"""Hugo site files -> `Post`/`Quote` records. The only module that knows Hugo.

A post file is TOML front matter between `+++` lines, a `> title` line, an
`引用元：[URL](URL)` line and one `{{<matomeQuote ...>}}` shortcode per
comment. Parsing never raises on bad content: it returns what can be trusted
plus `ParseWarning`s naming the file and line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import quote as urlquote

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

from .errors import SiteError
from .records import ParseWarning, Post, Quote

CONFIG_FILES = ("hugo.toml", "config.toml", "config/_default/hugo.toml")
SHORTCODE = "matomeQuote"
_OPEN = re.compile(r"\{\{<\s*" + SHORTCODE + r"\b")
_CLOSE = re.compile(r"\s*/?>\}\}")
_PARAM = re.compile(r'\s*([A-Za-z_][\w-]*)\s*=\s*')
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SOURCE = re.compile(r"^引用元\s*[：:]\s*\[[^\]]*\]\(([^)\s]+)\)", re.MULTILINE)
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)|\(at end of document\)")
_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class Site:
    """Where posts are read from and how their URLs are built."""

    root: Path
    base_url: str
    posts_dir: Path
    bare: bool = False


def load_site(site_dir, base_url: str | None = None) -> Site:
    """Return the `Site` at `site_dir`; raise SiteError when it cannot be used.

    A Hugo site root has a config file and `content/posts/`; a bare directory
    of post files is accepted when `base_url` is given.
    """
    root = Path(site_dir)
    if not root.exists():
        raise SiteError(root, "no such directory")
    if not root.is_dir():
        raise SiteError(root, "not a directory")
    config_url = _read_base_url(root)
    url = base_url or config_url
    posts = root / "content" / "posts"
    if posts.is_dir():
        if not url:
            raise SiteError(root, "no baseURL in the site config; pass --base-url")
        return Site(root, _slash(url), posts)
    if base_url:
        return Site(root, _slash(base_url), root, bare=True)
    raise SiteError(root, "no content/posts directory (for a bare directory of posts pass --base-url)")


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _read_base_url(root: Path) -> str | None:
    for name in CONFIG_FILES:
        path = root / name
        if not path.is_file():
            continue
        try:
            config = tomllib.loads(path.read_text("utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            raise SiteError(path, f"invalid site config: {exc}") from exc
        value = config.get("baseURL") or config.get("baseurl")
        return value if isinstance(value, str) and value else None
    return None


def iter_post_files(site: Site) -> Iterator[Path]:
    """Yield every `*.md` post file, sorted, skipping hidden files and dirs."""
    found = []
    for path in site.posts_dir.rglob("*.md"):
        rel = path.relative_to(site.posts_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file():
            found.append((rel.as_posix(), path))
    for _, path in sorted(found):
        yield path


def post_path(site: Site, file: Path) -> str:
    """Return the post's POSIX path relative to the site root."""
    return file.relative_to(site.root).as_posix()


def post_url(site: Site, file: Path) -> str:
    """Return Hugo's default path-based URL of the post."""
    base = site.posts_dir if site.bare else site.root / "content"
    rel = file.relative_to(base)
    parts = list(rel.parts[:-1]) if rel.name in ("index.md", "_index.md") else [*rel.parts[:-1], rel.stem]
    path = "/".join(urlquote(p) for p in parts)
    return site.base_url + (path + "/" if path else "")


def read_post(site: Site, file: Path) -> tuple[Post | None, list[ParseWarning], bytes]:
    """Read and parse one post file; return (post or None, warnings, raw bytes)."""
    path = post_path(site, file)
    try:
        data = file.read_bytes()
    except OSError as exc:
        return None, [ParseWarning(path, None, f"cannot read file: {exc.strerror}")], b""
    post, warnings = parse_post(data, path, post_url(site, file))
    return post, warnings, data


def _decode(data: bytes, path: str, warnings: list) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        warnings.append(ParseWarning(path, line, "invalid UTF-8; bad bytes replaced"))
        text = data.decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_post(data: bytes, path: str, url: str) -> tuple[Post | None, list[ParseWarning]]:
    """Parse one post file's bytes; never raises on bad content."""
    warnings: list[ParseWarning] = []
    if not data.strip():
        return None, [ParseWarning(path, None, "empty file")]
    if b"\x00" in data:
        return None, [ParseWarning(path, None, "binary file (contains NUL bytes)")]
    text = _decode(data, path, warnings)
    front = _front_matter(text, path, warnings)
    if front is None:
        return None, warnings
    meta, body_start = front
    header = _header(meta, path, warnings)
    if header is None:
        return None, warnings
    title, date, tags, draft = header
    body = text[body_start:]
    body_line = text.count("\n", 0, body_start) + 1
    source = _SOURCE.search(body)
    quotes = tuple(_iter_quotes(body, body_line, path, warnings))
    post = Post(path, url, title, date, tags, source.group(1) if source else None, draft, quotes)
    return post, warnings


def _front_matter(text: str, path: str, warnings: list):
    """Return (parsed TOML dict, offset where the body starts) or None."""
    if not text.startswith("+++"):
        warnings.append(ParseWarning(path, 1, "missing +++ front matter"))
        return None
    first_nl = text.find("\n")
    match = re.search(r"^\+\+\+[ \t]*$", text[first_nl + 1:], re.MULTILINE) if first_nl >= 0 else None
    if match is None:
        warnings.append(ParseWarning(path, 1, "unterminated front matter (no closing +++)"))
        return None
    toml_text = text[first_nl + 1 : first_nl + 1 + match.start()]
    try:
        meta = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        # "(at end of document)": blame the last front matter line.
        line = int(found.group(1)) + 1 if found and found.group(1) else toml_text.count("\n") + 1
        reason = _TOML_LINE.sub("", str(exc)).strip()
        warnings.append(ParseWarning(path, line, f"invalid TOML front matter: {reason}"))
        return None
    end = first_nl + 1 + match.end()
    return meta, end


def _header(meta: dict, path: str, warnings: list):
    """Return (title, date, tags, draft) from front matter, or None."""
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        warnings.append(ParseWarning(path, 1, "front matter has no title"))
        return None
    date = _front_date(meta.get("date"))
    if date is None:
        warnings.append(ParseWarning(path, 1, f"front matter date {meta.get('date')!r} is missing or invalid"))
        return None
    raw_tags = meta.get("tags", [])
    if not isinstance(raw_tags, list):
        warnings.append(ParseWarning(path, 1, "tags is not a list; ignored"))
        raw_tags = []
    tags = tuple(t.strip() for t in raw_tags if isinstance(t, str) and t.strip())
    if len(tags) != len(raw_tags):
        warnings.append(ParseWarning(path, 1, "tags that are not strings were ignored"))
    draft = meta.get("draft", False) is True
    return title.strip(), date, tags, draft


def _front_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
        except ValueError:
            return None
    return None


def parse_created_at(value: str) -> dt.datetime | None:
    """Parse a `createdAt` value (two formats, both UTC) to an aware datetime."""
    value = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=dt.timezone.utc)
        except ValueError:
            pass
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


class _Unterminated(Exception):
    """A shortcode or quoted value runs to the end of the file."""


def _read_value(text: str, pos: int) -> tuple[str, int]:
    """Read a quoted value starting at the opening quote; return (value, end)."""
    out = []
    i = pos + 1
    while True:
        quote = text.find('"', i)
        if quote < 0:
            raise _Unterminated
        chunk = text[i:quote]
        if chunk.endswith("\\") and (len(chunk) - len(chunk.rstrip("\\"))) % 2 == 1:
            out.append(chunk[:-1] + '"')  # \" is an escaped quote
            i = quote + 1
            continue
        out.append(chunk)
        return "".join(out), quote + 1


def _read_params(text: str, pos: int) -> tuple[dict, int]:
    """Read name="value" pairs from `pos` up to `>}}`; return (params, end)."""
    params = {}
    while True:
        close = _CLOSE.match(text, pos)
        if close:
            return params, close.end()
        match = _PARAM.match(text, pos)
        if match is None:
            nxt = text.find(">}}", pos)
            if nxt < 0:
                raise _Unterminated
            return params, nxt + 3  # junk before the end: skip it, keep params
        pos = match.end()
        if pos < len(text) and text[pos] == '"':
            params[match.group(1)], pos = _read_value(text, pos)
        else:
            bare = re.match(r"[^\s>]*", text[pos:]).group()
            params[match.group(1)] = bare
            pos += len(bare)


def _iter_quotes(body: str, first_line: int, path: str, warnings: list):
    index = 0
    pos = 0
    while True:
        match = _OPEN.search(body, pos)
        if match is None:
            return
        line = first_line + body.count("\n", 0, match.start())
        try:
            params, pos = _read_params(body, match.end())
        except _Unterminated:
            warnings.append(ParseWarning(path, line, f"unterminated {SHORTCODE} shortcode"))
            return
        quote = _make_quote(params, index, line, path, warnings)
        if quote is not None:
            yield quote
            index += 1


def _make_quote(params: dict, index: int, line: int, path: str, warnings: list) -> Quote | None:
    body = _BR.sub("\n", params.get("body", "")).strip()
    user = params.get("userName", "").strip()
    created_raw = params.get("createdAt", "")
    problem = None
    if not body:
        problem = f"{SHORTCODE} without body"
    elif not user:
        problem = f"{SHORTCODE} without userName"
    created = parse_created_at(created_raw) if created_raw else None
    if problem is None and created is None:
        problem = (f"invalid createdAt {created_raw!r}: expected YYYY-MM-DDThh:mm:ss "
                   "or YYYY/MM/DD hh:mm:ss")
    if problem:
        warnings.append(ParseWarning(path, line, problem + "; comment skipped"))
        return None
    return Quote(index=index, user=user, created_at=created, body=body, line=line)
