"""One handler per error type: JSON under /api/, an error page elsewhere."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import BadRequestError, SearchError

log = logging.getLogger("matome_search.web")


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

    @app.errorhandler(SearchError)
    def unavailable(exc: SearchError):
        # No index, an index of another version, or one that cannot be read:
        # the service is unavailable until the operator acts.
        log.warning("search unavailable: %s", exc)
        hint = f" ({exc.hint})" if exc.hint else ""
        return _respond(503, f"{exc}{hint}")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _respond(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error on %s", request.path)
        return _respond(500, "internal error; it has been logged")
