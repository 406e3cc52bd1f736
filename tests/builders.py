"""Write small posts in the archive's real format, for tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SITE = ROOT / "data"
BASE_URL = "https://www.kaigai-tech-matome.com/"


def shortcode(body: str, user: str, created: str = "2025/03/21 10:00:00", color: str = "") -> str:
    """Return one matomeQuote shortcode with `"` escaped as the archive does."""
    body = body.replace('"', '\\"').replace("\n", "<br>")
    return f'{{{{<matomeQuote body="{body}" userName="{user}" createdAt="{created}" color="{color}">}}}}'


def post_text(title, date="2025-03-21", tags=("テスト",), quotes=(), draft=False, source=None) -> str:
    """Return a whole post file: front matter, title line, source line, quotes."""
    tag_list = ", ".join(f'"{t}"' for t in tags)
    source = source or "https://news.ycombinator.com/item?id=1"
    lines = [
        "+++",
        f"date = '{date}T00:00:00'",
        f"months = '{date[:4]}/{date[5:7]}'",
        f"draft = {'true' if draft else 'false'}",
        f"title = '{title}'",
        f"tags = [{tag_list}]",
        "featureimage = 'thumbnails/blue4.jpg'",
        "+++",
        "",
        f"> {title}",
        "",
        f"引用元：[{source}]({source})",
        "",
    ]
    for quote in quotes:
        lines += [shortcode(*quote) if isinstance(quote, tuple) else quote, ""]
    lines.append('[記事一覧へ]({{% ref "/posts/" %}})')
    return "\n".join(lines) + "\n"


def write_post(site: Path, slug: str, text: str | bytes, date: str = "2025-03-21") -> Path:
    """Write a post bundle under `site`; return the file path."""
    month = date[:7].replace("-", "_")
    path = Path(site) / "content" / "posts" / month / slug / "index.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def write_site(site: Path, posts: dict) -> Path:
    """The sample archive at `site` plus `posts` (slug `YYYY_MM_DD_name` -> post text)."""
    copy_sample_site(site)
    for slug, text in posts.items():
        write_post(site, slug, text, date=f"{slug[:4]}-{slug[5:7]}-{slug[8:10]}")
    return site


def copy_sample_site(dest: Path) -> Path:
    """Copy the embedded sample archive (config + two real posts) to `dest`."""
    shutil.copytree(SAMPLE_SITE, dest)
    return dest


def refuse_listing(monkeypatch, directory: Path) -> None:
    """Make os.scandir fail on `directory` as an unreadable directory does, even for root."""
    real_scandir = os.scandir

    def scandir(path):
        if os.fspath(path) == os.fspath(directory):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
