"""Hugo site files -> `Post`/`Quote` records: the only package that knows Hugo.

This module finds a site's config, base URL and post files and maps each
file to its path and URL; `ingest.post` parses one post file's bytes. Parsing
never raises on bad content: it returns what can be trusted plus
`ParseWarning`s naming the file and line.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote as url_quote

from ..errors import SiteError
from ..records import ParseWarning, Post
from .post import is_web_url, parse_post
from .shortcodes import parse_created_at

__all__ = [
    "Site",
    "first_line_text",
    "iter_post_files",
    "load_site",
    "parse_created_at",
    "parse_post",
    "post_path",
    "post_url",
    "read_post",
    "text_fragment",
]

CONFIG_FILES = ("hugo.toml", "config.toml", "config/_default/hugo.toml")
MAX_POST_BYTES = 20 * 1024 * 1024  # the largest real post is under 1 MB
FRAGMENT_CHARS = 24
# A link's text stops at the next bracket and its URL at the next parenthesis
# (one balanced pair allowed, as in Wikipedia URLs): each failed attempt ends
# at the next opener, so a line of 30,000 `[` is not read 30,000 times.
_MARKDOWN = re.compile(r"\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)|[*_`>＞#]|https?://\S+")
# The opening words come from the line's head; markup longer than this is cut.
_SCAN_CHARS = 4000


@dataclass(frozen=True)
class Site:
    """Where posts are read from and how their URLs are built."""

    root: Path  # the site root (or the bare directory)
    base_url: str  # always ends with "/"
    posts_dir: Path  # directory scanned for *.md posts
    max_post_bytes: int = MAX_POST_BYTES  # a larger post file is skipped, not read


def load_site(site_dir: str | Path, base_url: str | None = None, max_post_bytes: int = MAX_POST_BYTES) -> Site:
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
    if url and not is_web_url(url):  # every comment's link starts with it
        raise _site_error(
            root,
            f"base URL {url[:80]!r} is not an http(s) URL with a host",
            "set baseURL (or --base-url) to the site's address, e.g. https://example.com/",
        )
    posts = root / "content" / "posts"
    if posts.is_dir():
        if not url:
            where = config.name if config else "no site config"
            raise _site_error(root, f"no baseURL ({where}) and no base URL given", "pass --base-url")
        return Site(root, _with_slash(url), posts, max_post_bytes)
    if config is not None:
        raise SiteError(root, f"Hugo site ({config.name}) without a content/posts directory")
    if not base_url:
        raise _site_error(
            root,
            "not a Hugo site (no config, no content/posts) and no base URL given",
            "pass --base-url for a bare directory of posts",
        )
    return Site(root, _with_slash(base_url), root, max_post_bytes)


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


def first_line_text(body: str) -> str:
    """The comment's first non-blank line as the post renders it: Markdown marks dropped.

    Every line boundary is whitespace, so the first non-blank line starts at
    the body's first non-space character; only its first _SCAN_CHARS are
    read, whatever the comment's size.

    >>> first_line_text("  **太字**と[リンク](https://example.com)\\n二行目")
    '太字とリンク'
    """
    head = body.lstrip()[:_SCAN_CHARS].splitlines()
    first_line = head[0] if head else ""
    return _MARKDOWN.sub(lambda m: m.group(1) or "", first_line).strip()


def text_fragment(body: str) -> str:
    """Return `#:~:text=` for the comment's opening words, as the post renders them.

    Appended to the post's URL it scrolls the browser to that comment.
    """
    plain = first_line_text(body)
    words = plain[:FRAGMENT_CHARS]
    cut = max(words.rfind(c) for c in "、。！？ ,.") if len(plain) > FRAGMENT_CHARS else -1
    if cut >= 8:
        words = words[:cut]
    words = words.strip()
    if not words:
        return ""
    # `-`, `,` and `&` are syntax inside a text directive.
    return "#:~:text=" + url_quote(words, safe="").replace("-", "%2D")


def read_post(site: Site, file: Path) -> tuple[Post | None, list[ParseWarning], bytes]:
    """Read and parse one post file; return (post or None, warnings, raw bytes).

    The bytes are returned because the indexer hashes them; an unreadable
    file, or one larger than `site.max_post_bytes` (never read whole), gives
    (None, [warning], b"").
    """
    path = post_path(site, file)
    try:
        with open(file, "rb") as fh:
            # Sized by the open file itself; the bounded read covers a file that grows meanwhile.
            too_big = os.fstat(fh.fileno()).st_size > site.max_post_bytes
            data = b"" if too_big else fh.read(site.max_post_bytes + 1)
    except OSError as exc:
        return None, [ParseWarning(path, None, f"cannot read file: {exc.strerror or exc}")], b""
    if too_big or len(data) > site.max_post_bytes:
        limit = f"{site.max_post_bytes / 2**20:g} MB"
        return None, [ParseWarning(path, None, f"larger than {limit} (MATOME_MAX_POST_MB); skipped")], b""
    post, warnings = parse_post(data, path, post_url(site, file))
    return post, warnings, data
