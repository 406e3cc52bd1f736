"""The Flask front end: an HTML search page and a JSON API over SearchService."""

from __future__ import annotations

from flask import Flask

from search.service import SearchService
from search.settings import default

from . import api, errors, pages, searching
from .searching import EXTENSION as EXTENSION  # re-exported: the key of the app's service
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
    generation the app opens, in the background.
    """
    app = Flask(__name__)
    app.config.update(INDEX_DIR=default("index_dir"), SYNONYMS=default("synonyms"), WARM=False)
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    searching.init_app(app, SearchService(app.config["INDEX_DIR"], synonyms=app.config["SYNONYMS"],
                                          warm=app.config["WARM"]))
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    errors.register(app)

    @app.after_request
    def add_security_headers(response):
        response.headers.update(SECURITY_HEADERS)
        return response

    return app
