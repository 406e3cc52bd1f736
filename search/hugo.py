"""Hugo site files -> `Post`/`Quote` records. The only module that knows Hugo.

A post file is TOML front matter between `+++` lines, a `> title` line, an
`引用元：[URL](URL)` line and one `{{<matomeQuote ...>}}` shortcode per
comment. Parsing never raises on bad content: it returns what can be trusted
plus `ParseWarning`s naming the file and line.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import quote as url_quote

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

    root: Path  # the site root (or the bare directory)
    base_url: str  # always ends with "/"
    posts_dir: Path  # directory scanned for *.md posts


def load_site(site_dir: str | Path, base_url: str | None = None) -> Site:
    """Return the `Site` at `site_dir`; `base_url` overrides the config's baseURL.

    A Hugo site root has `hugo.toml`, `config.toml` or
    `config/_default/hugo.toml` (first found) and `content/posts/`. A bare
    directory of post files (no config, no content/posts) is accepted when
    `base_url` is given. Raises SiteError when the directory cannot be used.
    """
    root = Path(site_dir)
    if not root.exists():
        raise SiteError(root, "no such directory")
    if not root.is_dir():
        raise SiteError(root, "not a directory")
    config = next((root / name for name in CONFIG_FILES if (root / name).is_file()), None)
    url = base_url or (_read_base_url(config) if config else None)
    posts = root / "content" / "posts"
    if posts.is_dir():
        if not url:
            where = config.name if config else "no site config"
            raise _site_error(root, f"no baseURL ({where}) and no base URL given", "pass --base-url")
        return Site(root, _with_slash(url), posts)
    if config is not None:
        raise SiteError(root, f"Hugo site ({config.name}) without a content/posts directory")
    if not base_url:
        raise _site_error(root, "not a Hugo site (no config, no content/posts) and no base URL given",
                          "pass --base-url for a bare directory of posts")
    return Site(root, _with_slash(base_url), root)


def _site_error(path, reason: str, hint: str) -> SiteError:
    error = SiteError(path, reason)
    error.hint = hint
    return error


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _read_base_url(config: Path) -> str | None:
    """Return the config's baseURL (Hugo keys are case-insensitive), or None."""
    try:
        data = tomllib.loads(config.read_text("utf-8-sig"))
    except OSError as exc:
        raise SiteError(config, f"cannot read the site config: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise SiteError(config, f"site config is not UTF-8 (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(config, f"invalid TOML: {exc}") from exc
    value = next((v for k, v in data.items() if k.lower() == "baseurl"), None)
    if value is not None and not isinstance(value, str):
        raise SiteError(config, f"baseURL must be a string, not {type(value).__name__}")
    return value or None


def iter_post_files(site: Site) -> Iterator[Path]:
    """Yield every `*.md` file under `site.posts_dir`, sorted by relative path.

    Hidden files and directories are skipped; symlinked directories are not
    followed and symlinked files pointing out of the site are skipped. Raises
    SiteError when a directory cannot be listed: a partial listing would make
    the indexer delete the posts it did not see.
    """
    found: list[tuple[str, Path]] = []
    # content/posts may itself be a symlink to the archive's real home.
    real_roots = {os.path.realpath(site.root), os.path.realpath(site.posts_dir)}
    _scan_dir(site.posts_dir, "", real_roots, found)
    found.sort()
    for _, file in found:
        yield file


def _scan_dir(directory: Path, rel: str, real_roots: set, found: list) -> None:
    try:
        with os.scandir(directory) as it:
            entries = list(it)
    except FileNotFoundError:
        if rel:
            return  # removed while we walked: its posts are gone
        raise SiteError(directory, "posts directory disappeared") from None
    except OSError as exc:
        raise SiteError(directory, f"cannot list directory: {exc.strerror or exc}") from exc
    for entry in entries:
        if entry.name.startswith("."):
            continue  # .git, editor swap files, .DS_Store
        path = directory / entry.name
        if entry.is_dir(follow_symlinks=False):
            _scan_dir(path, f"{rel}{entry.name}/", real_roots, found)
        elif entry.name.endswith(".md") and _is_post_file(entry, real_roots):
            found.append((rel + entry.name, path))


def _is_post_file(entry: os.DirEntry, real_roots: set) -> bool:
    """True for a regular file, or a symlink to one inside the site.

    A symlink leading out of the site is skipped: it could expose any file.
    """
    if not entry.is_symlink():
        return entry.is_file(follow_symlinks=False)
    target = os.path.realpath(entry.path)
    if not any(os.path.commonpath([target, root]) == root for root in real_roots):
        return False
    try:
        return entry.is_file()
    except OSError:
        return True  # unreadable target: read_post reports it, the indexer keeps the old post


def post_path(site: Site, file: Path) -> str:
    """Return the post's POSIX path relative to the site root."""
    return file.relative_to(site.root).as_posix()


def post_url(site: Site, file: Path) -> str:
    """Return the URL Hugo publishes the post at (default path-based URLs).

    `content/posts/2025_03/<slug>/index.md` -> `<base_url>posts/2025_03/<slug>/`;
    a non-bundle `foo.md` -> `.../foo/`. A bare directory maps to its own root.
    """
    content = site.root / "content"
    in_content = site.posts_dir == content or content in site.posts_dir.parents
    rel = file.relative_to(content if in_content else site.posts_dir)
    if rel.name in ("index.md", "_index.md"):
        parts = rel.parts[:-1]
    else:
        parts = (*rel.parts[:-1], rel.stem)
    return site.base_url + "".join(url_quote(part) + "/" for part in parts)


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
