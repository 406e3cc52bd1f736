"""`create_app`: the Flask app of an HTML search page and a JSON API over SearchService."""

from __future__ import annotations

from flask import Flask

from search.settings import check_origins, check_public_url, default

from . import api, cors, errors, feed, pages, proxy, searching

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; `test_config` overrides INDEX_DIR, SYNONYMS and friends.

    WARM (off by default, on under `matome-search serve`) warms every index
    generation the app opens, in the background; WATCH says a `--watch`
    indexer runs beside the app, so /healthz reports it. PUBLIC_URL and
    PROXY_HEADERS say where readers reach the app (see `web.proxy`);
    CORS_ORIGINS lists the origins whose pages may read /api/ and
    /feed.atom (see `web.cors`). Raises ValueError when PUBLIC_URL is not
    an http(s) URL with a host, or an origin is not scheme://host[:port].
    """
    app = Flask(__name__)
    app.config.update(
        INDEX_DIR=default("index_dir"),
        SYNONYMS=default("synonyms"),
        WARM=False,
        WATCH=False,
        PUBLIC_URL=default("public_url"),
        PROXY_HEADERS=default("proxy_headers"),
        CORS_ORIGINS=default("cors_origins"),
    )
    if test_config:
        app.config.update(test_config)
    try:
        app.config["PUBLIC_URL"] = check_public_url(app.config["PUBLIC_URL"])
    except ValueError as exc:
        raise ValueError(f"PUBLIC_URL: {exc}") from None
    try:
        app.config["CORS_ORIGINS"] = check_origins(app.config["CORS_ORIGINS"])
    except ValueError as exc:
        raise ValueError(f"CORS_ORIGINS: {exc}") from None
    app.json.ensure_ascii = False
    searching.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(feed.bp)
    errors.register(app)
    cors.init_app(app)
    proxy.init_app(app)

    @app.after_request
    def add_security_headers(response):
        response.headers.update(SECURITY_HEADERS)
        return response

    return app
