"""Files of an index directory, trusted like code: who may write them, and how we do.

Whoosh unpickles what a generation holds, so the directory is trusted like
code: it and CURRENT must not be writable by group or others (as ssh refuses
such keys), and no file here is ever written through a link someone planted
(the indexer often runs as root). `check_trusted` and `check_parent` refuse
a directory others could write; `replace_file` writes a file atomically,
never through a link, never onto an existing file.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

from ..errors import IndexUnsafeError

# Never through a planted link, never onto an existing file; the umask still applies.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
SHARED_WRITE = stat.S_IWGRP | stat.S_IWOTH
DIR_MODE = 0o755  # what the indexer creates; the umask can only take bits away


def check_trusted(st: os.stat_result, path: Path, index_dir: Path) -> None:
    """Raise IndexUnsafeError when group or others may write `path` (whose stat is `st`).

    The mode bits decide, like ssh's check of a key's mode, and hold for root
    too. The owner is not checked: the web server may run as another account
    that only reads the index.
    """
    if st.st_mode & SHARED_WRITE:
        raise IndexUnsafeError(
            index_dir, path, "is writable by group or others", f"run `chmod go-w {shlex.quote(str(path))}`"
        )


def check_parent(index_dir: Path) -> None:
    """Raise IndexUnsafeError when others may swap the index directory itself for theirs.

    A parent that group or others can write lets them rename the index
    directory away and put another in its place, unless it is sticky (as
    /tmp is): then only its owner may.
    """
    parent = Path(os.path.abspath(index_dir)).parent
    st = os.stat(parent)
    if st.st_mode & SHARED_WRITE and not st.st_mode & stat.S_ISVTX:
        raise IndexUnsafeError(
            index_dir,
            parent,
            "(the index directory's parent) is writable by group or others",
            f"run `chmod go-w {shlex.quote(str(parent))}` or move the index",
        )


def replace_file(path: Path, data: bytes, *, tmp: Path, fsync: bool = True) -> None:
    """Atomically replace `path` with `data`, written first to the new file `tmp`.

    `tmp` is created exclusively: whatever is already there, a leftover of
    a killed run or a link planted to make us overwrite another file, is
    removed (never followed) first. Call it while holding the write lock, or
    for a file that one process alone writes (the watcher's status).
    """
    fd = _create_new(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        _remove_quietly(tmp)
        raise


def _create_new(path: Path) -> int:
    """Create `path` as a new file and return its descriptor; unlink what is there first."""
    try:
        return os.open(path, _CREATE, 0o644)
    except FileExistsError:
        os.unlink(path)  # removes a link itself, never its target
        return os.open(path, _CREATE, 0o644)


def _remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def fsync_dir(path: Path) -> None:
    """Flush directory `path` itself, so the names a rename or a new file gave it survive a crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    """Flush every file of a finished generation to disk before it goes live."""
    for child in Path(path).iterdir():
        if child.is_file():
            with open(child, "rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(path)
