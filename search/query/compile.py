"""`ParsedQuery` -> one Whoosh query (`compile_query`), with what to highlight and an explanation.

Each clause becomes its words' query (`phrases`), ORed with the word's
secondary views (`alternatives`) and its other-script forms (`bridges`);
the groups are ANDed, the negated clauses subtracted. A run of words that
must stay adjacent becomes a phrase, and a sloppy phrase over all of them
ranks comments where they are close higher.

The work a query asks for is bounded whatever its length: a repeated word
counts once (`機械 機械`, `機械機械機械`), and the query keeps at most
MAX_CLAUSES clauses, MAX_CLAUSE_WORDS words a clause and MAX_PHRASE_WORDS
words a phrase, the rest ignored with a note.
"""

from __future__ import annotations

from dataclasses import replace

from whoosh import query as wq

from ..analysis.normalize import is_kana, normalize, to_katakana
from ..analysis.tokenizer import JapaneseAnalyzer
from ..index.schema import tag_term
from ..records import ClauseExplain
from .alternatives import word_views
from .bridges import bridge_queries, loan_spans
from .compiled import VIEWS, CompiledQuery, Vocabulary, known_views, note_cut
from .parse import Clause, parse
from .phrases import analyze_words, any_of, collapse, joins_query, phrase_query, runs_of, runs_query, within_limits

# Clauses a query keeps. A reader's query is a few words; ten leave room for
# OR alternatives and filters, while every clause is one more posting list
# (and its views) that each candidate comment must be checked against.
MAX_CLAUSES = 10


def _account(compiled, clause: Clause, tokens, runs: int) -> None:
    """Remember a positive body clause's terms for highlighting and proximity."""
    if clause.field == "body" and not clause.negated:
        compiled.highlight_terms.update(t for t, _ in tokens)
        compiled.body_terms.extend(t for t, _ in tokens)
        compiled.body_runs += runs


def compile_clause(clause: Clause, analyzer, compiled, vocabulary, frequency):
    """Return one clause's query (None: nothing to search), noting in `compiled` what it read."""
    explain = ClauseExplain(clause.text, clause.field, clause.negated)
    compiled.explain.append(explain)
    if clause.field == "user":
        return wq.Term("user", clause.text)
    if clause.field == "tags":
        return wq.Term("tags", tag_term(clause.text))
    analyzed = collapse(analyze_words(clause.text, analyzer))
    tokens = within_limits(analyzed, clause.phrase)
    cut = len(tokens) < len(analyzed)
    runs = runs_of(tokens)
    explain.tokens = [t for t, _ in tokens]
    explain.groups = runs
    body = clause.field == "body"
    # The word's own views before its bridges: they share the query's allowance of longer words.
    views = word_views(clause, tokens, vocabulary, frequency, explain, compiled) if body and not clause.phrase else []
    bridges = (
        bridge_queries(
            clause.text,
            explain.tokens,
            vocabulary,
            frequency,
            analyzer,
            explain,
            compiled,
            clause.negated,
            compile_clause,
        )
        if body
        else []
    )
    if clause.phrase:
        if cut:
            note_cut(compiled, clause, len(tokens))
        _account(compiled, clause, tokens, 1)
        phrase = [phrase_query(clause.field, tokens)] if tokens else []
        return any_of(phrase + bridges)
    alternatives = []
    # janome shreds a kana reading it does not know into junk words; when the
    # reading view understood it, trust that instead.
    if tokens and not (explain.readings is not None and len(tokens) > 1):
        if cut:
            note_cut(compiled, clause, len(tokens))
        alternatives.append(runs_query(clause.field, runs, vocabulary.synonyms, explain, compiled))
        _account(compiled, clause, tokens, len(runs))
        alternatives.extend(joins_query(clause, tokens, frequency, explain, compiled))
    alternatives.extend(bridges)
    alternatives.extend(views)
    if not alternatives:
        compiled.notes.append(f"'{clause.text}' has no searchable words and was ignored")
    return any_of(alternatives)


