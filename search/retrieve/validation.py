"""The rules a `SearchRequest` must meet, each once: `validate(request)`.

The service checks every request with them; the web converts query-string
text into a request and leaves these rules to them, so a reader meets the
same limits and messages in the CLI, the API and the page. Each broken
rule is a `BadRequestError` naming the parameter.
"""

from __future__ import annotations

from ..errors import BadRequestError
from ..records import SearchRequest

MAX_PER_PAGE = 100
# Like Elasticsearch's index.max_result_window: page x per_page at most this,
# so no request ranks more than 10,000 hits.
MAX_RESULT_WINDOW = 10_000
MAX_PAGE = MAX_RESULT_WINDOW
MAX_QUERY_LENGTH = 500
SORTS = ("relevance", "newest", "oldest")
GROUPS = ("comment", "post")  # one result per matching comment, or per post holding some


def validate(request: SearchRequest, *, window: bool = True) -> None:
    """Raise BadRequestError naming the first invalid parameter of `request`.

    `window=False` leaves out the result window (page x per_page): the web
    holds a reader's parameters to these rules even where it shows another
    page than the one asked for, or none (the feed, a user page, the
    landing page); the search that runs checks the window.
    """
    if len(request.query) > MAX_QUERY_LENGTH:
        raise BadRequestError("q", f"query longer than {MAX_QUERY_LENGTH} characters")
    if request.sort not in SORTS:
        raise BadRequestError("sort", f"must be one of {', '.join(SORTS)}")
    if request.group not in GROUPS:
        raise BadRequestError("group", f"must be one of {', '.join(GROUPS)}")
    if not 1 <= request.per_page <= MAX_PER_PAGE:
        raise BadRequestError("per_page", f"must be between 1 and {MAX_PER_PAGE}")
    if request.page < 1:
        raise BadRequestError("page", "must be at least 1")
    if window and request.page * request.per_page > MAX_RESULT_WINDOW:
        raise BadRequestError(
            "page",
            f"page x per_page must be at most {MAX_RESULT_WINDOW} "
            f"(the deepest result shown); narrow the search instead",
        )
    if request.since and request.until and request.since > request.until:
        raise BadRequestError("since", "is after until")
