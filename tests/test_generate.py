"""The synthetic archive generator: deterministic, real format, parseable."""

import tomllib

from bench.generate import add_post, generate_site
from search import hugo


def read_all(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.md"))}


def test_same_seed_same_bytes(tmp_path):
    generate_site(tmp_path / "a", 6, seed=7)
    generate_site(tmp_path / "b", 6, seed=7)
    generate_site(tmp_path / "c", 6, seed=8)
    assert read_all(tmp_path / "a") == read_all(tmp_path / "b")
    assert read_all(tmp_path / "a") != read_all(tmp_path / "c")


def test_generated_posts_parse_cleanly(tmp_path):
    generated = generate_site(tmp_path / "site", 12, seed=3, draft_every=5)
    site = hugo.load_site(generated.root)
    comments, drafts, formats = 0, 0, set()
    for file in hugo.iter_post_files(site):
        post, warnings, data = hugo.read_post(site, file)
        assert warnings == []
        front = data.decode().split("+++")[1]
        assert set(tomllib.loads(front)) == {"date", "months", "draft", "title", "tags", "featureimage"}
        comments += len(post.quotes)
        drafts += post.draft
        formats.update("/" in line for line in data.decode().splitlines() if "createdAt=" in line)
    assert comments == generated.comments and drafts == 2


def test_add_post_adds_one_parseable_post(tmp_path):
    generate_site(tmp_path / "site", 2, seed=1)
    path = add_post(tmp_path / "site", seed=5, comments=30)
    site = hugo.load_site(tmp_path / "site")
    post, warnings, _ = hugo.read_post(site, path)
    assert warnings == [] and len(post.quotes) == 30
