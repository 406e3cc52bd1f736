"""HTML pages: search, per-user pages, a comment's context, health check and OpenSearch description."""

from __future__ import annotations

import calendar
import os
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from werkzeug.routing import PathConverter, ValidationError

from search.errors import SearchError
from search.index.watch import read_status
from search.ingest.hugo import text_fragment
from search.records import SearchRequest
from search.retrieve.context import MAX_CONTEXT
from search.retrieve.serialize import format_datetime
from search.retrieve.validation import MAX_QUERY_LENGTH, MAX_RESULT_WINDOW, SORTS

from .errors import UNAVAILABLE, log_unavailable
from .histogram import month_histogram
from .params import MAX_NAME, check_user_name, parse_context, parse_request, parse_user_name
from .searching import get_service, search

bp = Blueprint("pages", __name__)
SHOWN_DATETIME = "%Y-%m-%d %H:%M"  # a comment's time (UTC) as the pages show it
SORT_LABELS = {"relevance": "関連度", "newest": "新しい順", "oldest": "古い順"}


def url_with(**changes) -> str:
    """Return the current search URL with some parameters replaced (None: removed).

    Off the search page (a user page) there is no current search: the URL
    holds `changes` alone.
    """
    current = request.args.items(multi=True) if request.endpoint == "pages.index" else ()
    args = [(k, v) for k, v in current if k not in changes and k != "page"]
    for key, value in changes.items():
        if value is None:
            continue
        args += [(key, v) for v in (value if isinstance(value, (list, tuple)) else [value])]
    return url_for("pages.index") + ("?" + urlencode(args) if args else "")


def page_url(number: int) -> str:
    """Return the URL of this page (search or user page) at result page `number`."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"] + [("page", number)]
    return url_for(request.endpoint, **request.view_args) + "?" + urlencode(args)


def month_range(month: str) -> tuple[str, str]:
    """Return the first and last day of `YYYY-MM`."""
    year, mon = map(int, month.split("-"))
    month = f"{year:04d}-{mon:02d}"  # an index from before months were padded holds `1-01`
    return f"{month}-01", f"{month}-{calendar.monthrange(year, mon)[1]:02d}"


def last_page(page) -> int:
    """The last page a reader can reach: the matches, within the result window."""
    pages = (page.total + page.per_page - 1) // page.per_page
    return min(pages, MAX_RESULT_WINDOW // page.per_page)


def show_datetime(value) -> str:
    """A comment's time as the pages show it, `YYYY-MM-DD hh:mm`."""
    return value.strftime(SHOWN_DATETIME)


@bp.app_context_processor
def helpers():
    """What every template may use: URL helpers, and the limits and choices the inputs offer."""
    return {
        "url_with": url_with,
        "page_url": page_url,
        "text_fragment": text_fragment,
        "month_range": month_range,
        "last_page": last_page,
        "max_query_length": MAX_QUERY_LENGTH,
        "max_name": MAX_NAME,
        "sorts": [(sort, SORT_LABELS[sort]) for sort in SORTS],
    }


# Beside `show_datetime`, the `<time datetime>` machine form, the JSON's own.
bp.add_app_template_filter(format_datetime)
bp.add_app_template_filter(show_datetime)


@bp.get("/")
def index():
    """The search page; with no query and no filter, a landing page."""
    search_request = parse_request(request.args)
    searching = bool(
        search_request.query
        or search_request.users
        or search_request.tags
        or search_request.since
        or search_request.until
    )
    page = search(search_request) if searching else None
    return render_template(
        "search.html",
        request_=search_request,
        page=page,
        searching=searching,
        histogram=month_histogram(page.months) if page else "",
    )


class UserNameConverter(PathConverter):
    """A user name as the rest of the path, for names a browser carries there intact.

    Browsers drop `.` and `..` segments before sending a request and the
    router merges an empty one (a leading, trailing or doubled `/`), so
    building a URL for such a name raises ValidationError and `url_for`
    takes the next rule, `/users/?name=...`, which carries any name.
    """

    def to_url(self, value) -> str:
        if any(segment in ("", ".", "..") for segment in str(value).split("/")):
            raise ValidationError()
        return super().to_url(value)


@bp.record_once
def _add_converter(state) -> None:
    # Before the rules below are added: they name it.
    state.app.url_map.converters["user"] = UserNameConverter


@bp.get("/users/")
@bp.get("/users/<user:name>")
def user(name: str | None = None):
    """Every comment by one user, newest first, with monthly counts and tags.

    `/users/NAME`, or `/users/?name=NAME` for a name the path cannot carry.
    """
    name = parse_user_name(request.args) if name is None else check_user_name(name)
    number = parse_request(request.args).page
    page = search(SearchRequest(users=(name,), sort="newest", page=number, per_page=20))
    return render_template("user.html", name=name, page=page, histogram=month_histogram(page.months))


@bp.get("/context")
def context():
    """A comment among its neighbours in the post, in order: `?post=PATH&quote=INDEX&n=K`."""
    asked = parse_context(request.args)
    return render_template("context.html", context=get_service().context(asked), n=asked.n, max_n=MAX_CONTEXT)


@bp.get("/healthz")
def healthz():
    """Comment count, last update and this worker's figures, for monitors.

    JSON in every state: without a usable index it answers 503 with
    `"status": "unavailable"`; the reason, which names paths, is logged.
    """
    worker = {"pid": os.getpid(), "rss_mb": resident_mb(), "request_cache": get_service().cache_figures()}
    # Under --watch: whether the indexer runs, and its last success and error.
    watcher = {"watcher": read_status(current_app.config["INDEX_DIR"])} if current_app.config["WATCH"] else {}
    try:
        figures = get_service().health()
    except SearchError as exc:
        log_unavailable(exc)
        return jsonify({"status": "unavailable", "error": UNAVAILABLE, "worker": worker, **watcher}), 503
    return jsonify({"status": "ok", **figures, "worker": worker, **watcher})


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
    """The OpenSearch description, so browsers can add the site as an engine.

    Its URLs are absolute: from PUBLIC_URL, else the request (see `web.proxy`).
    """
    xml = render_template("opensearch.xml")
    return Response(xml, mimetype="application/opensearchdescription+xml")
