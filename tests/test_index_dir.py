"""The index directory is trusted like code: no planted links, no foreign generations, no shared write."""

import json
import os
import subprocess
import sys

import pytest

from search.errors import IndexCorruptError, IndexUnsafeError
from search.index import store
from search.index.indexer import update_index
from search.index.statcache import CACHE_FILE
from search.ingest import hugo
from tests.builders import ROOT, copy_sample_site, post_text, write_post
from tests.conftest import invoke_cli, run_cli

VICTIM_TEXT = "root:x:0:0:root:/root:/bin/bash\n"


@pytest.fixture
def site(tmp_path):
    return copy_sample_site(tmp_path / "site")


@pytest.fixture
def index(site, tmp_path):
    path = tmp_path / "index"
    update_index(hugo.load_site(site), path, jobs=1)
    return path


@pytest.fixture
def victim(tmp_path):
    path = tmp_path / "passwd"
    path.write_text(VICTIM_TEXT)
    return path


def query(index, word="数学"):
    return run_cli("query", word, "--index-dir", index, "--json")


def hits(index, word="数学"):
    result = query(index, word)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["total"]


def new_post(site):
    text = post_text("新しい投稿", date="2025-05-01", quotes=[("新規投稿の単語ゼブラ", "u", "2025/05/01 10:00:00")])
    path = write_post(site, "2025_05_01_new", text, date="2025-05-01")
    past = path.stat().st_mtime - 60  # older than the stat cache's racy window
    os.utime(path, (past, past))


# -- 1. temporary files and the lock are never opened through a planted link --


@pytest.mark.parametrize("how", ["rebuild", "incremental"])
def test_link_planted_at_pointer_tmp_leaves_victim_unchanged(site, index, victim, how):
    if how == "incremental":
        pointer = store.read_pointer(index)
        del pointer["base_url"]  # a pointer from before base URLs: the run rewrites CURRENT
        store.write_pointer(index, **pointer)
    (index / ".CURRENT.tmp").symlink_to(victim)
    result = run_cli(
        "index", "--site", site, "--index-dir", index, "--jobs", "1", *(["--rebuild"] if how == "rebuild" else [])
    )
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == VICTIM_TEXT
    assert not (index / ".CURRENT.tmp").exists() and not (index / ".CURRENT.tmp").is_symlink()
    assert not (index / store.POINTER).is_symlink()
    assert hits(index) > 0


def test_dangling_link_at_pointer_tmp_creates_no_file(site, index, tmp_path):
    target = tmp_path / "etc" / "cron.d-job"
    target.parent.mkdir()
    (index / ".CURRENT.tmp").symlink_to(target)
    update_index(hugo.load_site(site), index, jobs=1, rebuild=True)
    assert not target.exists()


def test_link_planted_at_stat_cache_tmp_leaves_victim_unchanged(site, index, victim):
    (index / ".stat-cache.tmp").symlink_to(victim)
    new_post(site)  # something to write, so the cache is saved
    report = update_index(hugo.load_site(site), index, jobs=1)
    assert report.added == 1
    assert victim.read_text() == VICTIM_TEXT
    cache = index / CACHE_FILE
    assert not cache.is_symlink() and "2025_05_01_new" in cache.read_text()


def test_link_planted_at_lock_is_refused_by_name(site, index, victim):
    lock = index / store.LOCK
    lock.unlink()
    lock.symlink_to(victim)
    with pytest.raises(IndexUnsafeError, match="is a symbolic link") as caught:
        update_index(hugo.load_site(site), index, jobs=1)
    assert caught.value.path == str(lock)
    result = run_cli("index", "--site", site, "--index-dir", index, "--jobs", "1")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{lock} is a symbolic link" in result.stderr and f"rm {lock}" in result.stderr
    assert victim.read_text() == VICTIM_TEXT
    lock.unlink()
    assert run_cli("index", "--site", site, "--index-dir", index, "--jobs", "1").returncode == 0


def test_leftover_pointer_tmp_of_a_killed_run_is_replaced(site, index):
    (index / ".CURRENT.tmp").write_text('{"generation": "g0000')  # cut off mid-write
    update_index(hugo.load_site(site), index, jobs=1, rebuild=True)
    assert not (index / ".CURRENT.tmp").exists()
    assert store.read_pointer(index)["generation"] == "g000002"


# -- 2. CURRENT may only name a generation the indexer makes --


@pytest.mark.parametrize(
    "generation",
    [
        "../x",
        "../other/g000001",
        "g000001/../../other/g000001",
        "/tmp/g000001",
        "g000001\n",
        "g00001",
        "g\u0661\u0662\u0663\u0664\u0665\u0666",  # Arabic-Indic digits
        "",
        1,
        None,
    ],
)
def test_pointer_naming_a_foreign_path_is_refused(tmp_path, generation):
    index = tmp_path / "index"
    index.mkdir()
    (index / store.POINTER).write_text(json.dumps({"generation": generation}))
    with pytest.raises(IndexCorruptError, match="not a generation the indexer makes") as caught:
        store.read_pointer(index)
    assert caught.value.hint == "run `matome-search index --rebuild`"


