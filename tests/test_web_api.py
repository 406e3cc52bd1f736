"""The JSON API: contract, parameter errors, 503, headers, OpenAPI."""

import json

import pytest

from search.retrieve.serialize import PAGE_KEYS, RESULT_KEYS
from web import create_app


def assert_error(response, status, param):
    """The one error shape every /api/ endpoint answers with."""
    assert response.status_code == status
    assert response.is_json
    data = response.get_json()
    assert set(data) == {"error", "param"} and data["param"] == param
    assert "Traceback" not in response.get_data(as_text=True)


def test_search_contract(client):
    response = client.get("/api/search", query_string={"q": "数学", "per_page": 3})
    assert response.status_code == 200
    data = response.get_json()
    assert set(PAGE_KEYS) <= set(data)
    assert data["per_page"] == 3 and len(data["results"]) == 3
    assert all(set(r) == set(RESULT_KEYS) for r in data["results"])  # jsonify sorts the keys
    assert set(data["facets"]) == {"users", "tags", "months"}


def test_same_json_as_cli_contract(client, service):
    from search.records import SearchRequest
    from search.retrieve.serialize import page_to_dict

    api = client.get("/api/search?q=京都&user=kyotofan").get_json()
    lib = page_to_dict(service.search(SearchRequest(query="京都", users=("kyotofan",))))
    api.pop("took_ms"), lib.pop("took_ms")
    assert api == lib


def test_explain_shape(client):
    data = client.get("/api/search", query_string={"q": "京都 -の", "explain": "1"}).get_json()
    words, stop = data["explain"]["clauses"]
    assert words == {
        "text": "京都",
        "field": "body",
        "negated": False,
        "tokens": ["京都"],
        "groups": [["京都"]],
        "ngrams": ["京都"],
    }
    assert stop == {"text": "の", "field": "body", "negated": True, "tokens": [], "groups": []}  # set, though empty
    assert "explain" not in client.get("/api/search", query_string={"q": "京都"}).get_json()


def test_filters_and_sort(client):
    data = client.get("/api/search?user=tokyoite&user=kyotofan&sort=oldest&since=2025-04-01").get_json()
    assert [r["user"] for r in data["results"]] == ["kyotofan", "tokyoite"]


@pytest.mark.parametrize(
    "query, param",
    [
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=abc", "per_page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=99999999999999999999", "page"),
        ("sort=best", "sort"),
        ("since=2025-13-01", "since"),
        ("until=yesterday", "until"),
        ("since=2025-05-01&until=2025-04-01", "since"),
        ("q=a&q=b", "q"),
        ("q=%00x", "q"),
        ("q=" + "x" * 501, "q"),
        ("user=" + "u" * 101, "user"),
    ],
)
def test_bad_parameters(client, query, param):
    assert_error(client.get("/api/search?" + query), 400, param)


def test_no_index_is_503(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path / "none")}).test_client()
    assert_error(client.get("/api/search?q=x"), 503, None)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.is_json  # JSON in every state, for monitors
    assert health.get_json()["status"] == "unavailable" and "worker" in health.get_json()
    page = client.get("/?q=x")
    assert page.status_code == 503 and "検索は準備中です" in page.get_data(as_text=True)


def test_hostile_queries_never_500(client):
    for q in ['"', "(((", "OR", "NOT", "-", "user:", "tag:", "foo:bar", "*", "?", "\\", "title:", "　", "🙂" * 50]:
        response = client.get("/api/search", query_string={"q": q})
        assert response.status_code == 200, q


def test_only_get(client):
    assert client.post("/api/search").status_code == 405
    assert client.delete("/").status_code == 405


def test_security_headers(client):
    for path in ("/", "/api/search?q=x", "/healthz", "/nope"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_openapi_document(client):
    doc = client.get("/api/openapi.json").get_json()
    op = doc["paths"]["/api/search"]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert names >= {"q", "user", "tag", "since", "until", "sort", "page", "per_page"}
    per_page = next(p for p in op["parameters"] if p["name"] == "per_page")
    assert per_page["schema"]["maximum"] == 100
    assert set(op["responses"]) == {"200", "400", "503"}
    json.dumps(doc)


def test_openapi_document_requires_every_key_of_the_contract(client):
    doc = client.get("/api/openapi.json").get_json()
    page = doc["paths"]["/api/search"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    result = page["properties"]["results"]["items"]["oneOf"][0]
    assert page["required"] == list(PAGE_KEYS)
    assert result["required"] == list(RESULT_KEYS)
    assert set(result["properties"]) == set(RESULT_KEYS)  # jsonify sorts the keys


def test_healthz(client):
    data = client.get("/healthz").get_json()
    assert data["status"] == "ok" and data["comments"] == 153 and data["last_updated"]
