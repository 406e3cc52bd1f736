"""Read the most frequent words' postings before readers ask for them.

Reading a word's postings costs about 1.5 µs per comment that holds it
(Whoosh unpickles every block), so on a fresh searcher a word found in
40,000 comments takes 60 ms, and every later query of it hits the
executor's cache. A long-running server therefore warms each new index
generation in the background, most frequent words first, the way Lucene
servers run warmers: the slow first reads happen before readers come.

Rare words are not worth it (a read of 2,000 postings costs 3 ms), and the
warmed words must leave room in the cache for the words readers ask for.
"""

from __future__ import annotations

# The views a query with words reads: words, compounds, the readings that
# kana queries (and katakana words) are looked up in, and the n-grams of the
# rare or misspelled words the n-gram view answers for (Latin bigrams such as
# `er` are in tens of thousands of comments: read cold, a typo cost 400 ms).
WARM_FIELDS = ("body", "body_compound", "body_reading", "body_ngram")
WARM_MIN_POSTINGS = 2_000  # words rarer than this are cheap to read cold
WARM_SHARE = 0.6  # of the executor's cache budget


def frequent_terms(reader, budget: int, fields=WARM_FIELDS, floor: int | None = None):
    """Return [(field, term)] by falling doc frequency, at least `floor`, within `budget` postings.

    A word that would overflow the budget is passed over for smaller ones.
    """
    floor = WARM_MIN_POSTINGS if floor is None else floor
    found = []
    for name in fields:
        if name not in reader.schema:
            continue
        for btext, info in reader.iter_field(name):
            n = info.doc_frequency()
            if n >= floor:
                found.append((n, name, btext))
    found.sort(key=lambda item: -item[0])
    picked, total = [], 0
    for n, name, btext in found:
        if total + n > budget:
            continue
        total += n
        picked.append((name, reader.schema[name].from_bytes(btext)))
    return picked
