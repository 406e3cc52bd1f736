"""The documentation against the code: every CLI option, every setting, the JSON contract.

README.md and docs/*.md are read as text. The commands are found through
the `matome-search` console script, not by importing the module that
defines them, so the test follows the code wherever it lives.
"""

from __future__ import annotations

import importlib.metadata
import json
import re

import click
import pytest

from search.settings import SETTINGS
from tests.builders import ROOT
from tests.conftest import run_cli

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
QUERY = "線形代数"  # in the sample archive: many matches, so no suggestion and no notes


def documentation() -> str:
    """README.md and every docs/*.md, as one text."""
    return "\n".join(path.read_text(encoding="utf-8") for path in (README, *DOCS))


def mentions(text: str, word: str) -> bool:
    """True when `word` stands in `text` on its own: `-n` is not found in `--no-cache`."""
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


@pytest.mark.parametrize(
    ("text", "word", "found"),
    [
        ("`--no-cache` runs janome again", "-n", False),
        ("the `-n N` comments on each side", "-n", True),
        ("`--since`/`--until YYYY-MM-DD`", "--since", True),
        ("`--page N`", "--per-page", False),
        ("set `MATOME_SITE_X`", "MATOME_SITE", False),
    ],
)
def test_mentions(text, word, found):
    assert mentions(text, word) is found


def cli_group() -> click.Group:
    """The `matome-search` command group, loaded from its console script entry point."""
    return importlib.metadata.entry_points(group="console_scripts")["matome-search"].load()


def iter_commands(command: click.Command, path: tuple[str, ...] = ()):
    """Yield (path, command) for `command` and every subcommand under it, depth first."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from iter_commands(sub, (*path, name))


def iter_options():
    """Yield (command line, option string, option) for every option of every command, --help included."""
    for path, command in iter_commands(cli_group()):
        for param in command.get_params(click.Context(command)):
            if isinstance(param, click.Option) and not param.hidden:
                for opt in (*param.opts, *param.secondary_opts):
                    yield " ".join(("matome-search", *path)), opt, param


OPTIONS = sorted({(line, opt) for line, opt, _ in iter_options()})


def test_the_commands_are_found():
    commands = {path[-1] for path, _ in iter_commands(cli_group()) if path}
    assert {"index", "query", "context", "stats", "serve"} <= commands
    assert ("matome-search query", "--json") in OPTIONS


@pytest.mark.parametrize(("command", "option"), OPTIONS, ids=[" ".join(o) for o in OPTIONS])
def test_every_cli_option_is_documented(command, option):
    assert mentions(documentation(), option), f"`{command} {option}` is in neither README.md nor docs/*.md"


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_setting_is_documented(name):
    setting = SETTINGS[name]
    params = [param for _, _, param in iter_options() if param.name == name]
    assert params, f"no command has an option for setting {name!r}, as the README says every setting does"
    text = documentation()
    assert mentions(text, setting.envvar), f"setting {name!r}: {setting.envvar} is not documented"
    for param in params:
        assert param.envvar == setting.envvar, f"{param.opts} does not read {setting.envvar}"
        for opt in param.opts:
            assert mentions(text, opt), f"setting {name!r}: {opt} is not documented"


def readme_contract() -> dict:
    """The README's example answer of `query --json` and `GET /api/search`: its one ```json block with results."""
    blocks = re.findall(r"^```json\n(.*?)^```", README.read_text(encoding="utf-8"), re.DOTALL | re.MULTILINE)
    answers = [answer for answer in map(json.loads, blocks) if "results" in answer]
    assert len(answers) == 1, "README.md should hold one ```json block of a search answer"
    return answers[0]


def key_shape(value):
    """The keys of `value`, recursively: a dict's under each key, a list's from its first item."""
    if isinstance(value, dict):
        return {key: key_shape(item) for key, item in value.items()}
    if isinstance(value, list) and value:
        return [key_shape(value[0])]
    return None


def test_key_shape():
    assert key_shape({"a": 1, "b": [{"c": None}], "d": [["x", 1]], "e": []}) == {
        "a": None,
        "b": [{"c": None}],
        "d": [[None]],
        "e": None,
    }


def cli_answer(index_dir) -> dict:
    result = run_cli("query", QUERY, "--index-dir", index_dir, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def api_answer(client) -> dict:
    response = client.get("/api/search", query_string={"q": QUERY})
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture(params=["query --json", "GET /api/search"])
def answer(request):
    """A real answer of the CLI or the API to QUERY over the session index."""
    if request.param == "query --json":
        return cli_answer(request.getfixturevalue("index_dir"))
    return api_answer(request.getfixturevalue("client"))


def test_readme_contract_matches_the_code(answer):
    documented, produced = readme_contract(), answer
    assert produced["results"] and all(produced["facets"].values()), "the query should fill every part"
    assert set(documented) == set(produced)
    assert set(documented["results"][0]) == set(produced["results"][0])
    assert set(documented["facets"]) == set(produced["facets"])
    assert key_shape(documented) == key_shape(produced)
