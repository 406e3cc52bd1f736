"""SIGKILL at seeded moments of incremental updates and rebuilds (bench/crash.py, small)."""

from bench.crash import run


def test_killed_indexer_leaves_old_or_new_posts_and_converges(tmp_path):
    tally = run(kills=4, seed=3, posts=8, work=tmp_path / "crash")
    assert tally["inconsistent"] == 0, tally["problems"]
    assert tally["not_converged"] == 0
