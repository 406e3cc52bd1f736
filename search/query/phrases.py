"""A clause's words -> the term, phrase or compound queries that must match them.

A run of words that the analyzer finds adjacent in the query (`機械学習` ->
`機械` `学習`) must stay adjacent in the comment: it becomes a phrase, or one
term of the compound view. Runs separated by particles or spaces
(`機械学習の数学`) are separate AND terms.
"""

from __future__ import annotations

from whoosh import query as wq

from ..records import ClauseExplain
from ..views import MAX_PHRASE_WORDS
from ..views.compound import compound_query, covers, joins
from .parse import Clause

# Words one clause keeps after analysis: an unspaced sentence of content
# words (`機械学習で使う線形代数の本を探す`) has about eight.
MAX_CLAUSE_WORDS = 16


def analyze_words(text: str, analyzer) -> list[tuple[str, int]]:
    return [(t.text, t.pos) for t in analyzer(text, positions=True, mode="query")]


def collapse(tokens: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Drop each word that repeats the word just before it; later positions close up."""
    kept: list[tuple[str, int]] = []
    shift = 0
    for term, pos in tokens:
        if kept and term == kept[-1][0] and pos - shift == kept[-1][1] + 1:
            shift += 1
            continue
        kept.append((term, pos - shift))
    return kept


def within_limits(tokens: list[tuple[str, int]], phrase: bool) -> list[tuple[str, int]]:
    """The longest prefix of `tokens` within MAX_CLAUSE_WORDS and MAX_PHRASE_WORDS a run."""
    run = 0
    for i, (_, pos) in enumerate(tokens):
        run = run + 1 if phrase or (i and pos == tokens[i - 1][1] + 1) else 1
        if i == MAX_CLAUSE_WORDS or run > MAX_PHRASE_WORDS:
            return tokens[:i]
    return tokens


def runs_of(tokens: list[tuple[str, int]]) -> list[list[str]]:
    """Group tokens whose positions are consecutive into runs."""
    runs: list[list[str]] = []
    last = None
    for term, pos in tokens:
        if runs and last is not None and pos == last + 1:
            runs[-1].append(term)
        else:
            runs.append([term])
        last = pos
    return runs


def sequence(fieldname: str, terms, slop: int = 1, boost: float = 1.0) -> wq.Query:
    """The query for words that must stand adjacent and in order.

    A short run of nouns is one term of the compound view, weighing as
    many words as it joins; anything else is a phrase over positions.
    """
    if len(terms) == 1:
        return wq.Term(fieldname, terms[0], boost=boost)
    if fieldname == "body" and slop == 1 and covers(terms):
        return compound_query(terms, boost)
    return wq.Phrase(fieldname, list(terms), slop=slop, boost=boost)


def phrase_query(fieldname: str, tokens) -> wq.Query:
    gaps = [b - a for (_, a), (_, b) in zip(tokens, tokens[1:])]
    return sequence(fieldname, [t for t, _ in tokens], slop=max(gaps or [1]))


def runs_query(fieldname, runs, synonyms, explain: ClauseExplain, compiled) -> wq.Query:
    parts = []
    for run in runs:
        query = sequence(fieldname, run)
        alternatives = synonyms.alternatives(run) if synonyms else ()
        if alternatives:
            if explain.synonyms is None:
                explain.synonyms = []
            explain.synonyms.extend(list(a) for a in alternatives)
            query = wq.Or([query] + [sequence(fieldname, alt) for alt in alternatives])
            if fieldname == "body":
                compiled.highlight_terms.update(t for alt in alternatives for t in alt)
        parts.append(query)
    return parts[0] if len(parts) == 1 else wq.And(parts)


def joins_query(clause: Clause, tokens, frequency, explain: ClauseExplain, compiled) -> list[wq.Query]:
    """The word as the index holds it where janome read it otherwise in context (`views.compound.joins`).

    A comment matched this way holds the very word, so it ranks as a word match.
    """
    if clause.field != "body" or frequency is None:
        return []
    found = joins(clause.text, [t for t, _ in tokens], frequency)
    if found:
        explain.joins = found
        if not clause.negated:
            compiled.highlight_terms.update(t for run in found for t in run)
    return [sequence("body", run) for run in found]


def any_of(queries: list[wq.Query]) -> wq.Query | None:
    """The queries ORed: None for none, the query itself for one."""
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else wq.Or(queries)
