"""The on-disk layout of an index directory: generations, pointer, lock.

    index/
      CURRENT        JSON pointer: {"generation": "g000003", "build": ..., ...}
      g000003/       the Whoosh index readers use
      g000002/       the previous generation, kept so open searchers survive a swap
      .lock          held (flock) by the one indexer allowed to write

A full rebuild writes a new generation and then replaces CURRENT with one
atomic rename: until that rename every reader sees the old generation, after
it every new reader sees the new one, and a crash in between changes nothing.

Whoosh unpickles what a generation holds, so the directory is trusted like
code (see `files`), and CURRENT may only name a generation the indexer makes.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import re
import shlex
import shutil
import stat
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from ..errors import IndexCorruptError, IndexLockedError, IndexNotFoundError, IndexUnsafeError, IndexVersionError
from .files import DIR_MODE, SHARED_WRITE, check_parent, check_trusted, fsync_dir, replace_file
from .schema import BUILD_ID

POINTER = "CURRENT"
LOCK = ".lock"
# ASCII digits and fullmatch: "g000001\n" or other scripts' digits are no generation.
_GENERATION = re.compile(r"g[0-9]{6}")


def read_pointer(index_dir: Path) -> dict | None:
    """Return the CURRENT pointer of `index_dir`, or None when there is none.

    Raises IndexUnsafeError when the directory or CURRENT is writable by
    group or others, IndexCorruptError when CURRENT cannot be read or names
    anything but a generation the indexer makes.
    """
    index_dir = Path(index_dir)
    try:
        check_trusted(os.stat(index_dir), index_dir, index_dir)
        check_parent(index_dir)
        # O_NONBLOCK: a FIFO planted as CURRENT must not hang the reader.
        with os.fdopen(os.open(index_dir / POINTER, os.O_RDONLY | os.O_NONBLOCK), "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise IndexCorruptError(index_dir, f"{POINTER} is not a regular file")
            check_trusted(st, index_dir / POINTER, index_dir)
            data = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexCorruptError(index_dir, f"cannot read {POINTER}: {exc.strerror}") from exc
    return _parse_pointer(index_dir, data)


def _parse_pointer(index_dir: Path, data: bytes) -> dict:
    """The pointer in `data`, its generation checked: it becomes a path."""
    try:
        pointer = json.loads(data.decode("utf-8"))
        generation = pointer["generation"]
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(index_dir, f"{POINTER} is not a valid pointer") from exc
    if not isinstance(generation, str) or not _GENERATION.fullmatch(generation):
        raise IndexCorruptError(index_dir, f"{POINTER} names {generation!r}, not a generation the indexer makes")
    return pointer


def write_pointer(index_dir: Path, generation: str, **extra) -> None:
    """Atomically point `index_dir` at `generation`."""
    index_dir = Path(index_dir)
    pointer = {"generation": generation, "build": BUILD_ID, **extra}
    replace_file(index_dir / POINTER, json.dumps(pointer).encode("utf-8"), tmp=index_dir / f".{POINTER}.tmp")
    fsync_dir(index_dir)


def generations(index_dir: Path) -> list[str]:
    """Return the generation directory names in `index_dir`, oldest first."""
    try:
        names = [p.name for p in Path(index_dir).iterdir() if _GENERATION.fullmatch(p.name)]
    except FileNotFoundError:
        return []
    return sorted(names)


def next_generation(index_dir: Path) -> str:
    """Return the name for a new generation, newer than every existing one."""
    existing = generations(index_dir)
    number = int(existing[-1][1:]) + 1 if existing else 1
    return f"g{number:06d}"


def prune_generations(index_dir: Path, keep: set[str]) -> None:
    """Delete generations not in `keep` (half-built ones from crashed runs too)."""
    for name in generations(index_dir):
        if name not in keep:
            shutil.rmtree(Path(index_dir) / name, ignore_errors=True)


def prune_stale(index_dir: Path, current: str) -> None:
    """Keep `current` and the one before it; drop the rest.

    Generations newer than `current` are leftovers of killed rebuilds; older
    ones beyond the previous have outlived any searcher that could use them.
    Call only while holding the write lock.
    """
    older = [g for g in generations(index_dir) if g < current]
    prune_generations(index_dir, keep={current, *older[-1:]})


class _Storage(FileStorage):
    """FileStorage whose new files are never writable by group or others.

    Readers unpickle those files, and the umask of a cron job or a shell
    with `umask 002` would otherwise decide who may rewrite them in place.
    """

    def create_file(self, name, *args, **kwargs):
        """Create `name` as Whoosh does, then take away group and other write."""
        f = super().create_file(name, *args, **kwargs)
        fd = f.fileno()
        os.fchmod(fd, stat.S_IMODE(os.fstat(fd).st_mode) & ~SHARED_WRITE)
        return f


def storage(path: Path) -> FileStorage:
    """The Whoosh storage of one generation directory, read without mmap.

    With mmap, Whoosh 3 copies every file of a compound segment into a
    BytesIO when a reader opens it: on the 2,000-post index that is 1.2 s
    and 700 MB per searcher. Without it a reader opens in tens of
    milliseconds and reads postings with plain seeks.
    """
    return _Storage(str(path), supports_mmap=False)


def make_generation(index_dir: Path, generation: str) -> Path:
    """Create the directory of a new generation, never writable by group or others."""
    path = Path(index_dir) / generation
    path.mkdir(mode=DIR_MODE)
    return path


def open_current(index_dir: Path):
    """Open the live Whoosh index of `index_dir`; return (index, pointer).

    Raises IndexNotFoundError, IndexVersionError, IndexUnsafeError or
    IndexCorruptError.
    """
    index_dir = Path(index_dir)
    pointer = read_pointer(index_dir)
    if pointer is None:
        raise IndexNotFoundError(index_dir)
    if pointer.get("build") != BUILD_ID:
        raise IndexVersionError(index_dir, str(pointer.get("build")), BUILD_ID)
    path = index_dir / pointer["generation"]
    if path.is_symlink():  # the indexer writes into it: it must be ours, not a way out
        raise IndexCorruptError(index_dir, f"{path.name} is a symbolic link")
    try:
        ix = storage(path).open_index()
    except whoosh_index.EmptyIndexError as exc:
        raise IndexCorruptError(index_dir, f"{path.name} holds no index") from exc
    except (OSError, EOFError, ValueError, KeyError) as exc:
        raise IndexCorruptError(index_dir, f"{path.name}: {exc}") from exc
    return ix, pointer


def last_updated(ix) -> dt.datetime:
    """Return when the index was last committed, in UTC."""
    return dt.datetime.fromtimestamp(ix.last_modified(), dt.UTC)


def index_size(index_dir: Path, generation: str) -> int:
    """Return the bytes on disk of one generation."""
    path = Path(index_dir) / generation
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


@contextmanager
def writer_lock(index_dir: Path):
    """Hold the index's write lock; raise IndexLockedError if another holds it.

    flock is released by the kernel when the holder dies, so a killed
    indexer never leaves a stale lock behind. While it is held the umask
    takes group and other write away, so nothing the indexer writes (Whoosh's
    temporary files and job pickles included, and `index_dir`'s parents)
    has them. Raises IndexUnsafeError when `index_dir` or its parent exists
    with them, or `.lock` is a symbolic link.
    """
    index_dir = Path(index_dir)
    umask = os.umask(0o022)
    os.umask(umask | 0o022)
    try:
        index_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        check_trusted(os.stat(index_dir), index_dir, index_dir)
        check_parent(index_dir)
        fd = _open_lock(index_dir)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise IndexLockedError(index_dir) from exc
            yield
        finally:
            os.close(fd)
    finally:
        os.umask(umask)


def _open_lock(index_dir: Path) -> int:
    """Open (creating) the lock file, refusing to follow a link planted there."""
    path = index_dir / LOCK
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        raise IndexUnsafeError(
            index_dir, path, "is a symbolic link", f"remove it: `rm {shlex.quote(str(path))}`"
        ) from exc
