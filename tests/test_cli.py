"""The `matome-search` command: real runs for exit codes and tracebacks, options and messages in process."""

import json
import re

import pytest

from search.retrieve.serialize import PAGE_KEYS, RESULT_KEYS
from tests.conftest import build_site, invoke_cli, run_cli


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    site = build_site(root / "site")
    index = root / "index"
    result = run_cli("index", "--site", site, "--index-dir", index, "--jobs", "1")
    return site, index, result


# -- the real command, as a subprocess ------------------------------------------


def test_index_summary_and_warnings(cli_index):
    _, _, result = cli_index
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"posts: 4 added, 0 updated, 0 deleted, 0 unchanged; 153 comments indexed; "
        r"\d+ warnings; [\d.]+s",
        result.stdout,
    ), result.stdout
    assert "2025_04_04_broken/index.md:3: invalid TOML" in result.stderr
    assert "Traceback" not in result.stderr


def test_query_json_contract(cli_index):
    _, index, _ = cli_index
    result = run_cli("query", "数学", "--index-dir", index, "--json", "--limit", "3")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= set(PAGE_KEYS)
    assert data["query"] == "数学" and data["per_page"] == 3 and data["page"] == 1
    assert len(data["results"]) == 3 and data["total"] > 3
    for item in data["results"]:
        assert tuple(item) == RESULT_KEYS
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item["created_at"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", item["post_date"])
        assert "<mark>" in item["snippet"]
    assert set(data["facets"]) == {"users", "tags", "months"}
    assert all(re.fullmatch(r"\d{4}-\d\d", m) for m, _ in data["facets"]["months"])


@pytest.mark.parametrize("args", [("query", "x"), ("context", "a/index.md", "0")])
def test_a_library_error_exits_1_with_one_line_and_no_traceback(tmp_path, args):
    result = run_cli(*args, "--index-dir", tmp_path / "missing")
    assert result.returncode == 1
    assert result.stderr == f"error: no index in {tmp_path / 'missing'} (run `matome-search index` first)\n"


def test_a_usage_error_exits_2(cli_index):
    _, index, _ = cli_index
    result = run_cli("query", "x", "--index-dir", index, "--limit", "0")
    assert result.returncode == 2 and "Invalid value for '--limit'" in result.stderr
    assert "Traceback" not in result.stderr


# -- options, output and messages, in this process --------------------------------


def test_second_run_is_a_noop(cli_index):
    site, index, _ = cli_index
    result = invoke_cli("index", "--site", site, "--index-dir", index)
    assert result.exit_code == 0
    assert "0 added, 0 updated, 0 deleted, 4 unchanged" in result.stdout


def test_query_with_filters(cli_index):
    _, index, _ = cli_index
    result = invoke_cli(
        "query",
        '"線形代数" -物理',
        "--index-dir",
        index,
        "--json",
        "--sort",
        "newest",
        "--since",
        "2025-09-01",
        "--until",
        "2025-09-30",
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["results"]
    assert all(r["created_at"].startswith("2025-09") for r in data["results"])
    assert all("物理" not in r["body"] for r in data["results"])
    times = [r["created_at"] for r in data["results"]]
    assert times == sorted(times, reverse=True)


def test_query_user_and_tag(cli_index):
    _, index, _ = cli_index
    result = invoke_cli("query", "--user", "lucasoshiro", "--tag", "機械学習", "--index-dir", index, "--json")
    data = json.loads(result.stdout)
    assert data["total"] >= 2 and {r["user"] for r in data["results"]} == {"lucasoshiro"}


def test_human_output(cli_index):
    _, index, _ = cli_index
    result = invoke_cli("query", "京都", "--index-dir", index)
    assert result.exit_code == 0
    assert "2 matches" in result.stdout
    assert "1. kyotofan  2025-04-02T09:00:00Z  京都と東京都の話" in result.stdout
    assert "/posts/2025_04/2025_04_02_kyoto/" in result.stdout
    assert "[京都]の寺" in result.stdout


def test_explain(cli_index):
    _, index, _ = cli_index
    result = invoke_cli("query", "機械学習の数学", "--index-dir", index, "--explain")
    assert "[機械][学習] + [数学]" in result.stdout


def test_explain_json_names_what_was_set_in_order(cli_index):
    _, index, _ = cli_index
    result = run_cli("query", "user:kyotofan", "機械学習の数学", "--index-dir", index, "--json", "--explain")
    explain = json.loads(result.stdout)["explain"]
    assert list(explain) == ["clauses", "query"]
    user, words = explain["clauses"]
    assert user == {"text": "kyotofan", "field": "user", "negated": False}  # a filter has no words
    assert words == {
        "text": "機械学習の数学",
        "field": "body",
        "negated": False,
        "tokens": ["機械", "学習", "数学"],
        "groups": [["機械", "学習"], ["数学"]],
        "synonyms": [["ml"]],
    }
    assert list(words) == ["text", "field", "negated", "tokens", "groups", "synonyms"]
    assert explain["query"] == "(user:kyotofan AND ((body_compound:機械 学習^2.0 OR body:ml) AND body:数学))"


def test_bad_syntax_is_a_note(cli_index):
    _, index, _ = cli_index
    result = invoke_cli("query", '"京都の寺', "--index-dir", index)
    assert result.exit_code == 0 and "note: unclosed quote" in result.stdout


def test_stats(cli_index):
    _, index, _ = cli_index
    result = invoke_cli("stats", "--index-dir", index, "--json")
    data = json.loads(result.stdout)
    assert data["posts"] == 4 and data["comments"] == 153
    assert data["first_comment"].startswith("2025-03-21") and data["index_bytes"] > 0


KYOTO = "content/posts/2025_04/2025_04_02_kyoto/index.md"


def test_context(cli_index):
    _, index, _ = cli_index
    result = invoke_cli("context", KYOTO, "3", "-n", "1", "--index-dir", index)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "京都と東京都の話  2025-04-02",
        "https://www.kaigai-tech-matome.com/posts/2025_04/2025_04_02_kyoto/",
        "quote_index 2-4 of 11 comments",
    ]
    heads = [line for line in lines if re.match(r"[ >] \[\d+\] ", line)]
    assert heads == [
        "  [2] HarHarVeryFunny  2025-04-02T11:00:00Z",
        "> [3] hostile  2025-04-02T12:00:00Z",
        "  [4] spread  2025-04-02T13:00:00Z",
    ]
    assert "   Uncertain<T> と <script>alert(1)</script> の数学" in lines
    data = json.loads(invoke_cli("context", KYOTO, "0", "--json", "--index-dir", index).stdout)
    assert [(c["user"], c["hit"]) for c in data["comments"]] == [
        ("kyotofan", True),
        ("tokyoite", False),
        ("HarHarVeryFunny", False),
    ]
    assert data["post"]["post_path"] == KYOTO


@pytest.mark.parametrize(
    "args, status, message",
    [
        (("nope/index.md", "0"), 1, "error: post: no such post in the index\n"),
        ((KYOTO, "11"), 1, "error: quote: the post has 11 comments (0 to 10)\n"),
        ((KYOTO, "0", "-n", "11"), 2, "Error: Invalid value for '-n': 11 is not in the range 0<=x<=10.\n"),
        ((KYOTO, "--", "-1"), 2, "Error: Invalid value for 'QUOTE_INDEX': -1 is not in the range x>=0.\n"),
        ((KYOTO, "-1"), 2, "Error: No such option '-1'.\n"),
    ],
)
def test_context_errors(cli_index, args, status, message):
    _, index, _ = cli_index
    result = invoke_cli("context", "--index-dir", index, *args)
    assert result.exit_code == status
    assert (result.stderr if status == 1 else result.stderr.splitlines(keepends=True)[-1]) == message


@pytest.mark.parametrize(
    "args, message",
    [
        (("query", "x", "--index-dir", "{missing}"), "error: no index in {missing} (run `matome-search index` first)"),
        (("stats", "--index-dir", "{missing}"), "error: no index in {missing} (run `matome-search index` first)"),
        (("index", "--site", "{missing}", "--index-dir", "{missing}"), "error: {missing}: no such directory"),
    ],
)
def test_library_errors_are_one_line(tmp_path, args, message):
    missing = str(tmp_path / "missing")
    result = invoke_cli(*(a.replace("{missing}", missing) for a in args))
    assert result.exit_code == 1
    assert result.stderr == message.replace("{missing}", missing) + "\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (("--limit", "101"), "Invalid value for '--limit': 101 is not in the range 1<=x<=100."),
        (("--page", "0"), "Invalid value for '--page': 0 is not in the range x>=1."),
        (("--since", "2025-13-01"), "Invalid value for '--since': '2025-13-01' does not match the format '%Y-%m-%d'."),
        (("--sort", "best"), "Invalid value for '--sort': 'best' is not one of 'relevance', 'newest', 'oldest'."),
        (("--group", "thread"), "Invalid value for '--group': 'thread' is not one of 'comment', 'post'."),
    ],
)
def test_query_options_are_checked_before_the_index_is_opened(tmp_path, args, message):
    result = invoke_cli("query", "x", "--index-dir", tmp_path / "missing", *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
