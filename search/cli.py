"""The `matome-search` commands of the library: index, query, context, stats.

Each command parses its options, calls the library function a Python user
would call, and prints. Library errors become one line and a non-zero exit.
"""

from __future__ import annotations

import functools
import html
import json
import re
import sys

import click

from .errors import SearchError, StrictModeError
from .index.progress import BuildProgress
from .ingest import hugo
from .ingest.hugo import text_fragment
from .records import ContextRequest, SearchRequest
from .retrieve.context import DEFAULT_CONTEXT, MAX_CONTEXT
from .retrieve.serialize import context_to_dict, format_datetime, page_to_dict
from .retrieve.service import SearchService
from .retrieve.validation import GROUPS, MAX_PER_PAGE, SORTS
from .settings import SETTINGS, max_post_bytes


def setting_option(name: str, *flags, **kwargs):
    """A click option whose default, env var and help come from SETTINGS."""
    setting = SETTINGS[name]
    return click.option(
        *flags,
        name,
        default=setting.default,
        envvar=setting.envvar,
        show_default=True,
        help=setting.help,
        **kwargs,
    )


index_dir_option = setting_option("index_dir", "--index-dir", type=click.Path(file_okay=False))
site_option = setting_option("site", "--site", type=click.Path(file_okay=False))
synonyms_option = setting_option("synonyms", "--synonyms", type=click.Path(dir_okay=False))


# C0 and C1 controls but tab and newline, DEL, and the bidi marks,
# embeddings, overrides and isolates: what lets text in the archive move the
# cursor, set the window title or reorder what the reader sees.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """`text` with every control character shown as an escape (`\\x1b`, `\\u202e`)."""
    return _UNSAFE.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text
    )


def _json_safe(text: str) -> str:
    """JSON text with the C1 and bidi controls `json.dumps` leaves raw written as \\u escapes."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _one_line(text: str) -> str:
    """A name or title on one line: a newline in it must not fake another line of output."""
    return text.replace("\r", " ").replace("\n", " ")


def _say(text: str, err: bool = False) -> None:
    click.echo(terminal_safe(text), err=err)


def reports_errors(func):
    """Turn a SearchError into a one-line message and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SearchError as exc:
            hint = f" ({exc.hint})" if exc.hint else ""
            _say(f"error: {exc}{hint}", err=True)
            sys.exit(1)

    return wrapper


@click.group()
@click.version_option(package_name="matome-search")
def main():
    """Full-text search for a Hugo archive of Japanese HN comment digests."""


@main.command()
@site_option
@index_dir_option
@click.option("--base-url", help="Base URL for a bare directory of posts (overrides the config).")
@click.option("--rebuild", is_flag=True, help="Build a fresh index and swap it in when complete.")
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes [default: all cores].")
@click.option("--include-drafts", is_flag=True, help="Index posts marked draft = true.")
@click.option("--strict", is_flag=True, help="Fail, leaving the index unchanged, on any warning.")
@setting_option("max_post_mb", "--max-post-mb", type=click.FloatRange(min=0, min_open=True))
@click.option("--no-cache", is_flag=True, help="Run janome on every post again instead of reading its kept output.")
@reports_errors
def index(site, index_dir, base_url, rebuild, jobs, include_drafts, strict, max_post_mb, no_cache):
    """Index the site's posts; only new, changed and deleted posts are processed."""
    from .index.indexer import update_index

    loaded = hugo.load_site(site, base_url=base_url, max_post_bytes=max_post_bytes(max_post_mb))
    progress = BuildProgress(sys.stderr, tty=sys.stderr.isatty())
    try:
        report = update_index(
            loaded,
            index_dir,
            rebuild=rebuild,
            jobs=jobs,
            include_drafts=include_drafts,
            strict=strict,
            progress=progress,
            janome_cache=not no_cache,
        )
    except StrictModeError as exc:
        progress.close()
        for warning in exc.warnings:
            _say(f"warning: {warning}", err=True)
        raise
    progress.close()
    for warning in report.warnings:
        _say(f"warning: {warning}", err=True)
    if report.note:
        _say(f"note: {report.note}", err=True)
    _say(report.summary())


def _terminal_snippet(snippet: str, color: bool) -> str:
    """Turn an HTML snippet into safe terminal text with the matches marked."""
    parts = re.split(r"<mark>(.*?)</mark>", snippet)  # plain, marked, plain, ...
    out = []
    for i, part in enumerate(parts):
        text = terminal_safe(html.unescape(part).replace("\n", " "))
        if i % 2:
            text = click.style(text, bold=True, fg="yellow") if color else f"[{text}]"
        out.append(text)
    return "".join(out)


def print_page(page, color: bool) -> None:
    """Print a `SearchPage` for a terminal: a header, then each hit (or post), marks in bold when `color`."""
    first = (page.page - 1) * page.per_page
    what = "posts" if page.group == "post" else "matches"
    _say(f"{page.total} {what} ({page.took_ms:.0f} ms)")
    for note in page.notes:
        _say(f"note: {note}")
    if page.group == "post":
        _print_posts(page.groups, first, color)
        return
    for rank, hit in enumerate(page.hits, first + 1):
        click.echo("")
        when = format_datetime(hit.created_at)
        _say(f"{rank}. {_one_line(hit.user)}  {when}  {_one_line(hit.post_title)}")
        _say(f"   {hit.post_url}")
        click.echo(f"   {_terminal_snippet(hit.snippet, color)}")


