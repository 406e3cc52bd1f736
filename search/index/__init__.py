"""Records -> the Whoosh index on disk: schema, generations, the indexer, the watcher.

Enters: the `Post` records of `search.ingest`. Leaves: an index directory
that readers open (`store.open_current`). `schema` maps records to
documents of every view's fields, `store` lays out generations, the
`CURRENT` pointer and the writer lock, `files` checks who may write them
and writes files safely, `manifest` diffs the site against the manifest (`statcache` remembers
files' hashes by size and mtime, so a no-op run reads nothing),
`indexer` writes only what changed (`update_index`), `merge` bounds the
segments a commit leaves, `progress` reports a long build, and `watch`
keeps the index following the site while a server runs.
"""
