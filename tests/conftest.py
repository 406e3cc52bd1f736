"""Shared fixtures: small real-format archives and indexes built once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import add_post, generate_site
from search.index import store
from search.index.indexer import update_index
from search.ingest import hugo
from search.retrieve.service import SearchService
from tests.builders import ROOT, post_text, write_post, write_site

# Hand-written posts whose words the tests search for.
EXTRA_POSTS = {
    "2025_04_02_kyoto": post_text(
        "京都と東京都の話",
        date="2025-04-02",
        tags=("旅行", "LLM"),
        quotes=[
            ("京都の寺はとても静かだった。", "kyotofan", "2025/04/02 09:00:00"),
            ("東京都の人口は多い。", "tokyoite", "2025-04-02T10:00:00"),
            ("ユーザーがサーバーを再起動した。", "HarHarVeryFunny", "2025/04/02 11:00:00"),
            ("Uncertain<T> と <script>alert(1)</script> の数学", "hostile", "2025/04/02 12:00:00"),
            ("機械の学習ではなく、数学の話です。", "spread", "2025/04/02 13:00:00"),
            ("C++とRustで書き直した。GPT-4oも試した。", "coder", "2025/04/02 14:00:00"),
            ("Cで書かれたカーネルを読んだ。", "cwriter", "2025/04/02 14:30:00"),
            ("大規模言語モデルの推論はまだ高い。", "synuser", "2025/04/02 15:00:00"),
            ("関西国際空港から出発した。", "airport", "2025/04/02 16:00:00"),
            ("PyTorchとトランスフォーマーの実装を比べた。", "torchuser", "2025/04/02 17:00:00"),
            ("コンピューターが遅い。", "longvowel", "2025/04/02 18:00:00"),
        ],
    ),
    "2025_04_03_draft": post_text(
        "下書きの投稿",
        date="2025-04-03",
        draft=True,
        quotes=[("下書きにだけある言葉ドラフトテキスト", "drafter", "2025/04/03 09:00:00")],
    ),
}
BROKEN_POST = b'+++\ntitle = \'broken\ndate = 2025-04-04\n+++\n\n{{<matomeQuote body="x">}}\n'


def build_site(dest: Path) -> Path:
    """Copy the sample archive and add the hand-written and broken posts."""
    write_site(dest, EXTRA_POSTS)
    write_post(dest, "2025_04_04_broken", BROKEN_POST, date="2025-04-04")
    return dest


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    """A small site in the real format: 2 real posts, 2 hand-written, 1 broken."""
    return build_site(tmp_path_factory.mktemp("site") / "site")


@pytest.fixture(scope="session")
def index_dir(site_dir, tmp_path_factory) -> Path:
    """An index of `site_dir`, built once with the real indexer."""
    path = tmp_path_factory.mktemp("index") / "index"
    update_index(hugo.load_site(site_dir), path, jobs=1)
    return path


@pytest.fixture(scope="session")
def service(index_dir):
    """A SearchService over the session index."""
    svc = SearchService(index_dir)
    yield svc
    svc.close()


def search(service, query="", **kwargs):
    """Run one search through the service; keyword arguments go to SearchRequest."""
    from search.records import SearchRequest

    return service.search(SearchRequest(query=query, **kwargs))


def users(page):
    """The users of a page's hits, in rank order."""
    return [h.user for h in page.hits]


def run_cli(*args, cwd=None, env=None, timeout=300) -> subprocess.CompletedProcess:
    """Run the real `matome-search` command as a subprocess."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "web.cli", *map(str, args)],
        cwd=cwd or ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def invoke_cli(*args, env=None):
    """Run `matome-search` in this process with click's CliRunner; return click's `Result`.

    Options, messages and output are checked this way; the subprocess of
    `run_cli` is for exit codes, signals and tracebacks. An exception the
    command does not turn into a message fails the test.
    """
    from click.testing import CliRunner

    from web.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], env=env, prog_name="matome-search", catch_exceptions=False)


@pytest.fixture(scope="session")
def app(index_dir):
    """The Flask app over the session index."""
    from web import create_app, get_service

    app = create_app({"INDEX_DIR": str(index_dir), "TESTING": True})
    yield app
    get_service(app).close()


@pytest.fixture
def client(app):
    """A Flask test client."""
    return app.test_client()


@pytest.fixture(scope="session")
def generated_index(tmp_path_factory) -> Path:
    """A generated archive indexed, then updated: two segments, deletions."""
    site = generate_site(tmp_path_factory.mktemp("exec") / "site", 12, seed=7).root
    index_dir = site.parent / "index"
    update_index(hugo.load_site(site), index_dir, jobs=1)
    changed = sorted(site.rglob("index.md"))[3]
    shutil.copy(sorted(site.rglob("index.md"))[5], changed)  # replaced: deletions in segment 1
    add_post(site, seed=99, comments=40)
    update_index(hugo.load_site(site), index_dir, jobs=1)
    return index_dir


@pytest.fixture(scope="session")
def searcher(generated_index):
    """A searcher on `generated_index`."""
    ix, _ = store.open_current(generated_index)
    with ix.searcher() as s:
        assert len(s.leaf_searchers()) > 1 and s.reader().has_deletions()
        yield s
