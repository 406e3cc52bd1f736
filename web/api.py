"""The JSON API under /api: the same contracts as `matome-search query --json` and `context --json`."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from search.retrieve.context import DEFAULT_CONTEXT, MAX_CONTEXT, MAX_POST_PATH
from search.retrieve.group import COMMENTS_PER_POST
from search.retrieve.serialize import PAGE_KEYS, RESULT_KEYS, context_to_dict, page_to_dict
from search.retrieve.validation import GROUPS, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_LENGTH, MAX_RESULT_WINDOW, SORTS

from .feed import FEED_PARAMS, FEED_SIZE
from .params import MAX_FILTERS, MAX_NAME, MAX_QUOTE_INDEX, parse_context, parse_request
from .searching import get_service
from .searching import search as run_search

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    """Search comments; parameters as in the OpenAPI document."""
    page = run_search(parse_request(request.args))
    return jsonify(page_to_dict(page))


@bp.get("/context")
def context():
    """A comment with its neighbours in the post, in order; parameters as in the OpenAPI document."""
    return jsonify(context_to_dict(get_service().context(parse_context(request.args))))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(openapi_document())


def _param(name, schema, description, repeat=False):
    if repeat:
        schema = {"type": "array", "items": schema, "maxItems": MAX_FILTERS}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **({"style": "form", "explode": True} if repeat else {}),
    }


def _result_schema() -> dict:
    string, integer = {"type": "string"}, {"type": "integer"}
    return {
        "type": "object",
        "required": list(RESULT_KEYS),
        "properties": {
            "post_path": string,
            "post_url": string,
            "post_title": string,
            "post_date": {"type": "string", "format": "date"},
            "tags": {"type": "array", "items": string},
            "source_url": {"type": ["string", "null"]},
            "quote_index": integer,
            "user": string,
            "created_at": {"type": "string", "format": "date-time"},
            "body": string,
            "snippet": string,
            "score": {"type": "number"},
        },
    }


def _context_schema() -> dict:
    string = {"type": "string"}
    post_keys = ["post_path", "post_url", "post_title", "post_date", "tags", "source_url"]
    comment_keys = ["quote_index", "user", "created_at", "body", "hit", "url"]
    result = _result_schema()["properties"]
    post = {"type": "object", "required": post_keys, "properties": {k: result[k] for k in post_keys}}
    comment = {
        "type": "object",
        "required": comment_keys,
        "properties": {
            **{k: result[k] for k in comment_keys[:4]},
            "hit": {"type": "boolean", "description": "the comment asked for"},
            "url": {**string, "description": "the comment in its post (a text fragment scrolls to it)"},
        },
    }
    return {
        "type": "object",
        "required": ["post", "quote_index", "quote_count", "comments"],
        "properties": {
            "post": post,
            "quote_index": {"type": "integer"},
            "quote_count": {"type": "integer", "description": "comments in the post"},
            "comments": {"type": "array", "items": comment},
        },
    }


def _context_path(json_of, error) -> dict:

    def required(param):
        return {**param, "required": True}

    return {
        "get": {
            "summary": "A comment with its neighbours in the post, in order",
            "parameters": [
                required(
                    _param(
                        "post",
                        {"type": "string", "minLength": 1, "maxLength": MAX_POST_PATH},
                        "the post's post_path, as in a search result",
                    )
                ),
                required(
                    _param(
                        "quote",
                        {"type": "integer", "minimum": 0, "maximum": MAX_QUOTE_INDEX},
                        "the comment's quote_index",
                    )
                ),
                _param(
                    "n",
                    {"type": "integer", "minimum": 0, "maximum": MAX_CONTEXT, "default": DEFAULT_CONTEXT},
                    "neighbours on each side (fewer at the post's start and end)",
                ),
            ],
            "responses": {
                "200": {"description": "the comments, in the post's order", "content": json_of(_context_schema())},
                "400": {"description": "bad parameter", "content": json_of(error)},
                "404": {"description": "no such post, or no such comment in it", "content": json_of(error)},
                "503": {"description": "no usable index", "content": json_of(error)},
            },
        }
    }


def _post_schema() -> dict:
    """A result of `group=post`: a post, its matching comments' count and its best comments."""
    string = {"type": "string"}
    return {
        "type": "object",
        "required": ["post_path", "post_url", "post_title", "post_date", "tags", "matches", "comments"],
        "properties": {
            "post_path": string,
            "post_url": string,
            "post_title": string,
            "post_date": {"type": "string", "format": "date"},
            "tags": {"type": "array", "items": string},
            "matches": {"type": "integer", "minimum": 1},
            "comments": {"type": "array", "items": _result_schema(), "minItems": 1, "maxItems": COMMENTS_PER_POST},
        },
    }


