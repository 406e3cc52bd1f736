"""A full or read-only index directory: a clear error, and the old index keeps serving.

Uses a small tmpfs (root and mount privileges needed; skipped otherwise).
"""

import subprocess

import pytest

from search.errors import IndexWriteError
from search.index.indexer import update_index
from search.ingest import hugo
from search.records import SearchRequest
from search.retrieve.service import SearchService
from tests.builders import copy_sample_site, post_text, shortcode, write_post
from tests.conftest import run_cli

# Whoosh's writer leaves temporary files open when a write fails midway; the
# garbage collector closes them later, in whichever test happens to run.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def small_fs(tmp_path):
    mount = tmp_path / "fs"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def searchable(index, word):
    service = SearchService(index)
    try:
        return service.search(SearchRequest(query=word)).total
    finally:
        service.close()


def fill(mount, leave: int = 16 * 1024):
    """Leave only `leave` bytes free on the filesystem at `mount`."""
    import os

    st = os.statvfs(mount)
    with open(mount / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, st.f_bavail * st.f_frsize - leave))


def big_post(site):
    quotes = [shortcode(f"ディスク溢れ試験の長いコメント{i}。" * 10, f"u{i}") for i in range(100)]
    write_post(site, "2025_09_09_big", post_text("大きい", quotes=quotes), "2025-09-09")


def test_full_index_directory(tmp_path, small_fs):
    site = copy_sample_site(tmp_path / "site")
    index = small_fs / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    big_post(site)
    fill(small_fs)
    with pytest.raises(IndexWriteError, match="No space left"):
        update_index(hugo.load_site(site), index, jobs=1)
    result = run_cli("index", "--site", site, "--index-dir", index, "--jobs", "1")
    assert result.returncode == 1 and "cannot write the index" in result.stderr
    assert "Traceback" not in result.stderr
    assert searchable(index, "数学") > 0 and searchable(index, "ディスク溢れ試験") == 0


def test_read_only_index_directory(tmp_path, small_fs):
    site = copy_sample_site(tmp_path / "site")
    index = small_fs / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    write_post(site, "2025_09_10_new", post_text("新", quotes=[shortcode("読み取り専用の試験", "ro")]), "2025-09-10")
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    result = run_cli("index", "--site", site, "--index-dir", index, "--jobs", "1")
    assert result.returncode == 1 and "Read-only file system" in result.stderr
    assert "Traceback" not in result.stderr
    assert searchable(index, "数学") > 0
