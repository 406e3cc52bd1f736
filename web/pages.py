"""HTML pages: search, per-user pages, health check and OpenSearch description."""

from __future__ import annotations

import calendar
import re
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from search.records import SearchRequest

from .histogram import month_histogram
from .params import parse_request

bp = Blueprint("pages", __name__)
FRAGMENT_CHARS = 24
_MARKDOWN = re.compile(r"\[([^\]]*)\]\([^)]*\)|[*_`>＞#]|https?://\S+")


def service():
    """The app's SearchService."""
    return current_app.extensions["matome_search"]


def text_fragment(body: str) -> str:
    """Return `#:~:text=` for the comment's opening words, as the post renders them."""
    first_line = next((line for line in body.splitlines() if line.strip()), "")
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


@bp.app_context_processor
def helpers():
    return {"url_with": url_with, "text_fragment": text_fragment, "month_range": month_range}


@bp.get("/")
def index():
    """The search page; with no query and no filter, a landing page."""
    search_request = parse_request(request.args)
    searching = bool(search_request.query or search_request.users or search_request.tags
                     or search_request.since or search_request.until)
    page = service().search(search_request) if searching else None
    return render_template(
        "search.html", request_=search_request, page=page, searching=searching,
        histogram=month_histogram(page.months) if page else "",
    )


@bp.get("/users/<path:name>")
def user(name: str):
    """Every comment by one user, newest first, with monthly counts and tags."""
    number = parse_request(request.args).page
    page = service().search(SearchRequest(users=(name,), sort="newest", page=number, per_page=20))
    return render_template("user.html", name=name, page=page, histogram=month_histogram(page.months))


@bp.get("/healthz")
def healthz():
    """Comment count and last update, for monitors (503 without an index)."""
    return jsonify({"status": "ok", **service().health()})


@bp.get("/opensearch.xml")
def opensearch():
    """The OpenSearch description, so browsers can add the site as an engine."""
    xml = render_template("opensearch.xml", root=request.url_root.rstrip("/"))
    return Response(xml, mimetype="application/opensearchdescription+xml")
