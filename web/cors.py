"""Cross-origin reads of the JSON API and the feed, for pages of the archive's own site.

Off unless CORS_ORIGINS names origins (`serve --cors-origin`). Then a
response under /api/ or /feed.atom to a request whose `Origin` is one of
them carries `Access-Control-Allow-Origin: <that origin>`, and a
preflight (`OPTIONS` asking for GET) is answered 204 with the methods
and headers allowed. Any other origin gets no CORS header, so the
browser keeps its same-origin rule for it. Those responses vary by
`Origin` whenever CORS is on, so a cache never hands one origin's
answer to another. Only GET is ever allowed, and no credentials.
"""

from __future__ import annotations

from flask import Response, request

COVERED = ("/api/", "/feed.atom")
ALLOW_METHODS = "GET"
# What a page's fetch may send beyond the CORS-safelisted headers: revalidation.
ALLOW_HEADERS = "Accept, If-None-Match, If-Modified-Since"
EXPOSE_HEADERS = "ETag, Server-Timing"
MAX_AGE = "600"  # seconds a browser may keep a preflight's answer


def init_app(app) -> None:
    """Answer cross-origin reads from the origins in `app.config["CORS_ORIGINS"]` (none: off)."""
    origins = frozenset(app.config.get("CORS_ORIGINS") or ())
    if not origins:
        return

    @app.before_request
    def preflight():
        asked = request.headers.get("Access-Control-Request-Method")
        if request.method != "OPTIONS" or asked != "GET" or not (_covered() and _allowed(origins)):
            return None  # not a preflight we allow: Flask answers OPTIONS itself, without CORS headers
        response = Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = MAX_AGE
        return response

    @app.after_request
    def allow(response):
        if _covered():
            response.vary.add("Origin")
            if _allowed(origins) and (request.method != "OPTIONS" or response.status_code == 204):
                response.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
                if request.method != "OPTIONS":
                    response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        return response


def _covered() -> bool:
    return request.path.startswith(COVERED[0]) or request.path == COVERED[1]


def _allowed(origins: frozenset) -> bool:
    return request.headers.get("Origin") in origins
