"""The `matome-search` command: the library's commands, and `serve`, which runs this web app.

The library (`search.cli`) knows nothing of the web app; this module adds
the one command that needs it, and is the console script's entry point.
"""

from __future__ import annotations

import click

from search.cli import index_dir_option, main, reports_errors, setting_option, site_option, synonyms_option
from search.settings import check_origins, check_public_url


def _checked(check):
    """A click callback that refuses a value `check` raises ValueError for, before anything starts."""

    def callback(ctx, param, value):
        try:
            return check(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx, param) from None

    return callback


@main.command()
@index_dir_option
@site_option
@setting_option("host", "--host")
@setting_option("port", "--port", type=click.IntRange(1, 65535))
@setting_option("workers", "--workers", type=click.IntRange(1, 64))
@setting_option("threads", "--threads", type=click.IntRange(1, 64))
@click.option("--base-url", help="Base URL for a bare directory of posts (overrides the config).")
@click.option("--watch", is_flag=True, help="Re-index new, changed or deleted posts while serving.")
@synonyms_option
@setting_option("public_url", "--public-url", metavar="URL", callback=_checked(check_public_url))
@setting_option("proxy_headers", "--proxy-headers", is_flag=True)
@setting_option("cors_origins", "--cors-origin", metavar="ORIGIN", multiple=True, callback=_checked(check_origins))
@reports_errors
def serve(
    index_dir, site, host, port, workers, threads, base_url, watch, synonyms, public_url, proxy_headers, cors_origins
):
    """Serve the search page and JSON API on every core.

    Several workers: gunicorn pre-forks them; one: waitress. Indexes the
    site first when the index is missing or stale.
    """
    from .server import run

    run(
        index_dir=index_dir,
        site=site,
        host=host,
        port=port,
        threads=threads,
        workers=workers,
        base_url=base_url,
        watch=watch,
        synonyms=synonyms,
        public_url=public_url,
        proxy_headers=proxy_headers,
        cors_origins=cors_origins,
    )


if __name__ == "__main__":
    main()
