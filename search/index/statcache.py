"""Remember post files' content hashes by (size, mtime), so a no-op run reads nothing.

The manifest inside the index stays the authority; this cache only saves
re-reading and re-hashing files whose size and modification time are
unchanged. Entries younger than `RACY_SECONDS` when saved are left out, so
a file rewritten within the clock's resolution is always hashed again
(the same rule git applies to its index).

A run that leaves the manifest agreeing with every file also saves `state`
(the index generation and commit it agrees with). While the index is still
at that commit and every file has the size and mtime cached, nothing can
have changed, and the next run need not even read the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from .files import replace_file

CACHE_FILE = ".stat-cache.json"
RACY_SECONDS = 2.0


def hash_bytes(data: bytes) -> str:
    """Return the content hash the manifest records for a post file."""
    return hashlib.sha256(data).hexdigest()


class StatCache:
    """post path -> (size, mtime_ns, content hash)."""

    def __init__(self, index_dir):
        self.path = Path(index_dir) / CACHE_FILE
        try:
            saved = json.loads(self.path.read_text("utf-8"))
            self.entries = {k: tuple(v) for k, v in saved["files"].items()}
            self.state = saved.get("state")
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            self.entries, self.state = {}, None  # missing or damaged: every file is hashed
        self.fresh: dict[str, tuple[int, int, str]] = {}

    def content_hash(self, path: str, file: Path) -> str | None:
        """Return `file`'s content hash, reading it only when its stat changed."""
        try:
            st = file.stat()
        except OSError:
            return None
        entry = self.entries.get(path)
        if entry is not None and entry[:2] == (st.st_size, st.st_mtime_ns):
            self.fresh[path] = entry
            return entry[2]
        try:
            digest = hash_bytes(file.read_bytes())
        except OSError:
            return None
        self.fresh[path] = (st.st_size, st.st_mtime_ns, digest)
        return digest

    def unchanged(self, files) -> bool:
        """True when `files` (path -> Path) are exactly the cached ones, stats equal."""
        if len(files) != len(self.entries):
            return False
        for path, file in files.items():
            entry = self.entries.get(path)
            try:
                st = file.stat()
            except OSError:
                return False
            if entry is None or entry[:2] != (st.st_size, st.st_mtime_ns):
                return False
        return True

    def remember(self, path: str, st: os.stat_result | None, digest: str) -> None:
        """Record the hash of content read after `st` was taken."""
        if st is not None:
            self.fresh[path] = (st.st_size, st.st_mtime_ns, digest)

    def save(self, state: dict | None = None) -> None:
        """Write the entries seen in this run; never fails the run.

        `state` says which index commit the manifest agreed with every file
        at; None when it may not (a post that could not be read).
        """
        limit = (time.time() - RACY_SECONDS) * 1e9
        keep = {k: v for k, v in self.fresh.items() if v[1] < limit}
        if len(keep) != len(self.fresh):
            state = None  # a racy file must be hashed again next time
        data = json.dumps({"state": state, "files": keep}).encode("utf-8")
        try:
            # Only a cache: atomic, but not worth an fsync on every no-op run.
            replace_file(self.path, data, tmp=self.path.with_suffix(".tmp"), fsync=False)
        except OSError:
            pass