def _facet() -> dict:
    pair = {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}
    return {"type": "array", "items": pair}


def openapi_document() -> dict:
    """Return the OpenAPI document (built from the same bounds the code checks)."""
    error = {
        "type": "object",
        "required": ["error", "param"],
        "properties": {"error": {"type": "string"}, "param": {"type": ["string", "null"]}},
    }
    page = {
        "type": "object",
        "required": list(PAGE_KEYS),
        "properties": {
            "query": {"type": "string"},
            "total": {"type": "integer", "description": "matching comments; posts with group=post"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "took_ms": {"type": "number"},
            "results": {
                "type": "array",
                "description": "comments; posts with group=post",
                "items": {"oneOf": [_result_schema(), _post_schema()]},
            },
            "facets": {
                "type": "object",
                "required": ["users", "tags", "months"],
                "properties": {"users": _facet(), "tags": _facet(), "months": _facet()},
            },
            "notes": {"type": "array", "items": {"type": "string"}},
            "suggestion": {"type": "string"},
            "explain": {"type": "object"},
        },
    }
    json_of = lambda schema: {"application/json": {"schema": schema}}  # noqa: E731
    search_parameters = [
        _param("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH}, "query, see README syntax"),
        _param("user", {"type": "string", "maxLength": MAX_NAME}, "only this user", repeat=True),
        _param("tag", {"type": "string", "maxLength": MAX_NAME}, "only this tag", repeat=True),
        _param("since", {"type": "string", "format": "date"}, "comments on or after"),
        _param("until", {"type": "string", "format": "date"}, "comments on or before"),
        _param(
            "sort",
            {"type": "string", "enum": list(SORTS)},
            "order; grouped, posts by their best, newest or oldest matching comment",
        ),
        _param(
            "group",
            {"type": "string", "enum": list(GROUPS), "default": "comment"},
            f"one result per comment, or per post with its best {COMMENTS_PER_POST} comments",
        ),
        _param(
            "page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            f"page; page x per_page at most {MAX_RESULT_WINDOW}",
        ),
        _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, "page size"),
        _param("explain", {"type": "string", "enum": ["0", "1", "true", "false"]}, "add explain"),
    ]
    return {
        "openapi": "3.1.0",
        "info": {"title": "matome-search", "version": "1"},
        "paths": {
            "/api/context": _context_path(json_of, error),
            "/api/search": {
                "get": {
                    "summary": "Search comments",
                    "parameters": search_parameters,
                    "responses": {
                        "200": {"description": "results", "content": json_of(page)},
                        "400": {"description": "bad parameter", "content": json_of(error)},
                        "503": {"description": "no usable index", "content": json_of(error)},
                    },
                }
            },
            "/feed.atom": {
                "get": {
                    "summary": f"Atom feed of the {FEED_SIZE} newest comments matching the search",
                    "parameters": [p for p in search_parameters if p["name"] in FEED_PARAMS],
                    "responses": {
                        "200": {
                            "description": "Atom 1.0, with ETag and Last-Modified of the index version",
                            "content": {"application/atom+xml": {"schema": {"type": "string"}}},
                        },
                        "304": {"description": "unchanged since If-None-Match / If-Modified-Since"},
                        "400": {"description": "bad parameter"},
                        "503": {"description": "no usable index"},
                    },
                }
            },
        },
    }
