"""Records -> the JSON contracts shared by the CLI's `--json` and the API.

`query --json` and `GET /api/search` answer `page_to_dict`; `context --json`
and `GET /api/context` answer `context_to_dict`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

from ..ingest.hugo import text_fragment
from ..records import ClauseExplain, CommentContext, Explain, PostGroup, SearchHit, SearchPage

# The contract's keys: a page always holds PAGE_KEYS (and `notes`,
# `suggestion`, `explain` when there are any), a result exactly RESULT_KEYS,
# in this order. The API's OpenAPI document and the tests read them here.
PAGE_KEYS = ("query", "total", "page", "per_page", "took_ms", "results", "facets")
RESULT_KEYS = (
    "post_path",
    "post_url",
    "post_title",
    "post_date",
    "tags",
    "source_url",
    "quote_index",
    "user",
    "created_at",
    "body",
    "snippet",
    "score",
)


def format_datetime(value: dt.datetime) -> str:
    """Return `value` as `YYYY-MM-DDThh:mm:ssZ` in UTC."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _post_fields(record) -> dict:
    """The post a hit, a group or a context belongs to, as every answer names it."""
    return {
        "post_path": record.post_path,
        "post_url": record.post_url,
        "post_title": record.post_title,
        "post_date": record.post_date.isoformat(),
        "tags": list(record.tags),
    }


def hit_to_dict(hit: SearchHit) -> dict:
    """Return one result in the JSON contract's shape."""
    return {
        **_post_fields(hit),
        "source_url": hit.source_url,
        "quote_index": hit.quote_index,
        "user": hit.user,
        "created_at": format_datetime(hit.created_at),
        "body": hit.body,
        "snippet": hit.snippet,
        "score": hit.score,
    }


def group_to_dict(group: PostGroup) -> dict:
    """Return one post of a page grouped by post: its details, match count and best comments."""
    return {
        **_post_fields(group),
        "matches": group.matches,
        "comments": [hit_to_dict(h) for h in group.comments],
    }


def page_to_dict(page: SearchPage) -> dict:
    """Return a results page in the JSON contract's shape (`results` are posts when grouped by post)."""
    data = {
        "query": page.query,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "took_ms": page.took_ms,
        "results": (
            [group_to_dict(g) for g in page.groups] if page.group == "post" else [hit_to_dict(h) for h in page.hits]
        ),
        "facets": {
            "users": [list(kv) for kv in page.users],
            "tags": [list(kv) for kv in page.tags],
            "months": [list(kv) for kv in page.months],
        },
    }
    if page.notes:
        data["notes"] = list(page.notes)
    if page.suggestion:
        data["suggestion"] = page.suggestion
    if page.explain is not None:
        data["explain"] = explain_to_dict(page.explain)
    return data


def clause_to_dict(clause: ClauseExplain) -> dict:
    """Return one clause of `explain`: the fields the compiler set, in the order they are declared."""
    return {f.name: value for f in fields(clause) if (value := getattr(clause, f.name)) is not None}


def explain_to_dict(explain: Explain) -> dict:
    """Return how a query was compiled: `{"clauses": [...], "query": "..."}`."""
    return {"clauses": [clause_to_dict(c) for c in explain.clauses], "query": explain.query}


def context_to_dict(context: CommentContext) -> dict:
    """Return a comment's context: the post, and its comments in order, the one asked for marked.

    Each comment's `url` is the post's with a text fragment that scrolls to it.
    """
    return {
        "post": {**_post_fields(context), "source_url": context.source_url},
        "quote_index": context.quote_index,
        "quote_count": context.quote_count,
        "comments": [
            {
                "quote_index": comment.quote_index,
                "user": comment.user,
                "created_at": format_datetime(comment.created_at),
                "body": comment.body,
                "hit": comment.hit,
                "url": context.post_url + text_fragment(comment.body),
            }
            for comment in context.comments
        ],
    }
