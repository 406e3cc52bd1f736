"""HTML pages: search, per-user pages, health check and OpenSearch description."""

from __future__ import annotations

import calendar
import os
import re
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from search.errors import SearchError
from search.records import SearchRequest
from search.service import MAX_RESULT_WINDOW

from .histogram import month_histogram
from .params import parse_request
from .searching import search, service

bp = Blueprint("pages", __name__)
FRAGMENT_CHARS = 24
# A link's text stops at the next bracket and its URL at the next parenthesis
# (one balanced pair allowed, as in Wikipedia URLs): each failed attempt ends
# at the next opener, so a line of 30,000 `[` is not read 30,000 times.
_MARKDOWN = re.compile(r"\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)|[*_`>＞#]|https?://\S+")
# The opening words come from the line's head; markup longer than this is cut.
_SCAN_CHARS = 4000



def text_fragment(body: str) -> str:
    """Return `#:~:text=` for the comment's opening words, as the post renders them.

    Every line boundary is whitespace, so the first non-blank line starts at
    the body's first non-space character; only its first _SCAN_CHARS are
    read, whatever the comment's size.
    """
    head = body.lstrip()[:_SCAN_CHARS].splitlines()
    first_line = head[0] if head else ""
    plain = _MARKDOWN.sub(lambda m: m.group(1) or "", first_line).strip()
    words = plain[:FRAGMENT_CHARS]
    cut = max(words.rfind(c) for c in "、。！？ ,.") if len(plain) > FRAGMENT_CHARS else -1
    if cut >= 8:
        words = words[:cut]
    words = words.strip()
    if not words:
        return ""
    # `-`, `,` and `&` are syntax inside a text directive.
    return "#:~:text=" + quote(words, safe="").replace("-", "%2D")


def url_with(**changes) -> str:
    """Return the current search URL with some parameters replaced (None: removed)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in changes and k != "page"]
    for key, value in changes.items():
        if value is None:
            continue
        args += [(key, v) for v in (value if isinstance(value, (list, tuple)) else [value])]
    return url_for("pages.index") + ("?" + urlencode(args) if args else "")


def month_range(month: str) -> tuple[str, str]:
    """Return the first and last day of `YYYY-MM`."""
    year, mon = map(int, month.split("-"))
    return f"{month}-01", f"{month}-{calendar.monthrange(year, mon)[1]:02d}"


def last_page(page) -> int:
    """The last page a reader can reach: the matches, within the result window."""
    pages = (page.total + page.per_page - 1) // page.per_page
    return min(pages, MAX_RESULT_WINDOW // page.per_page)


@bp.app_context_processor
def helpers():
    return {"url_with": url_with, "text_fragment": text_fragment, "month_range": month_range,
            "last_page": last_page}


@bp.get("/")
def index():
    """The search page; with no query and no filter, a landing page."""
    search_request = parse_request(request.args)
    searching = bool(search_request.query or search_request.users or search_request.tags
                     or search_request.since or search_request.until)
    page = search(search_request) if searching else None
    return render_template(
        "search.html", request_=search_request, page=page, searching=searching,
        histogram=month_histogram(page.months) if page else "",
    )


@bp.get("/users/<path:name>")
def user(name: str):
    """Every comment by one user, newest first, with monthly counts and tags."""
    number = parse_request(request.args).page
    page = search(SearchRequest(users=(name,), sort="newest", page=number, per_page=20))
    return render_template("user.html", name=name, page=page, histogram=month_histogram(page.months))


@bp.get("/healthz")
def healthz():
    """Comment count, last update and this worker's figures, for monitors.

    JSON in every state: without a usable index it answers 503 with
    `"status": "unavailable"` and the reason.
    """
    worker = {"pid": os.getpid(), "rss_mb": resident_mb(), "request_cache": service().cache_figures()}
    try:
        figures = service().health()
    except SearchError as exc:
        return jsonify({"status": "unavailable", "error": str(exc), "worker": worker}), 503
    return jsonify({"status": "ok", **figures, "worker": worker})


def resident_mb() -> float | None:
    """This process's resident memory in MB (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


@bp.get("/opensearch.xml")
def opensearch():
    """The OpenSearch description, so browsers can add the site as an engine."""
    xml = render_template("opensearch.xml", root=request.url_root.rstrip("/"))
    return Response(xml, mimetype="application/opensearchdescription+xml")