def test_pointer_into_another_index_is_a_clear_error_everywhere(site, index, tmp_path):
    other = tmp_path / "other"
    update_index(hugo.load_site(site), other, jobs=1)
    pointer = store.read_pointer(index)
    (index / store.POINTER).write_text(json.dumps({**pointer, "generation": "../other/g000001"}))
    with pytest.raises(IndexCorruptError, match="cannot be read"):
        store.open_current(index)
    result = query(index)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot be read" in result.stderr and "'../other/g000001'" in result.stderr
    assert "matome-search index --rebuild" in result.stderr
    result = run_cli("index", "--site", site, "--index-dir", index, "--jobs", "1")
    assert result.returncode == 1 and "cannot be read" in result.stderr
    # The hint works: a rebuild replaces the pointer, and leaves the other index alone.
    result = run_cli("index", "--site", site, "--index-dir", index, "--jobs", "1", "--rebuild")
    assert result.returncode == 0, result.stderr
    assert hits(index) > 0 and store.generations(other) == ["g000001"]


def test_generation_that_is_a_link_is_refused(site, index, tmp_path):
    other = tmp_path / "other"
    update_index(hugo.load_site(site), other, jobs=1)
    (index / "g000002").symlink_to(other / "g000001")
    store.write_pointer(index, "g000002", base_url=store.read_pointer(index)["base_url"])
    with pytest.raises(IndexCorruptError, match="g000002 is a symbolic link"):
        store.open_current(index)


def test_bytes_that_are_not_utf8_are_a_corrupt_pointer(tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    (index / store.POINTER).write_bytes(b'{"generation": "\xff"}')
    with pytest.raises(IndexCorruptError, match="not a valid pointer"):
        store.read_pointer(index)


def test_fifo_planted_as_pointer_does_not_hang(tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    os.mkfifo(index / store.POINTER)
    with pytest.raises(IndexCorruptError, match="CURRENT is not a regular file"):
        store.read_pointer(index)


# -- 3. an index others may write is not opened, at query time or index time --


@pytest.mark.parametrize("mode", [0o775, 0o757, 0o777, 0o1777])
def test_index_dir_writable_by_others_is_refused_with_the_fix(site, index, mode):
    index.chmod(mode)
    with pytest.raises(IndexUnsafeError, match="writable by group or others") as caught:
        store.open_current(index)
    assert caught.value.path == str(index)
    assert caught.value.hint == f"run `chmod go-w {index}`"
    result = invoke_cli("query", "数学", "--index-dir", index)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert f"{index} is writable by group or others" in result.stderr
    assert result.stderr.endswith(f"(run `chmod go-w {index}`)\n")
    result = invoke_cli("index", "--site", site, "--index-dir", index, "--jobs", "1", "--rebuild")
    assert result.exit_code == 1 and result.stderr.endswith(f"(run `chmod go-w {index}`)\n")
    index.chmod(mode & ~0o022)
    assert hits(index) > 0


def test_pointer_writable_by_others_is_refused_with_the_fix(site, index):
    pointer = index / store.POINTER
    pointer.chmod(0o664)
    with pytest.raises(IndexUnsafeError, match="writable by group or others") as caught:
        store.open_current(index)
    assert caught.value.hint == f"run `chmod go-w {pointer}`"
    with pytest.raises(IndexUnsafeError):
        update_index(hugo.load_site(site), index, jobs=1, rebuild=True)
    pointer.chmod(0o644)
    assert hits(index) > 0


def test_web_answers_503_and_logs_the_fix(index, caplog):
    from web import create_app, get_service

    index.chmod(0o777)
    app = create_app({"INDEX_DIR": str(index), "TESTING": True})
    try:
        response = app.test_client().get("/api/search?q=数学")
        assert response.status_code == 503
        assert str(index) not in response.get_json()["error"]  # paths go to the log only
        assert f"chmod go-w {index}" in caplog.text
    finally:
        get_service(app).close()


def test_hint_quotes_a_path_with_spaces(site, tmp_path):
    index = tmp_path / "my index"
    update_index(hugo.load_site(site), index, jobs=1)
    index.chmod(0o777)
    with pytest.raises(IndexUnsafeError) as caught:
        store.open_current(index)
    assert caught.value.hint == f"run `chmod go-w '{index}'`"


def test_indexer_never_creates_a_shared_index_whatever_the_umask(site, tmp_path):
    index = tmp_path / "new" / "index"
    # umask 000 in a child only: the test process's umask stays as it is.
    command = [sys.executable, "-m", "web.cli", "index", "--site", str(site), "--index-dir", str(index), "--jobs", "1"]
    done = subprocess.run(
        ["sh", "-c", 'umask 000 && exec "$@"', "sh", *command],
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    made = [index / store.POINTER, index / store.LOCK, index / CACHE_FILE, index / "g000001"]
    # Whoosh's files, which readers unpickle; its empty write lock holds nothing to read.
    made += [p for p in (index / "g000001").iterdir() if p.name != "MAIN_WRITELOCK"]
    for path in [index.parent, index, *made]:  # the parent the indexer made too
        assert path.stat().st_mode & 0o022 == 0, (path, oct(path.stat().st_mode))
    assert hits(index) > 0
    assert any(p.name == "janome-cache.sqlite" for p in made)


@pytest.mark.parametrize("mode, refused", [(0o777, True), (0o775, True), (0o1777, False), (0o755, False)])
def test_a_parent_others_can_write_is_refused_unless_sticky(site, tmp_path, mode, refused):
    parent = tmp_path / "shared"
    parent.mkdir()
    index = parent / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    parent.chmod(mode)
    result = invoke_cli("query", "数学", "--index-dir", index)
    parent.chmod(0o755)
    assert result.exit_code == (1 if refused else 0), result.stderr
    refusal = "parent) is writable by group or others"
    assert (refusal in result.stderr and f"chmod go-w {parent}" in result.stderr) == refused
