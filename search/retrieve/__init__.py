"""A `SearchRequest` -> a `SearchPage`: match, score, collect, snippet, serialize.

Enters: a request and the index directory. Leaves: `SearchPage` and
`CommentContext` records, and their JSON (`serialize`), shared by the CLI,
the API and the HTML page. `service` is the one search path: `validation`
holds the rules a request must meet, `searchers` each thread's searcher on
the newest index version, `hits` turns documents into records and `stats`
reads the figures of a version. `execute` matches and scores whole posting
lists, with `terms` reading and scoring a term, `postings` one leaf's
postings, `postcache` the cache the threads of an index version share,
`merging` And and Or, and `phrase` phrases; `collect` and `group` count
facets and rank posts, `columns` reads per-document columns whole,
`snapshot` holds what one index version lets the threads share, `warmup`
reads the frequent words before readers ask, `snippets` and `suggest` build
highlights and "did you mean", and `context` reads a hit's neighbours.
"""
