"""The peer the load benchmark compares against: Datasette over an SQLite FTS5 trigram table.

    python -m bench.peer --site SITE --work-dir DIR    # build the db only; prints the serve command

This is the route an editor would otherwise take: load the same comments into
SQLite (parsed with the project's own Hugo loader), add an FTS5 table with
`tokenize='trigram'` (the only built-in FTS5 tokenizer that finds words in
unsegmented Japanese) and serve it with `datasette serve`.

Each query is answered by a canned query that returns what our API returns
for a page: 10 rows (user, date, post title and URL, a snippet), ranked by
bm25 (or newest first with `sort=newest`), the total count of matches, the
user and tag filters and page 2.

Words under 3 characters. An FTS5 trigram index cannot match a term shorter
than three characters (`AI`, and most two-kanji Japanese words such as 数学).
Datasette's own `?_search=` quotes each word as an FTS5 phrase (`escape_fts`)
and does nothing else; checked on Datasette 0.65.5 with SQLite 3.40: `数学`
alone answers zero rows, quietly, and `数学 機械学習` answers exactly what
`機械学習` alone does (the short phrase is dropped, not required). A reader
would have to fall back to LIKE, and so does this peer: words of three
characters or more go to `MATCH` (and rank by bm25), shorter ones become
`body LIKE '%word%'` conditions on the matched rows (the `search` canned
query); a query made only of short words scans every comment with LIKE
(`search_like`) and, since bm25 needs a MATCH, is ordered newest first, with
a snippet cut around the first word by `instr`. No normalisation either way:
the words are the comment's own surface forms, as a reader would copy them.

Datasette runs with its defaults except `sql_time_limit_ms`, raised from
1,000 to the benchmark's request timeout so that a slow LIKE scan shows as
latency, not as an error.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from bench.bench_index import published_posts
from bench.procs import free_port, memory, stop, wait_ready
from bench.workload import Query
from bench.wrk import run_wrk

DB_NAME = "matome"
TRIGRAM = 3
MAX_WORDS = 3
TIME_LIMIT_MS = 10_000
PER_PAGE = 10

SCHEMA = """
create table posts (id integer primary key, url text, title text, date text);
create table post_tags (post_id integer references posts(id), tag text);
create table comments (id integer primary key, post_id integer references posts(id),
                       user text, date text, body text);
create index post_tags_tag on post_tags(tag, post_id);
create index comments_user on comments(user);
create virtual table comments_fts using fts5(body, content="comments", content_rowid="id",
                                             tokenize='trigram');
"""

_FILTERS = """
      and c.body like '%' || :s1 || '%' and c.body like '%' || :s2 || '%'
      and c.body like '%' || :s3 || '%'
      and (:user = '' or c.user = :user)
      and (:tag = '' or c.post_id in (select post_id from post_tags where tag = :tag))"""

# Snippets are made for the 10 rows shown only; the count comes from a window over all matches.
SEARCH_SQL = f"""
with matched as (
  select comments_fts.rowid as id, bm25(comments_fts) as score, c.date as date
  from comments_fts join comments c on c.id = comments_fts.rowid
  where comments_fts match :fts{_FILTERS}
), top as (
  select id, score, date, count(*) over () as total from matched
  order by case when :sort = 'newest' then date end desc, score
  limit {PER_PAGE} offset :offset
)
select c.id, c.user, c.date, p.title, p.url, top.score, top.total,
       snippet(comments_fts, 0, '<mark>', '</mark>', '…', 24) as snippet
from top join comments_fts on comments_fts.rowid = top.id
join comments c on c.id = top.id join posts p on p.id = c.post_id
where comments_fts match :fts
order by case when :sort = 'newest' then top.date end desc, top.score
"""

SEARCH_LIKE_SQL = f"""
with top as (
  select c.id, c.date, count(*) over () as total from comments c
  where 1 = 1{_FILTERS}
  order by c.date desc limit {PER_PAGE} offset :offset
)
select c.id, c.user, c.date, p.title, p.url, top.total,
       substr(c.body, max(1, instr(c.body, :s1) - 30), 120) as snippet
