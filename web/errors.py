"""One handler per error type: JSON under /api/, an error page elsewhere."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import BadRequestError, NotFoundError, SearchError

log = logging.getLogger("matome_search.web")
# What a reader is told when the index cannot serve: the path, the operator's
# hint and a corrupt index's exception text go to the log only.
UNAVAILABLE = "the search index is not available"


def log_unavailable(exc: SearchError) -> None:
    """Log why the index cannot serve this request, with its path and the operator's hint."""
    hint = f" ({exc.hint})" if exc.hint else ""
    # The text, not the exception: a record kept by a handler would keep its
    # traceback and the files its frames hold open.
    log.warning("search unavailable on %s: %s%s", request.path, str(exc), hint)


def _respond(status: int, message: str, param: str | None = None):
    if request.path.startswith("/api/"):
        response = jsonify({"error": message, "param": param})
        response.status_code = status
        return response
    return render_template("error.html", status=status, message=message), status


def register(app) -> None:
    """Attach the error handlers to `app`."""

    @app.errorhandler(BadRequestError)
    def bad_request(exc: BadRequestError):
        return _respond(400, str(exc), exc.param)

    @app.errorhandler(NotFoundError)
    def not_found(exc: NotFoundError):
        return _respond(404, str(exc), exc.param)

    @app.errorhandler(SearchError)
    def unavailable(exc: SearchError):
        # No index, an index of another version, or one that cannot be read:
        # the service is unavailable until the operator acts.
        log_unavailable(exc)
        return _respond(503, UNAVAILABLE)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _respond(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error on %s", request.path)
        return _respond(500, "internal error; it has been logged")
