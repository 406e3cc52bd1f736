"""Build and update the index: scan, diff against the manifest, write, commit, swap.

`update_index` is incremental by default: it hashes every post file and
compares the hashes with the manifest stored in the index itself, so only new
and changed posts are parsed and tokenized. A first build, or `rebuild=True`,
writes a fresh generation and swaps it in only when it is complete.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..analysis import words
from ..ingest import hugo
from . import store
from ..analysis.words import get_janome
from ..errors import IndexCorruptError, IndexVersionError, IndexWriteError, StrictModeError
from .merge import merge_tiers
from ..records import ParseWarning
from .schema import BUILD_ID, KIND_POST, iter_documents, make_schema, to_manifest_document
from ..ingest.statcache import StatCache, hash_bytes
from ..analysis.tokencache import FILE as TOKEN_FILE
from ..analysis.tokencache import TokenCache

# Below this many changed posts one process is faster than starting workers.
PARALLEL_THRESHOLD = 40
WRITER_LIMIT_MB = 256


@dataclass
class IndexReport:
    """What one indexer run did; the CLI prints it as one summary line."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    drafts: int = 0
    comments: int = 0
    warnings: list[ParseWarning] = field(default_factory=list)
    seconds: float = 0.0
    rebuilt: bool = False
    generation: str = ""
    note: str = ""  # why the run did more than asked, for the user

    @property
    def changed(self) -> bool:
        """True when the run committed anything."""
        return bool(self.added or self.updated or self.deleted or self.rebuilt)

    def summary(self) -> str:
        """Return the one-line human summary of the run."""
        return (
            f"posts: {self.added} added, {self.updated} updated, {self.deleted} deleted, "
            f"{self.unchanged} unchanged; {self.comments} comments indexed; "
            f"{len(self.warnings)} warnings; {self.seconds:.1f}s"
        )


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


Progress = Callable[[int, int, int], None]  # (posts done, posts, comments so far)


def read_manifest(ix) -> dict[str, ManifestEntry]:
    """Return the manifest (post path -> entry) stored in an open index."""
    manifest = {}
    with ix.searcher() as searcher:
        for doc in searcher.documents(kind=KIND_POST):
            manifest[doc["post_path"]] = ManifestEntry(
                doc["post_hash"], bool(doc.get("draft_skipped")), bool(doc.get("draft"))
            )
    return manifest


def _stat(file: Path):
    try:
        return file.stat()
    except OSError:
        return None


def _hash_file(file: Path) -> str | None:
    try:
        return hash_bytes(file.read_bytes())
    except OSError:
        return None  # read_post reports the error when it retries


def scan_site(site, manifest, include_drafts: bool, cache: StatCache | None = None):
    """Split the site's post files into pending (new/changed) and unchanged.

    Returns (pending, unchanged_count, seen_paths). Files whose size and
    mtime match the stat cache are not even read; the rest are hashed.
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
    return pending, unchanged, seen


def update_index(
    site,
    index_dir,
    *,
    rebuild: bool = False,
    jobs: int | None = None,
    include_drafts: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
    janome_cache: bool = True,
) -> IndexReport:
    """Bring the index in `index_dir` up to date with the posts of `site`.

    janome's output is kept in each generation (`tokencache`) and read back
    by later runs; `janome_cache=False` tokenizes everything again (and
    still keeps the output for the next run).

    `site` is a `hugo.Site`. Raises IndexLockedError when another indexer
    runs, IndexVersionError when the index needs `rebuild=True`,
    IndexUnsafeError when the directory could be written by others (see
    store), and StrictModeError (leaving the index untouched) when `strict`
    and any post produced a warning.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    jobs = jobs or os.cpu_count() or 1
    try:
        report = _update(site, index_dir, rebuild, jobs, include_drafts, strict, progress, janome_cache)
    except OSError as exc:
        raise IndexWriteError(index_dir, exc.strerror or str(exc)) from exc
    report.seconds = time.perf_counter() - started
    return report


def _update(site, index_dir, rebuild, jobs, include_drafts, strict, progress, janome_cache) -> IndexReport:
    with store.writer_lock(index_dir):
        pointer = _read_pointer(index_dir, rebuild)
        if pointer is not None and not rebuild and pointer.get("build") != BUILD_ID:
            raise IndexVersionError(index_dir, str(pointer.get("build")), BUILD_ID)
        moved = pointer is not None and pointer.get("base_url", site.base_url) != site.base_url
        if pointer is None or rebuild or moved:
            report = _full_build(site, index_dir, pointer, jobs, include_drafts, strict, progress, janome_cache)
            if moved and not rebuild:
                report.note = (f"base URL changed from {pointer['base_url']} to {site.base_url}: "
                               "every post was indexed again")
        else:
            report = _incremental(site, index_dir, jobs, include_drafts, strict, progress, janome_cache)
            if "base_url" not in pointer:  # an index from before base URLs were recorded
                store.write_pointer(index_dir, pointer["generation"], base_url=site.base_url)
    return report


def _read_pointer(index_dir, rebuild: bool) -> dict | None:
    """The current pointer; a damaged one stops every run but the rebuild that replaces it."""
    try:
        return store.read_pointer(index_dir)
    except IndexCorruptError:
        if not rebuild:
            raise
        return None


