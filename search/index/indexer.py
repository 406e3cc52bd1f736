"""Build and update the index: one `IndexRun` per call of `update_index`.

`update_index` is incremental by default: it hashes every post file and
compares the hashes with the manifest stored in the index itself (see
`manifest`), so only new and changed posts are parsed and tokenized. A
first build, or `rebuild=True`, writes a fresh generation and swaps it in
only when it is complete.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.fields import Schema

from ..analysis import words
from ..analysis.tokencache import FILE as TOKEN_FILE
from ..analysis.tokencache import TokenCache
from ..analysis.words import get_janome
from ..errors import IndexCorruptError, IndexVersionError, IndexWriteError, StrictModeError
from ..ingest import hugo
from ..records import ParseWarning, Post
from . import store
from .files import fsync_tree
from .manifest import PendingPost, commit_state, read_manifest, scan_site
from .merge import merge_tiers
from .schema import BUILD_ID, iter_documents, make_schema, to_manifest_document
from .statcache import StatCache, hash_bytes

# Below this many changed posts one process is faster than starting workers.
PARALLEL_THRESHOLD = 40
WRITER_LIMIT_MB = 256

Progress = Callable[[int, int, int], None]  # (posts done, posts, comments so far)


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
class IndexOptions:
    """How one run indexes: `update_index`'s keyword arguments, defaults filled in."""

    rebuild: bool = False
    jobs: int = 1
    include_drafts: bool = False
    strict: bool = False
    progress: Progress | None = None
    janome_cache: bool = True
    schema: Callable[[], Schema] = make_schema  # the schema of a new generation
    documents: Callable[[Post], Iterable[dict]] = iter_documents  # a post's documents


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
    schema: Callable[[], Schema] | None = None,
    documents: Callable[[Post], Iterable[dict]] | None = None,
) -> IndexReport:
    """Bring the index in `index_dir` up to date with the posts of `site`.

    janome's output is kept in each generation (`tokencache`) and read back
    by later runs; `janome_cache=False` tokenizes everything again (and
    still keeps the output for the next run). `schema` builds the schema of
    a new generation (default: `schema.make_schema`) and `documents` turns
    a post into its documents (default: `schema.iter_documents`): a
    benchmark builds with fewer fields through them.

    `site` is a `hugo.Site`. Raises IndexLockedError when another indexer
    runs, IndexVersionError when the index needs `rebuild=True`,
    IndexUnsafeError when the directory could be written by others (see
    files), and StrictModeError (leaving the index untouched) when `strict`
    and any post produced a warning.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    options = IndexOptions(
        rebuild=rebuild,
        jobs=jobs or os.cpu_count() or 1,
        include_drafts=include_drafts,
        strict=strict,
        progress=progress,
        janome_cache=janome_cache,
        schema=schema or make_schema,
        documents=documents or iter_documents,
    )
    try:
        report = IndexRun(site, index_dir, options).run()
    except OSError as exc:
        raise IndexWriteError(index_dir, exc.strerror or str(exc)) from exc
    report.seconds = time.perf_counter() - started
    return report


class IndexRun:
    """One run of the indexer over `site` into `index_dir`; its steps are the methods.

    What the steps share lives here: the options, the report being built,
    the stat cache, and while writing the Whoosh writer and janome's token
    cache. Use it once: `run()` returns the report.
    """

    def __init__(self, site, index_dir: Path, options: IndexOptions):
        self.site = site
        self.index_dir = index_dir
        self.options = options
        self.report = IndexReport()
        self.stat_cache: StatCache | None = None  # read under the lock
        self.tokens: TokenCache | None = None
        self.writer = None

    def run(self) -> IndexReport:
        """Under the write lock, rebuild or update the index as its pointer requires."""
        site, options = self.site, self.options
        with store.writer_lock(self.index_dir):
            pointer = self._read_pointer()
            if pointer is not None and not options.rebuild and pointer.get("build") != BUILD_ID:
                raise IndexVersionError(self.index_dir, str(pointer.get("build")), BUILD_ID)
            moved = pointer is not None and pointer.get("base_url", site.base_url) != site.base_url
            if pointer is None or options.rebuild or moved:
                self._full_build(pointer)
                if moved and not options.rebuild:
                    self.report.note = (
                        f"base URL changed from {pointer['base_url']} to {site.base_url}: every post was indexed again"
                    )
            else:
                self._incremental()
                if "base_url" not in pointer:  # an index from before base URLs were recorded
                    store.write_pointer(self.index_dir, pointer["generation"], base_url=site.base_url)
        return self.report

    def _read_pointer(self) -> dict | None:
        """The current pointer; a damaged one stops every run but the rebuild that replaces it."""
        try:
            return store.read_pointer(self.index_dir)
        except IndexCorruptError:
            if not self.options.rebuild:
                raise
            return None

    def _full_build(self, pointer: dict | None) -> None:
        """Write every post into a new generation and point CURRENT at it once it is complete."""
        index_dir, report = self.index_dir, self.report
        report.rebuilt = True
        previous = pointer["generation"] if pointer else None
        # Half-built generations of crashed runs are garbage: we hold the lock.
        store.prune_generations(index_dir, keep={previous} if previous else set())
        generation = store.next_generation(index_dir)
        path = store.make_generation(index_dir, generation)
        try:
            ix = store.storage(path).create_index(self.options.schema())
            pending = scan_site(self.site, {}, self.options.include_drafts).pending
            self.writer = self._open_writer(ix, len(pending))
            self.stat_cache = StatCache(index_dir)
            # janome's output of the last generation serves; this one keeps what it used.
            self.tokens = TokenCache(
                path / TOKEN_FILE,
                index_dir / previous / TOKEN_FILE if previous else None,
                read=self.options.janome_cache,
            )
            self._apply(pending, [])
            fsync_tree(path)
            # Every stored post URL is built from the base URL: a run with another
            # one must rebuild, though no post file changed (see run).
            store.write_pointer(index_dir, generation, base_url=self.site.base_url)
        except BaseException:
            store.prune_generations(index_dir, keep={previous} if previous else set())
            raise
        store.prune_generations(index_dir, keep={generation, previous} - {None})
        complete = report.added == len(pending)
        self.stat_cache.save(commit_state(ix, generation, self.options.include_drafts) if complete else None)
        report.generation = generation

    def _incremental(self) -> None:
        """Write the posts added, changed or deleted since the manifest into the current generation."""
        ix, pointer = store.open_current(self.index_dir)
        generation = pointer["generation"]
        store.prune_stale(self.index_dir, generation)
        report, include_drafts = self.report, self.options.include_drafts
        report.generation = generation
        self.stat_cache = StatCache(self.index_dir)
        if self._vouched_unchanged(ix, generation):
            return
        manifest = self._read_manifest(ix)
        scan = scan_site(self.site, manifest, include_drafts, self.stat_cache)
        pending, report.unchanged = scan.pending, scan.unchanged
        deleted = sorted(set(manifest) - scan.seen)
        if not pending and not deleted:
            self.stat_cache.save(commit_state(ix, generation, include_drafts))
            return
        self.writer = self._open_writer(ix, len(pending))
        tokens = Path(ix.storage.folder) / TOKEN_FILE
        self.tokens = TokenCache(tokens, tokens, read=self.options.janome_cache)
        self._apply(pending, deleted)
        written = report.added + report.updated
        self.stat_cache.save(commit_state(ix, generation, include_drafts) if written == len(pending) else None)

    def _vouched_unchanged(self, ix, generation: str) -> bool:
        """True (every file counted unchanged) when the stat cache vouches for this very commit and files."""
        if self.stat_cache.state != commit_state(ix, generation, self.options.include_drafts):
            return False
        files = {hugo.post_path(self.site, f): f for f in hugo.iter_post_files(self.site)}
        if not self.stat_cache.unchanged(files):
            return False
        self.report.unchanged = len(files)  # the manifest agreed with these very files
        return True

    def _read_manifest(self, ix) -> dict:
        try:
            return read_manifest(ix)
        except Exception as exc:  # a damaged segment surfaces as anything from EOFError up
            raise IndexCorruptError(self.index_dir, f"{type(exc).__name__}: {exc}") from exc

    def _open_writer(self, ix, pending: int):
        jobs = self.options.jobs
        if jobs > 1 and pending >= PARALLEL_THRESHOLD:
            # Load the dictionary before forking so the workers share its pages.
            get_janome()
            return ix.writer(procs=jobs, multisegment=True, limitmb=WRITER_LIMIT_MB)
        return ix.writer(limitmb=WRITER_LIMIT_MB)

    def _apply(self, pending: list[PendingPost], deleted: list[str]) -> None:
        """Write every change into the writer and commit, or cancel on any failure.

        janome's output goes through `self.tokens`, closed once the commit
        is done: the forked workers have written theirs by then.
        """
        writer, report, progress = self.writer, self.report, self.options.progress
        try:
            with words.token_cache(self.tokens):
                try:
                    for path in deleted:
                        writer.delete_by_term("post_path", path)
                    report.deleted = len(deleted)
                    for done, item in enumerate(pending, 1):
                        self._write_post(item)
                        if progress is not None:
                            progress(done, len(pending), report.comments)
                    if self.options.strict and report.warnings:
                        raise StrictModeError(report.warnings)
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit(mergetype=merge_tiers)
        finally:
            self.tokens.close()

    def _write_post(self, item: PendingPost) -> None:
        """Parse one pending post and replace its documents and manifest entry in the writer.

        A post that cannot be trusted at all keeps its previous version and
        stays out of the manifest's new state, so the next run retries it.
        """
        st = _stat(item.file)
        post, warnings, data = hugo.read_post(self.site, item.file)
        report, writer = self.report, self.writer
        report.warnings.extend(warnings)
        if post is None:
            return
        skip = post.draft and not self.options.include_drafts
        if not item.is_new:
            writer.delete_by_term("post_path", item.path)
        if skip:
            report.drafts += 1
        else:
            for doc in self.options.documents(post):
                writer.add_document(**doc)
            report.comments += len(post.quotes)
        digest = hash_bytes(data)
        self.stat_cache.remember(item.path, st, digest)
        writer.add_document(
            **to_manifest_document(
                item.path, digest, 0 if skip else len(post.quotes), draft=post.draft, draft_skipped=skip, tags=post.tags
            )
        )
        if item.is_new:
            report.added += 1
        else:
            report.updated += 1


def _stat(file: Path):
    try:
        return file.stat()
    except OSError:
        return None
