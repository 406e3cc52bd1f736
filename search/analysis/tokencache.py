"""janome's output for the comments a generation holds, kept beside it: rebuilds without janome.

janome is most of what a build costs. Its output for a piece of text
(each token's surface, part of speech, base form and reading) depends only
on the text, janome's version and dictionary, and the normalization that
ran before it, so it is kept per generation in `janome-cache.sqlite`,
inside the generation's directory:

- a full build reads the previous generation's cache and writes its own,
  holding exactly the texts it tokenized: a new stop list, folding rule,
  view or schema rebuilds the archive without running janome, and entries
  no longer referenced go with the old generation;
- an incremental run reads and extends the current generation's cache;
- the key is a hash of the text; a namespace row holds the versions, and a
  cache of other versions is not read;
- every entry carries a CRC: a damaged entry or file costs a warning and a
  janome run, never a wrong token.

The format is SQLite (one table of key, CRC, zlib-compressed tokens), not
Whoosh's. Parallel builds fork their workers; each process opens its own
connection and writes its new entries in batches, the last one when the
process ends (`multiprocessing.util.Finalize`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import zlib
from contextlib import closing
from multiprocessing import util
from pathlib import Path

log = logging.getLogger("search.tokencache")  # the name build logs have always shown

FILE = "janome-cache.sqlite"
BATCH = 500  # new entries written per transaction
_SEP, _END = "\x1f", "\x1e"  # between a token's fields, and after each token (neither survives normalization)


def namespace() -> str:
    """What janome's output depends on besides the text: its version, its dictionary, our normalization."""
    from janome.version import JANOME_VERSION

    from .normalize import NORMALIZATION_VERSION

    return f"janome {JANOME_VERSION}; ipadic; normalization {NORMALIZATION_VERSION}"


