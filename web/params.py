"""Query-string parameters -> SearchRequest or ContextRequest, with a 400 naming each bad one."""

from __future__ import annotations

import datetime as dt
import unicodedata

from search.retrieve.context import DEFAULT_CONTEXT, MAX_CONTEXT, MAX_POST_PATH
from search.errors import BadRequestError
from search.records import ContextRequest, SearchRequest
from search.retrieve.validation import GROUPS, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_LENGTH, SORTS

SINGLE = ("q", "since", "until", "sort", "page", "per_page", "group")
MAX_FILTERS = 10
MAX_NAME = 100
# A quote index past every post: 400; one past its own post's comments: 404.
MAX_QUOTE_INDEX = 999_999


def _single(args, name: str) -> str:
    values = args.getlist(name)
    if len(values) > 1:
        raise BadRequestError(name, "given more than once")
    return values[0].strip() if values else ""


def _clean(value: str, name: str, limit: int) -> str:
    if len(value) > limit:
        raise BadRequestError(name, f"longer than {limit} characters")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value):
        raise BadRequestError(name, "contains control characters")
    return value


def _int(args, name: str, default: int, low: int, high: int) -> int:
    raw = _single(args, name)
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise BadRequestError(name, "must be a whole number")
    value = int(raw) if len(raw) < 10 else high + 1
    if not low <= value <= high:
        raise BadRequestError(name, f"must be between {low} and {high}")
    return value


def _date(args, name: str) -> dt.date | None:
    raw = _single(args, name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw) if len(raw) == 10 else _bad_date(name)
    except ValueError:
        return _bad_date(name)


def _bad_date(name: str):
    raise BadRequestError(name, "must be a date as YYYY-MM-DD")


def _names(args, name: str) -> tuple[str, ...]:
    values = [v.strip() for v in args.getlist(name) if v.strip()]
    if len(values) > MAX_FILTERS:
        raise BadRequestError(name, f"at most {MAX_FILTERS} values")
    return tuple(dict.fromkeys(_clean(v, name, MAX_NAME) for v in values))


def parse_user_name(args) -> str:
    """Return the `name` of `/users/?name=`, exactly as given; raise BadRequestError."""
    values = args.getlist("name")
    if len(values) > 1:
        raise BadRequestError("name", "given more than once")
    if not values or not values[0]:
        raise BadRequestError("name", "is required")
    return check_user_name(values[0])


def check_user_name(name: str) -> str:
    """A user name from the path or `?name=`, held to the limits of `user=`; raise BadRequestError."""
    return _clean(name, "name", MAX_NAME)


def parse_request(args, default_per_page: int = 10) -> SearchRequest:
    """Build a SearchRequest from request args; raise BadRequestError."""
    sort = _single(args, "sort") or "relevance"
    if sort not in SORTS:
        raise BadRequestError("sort", f"must be one of {', '.join(SORTS)}")
    group = _single(args, "group") or "comment"
    if group not in GROUPS:
        raise BadRequestError("group", f"must be one of {', '.join(GROUPS)}")
    request = SearchRequest(
        query=_clean(_single(args, "q"), "q", MAX_QUERY_LENGTH),
        users=_names(args, "user"),
        tags=_names(args, "tag"),
        since=_date(args, "since"),
        until=_date(args, "until"),
        sort=sort,
        page=_int(args, "page", 1, 1, MAX_PAGE),
        per_page=_int(args, "per_page", default_per_page, 1, MAX_PER_PAGE),
        explain=_single(args, "explain") in ("1", "true"),
        group=group,
    )
    if request.since and request.until and request.since > request.until:
        raise BadRequestError("since", "is after until")
    return request


def parse_context(args) -> ContextRequest:
    """Build a ContextRequest from `post`, `quote` and `n`; raise BadRequestError.

    `post` is taken exactly as given (a path may hold spaces); `quote` is required.
    """
    posts = args.getlist("post")
    if len(posts) > 1:
        raise BadRequestError("post", "given more than once")
    if not posts or not posts[0]:
        raise BadRequestError("post", "is required")
    post = _clean(posts[0], "post", MAX_POST_PATH)
    if not _single(args, "quote"):
        raise BadRequestError("quote", "is required")
    return ContextRequest(
        post_path=post,
        quote_index=_int(args, "quote", 0, 0, MAX_QUOTE_INDEX),
        n=_int(args, "n", DEFAULT_CONTEXT, 0, MAX_CONTEXT),
    )