from top join comments c on c.id = top.id join posts p on p.id = c.post_id
order by c.date desc
"""


def build_db(site: Path, db_path: Path) -> dict:
    """Write the site's published comments into a new SQLite db with its FTS5 trigram table.

    Returns {"posts", "comments", "bytes"}. An existing file at `db_path` is replaced.
    """
    db_path.unlink(missing_ok=True)
    conn = sqlite3.connect(db_path)
    conn.executescript(SCHEMA)
    posts = comments = 0
    for post_id, post in enumerate(published_posts(site), 1):
        conn.execute("insert into posts values (?, ?, ?, ?)", (post_id, post.url, post.title, post.date.isoformat()))
        conn.executemany("insert into post_tags values (?, ?)", [(post_id, t) for t in post.tags])
        conn.executemany(
            "insert into comments (post_id, user, date, body) values (?, ?, ?, ?)",
            [(post_id, q.user, q.created_at.isoformat(), q.body) for q in post.quotes],
        )
        posts, comments = posts + 1, comments + len(post.quotes)
    conn.execute("insert into comments_fts(comments_fts) values ('rebuild')")
    conn.commit()
    conn.execute("vacuum")
    conn.close()
    return {"posts": posts, "comments": comments, "bytes": db_path.stat().st_size}


def metadata() -> dict:
    """Datasette metadata declaring the two canned queries."""
    queries = {"search": {"sql": SEARCH_SQL}, "search_like": {"sql": SEARCH_LIKE_SQL}}
    return {"databases": {DB_NAME: {"queries": queries}}}


def peer_path(query: Query) -> str:
    """Return the Datasette request path that answers `query` as our server would.

    >>> peer_path(Query(("機械学習", "AI")))
    '/matome/search.json?fts=%22%E6%A9%9F%E6%A2%B0%E5%AD%A6%E7%BF%92%22&s1=AI&s2=&s3=&user=&tag=&sort=&offset=0'
    >>> peer_path(Query(("数学",), html=True, page=2)).split("?")[0]
    '/matome/search_like'
    """
    long_words = [w for w in query.words if len(w) >= TRIGRAM]
    short = [w for w in query.words if len(w) < TRIGRAM][:MAX_WORDS] + [""] * MAX_WORDS
    params = {}
    if long_words:
        params["fts"] = " ".join('"' + w.replace('"', '""') + '"' for w in long_words)
    params.update({f"s{i + 1}": short[i] for i in range(MAX_WORDS)})
    params.update(user=query.user, tag=query.tag, sort=query.sort, offset=str((query.page - 1) * PER_PAGE))
    name = "search" if long_words else "search_like"
    return f"/{DB_NAME}/{name}{'' if query.html else '.json'}?{urlencode(params)}"


def serve_command(db_path: Path, metadata_path: Path, port: int) -> list[str]:
    """The `datasette serve` command line for the peer on loopback."""
    datasette = Path(sys.executable).with_name("datasette")
    return [
        str(datasette),
        "serve",
        str(db_path),
        "--metadata",
        str(metadata_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        str(TIME_LIMIT_MS),
    ]


def prepare(site: Path, work: Path) -> tuple[dict, Path, Path]:
    """Build the db and write the metadata under `work`; return (build figures, db, metadata)."""
    work.mkdir(parents=True, exist_ok=True)
    db_path, meta_path = work / f"{DB_NAME}.db", work / "metadata.json"
    built = build_db(site, db_path)
    meta_path.write_text(json.dumps(metadata(), ensure_ascii=False, indent=1), "utf-8")
    return built, db_path, meta_path


def route(query: Query) -> str:
    """How the peer answers `query`: "match", "match+like" or "like" (see the module docstring)."""
    short = any(len(w) < TRIGRAM for w in query.words)
    if all(len(w) < TRIGRAM for w in query.words):
        return "like"
    return "match+like" if short else "match"


def measure(
    site: Path,
    work: Path,
    warmup: list[Query],
    queries: list[Query],
    seconds: float,
    warmup_seconds: float,
    connections: int,
) -> dict:
    """Build the peer from `site`, serve it, warm it up on `warmup`, measure `queries`; return the figures.

    The same keys as a matome-search phase (requests/s, latency, errors,
    memory), plus the db build and how many queries each route took.
    """
    started = time.monotonic()
    built, db_path, meta_path = prepare(site, work)
    built["build_s"] = round(time.monotonic() - started, 1)
    measured = list(dict.fromkeys(peer_path(q) for q in queries))
    port, log_path = free_port(), work / "datasette.log"
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(serve_command(db_path, meta_path, port), stdout=log, stderr=log)
        try:
            ready = wait_ready(proc, base + "/-/versions.json", log_path)
            warm = run_wrk(base, list(dict.fromkeys(peer_path(q) for q in warmup)), warmup_seconds, connections)
            result = run_wrk(base, measured, seconds, connections)
            result["memory"] = memory(proc.pid)
        finally:
            stop(proc)
    result.update(
        warmup={k: warm[k] for k in ("requests", "rps", "error_total")},
        ready_after_s=ready,
        db=built,
        routes=dict(Counter(route(q) for q in queries)),
        time_limit_ms=TIME_LIMIT_MS,
        log=str(log_path),
    )
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Build the peer's SQLite FTS5 trigram db from a site.")
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--work-dir", type=Path, required=True, help="where the db and metadata go")
    opts = parser.parse_args(argv)
    built, db_path, meta_path = prepare(opts.site, opts.work_dir)
    print(
        json.dumps({**built, "db": str(db_path), "serve": serve_command(db_path, meta_path, 8001)}, ensure_ascii=False)
    )


if __name__ == "__main__":
    main()
