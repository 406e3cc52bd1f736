"""Every setting declared once: name, default, help. CLI and web read this table."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import SettingError
from .ingest.post import is_web_url


@dataclass(frozen=True)
class Setting:
    """One configurable value with its default, environment variable and help."""

    name: str
    default: object
    help: str

    @property
    def envvar(self) -> str:
        """The environment variable that overrides the default."""
        return "MATOME_" + self.name.upper()


SETTINGS = {
    s.name: s
    for s in (
        Setting("site", "data", "Hugo site root (or a bare directory of posts with --base-url)."),
        Setting("index_dir", "index", "Directory holding the search index."),
        Setting("host", "127.0.0.1", "Address to bind the web server to."),
        Setting("port", 8000, "Port to serve on."),
        Setting("workers", None, "Server processes [default: one per core]; 1 serves from one process with waitress."),
        Setting("threads", 2, "Threads of each server process."),
        Setting("synonyms", None, "Synonym groups TOML file [default: the shipped list]."),
        Setting("max_post_mb", 20.0, "Post files larger than this many MB are skipped with a warning."),
        Setting(
            "public_url",
            None,
            "The site's address as readers see it, e.g. https://search.example.com; "
            "every absolute URL the app writes starts with it [default: the "
            "request's own scheme and Host].",
        ),
        Setting(
            "proxy_headers",
            False,
            "Trust X-Forwarded-For, -Proto and -Host from one reverse proxy "
            "in front; give it only behind a proxy that sets them.",
        ),
        Setting(
            "cors_origins",
            (),
            "Let pages of this origin (scheme://host[:port], e.g. "
            "https://blog.example.com) read /api/ and /feed.atom from the browser; "
            "repeatable (the variable: space-separated) [default: none].",
        ),
    )
}


def default(name: str):
    """Return the default value of setting `name`."""
    return SETTINGS[name].default


def max_post_bytes(megabytes: float | None = None) -> int:
    """The post file size limit in bytes: `megabytes`, else MATOME_MAX_POST_MB, else 20 MB.

    The environment is how `serve` and its `--watch` process get it; a value
    that is not a positive number raises SettingError.
    """
    setting = SETTINGS["max_post_mb"]
    if megabytes is None:
        raw = os.environ.get(setting.envvar)
        try:
            megabytes = setting.default if raw is None else float(raw)
        except ValueError:
            raise SettingError(setting.envvar, f"{raw!r} is not a number of megabytes") from None
    if not 0 < megabytes < float("inf"):
        raise SettingError(setting.envvar, f"must be a positive number of megabytes, not {megabytes}")
    return int(megabytes * 2**20)


def check_public_url(url: str | None) -> str | None:
    """Return `url` without its trailing slash (None if empty); raise ValueError unless it is http(s)://host[:port].

    A path prefix is refused: the app's routes start at `/`, so links under a
    prefix would miss them.

    >>> check_public_url("https://search.example.com/")
    'https://search.example.com'
    >>> check_public_url("search.example.com")
    Traceback (most recent call last):
    ...
    ValueError: 'search.example.com' is not an http:// or https:// URL with a host
    """
    if not url:
        return None
    if not is_web_url(url):
        raise ValueError(f"{url!r} is not an http:// or https:// URL with a host")
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"{url!r} must be scheme://host[:port] only, without a path, query or user")
    return f"{parts.scheme}://{parts.netloc}"


_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_origin(origin: str) -> str:
    """Return `origin` as browsers send it in `Origin`; raise ValueError unless it is http(s)://host[:port].

    The scheme and host are lowercased and a default port dropped, since the
    header is compared as a string.

    >>> check_origin("https://Blog.Example.com:443")
    'https://blog.example.com'
    >>> check_origin("https://blog.example.com/search")
    Traceback (most recent call last):
    ...
    ValueError: 'https://blog.example.com/search' must be scheme://host[:port] only, without a path, query or user
    """
    if not is_web_url(origin):
        raise ValueError(f"{origin!r} is not an http:// or https:// origin with a host")
    parts = urlsplit(origin)
    if parts.path or parts.query or parts.fragment or "@" in parts.netloc or origin.endswith(("?", "#")):
        raise ValueError(f"{origin!r} must be scheme://host[:port] only, without a path, query or user")
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    port = "" if parts.port in (None, _DEFAULT_PORTS[scheme]) else f":{parts.port}"
    return f"{scheme}://{host}{port}"


def check_origins(origins) -> tuple[str, ...]:
    """Every origin of `origins` checked (`check_origin`), duplicates dropped, in order."""
    return tuple(dict.fromkeys(check_origin(o) for o in origins or ()))