class TokenCache:
    """Tokens by text, read from `source` (a cache file, or None) and written to `target`.

    `source` and `target` are the same file for an incremental run; a full
    build reads the last generation's and writes its own. Every text looked
    up, found or not, ends in `target`.
    """

    def __init__(self, target: Path, source: Path | None = None, read: bool = True):
        self.target = Path(target)
        self.source = Path(source) if source is not None and read else None
        self.namespace = namespace()
        self.hits = self.misses = self.damaged = 0
        self._pid = None
        self.disabled = False
        try:
            self._init_target()
        except (sqlite3.Error, OSError) as exc:  # a full disk, say: the build goes on without the cache
            self._disable(exc)

    def _disable(self, exc) -> None:
        log.warning("cannot keep janome's output in %s (%s); going on without it", self.target, exc)
        self.disabled = True

    # -- files ---------------------------------------------------------------

    def _init_target(self) -> None:
        """Create `target` (or start it again when unreadable or of another namespace)."""
        try:
            with closing(_connect(self.target)) as db, db:
                _schema(db)
                found = db.execute("SELECT value FROM meta WHERE name = 'namespace'").fetchone()
                if found is not None and found[0] == self.namespace:
                    return  # damaged entries are caught one by one, by their CRC
                if found is not None:
                    log.info("janome cache %s is of %s; starting it again", self.target, found[0])
        except sqlite3.DatabaseError as exc:
            log.warning("janome cache %s cannot be read (%s); starting it again", self.target, exc)
        self.target.unlink(missing_ok=True)
        with closing(_connect(self.target)) as db, db:
            _schema(db)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('namespace', ?)", (self.namespace,))
        os.chmod(self.target, 0o644)  # like every index file: readers trust it, so no one else writes it

    def _open(self) -> bool:
        """This process's connections (a forked worker opens its own); False when the cache is off."""
        if self.disabled:
            return False
        if self._pid == os.getpid():
            return True
        try:
            self._writer = _connect(self.target)
        except sqlite3.Error as exc:
            self._disable(exc)
            return False
        self._pid = os.getpid()
        self._reader = self._writer
        if self.source is not None and self.source != self.target:
            self._reader = _open_source(self.source, self.namespace)
        self._pending: list[tuple] = []
        self._seen: set[bytes] = set()
        util.Finalize(self, self.flush, exitpriority=10)  # also at the end of a forked worker
        return True

    # -- tokens ----------------------------------------------------------------

    def get(self, text: str) -> list[tuple] | None:
        """The tokens stored for `text`, or None; the entry is kept for `target` either way."""
        if not self._open():
            return None
        key = _key(text)
        tokens = None
        if self._reader is not None:
            try:
                row = self._reader.execute("SELECT crc, data FROM tokens WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error as exc:
                log.warning("janome cache %s cannot be read (%s); going on without it", self.source, exc)
                self._reader = None
                row = None
            if row is not None:
                tokens = _decode(row[1]) if zlib.crc32(row[1]) == row[0] else None
                if tokens is None:
                    self.damaged += 1
                    if self.damaged == 1:
                        log.warning("janome cache %s holds a damaged entry; it is tokenized again", self.source)
        if tokens is None:
            self.misses += 1
        else:
            self.hits += 1
            if self._reader is not self._writer:
                self._keep(key, row[1])
        return tokens

    def put(self, text: str, tokens: list[tuple]) -> None:
        """Store what janome made of `text` (unless a field holds a separator: then it is not kept)."""
        if not self._open():
            return
        if any(_SEP in field or _END in field for token in tokens for field in token):
            return
        self._keep(_key(text), _encode(tokens))

    def _keep(self, key: bytes, data: bytes) -> None:
        if key in self._seen:
            return
        self._seen.add(key)
        self._pending.append((key, zlib.crc32(data), data))
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the pending entries of this process."""
        if self.disabled or self._pid != os.getpid() or not self._pending:
            return
        pending, self._pending = self._pending, []
        try:
            with self._writer:
                self._writer.executemany("INSERT OR REPLACE INTO tokens VALUES (?, ?, ?)", pending)
        except sqlite3.Error as exc:
            self._disable(exc)

    def close(self) -> None:
        """Write what is pending and fold the write-ahead log into the file."""
        self.flush()
        if self._pid == os.getpid():
            try:
                self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                log.warning("cannot write the janome cache %s: %s", self.target, exc)
            self._writer.close()
            if self._reader is not None and self._reader is not self._writer:
                self._reader.close()
            self._pid = None


def cache_bytes(directory: Path) -> int:
    """The size of the janome cache in a generation directory (0 when there is none)."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        try:
            total += (Path(directory) / (FILE + suffix)).stat().st_size
        except OSError:
            pass
    return total


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=60, isolation_level="DEFERRED", check_same_thread=False)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def _schema(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
    db.execute("CREATE TABLE IF NOT EXISTS tokens (key BLOB PRIMARY KEY, crc INTEGER, data BLOB) WITHOUT ROWID")


def _intact(db: sqlite3.Connection) -> bool:
    return db.execute("PRAGMA quick_check").fetchone()[0] == "ok"


def _open_source(path: Path, expected: str) -> sqlite3.Connection | None:
    """The last generation's cache, read-only, when it is intact and of this namespace; else None."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60, check_same_thread=False)
        found = db.execute("SELECT value FROM meta WHERE name = 'namespace'").fetchone()
        if found is None or found[0] != expected:
            log.info("janome cache %s is of %s; not read", path, found[0] if found else "no version")
            return None
        if not _intact(db):
            log.warning("janome cache %s is damaged; not read", path)
            return None
        return db
    except sqlite3.DatabaseError as exc:
        log.warning("janome cache %s cannot be read (%s); not read", path, exc)
        return None


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _encode(tokens: list[tuple]) -> bytes:
    """Tokens as compressed text: surface, part of speech, base form ("" when the surface), reading."""
    return zlib.compress(
        "".join(f"{s}{_SEP}{p}{_SEP}{'' if b == s else b}{_SEP}{r}{_END}" for s, p, b, r in tokens).encode(
            "utf-8", "surrogatepass"
        ),
        1,
    )


def _decode(data: bytes) -> list[tuple] | None:
    try:
        text = zlib.decompress(data).decode("utf-8", "surrogatepass")
    except (zlib.error, UnicodeDecodeError):
        return None
    tokens = []
    for item in text.split(_END)[:-1]:
        fields = item.split(_SEP)
        if len(fields) != 4:
            return None
        surface, pos, base, reading = fields
        tokens.append((surface, pos, base or surface, reading))
    return tokens
