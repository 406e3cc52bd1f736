"""The Flask front end: an HTML search page and a JSON API over SearchService.

`create_app` (in `app`) builds it and `get_service` (in `searching`)
reaches its service. Both load on first use, so that the `matome-search`
commands that never serve (`web.cli`: index, query, context, stats) do
not import Flask.
"""

from __future__ import annotations


def __getattr__(name: str):
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "get_service":
        from .searching import get_service

        return get_service
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