def _full_build(site, index_dir, pointer, jobs, include_drafts, strict, progress, janome_cache) -> IndexReport:
    report = IndexReport(rebuilt=True)
    previous = pointer["generation"] if pointer else None
    # Half-built generations of crashed runs are garbage: we hold the lock.
    store.prune_generations(index_dir, keep={previous} if previous else set())
    generation = store.next_generation(index_dir)
    path = store.make_generation(index_dir, generation)
    try:
        ix = store.storage(path).create_index(make_schema())
        pending, _, _ = scan_site(site, {}, include_drafts)
        writer = _open_writer(ix, len(pending), jobs)
        cache = StatCache(index_dir)
        # janome's output of the last generation serves; this one keeps what it used.
        tokens = TokenCache(path / TOKEN_FILE, index_dir / previous / TOKEN_FILE if previous else None,
                            read=janome_cache)
        _apply(writer, site, pending, [], include_drafts, strict, report, progress, cache, tokens)
        store.fsync_tree(path)
        # Every stored post URL is built from the base URL: a run with another
        # one must rebuild, though no post file changed (see _update).
        store.write_pointer(index_dir, generation, base_url=site.base_url)
    except BaseException:
        store.prune_generations(index_dir, keep={previous} if previous else set())
        raise
    store.prune_generations(index_dir, keep={generation, previous} - {None})
    complete = report.added == len(pending)
    cache.save(_state(ix, {"generation": generation}, include_drafts) if complete else None)
    report.generation = generation
    return report


def _incremental(site, index_dir, jobs, include_drafts, strict, progress, janome_cache) -> IndexReport:
    ix, pointer = store.open_current(index_dir)
    store.prune_stale(index_dir, pointer["generation"])
    report = IndexReport(generation=pointer["generation"])
    cache = StatCache(index_dir)
    if cache.state == _state(ix, pointer, include_drafts):
        files = {hugo.post_path(site, f): f for f in hugo.iter_post_files(site)}
        if cache.unchanged(files):  # the manifest agreed with these very files
            report.unchanged = len(files)
            return report
    try:
        manifest = read_manifest(ix)
    except Exception as exc:  # a damaged segment surfaces as anything from EOFError up
        raise IndexCorruptError(index_dir, f"{type(exc).__name__}: {exc}") from exc
    pending, report.unchanged, seen = scan_site(site, manifest, include_drafts, cache)
    deleted = sorted(set(manifest) - seen)
    if not pending and not deleted:
        cache.save(_state(ix, pointer, include_drafts))
        return report
    writer = _open_writer(ix, len(pending), jobs)
    tokens = TokenCache(Path(ix.storage.folder) / TOKEN_FILE, Path(ix.storage.folder) / TOKEN_FILE,
                        read=janome_cache)
    _apply(writer, site, pending, deleted, include_drafts, strict, report, progress, cache, tokens)
    written = report.added + report.updated
    cache.save(_state(ix, pointer, include_drafts) if written == len(pending) else None)
    return report


def _state(ix, pointer, include_drafts: bool) -> dict:
    """The index commit a stat cache can vouch for (see statcache).

    The size and mtime of every index file are part of it: a file damaged
    or replaced since makes the next run read the manifest, and so report
    the damage, instead of taking the no-op shortcut.
    """
    files = sorted(
        [e.name, st.st_size, st.st_mtime_ns]
        for e in os.scandir(ix.storage.folder) if e.is_file() and (st := e.stat())
    )
    return {"generation": pointer["generation"], "commit": ix.latest_generation(),
            "include_drafts": include_drafts, "files": files}


def _open_writer(ix, pending: int, jobs: int):
    if jobs > 1 and pending >= PARALLEL_THRESHOLD:
        # Load the dictionary before forking so the workers share its pages.
        get_janome()
        return ix.writer(procs=jobs, multisegment=True, limitmb=WRITER_LIMIT_MB)
    return ix.writer(limitmb=WRITER_LIMIT_MB)


def _apply(writer, site, pending, deleted, include_drafts, strict, report, progress, cache, tokens):
    """Write every change into `writer` and commit, or cancel on any failure.

    janome's output goes through `tokens` (a `TokenCache`), closed once the
    commit is done: the forked workers have written theirs by then.
    """
    try:
        with words.token_cache(tokens):
            try:
                for path in deleted:
                    writer.delete_by_term("post_path", path)
                report.deleted = len(deleted)
                _write_posts(writer, site, pending, include_drafts, report, progress, cache)
                if strict and report.warnings:
                    raise StrictModeError(report.warnings)
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=merge_tiers)
    finally:
        tokens.close()


def _write_posts(writer, site, pending, include_drafts, report, progress, cache):
    """Parse each pending post and replace its documents in the writer."""
    for done, item in enumerate(pending, 1):
        st = _stat(item.file)
        post, warnings, data = hugo.read_post(site, item.file)
        report.warnings.extend(warnings)
        if post is not None:
            skip = post.draft and not include_drafts
            if not item.is_new:
                writer.delete_by_term("post_path", item.path)
            if skip:
                report.drafts += 1
            else:
                for doc in iter_documents(post):
                    writer.add_document(**doc)
                report.comments += len(post.quotes)
            count = 0 if skip else len(post.quotes)
            digest = hash_bytes(data)
            cache.remember(item.path, st, digest)
            writer.add_document(
                **to_manifest_document(
                    item.path, digest, count, draft=post.draft, draft_skipped=skip,
                    tags=post.tags,
                )
            )
            if item.is_new:
                report.added += 1
            else:
                report.updated += 1
        # A post that cannot be trusted at all keeps its previous version and
        # stays out of the manifest's new state, so the next run retries it.
        if progress is not None:
            progress(done, len(pending), report.comments)
