"""The post parser under fuzzing: `bench.fuzz_posts`'s properties, a fixed seed, bounded examples.

The longer campaign is `python -m bench.fuzz_posts`; its figures are in
docs/robustness.md.
"""

import pytest

from bench import fuzz_posts


@pytest.mark.parametrize("name", sorted(fuzz_posts.PROPERTIES))
def test_property_holds(name):
    found = fuzz_posts.run(name, examples=300, seed_value=20261201)
    assert found["failure"] is None, found["failure"]


def test_the_campaign_would_report_a_failure(monkeypatch):
    """A property that breaks is reported, not hidden: the harness can fail."""

    def broken(link):
        assert "javascript" not in link

    monkeypatch.setitem(fuzz_posts.PROPERTIES, "links", (broken, fuzz_posts.PROPERTIES["links"][1]))
    assert "AssertionError" in fuzz_posts.run("links", examples=300, seed_value=1)["failure"]
