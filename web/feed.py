"""`GET /feed.atom`: an Atom 1.0 feed of the newest comments matching a search.

The search parameters are the page's (`q`, `user`, `tag`, `since`,
`until`); the feed always holds the FEED_SIZE newest matches. Its ETag and
Last-Modified name the index version (`SearchService.version`), so a
conditional GET of an unchanged index is answered 304 before any search.
The XML is built with ElementTree, which escapes text and attributes;
characters XML 1.0 cannot carry at all (most C0 controls, lone
surrogates, U+FFFE/U+FFFF) become U+FFFD first, so the feed always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from urllib.parse import quote, urlencode, urlsplit

from flask import Blueprint, Response, request, url_for
from werkzeug.http import http_date, is_resource_modified

from search.ingest.hugo import first_line_text, text_fragment
from search.records import SearchPage, SearchRequest
from search.retrieve.serialize import format_datetime

from .params import parse_request
from .searching import get_service, search

bp = Blueprint("feed", __name__)
ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)  # written as the default namespace, not `ns0:`
FEED_SIZE = 50
TITLE_CHARS = 40
FEED_PARAMS = ("q", "user", "tag", "since", "until")  # what selects the comments; order is always newest
# What XML 1.0 has no character for: C0 controls but tab, newline and CR,
# lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Entry ids: the archive's own host and the comment id, the same in every index built from it.
TAG_DATE = "2025"


def xml_text(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold replaced by U+FFFD.

    >>> xml_text("a\\x00b\\x1bc\\td")
    'a\\ufffdb\\ufffdc\\td'
    """
    return _NOT_XML.sub("\ufffd", text)


def feed_args(args) -> list[tuple[str, str]]:
    """The (name, value) pairs of `args` that select the feed's comments, in a fixed order."""
    return [(name, value) for name in FEED_PARAMS for value in args.getlist(name) if value.strip()]


def feed_url(external: bool = False) -> str:
    """The feed URL for the current request's search parameters."""
    args = feed_args(request.args)
    return url_for("feed.atom", _external=external) + ("?" + urlencode(args) if args else "")


def feed_title(search_request: SearchRequest) -> str:
    """The feed's title: the query and filters it follows."""
    parts = [f"「{search_request.query}」"] if search_request.query else []
    parts += [f"user:{u}" for u in search_request.users] + [f"tag:{t}" for t in search_request.tags]
    if search_request.since or search_request.until:
        parts.append(f"{search_request.since or ''}〜{search_request.until or ''}")
    return "まとめ検索: " + (" ".join(parts) if parts else "新着コメント")


@bp.app_context_processor
def helpers():
    return {"feed_url": feed_url, "feed_title": feed_title}


@bp.get("/feed.atom")
def atom():
    """The FEED_SIZE newest comments matching the search parameters, as Atom; 304 when unchanged."""
    search_request = replace(
        parse_request(request.args), sort="newest", page=1, per_page=FEED_SIZE, group="comment", explain=False
    )
    version = get_service().version()  # before searching: see SearchService.version
    etag = version.tag
    if not is_resource_modified(request.environ, etag=etag, last_modified=version.updated):
        response = Response(status=304)
    else:
        page = search(search_request)
        body = ET.tostring(build_feed(page, search_request, version.updated), encoding="utf-8", xml_declaration=True)
        response = Response(body, content_type="application/atom+xml; charset=utf-8")
    response.set_etag(etag)
    response.headers["Last-Modified"] = http_date(version.updated)
    return response


def build_feed(page: SearchPage, search_request: SearchRequest, index_updated) -> ET.Element:
    """The Atom `<feed>` of one page of comments, newest first."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    self_url = feed_url(external=True)
    args = feed_args(request.args)
    page_url = url_for("pages.index", _external=True) + ("?" + urlencode(args) if args else "")
    _add(feed, "id", self_url)
    _add(feed, "title", feed_title(search_request))
    newest = page.hits[0].created_at if page.hits else index_updated
    _add(feed, "updated", format_datetime(newest))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=page_url)
    _add(feed, "generator", "matome-search")
    for hit in page.hits:
        entry = _add(feed, "entry")
        _add(entry, "id", entry_id(hit.post_url, hit.post_path, hit.quote_index))
        _add(entry, "title", entry_title(hit.body, hit.user))
        _add(entry, "updated", format_datetime(hit.created_at))
        _add(_add(entry, "author"), "name", hit.user)
        _add(entry, "link", rel="alternate", type="text/html", href=hit.post_url + text_fragment(hit.body))
        for tag in hit.tags:
            _add(entry, "category", term=tag)
        _add(entry, "content", hit.body, type="text")
    return feed


def _add(parent: ET.Element, name: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def entry_id(post_url: str, post_path: str, quote_index: int) -> str:
    """A comment's Atom id: a tag URI of the archive's host and the comment id `<post_path>#<index>`.

    >>> entry_id("https://www.kaigai-tech-matome.com/posts/x/", "content/posts/x/index.md", 3)
    'tag:www.kaigai-tech-matome.com,2025:content/posts/x/index.md%233'
    """
    host = urlsplit(post_url).hostname or "localhost"
    return f"tag:{host},{TAG_DATE}:{quote(f'{post_path}#{quote_index}', safe='/')}"


def entry_title(body: str, user: str) -> str:
    """An entry's title: the comment's opening words, plain text, at most TITLE_CHARS (and `…`)."""
    words = first_line_text(body)
    if not words:
        return f"{user} のコメント"
    return words if len(words) <= TITLE_CHARS else words[:TITLE_CHARS].rstrip() + "…"
