"""Whoosh documents -> `SearchHit` and `PostGroup` records, with their snippets.

Whoosh hits die with their searcher, so the service converts a page's
documents here while its searcher is held. Snippets come from the stored
character offsets of the highlighted terms (`executor.char_spans`) and
the literal spans of the query, not from analyzing the text again.
"""

from __future__ import annotations

import datetime as dt

from ..index.schema import split_tags
from ..records import PostGroup, SearchHit
from .snippets import literal_spans, make_snippet


def utc(value: dt.datetime) -> dt.datetime:
    """A stored (naive, UTC) datetime as an aware one."""
    return value.replace(tzinfo=dt.UTC)


def to_hit(searcher, executor, docnum: int, score: float, compiled) -> SearchHit:
    """The comment document `docnum` as a `SearchHit`, its snippet marking `compiled`'s matches."""
    fields = searcher.stored_fields(docnum)
    body = fields["body"]
    return SearchHit(
        post_path=fields["post_path"],
        post_url=fields["post_url"],
        post_title=fields["title"],
        post_date=dt.date.fromisoformat(fields["post_date"]),
        tags=split_tags(fields.get("tags")),
        source_url=fields.get("source_url"),
        quote_index=fields["quote_index"],
        user=fields["user"],
        created_at=utc(fields["created_at"]),
        body=body,
        snippet=make_snippet(
            body,
            [span for term in compiled.highlight_terms for span in executor.char_spans("body", term, docnum)]
            + literal_spans(body, compiled.literals),
        ),
        score=round(float(score or 0.0), 4),
    )


def to_group(searcher, executor, post, compiled) -> PostGroup:
    """One post of a grouped page, its details taken from its best comment."""
    comments = tuple(to_hit(searcher, executor, docnum, score, compiled) for docnum, score in post.comments)
    first = comments[0]
    return PostGroup(
        post_path=first.post_path,
        post_url=first.post_url,
        post_title=first.post_title,
        post_date=first.post_date,
        tags=first.tags,
        matches=post.matches,
        comments=comments,
    )
