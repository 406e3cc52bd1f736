"""Environment faults: damaged index files, unusable paths, a site that vanishes."""

import shutil

import pytest

from search.errors import IndexCorruptError, IndexWriteError, SiteError
from search.index.indexer import update_index
from search.ingest import hugo
from search.records import SearchRequest
from search.retrieve.service import SearchService
from tests.builders import copy_sample_site, post_text, write_post
from tests.conftest import run_cli
from web import create_app, get_service

# Whoosh leaves a file handle open when a truncated segment fails to load; the
# garbage collector closes it later, in whichever test happens to be running.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def built(tmp_path):
    site = copy_sample_site(tmp_path / "site")
    index = tmp_path / "index"
    update_index(hugo.load_site(site), index, jobs=1)
    return site, index


def damage(index):
    for segment in index.glob("g*/*.seg"):
        segment.write_bytes(segment.read_bytes()[:100])


def test_truncated_segment_is_a_clear_error_everywhere(built):
    site, index = built
    damage(index)
    result = run_cli("query", "数学", "--index-dir", index)
    assert result.returncode == 1 and "cannot be read" in result.stderr and "--rebuild" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("index", "--site", site, "--index-dir", index)
    assert result.returncode == 1 and "cannot be read" in result.stderr
    client = create_app({"INDEX_DIR": str(index)}).test_client()
    response = client.get("/api/search?q=数学")
    assert response.status_code == 503 and str(index) not in response.get_data(as_text=True)  # logged, not shown
    assert run_cli("index", "--site", site, "--index-dir", index, "--rebuild").returncode == 0
    assert client.get("/api/search?q=数学").status_code == 200  # the service reopens
    get_service(client.application).close()


def test_missing_pointer_target(built):
    site, index = built
    for path in index.glob("g*"):
        shutil.rmtree(path)
    with pytest.raises(IndexCorruptError):
        SearchService(index).search(SearchRequest(query="数学"))


def test_index_dir_that_is_a_file(built, tmp_path):
    site, _ = built
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    with pytest.raises(IndexWriteError, match="blocker"):
        update_index(hugo.load_site(site), blocker / "index", jobs=1)


def test_missing_site(tmp_path):
    with pytest.raises(SiteError, match="no such directory"):
        hugo.load_site(tmp_path / "gone")


def test_site_vanishing_mid_run_keeps_the_index_consistent(built):
    site, index = built
    for i in range(5):
        text = post_text("消える", date="2025-07-01", quotes=[(f"消える投稿{i}のコメント", "u", "2025/07/01 10:00:00")])
        write_post(site, f"2025_07_01_v{i}", text, date="2025-07-01")

    def vanish(done, total, comments):
        if done == 2:
            shutil.rmtree(site)

    report = update_index(hugo.load_site(site), index, jobs=1, progress=vanish)
    assert report.added == 2 and len(report.warnings) == 3
    assert all("cannot read file" in str(w) for w in report.warnings)
    service = SearchService(index)
    try:
        assert service.search(SearchRequest(query="消える")).total == 2
        assert service.search(SearchRequest()).total == 142 + 2
    finally:
        service.close()
