"""Query-string parameters -> SearchRequest or ContextRequest, with a 400 naming each bad one.

This module converts: a parameter given twice, a required one missing, a
number or date that does not parse, and text too long or holding control
characters are errors named after the parameter. Whether the values make
a valid request (a known sort or grouping, a page size, since before
until, a context's bounds) is decided by the library's rules,
`validation.validate` and `context.validate_context`, which the parsers
apply, so that a page showing no search for the request (the landing
page, the feed, a user page) refuses it as a search would.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from search.errors import BadRequestError
from search.records import ContextRequest, SearchRequest
from search.retrieve.context import DEFAULT_CONTEXT, MAX_POST_PATH, validate_context
from search.retrieve.validation import MAX_PAGE, MAX_QUERY_LENGTH, validate

SINGLE = ("q", "since", "until", "sort", "page", "per_page", "group")
MAX_FILTERS = 10
MAX_NAME = 100
# A quote index past every post: 400; one past its own post's comments: 404.
MAX_QUOTE_INDEX = 999_999
# A number of ten digits or more is not converted: it stands for one past every bound.
_PAST_EVERY_BOUND = 10**10


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


def _int(args, name: str, default: int, bounds: tuple[int, int] | None = None) -> int:
    """The whole number `name` (`default` when absent), within `bounds` if given."""
    raw = _single(args, name)
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise BadRequestError(name, "must be a whole number")
    value = int(raw) if len(raw) < 10 else _PAST_EVERY_BOUND
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        raise BadRequestError(name, f"must be between {bounds[0]} and {bounds[1]}")
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


def parse_request(args, default_per_page: int = SearchRequest.per_page) -> SearchRequest:
    """Build a SearchRequest from request args and hold it to the library's rules; raise BadRequestError.

    The result window is left to the search that runs (see `validate`).
    """
    sort = _single(args, "sort") or SearchRequest.sort
    group = _single(args, "group") or SearchRequest.group
    request = SearchRequest(
        query=_clean(_single(args, "q"), "q", MAX_QUERY_LENGTH),
        users=_names(args, "user"),
        tags=_names(args, "tag"),
        since=_date(args, "since"),
        until=_date(args, "until"),
        sort=sort,
        page=_int(args, "page", SearchRequest.page, (1, MAX_PAGE)),
        per_page=_int(args, "per_page", default_per_page),
        explain=_single(args, "explain") in ("1", "true"),
        group=group,
    )
    validate(request, window=False)
    return request


def parse_context(args) -> ContextRequest:
    """Build a ContextRequest from `post`, `quote` and `n` and hold it to the library's rules; raise BadRequestError.

    `post` is taken exactly as given (a path may hold spaces); `quote` is required.
    """
    posts = args.getlist("post")
    if len(posts) > 1:
        raise BadRequestError("post", "given more than once")
    post = _clean(posts[0], "post", MAX_POST_PATH) if posts else ""
    if not _single(args, "quote"):
        raise BadRequestError("quote", "is required")
    request = ContextRequest(
        post_path=post,
        quote_index=_int(args, "quote", 0, (0, MAX_QUOTE_INDEX)),
        n=_int(args, "n", DEFAULT_CONTEXT),
    )
    validate_context(request)
    return request
