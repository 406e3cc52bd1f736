"""A long build says where it stands: a bar on a terminal, a line every ~10 s in a log."""

import io
import re

from search.index.progress import BuildProgress
from tests.builders import copy_sample_site
from tests.conftest import run_cli


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_log_gets_a_line_every_ten_seconds_with_rate_and_time_left():
    clock, out = Clock(), io.StringIO()
    progress = BuildProgress(out, tty=False, clock=clock)
    for done in range(1, 101):  # 100 posts of 80 comments, one every 0.5 s
        clock.now = done * 0.5
        progress(done, 100, done * 80)
    progress.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 5  # at 10, 20, 30 and 40 s, then the last post
    assert lines[0] == "indexing: 20/100 posts (20%), 1,600 comments, 160 comments/s, about 40 s left"
    assert lines[-1] == "indexing: all 100 posts read, 8,000 comments, 160 comments/s; writing the index"


def test_a_terminal_gets_a_bar_with_the_figures():
    clock, out = Clock(), Terminal()
    progress = BuildProgress(out, tty=True, clock=clock)
    for done in range(1, 11):
        clock.now = done
        progress(done, 10, done * 50)
    progress.close()
    text = out.getvalue()
    assert "indexing" in text and "500 comments, 50/s" in text


def test_the_index_command_logs_where_it_stands_when_not_on_a_terminal(tmp_path):
    site = copy_sample_site(tmp_path / "site")
    result = run_cli("index", "--site", site, "--index-dir", tmp_path / "index")
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"indexing: all 2 posts read, [\d,]+ comments, [\d,]+ comments/s; writing the index", result.stderr
    )
