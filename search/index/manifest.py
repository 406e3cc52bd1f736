"""The site against the manifest: which post files are new, changed, unchanged or gone.

Every generation holds one manifest document per post file (its content
hash and draft state, see `schema.to_manifest_document`). `scan_site`
compares the site's files with it, reading only files whose size or
mtime the stat cache does not vouch for; `commit_state` is what a stat
cache records so that the next run may skip even reading the manifest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..ingest import hugo
from .schema import KIND_POST
from .statcache import StatCache, hash_bytes


@dataclass(frozen=True)
class ManifestEntry:
    """The manifest's memory of one post file."""

    content_hash: str
    draft_skipped: bool
    draft: bool

    def stale(self, content_hash: str, include_drafts: bool) -> bool:
        """True when the file changed or the draft setting changed for it."""
        if content_hash != self.content_hash:
            return True
        if self.draft:
            return self.draft_skipped == include_drafts
        return False


@dataclass(frozen=True)
class PendingPost:
    """A post file that is new or changed since the manifest was written."""

    file: Path
    path: str
    is_new: bool


class Scan(NamedTuple):
    """What `scan_site` found: the posts to write, how many need none, every path seen."""

    pending: list[PendingPost]
    unchanged: int
    seen: set[str]


def read_manifest(ix) -> dict[str, ManifestEntry]:
    """Return the manifest (post path -> entry) stored in an open index."""
    manifest = {}
    with ix.searcher() as searcher:
        for doc in searcher.documents(kind=KIND_POST):
            manifest[doc["post_path"]] = ManifestEntry(
                doc["post_hash"], bool(doc.get("draft_skipped")), bool(doc.get("draft"))
            )
    return manifest


def _hash_file(file: Path) -> str | None:
    try:
        return hash_bytes(file.read_bytes())
    except OSError:
        return None  # read_post reports the error when it retries


def scan_site(site, manifest, include_drafts: bool, cache: StatCache | None = None) -> Scan:
    """Split the site's post files into pending (new/changed) and unchanged.

    Files whose size and mtime match the stat cache are not even read; the
    rest are hashed.
    """
    pending, unchanged, seen = [], 0, set()
    for file in hugo.iter_post_files(site):
        path = hugo.post_path(site, file)
        seen.add(path)
        entry = manifest.get(path)
        if entry is None:
            pending.append(PendingPost(file, path, True))
            continue
        digest = cache.content_hash(path, file) if cache else _hash_file(file)
        if digest is None or entry.stale(digest, include_drafts):
            pending.append(PendingPost(file, path, False))
        else:
            unchanged += 1
    return Scan(pending, unchanged, seen)


def commit_state(ix, generation: str, include_drafts: bool) -> dict:
    """The index commit a stat cache can vouch for (see statcache).

    The size and mtime of every index file are part of it: a file damaged
    or replaced since makes the next run read the manifest, and so report
    the damage, instead of taking the no-op shortcut.
    """
    files = sorted(
        [e.name, st.st_size, st.st_mtime_ns] for e in os.scandir(ix.storage.folder) if e.is_file() and (st := e.stat())
    )
    return {
        "generation": generation,
        "commit": ix.latest_generation(),
        "include_drafts": include_drafts,
        "files": files,
    }
