"""'Did you mean': corrections built from the index's own vocabulary."""

from __future__ import annotations

from whoosh.support.levenshtein import distance

from .analysis import normalize

SUGGEST_BELOW = 3  # offer a suggestion when fewer matches than this
MIN_WORD = 3  # shorter words have too many neighbours to guess from


def best_correction(reader, term: str) -> str | None:
    """Return the most frequent indexed word within 2 edits of `term`."""
    if len(term) < MIN_WORD or reader.doc_frequency("body", term) >= SUGGEST_BELOW:
        return None
    maxdist = 1 if len(term) < 5 else 2
    best = None
    for word in reader.terms_within("body", term, maxdist, prefix=1):
        if word == term:
            continue
        key = (distance(word, term), -reader.doc_frequency("body", word))
        if best is None or key < best[0]:
            best = (key, word)
    return best[1] if best else None


def suggest(searcher, query: str, terms) -> str | None:
    """Return `query` with its unknown or rare words corrected, or None."""
    reader = searcher.reader()
    text = normalize(query)[0].lower()
    changed = False
    for term in dict.fromkeys(terms):
        better = best_correction(reader, term)
        if better and term in text:
            text = text.replace(term, better)
            changed = True
    return text if changed else None