def _unrepeated(clause: Clause, analyzer, readings) -> Clause:
    """The clause for the text it repeats: `機械機械機械` is `機械`.

    Only when the analyzer agrees: `機械学習機械学習` is `機械学習` twice,
    but `www` is one word, not `w` three times; and not when the whole is a
    reading the index holds (`こうこう` is `高校`, not `こう` twice).
    """
    if clause.field in ("user", "tags"):
        return clause
    text = clause.text
    if is_kana(text) and to_katakana(normalize(text)[0]) in readings:
        return clause
    period = (text + text).find(text, 1)  # the shortest period, len(text) if none
    if period == len(text):
        return clause
    unit = text[:period]
    words = [t for t, _ in analyze_words(text, analyzer)]
    if not words or words != [t for t, _ in analyze_words(unit, analyzer)] * (len(text) // period):
        return clause
    return replace(clause, text=unit)


def _distinct(groups: list[list[Clause]], analyzer, readings) -> list[list[Clause]]:
    """The groups with repeated clauses, and then repeated groups, left out."""
    unrepeated: dict[Clause, Clause] = {}
    kept: list[list[Clause]] = []
    seen: set[frozenset[Clause]] = set()
    for group in groups:
        for clause in group:
            if clause not in unrepeated:
                unrepeated[clause] = _unrepeated(clause, analyzer, readings)
        clauses = list(dict.fromkeys(unrepeated[c] for c in group))
        if frozenset(clauses) not in seen:
            seen.add(frozenset(clauses))
            kept.append(clauses)
    return kept


def _first_clauses(groups: list[list[Clause]], notes: list[str]) -> list[list[Clause]]:
    """The groups holding the first MAX_CLAUSES clauses, with a note when cut."""
    if sum(map(len, groups)) <= MAX_CLAUSES:
        return groups
    notes.append(f"query cut to its first {MAX_CLAUSES} words; the rest was ignored")
    kept, room = [], MAX_CLAUSES
    for group in groups:
        if not room:
            break
        kept.append(group[:room])
        room -= len(kept[-1])
    return kept


def compile_query(
    text: str, readings=frozenset(), synonyms=None, frequency=None, superterms=None, loanwords=None, views=VIEWS
) -> CompiledQuery:
    """Turn a query string into a Whoosh query (None: match everything).

    `readings` is the index's set of reading terms (for kana queries);
    `synonyms` a `Synonyms` table for query-time expansion;
    `frequency(term, fieldname="body")` the number of comments holding a
    term (None: always add n-grams); `superterms` the index's `Superterms`,
    the longer words searched for a common word instead of its n-grams;
    `loanwords` the English ⇄ katakana `Loanwords` table (None: no bridges);
    `views` the secondary views a word may get (a subset of VIEWS).
    """
    vocabulary = Vocabulary(readings, synonyms, superterms, loanwords, known_views(views))
    parsed = parse(text)
    analyzer = JapaneseAnalyzer()
    compiled = CompiledQuery(None, set(), [], list(parsed.notes))
    negative: list[wq.Query] = []
    groups = _first_clauses(_distinct(parsed.groups, analyzer, vocabulary.readings), compiled.notes)
    each: list[wq.Query | None] = []
    for group in groups:
        subqueries = []
        for clause in group:
            q = compile_clause(clause, analyzer, compiled, vocabulary, frequency)
            if q is None:
                continue
            (negative if clause.negated else subqueries).append(q)
        each.append(any_of(subqueries))
    positive: list[wq.Query] = []
    spans = loan_spans(groups, vocabulary.loanwords)
    i = 0
    while i < len(each):
        end, words = spans.get(i, (i + 1, None))
        typed = [q for q in each[i:end] if q is not None]
        if words is not None:
            explain = ClauseExplain(words, "body", False)
            compiled.explain.append(explain)
            bridges = bridge_queries(
                words,
                words.lower().split(),
                vocabulary,
                frequency,
                analyzer,
                explain,
                compiled,
                negated=False,
                compile_clause=compile_clause,
            )
            typed = [any_of([wq.And(typed) if len(typed) > 1 else typed[0]] + bridges)] if typed else bridges
        positive.extend(typed)
        i = end
    if positive:
        compiled.query = positive[0] if len(positive) == 1 else wq.And(positive)
        if compiled.body_runs > 1:
            compiled.proximity_terms = list(compiled.body_terms)
    if negative:
        # Only comments: the manifest documents must never surface as results.
        base = compiled.query if compiled.query is not None else wq.Term("kind", "quote")
        compiled.query = wq.AndNot(base, wq.Or(negative))
    return compiled
