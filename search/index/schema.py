"""The Whoosh schema and the single mapping from records to index documents.

Two kinds of documents share the index:

- one `quote` document per comment, the thing readers search for;
- one `post` document per post file, holding its content hash. These are the
  indexer's manifest: because they are committed in the same Whoosh
  transaction as the comments, the manifest can never disagree with the index.
"""

from __future__ import annotations

import datetime as dt
import re

from whoosh import fields

from ..analysis.tokenizer import JapaneseAnalyzer
from ..records import Post, Quote
from ..views.compound import CompoundAnalyzer
from ..views.ngram import NgramAnalyzer
from ..views.reading import ReadingAnalyzer

# What every view's tokenizer writes: bump it when the tokens of any view
# change, and an index built earlier says to rebuild.
ANALYZER_VERSION = "ja-4/janome-0.5.0"  # 4: bigrams only of runs janome splits
# Bump when fields or their meaning change; an index built by another version
# must be rebuilt rather than searched with wrong assumptions.
SCHEMA_VERSION = 4  # 4: tags with , and % escaped, months zero-padded
BUILD_ID = f"schema-{SCHEMA_VERSION}/{ANALYZER_VERSION}"

KIND_QUOTE = "quote"
KIND_POST = "post"


def make_schema() -> fields.Schema:
    """Return the schema every index of this version is built with."""
    analyzer = JapaneseAnalyzer()
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        kind=fields.ID(stored=True),
        post_path=fields.ID(stored=True),
        # Quote fields.
        body=fields.TEXT(analyzer=analyzer, phrase=True, chars=True, stored=True),
        # Secondary views of the same text, ranked below `body` at query time.
        body_reading=fields.TEXT(analyzer=ReadingAnalyzer(), phrase=True),
        body_ngram=fields.TEXT(analyzer=NgramAnalyzer(), phrase=True),
        # Runs of adjacent words as one term: phrases without positions.
        body_compound=fields.TEXT(analyzer=CompoundAnalyzer(), phrase=False),
        user=fields.ID(stored=True, sortable=True),
        tags=fields.KEYWORD(stored=True, commas=True, scorable=False, sortable=True),
        created_at=fields.DATETIME(stored=True, sortable=True),
        month=fields.ID(sortable=True),
        title=fields.TEXT(analyzer=analyzer, phrase=True, stored=True),
        post_date=fields.STORED(),
        post_url=fields.STORED(),
        source_url=fields.STORED(),
        quote_index=fields.STORED(),
        # Post (manifest) fields.
        post_hash=fields.STORED(),
        quote_count=fields.STORED(),
        draft=fields.STORED(),
        draft_skipped=fields.STORED(),
        post_tags=fields.STORED(),
    )


def quote_id(post_path: str, index: int) -> str:
    """Return the stable unique id of a comment: `<post path>#<index>`."""
    return f"{post_path}#{index}"


def manifest_id(post_path: str) -> str:
    """Return the unique id of a post's manifest document: `post:<post path>`."""
    return f"post:{post_path}"


def to_document(post: Post, quote: Quote) -> dict:
    """Map one comment and its post to a Whoosh document."""
    created = quote.created_at.astimezone(dt.UTC).replace(tzinfo=None)
    return {
        "id": quote_id(post.path, quote.index),
        "kind": KIND_QUOTE,
        "post_path": post.path,
        "body": quote.body,
        "body_reading": quote.body,
        "body_ngram": quote.body,
        "body_compound": quote.body,
        "user": quote.user,
        "tags": join_tags(post.tags),
        "created_at": created,
        "month": f"{created.year:04d}-{created.month:02d}",  # %Y does not pad year 1
        "title": post.title,
        "post_date": post.date.isoformat(),
        "post_url": post.url,
        "source_url": post.source_url,
        "quote_index": quote.index,
    }


def join_tags(tags) -> str:
    """Tags as one stored, comma-separated value; a comma or % inside a tag is escaped."""
    return ",".join(tag_term(t) for t in tags)


def tag_term(tag: str) -> str:
    """The indexed term of one tag: Hugo allows commas in tags (`C, C++`), the field splits on them."""
    return tag.replace("%", "%25").replace(",", "%2C")


def split_tags(value) -> tuple[str, ...]:
    """The tags of a stored `join_tags` value, exactly as written."""
    return tuple(_TAG_ESCAPE.sub(lambda m: _UNESCAPED[m.group()], t) for t in (value or "").split(",") if t)


_TAG_ESCAPE = re.compile("%25|%2C")
_UNESCAPED = {"%25": "%", "%2C": ","}


def to_manifest_document(
    path: str,
    content_hash: str,
    quote_count: int,
    draft: bool = False,
    draft_skipped: bool = False,
    tags=(),
) -> dict:
    """Map one post file's manifest entry to a Whoosh document."""
    return {
        "post_tags": join_tags(tags),
        "id": manifest_id(path),
        "kind": KIND_POST,
        "post_path": path,
        "post_hash": content_hash,
        "quote_count": quote_count,
        "draft": draft,
        "draft_skipped": draft_skipped,
    }


def iter_documents(post: Post):
    """Yield the comment documents of one post, in order."""
    for quote in post.quotes:
        yield to_document(post, quote)
