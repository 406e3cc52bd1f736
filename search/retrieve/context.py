"""A comment among its neighbours: `read_context(searcher, request) -> CommentContext`.

The comments of a post are a conversation in order, and a hit alone often
makes no sense. Every comment document has the unique id
`<post path>#<index>` and every post a manifest document `post:<path>`
holding its comment count, so a context is at most 2 x MAX_CONTEXT + 2 id
lookups and stored-field reads, whatever the size of the post or the index.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from ..errors import BadRequestError, NotFoundError
from ..index.schema import KIND_POST, KIND_QUOTE, manifest_id, quote_id, split_tags
from ..records import CommentContext, ContextComment, ContextRequest

MAX_CONTEXT = 10  # neighbours on each side
DEFAULT_CONTEXT = ContextRequest.n  # the default of `n`
MAX_POST_PATH = 1000  # characters; real paths are under 100


def validate_context(request: ContextRequest) -> None:
    """Raise BadRequestError naming the first invalid parameter of `request`."""
    if not request.post_path:
        raise BadRequestError("post", "is required")
    if len(request.post_path) > MAX_POST_PATH:
        raise BadRequestError("post", f"longer than {MAX_POST_PATH} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in request.post_path) or not _encodable(request.post_path):
        raise BadRequestError("post", "contains control characters or invalid text")
    if request.quote_index < 0:
        raise BadRequestError("quote", "must be at least 0")
    if not 0 <= request.n <= MAX_CONTEXT:
        raise BadRequestError("n", f"must be between 0 and {MAX_CONTEXT}")


def read_context(searcher, request: ContextRequest) -> CommentContext:
    """The comments `quote_index - n` .. `quote_index + n` of a post, clipped to the post.

    Raises NotFoundError (`post`) for a post the index does not hold (or a
    draft left out of it), and (`quote`) for an index outside the post.
    """
    path, index = request.post_path, request.quote_index
    manifest = _stored(searcher, manifest_id(path), KIND_POST)
    if manifest is None or manifest.get("draft_skipped"):
        raise NotFoundError("post", "no such post in the index")
    count = manifest.get("quote_count") or 0
    if index >= count:
        raise NotFoundError(
            "quote", f"the post has {count} comments (0 to {count - 1})" if count else "the post has no comments"
        )
    found = {}
    for number in range(max(0, index - request.n), min(count, index + request.n + 1)):
        fields = _stored(searcher, quote_id(path, number), KIND_QUOTE)
        if fields is not None:
            found[number] = fields
    hit = found.get(index)
    if hit is None:  # the manifest counts it, the index lost it: nothing to show
        raise NotFoundError("quote", "the comment is not in the index")
    return CommentContext(
        post_path=path,
        post_url=hit["post_url"],
        post_title=hit["title"],
        post_date=dt.date.fromisoformat(hit["post_date"]),
        tags=split_tags(hit.get("tags")),
        source_url=hit.get("source_url"),
        quote_index=index,
        quote_count=count,
        comments=tuple(_to_comment(fields, number == index) for number, fields in found.items()),
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")  # a lone surrogate cannot become an index term
    except UnicodeEncodeError:
        return False
    return True


def _stored(searcher, doc_id: str, kind: str) -> dict | None:
    """The stored fields of the live document with `doc_id`, if it is of `kind`."""
    docnum = searcher.document_number(id=doc_id)
    if docnum is None:
        return None
    fields = searcher.stored_fields(docnum)
    return fields if fields.get("kind") == kind else None


def _to_comment(fields: dict, hit: bool) -> ContextComment:
    return ContextComment(
        quote_index=fields["quote_index"],
        user=fields["user"],
        created_at=fields["created_at"].replace(tzinfo=dt.UTC),
        body=fields["body"],
        hit=hit,
    )
