"""Where the app says it lives: a fixed public URL, or a reverse proxy's X-Forwarded-* headers.

Absolute URLs (the OpenSearch description, routing redirects) are built
from the request's scheme and Host. Behind a TLS proxy both are the
proxy's view of the backend (`http://127.0.0.1:8000`), so either the
operator names the public URL (PUBLIC_URL, which wins) or lets the one
proxy in front say it (PROXY_HEADERS). Without PROXY_HEADERS, anybody can
send X-Forwarded-* headers, so they are ignored.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.middleware.proxy_fix import ProxyFix


class PublicURL:
    """WSGI middleware: every request arrives, as far as the app can tell, at `public_url`."""

    def __init__(self, wsgi_app, public_url: str):
        parts = urlsplit(public_url)
        self.wsgi_app = wsgi_app
        self.scheme = parts.scheme
        self.host = parts.netloc

    def __call__(self, environ, start_response):
        environ["wsgi.url_scheme"] = self.scheme
        environ["HTTP_HOST"] = self.host
        return self.wsgi_app(environ, start_response)


def init_app(app) -> None:
    """Wrap `app.wsgi_app` as the app's PUBLIC_URL and PROXY_HEADERS say."""
    if app.config["PUBLIC_URL"]:
        app.wsgi_app = PublicURL(app.wsgi_app, app.config["PUBLIC_URL"])
    if app.config["PROXY_HEADERS"]:
        # Outside PublicURL, so a public URL still wins over X-Forwarded-Host/-Proto;
        # X-Forwarded-For still gives the reader's address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
