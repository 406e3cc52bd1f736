"""A reader's query text -> one Whoosh query, what to highlight, and an explanation.

Enters: the query string, and what the index knows (its readings, its
vocabulary, the editor's synonyms and the loanword table). Leaves: a
`CompiledQuery`. `parse` reads the query language, `compile` builds the
query clause by clause from `phrases` (the words as typed),
`alternatives` (the views of `search.views`, romaji) and `bridges`
(English ⇄ katakana); `synonyms`, `loanwords` and `romaji` hold the tables
and rules they read.
"""