def _print_posts(groups, first: int, color: bool) -> None:
    for rank, group in enumerate(groups, first + 1):
        click.echo("")
        _say(
            f"{rank}. {_one_line(group.post_title)}  {group.post_date.isoformat()}  ({group.matches} matching comments)"
        )
        _say(f"   {group.post_url}")
        for hit in group.comments:
            _say(f"   - {_one_line(hit.user)}  {format_datetime(hit.created_at)}")
            click.echo(f"     {_terminal_snippet(hit.snippet, color)}")


def _explain_lines(explain):
    """The `--explain` lines: each clause's runs of words and other forms, then the Whoosh query."""
    for clause in explain.clauses:
        neg = "NOT " if clause.negated else ""
        groups = " + ".join("".join(f"[{t}]" for t in g) for g in clause.groups or []) or clause.text
        yield f"explain: {neg}{clause.field}: {clause.text} -> {groups}"
        synonyms = [" ".join(words) for words in clause.synonyms or []]
        for label, forms in (("loanword", clause.loanwords), ("romaji as", clause.romaji), ("synonym", synonyms)):
            if forms:
                yield f"explain:   {label}: {', '.join(forms)}"
    yield f"explain: whoosh query {explain.query}"


@main.command()
@click.argument("words", nargs=-1)
@index_dir_option
@click.option("--user", "users", multiple=True, help="Only comments by this user (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Only comments in posts with this tag (repeatable).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Comments on or after YYYY-MM-DD.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Comments on or before YYYY-MM-DD.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(1, MAX_PER_PAGE), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option(
    "--group",
    type=click.Choice(GROUPS),
    default="comment",
    show_default=True,
    help="One result per comment, or per post with its best comments (--limit, --page count posts).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract shared with the web API.")
@click.option("--explain", is_flag=True, help="Show how the query was analyzed.")
@synonyms_option
@reports_errors
def query(words, index_dir, users, tags, since, until, sort, limit, page, group, as_json, explain, synonyms):
    """Search the index. WORDS use the query syntax in the README."""
    request = SearchRequest(
        query=" ".join(words),
        users=tuple(users),
        tags=tuple(tags),
        since=since.date() if since else None,
        until=until.date() if until else None,
        sort=sort,
        page=page,
        per_page=limit,
        explain=explain,
        group=group,
    )
    service = SearchService(index_dir, synonyms=synonyms)
    try:
        result = service.search(request)
    finally:
        service.close()
    if as_json:
        click.echo(_json_safe(json.dumps(page_to_dict(result), ensure_ascii=False, indent=2)))
        return
    if explain and result.explain:
        for line in _explain_lines(result.explain):
            _say(line)
    print_page(result, color=sys.stdout.isatty())


def _print_context(context, color: bool) -> None:
    first, last = context.comments[0].quote_index, context.comments[-1].quote_index
    _say(f"{_one_line(context.post_title)}  {context.post_date.isoformat()}")
    _say(context.post_url)
    _say(f"quote_index {first}-{last} of {context.quote_count} comments")
    for comment in context.comments:
        click.echo("")
        mark = ">" if comment.hit else " "
        head = terminal_safe(
            f"{mark} [{comment.quote_index}] {_one_line(comment.user)}  {format_datetime(comment.created_at)}"
        )
        click.echo(click.style(head, bold=True) if color and comment.hit else head)
        _say(f"   {context.post_url}{text_fragment(comment.body)}")
        for line in comment.body.splitlines() or [""]:
            _say(f"   {line}")


@main.command()
@click.argument("post_path")
@click.argument("quote_index", type=click.IntRange(0))
@index_dir_option
@click.option(
    "-n",
    "n",
    type=click.IntRange(0, MAX_CONTEXT),
    default=DEFAULT_CONTEXT,
    show_default=True,
    help="Comments to show on each side.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract shared with GET /api/context.")
@reports_errors
def context(post_path, quote_index, index_dir, n, as_json):
    """Show comment QUOTE_INDEX of POST_PATH among its neighbours, in the post's order.

    POST_PATH and QUOTE_INDEX are a result's `post_path` and `quote_index`
    (`query --json`); the comment asked for is marked with `>`.
    """
    service = SearchService(index_dir)
    try:
        found = service.context(ContextRequest(post_path, quote_index, n))
    finally:
        service.close()
    if as_json:
        click.echo(_json_safe(json.dumps(context_to_dict(found), ensure_ascii=False, indent=2)))
        return
    _print_context(found, color=sys.stdout.isatty())


@main.command()
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@reports_errors
def stats(index_dir, as_json):
    """Show posts, comments, users, tags, date range and size of the index."""
    service = SearchService(index_dir)
    try:
        figures = service.stats()
    finally:
        service.close()
    if as_json:
        click.echo(_json_safe(json.dumps(figures, ensure_ascii=False, indent=2)))
        return
    for key, value in figures.items():
        _say(f"{key:>14}: {value}")


if __name__ == "__main__":
    main()
