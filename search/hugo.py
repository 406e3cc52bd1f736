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
CREATED_AT_FORMATS = "YYYY-MM-DDThh:mm:ss or YYYY/MM/DD hh:mm:ss"

# `(?![\w-])` so that a `{{<matomeQuotes>}}` shortcode is not mistaken for ours.
_OPEN = re.compile(r"\{\{<\s*" + SHORTCODE + r"(?![\w-])")
_SPACE = re.compile(r"\s*")
_NAME = re.compile(r"([A-Za-z_][\w-]*)\s*=\s*")
_BARE_VALUE = re.compile(r"[^\s\"`]*?(?=\s|/?>\}\}|\Z)")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SOURCE = re.compile(r"^引用元\s*[：:]\s*\[[^\]\n]*\]\(\s*([^)\s]+)", re.MULTILINE)
_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)")
_CREATED_AT = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d", re.ASCII)


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
    """Read and parse one post file; return (post or None, warnings, raw bytes).

    The bytes are returned because the indexer hashes them; an unreadable
    file gives (None, [warning], b"").
    """
    path = post_path(site, file)
    try:
        data = file.read_bytes()
    except OSError as exc:
        return None, [ParseWarning(path, None, f"cannot read file: {exc.strerror or exc}")], b""
    post, warnings = parse_post(data, path, post_url(site, file))
    return post, warnings, data


def parse_post(data: bytes, path: str, url: str) -> tuple[Post | None, list[ParseWarning]]:
    """Parse one post file's bytes; never raises on bad content, does no I/O.

    Returns (post, warnings). `post` is None when the file cannot be trusted
    at all (empty, binary, no usable front matter); a bad comment only costs
    that comment. Drafts are returned with `draft=True`.
    """
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
    source = _SOURCE.search(text, body_start)
    quotes = _scan_quotes(text, body_start, path, warnings)
    post = Post(path, url, title, date, tags, source.group(1) if source else None, draft, quotes)
    return post, warnings


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
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


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
