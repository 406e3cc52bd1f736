"""The reader's query language, parsed by hand into Whoosh queries.

    機械学習の数学         words need no spaces; all parts must match (AND)
    "線形代数 入門"         a phrase: the words adjacent and in order
    Rust OR Go            either side
    -物理  NOT 物理         exclude
    user:NAME tag:NAME    exact user or tag
    title:WORD            a word of the post title

A run of words that the analyzer finds adjacent in the query (`機械学習` ->
`機械` `学習`) must stay adjacent in the comment: it becomes a phrase. Runs
separated by particles or spaces (`機械学習の数学`) are separate AND terms,
and a sloppy phrase over all of them ranks comments where they are close
higher. A query with a syntax problem is answered as plain words plus a note.

The work a query asks for is bounded whatever its length: a repeated word
counts once (`機械 機械`, `機械機械機械`), and the query keeps at most
MAX_CLAUSES clauses, MAX_CLAUSE_WORDS words a clause and MAX_PHRASE_WORDS
words a phrase, the rest ignored with a note.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from whoosh import query as wq

from . import romaji
from .analysis import JapaneseAnalyzer, is_kana, normalize, to_katakana
from .compounds import compound_term, covers, joins
from .expand import (
    MAX_PHRASE_WORDS,
    MAX_QUERY_SUPERTERMS,
    MAX_SUPERTERMS,
    NGRAM_BOOST,
    NGRAM_GATE,
    Superterms,
    View,
    ngram_query,
    reading_query,
    superterm_query,
    word_runs,
)
from .loanwords import Loanwords
from .schema import tag_term
from .synonyms import Synonyms

FIELDS = {"user": "user", "tag": "tags", "title": "title"}
# Clauses a query keeps. A reader's query is a few words; ten leave room for
# OR alternatives and filters, while every clause is one more posting list
# (and its views) that each candidate comment must be checked against.
MAX_CLAUSES = 10
# Words one clause keeps after analysis: an unspaced sentence of content
# words (`機械学習で使う線形代数の本を探す`) has about eight.
MAX_CLAUSE_WORDS = 16
NOTE_CHARS = 20  # characters of a clause quoted in a note: enough to recognise it
# A loanword bridged to its other script (`container`: `コンテナ`) ranks below
# the word as typed and below its reading (expand.READING_BOOST).
LOANWORD_BOOST = 0.5
MAX_BRIDGES = 4  # other-script forms a word is also searched as
MAX_LOAN_WORDS = 3  # space-separated Latin words that may spell one source (`garbage collection`)
# The secondary views a body word may get: its reading, n-grams across
# janome's boundaries, the longer words holding it.
VIEWS = frozenset({"readings", "ngrams", "superterms"})
SUBSTRINGS = frozenset({"ngrams", "superterms"})


@dataclass(frozen=True)
class Clause:
    """One unit of the query: a word, a phrase or a field filter."""

    text: str
    field: str = "body"
    phrase: bool = False
    negated: bool = False


@dataclass
class ParsedQuery:
    """A parsed query: groups of OR-ed clauses, ANDed together, plus notes."""

    groups: list[list[Clause]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _split(text: str, notes: list[str]) -> list[tuple[str, bool]]:
    """Split on whitespace, keeping quoted phrases; return (item, quoted)."""
    items: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        quote = text.find('"', i)
        space = next((k for k in range(i, n) if text[k].isspace()), n)
        if quote != -1 and quote < space:
            close = text.find('"', quote + 1)
            if close == -1:
                notes.append("unclosed quote ignored")
                text = text[:quote] + " " + text[quote + 1 :]
                continue
            prefix = text[start:quote]
            items.append((prefix + text[quote + 1 : close], True))
            i = close + 1
            continue
        items.append((text[start:space], False))
        i = space
    return items


def parse(text: str) -> ParsedQuery:
    """Parse a query string; never raises on bad syntax."""
    parsed = ParsedQuery()
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("＂", '"')
    pending_or = False
    negate_next = False
    for item, quoted in _split(text, parsed.notes):
        if not quoted and item in ("OR", "|"):
            if not parsed.groups or pending_or:
                parsed.notes.append("OR without a word before it ignored")
            else:
                pending_or = True
            continue
        if not quoted and item == "NOT":
            negate_next = True
            continue
        clause = _make_clause(item, quoted, parsed.notes)
        if clause is None:
            continue
        if negate_next:
            clause, negate_next = replace(clause, negated=True), False
        if pending_or and not clause.negated:
            parsed.groups[-1].append(clause)
        else:
            parsed.groups.append([clause])
        pending_or = False
    if pending_or:
        parsed.notes.append("OR without a word after it ignored")
    if negate_next:
        parsed.notes.append("NOT without a word after it ignored")
    return parsed


def _make_clause(item: str, quoted: bool, notes: list[str]) -> Clause | None:
    negated = False
    if item.startswith(("-", "\u2212")) and len(item) > 1:
        negated, item = True, item[1:]
    elif item in ("-", "\u2212"):
        return None
    name, sep, value = item.partition(":")
    if sep and name in FIELDS:
        if not value:
            notes.append(f"{name}: without a value ignored")
            return None
        return Clause(value, FIELDS[name], phrase=quoted, negated=negated)
    item = item.strip("()") if not quoted else item
    if not item:
        return None
    return Clause(item, "body", phrase=quoted, negated=negated)


@dataclass
class CompiledQuery:
    """Whoosh query, what to highlight, and an explanation of the analysis."""

    query: wq.Query | None
    highlight_terms: set[str]
    explain: list[dict]
    notes: list[str]
    literals: set[str] = field(default_factory=set)  # substrings to mark in snippets
    body_terms: list[str] = field(default_factory=list)  # positive body terms, in order
    body_runs: int = 0
    # Words whose closeness, in order, earns a bonus when the top hits are reranked.
    proximity_terms: list[str] = field(default_factory=list)
    superterms_left: int = MAX_QUERY_SUPERTERMS  # longer words the rest of the query may look up


def _analyze(text: str, analyzer) -> list[tuple[str, int]]:
    return [(t.text, t.pos) for t in analyzer(text, positions=True, mode="query")]


def _collapse(tokens: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Drop each word that repeats the word just before it; later positions close up."""
    kept: list[tuple[str, int]] = []
    shift = 0
    for term, pos in tokens:
        if kept and term == kept[-1][0] and pos - shift == kept[-1][1] + 1:
            shift += 1
            continue
        kept.append((term, pos - shift))
    return kept


def _within_limits(tokens: list[tuple[str, int]], phrase: bool) -> list[tuple[str, int]]:
    """The longest prefix of `tokens` within MAX_CLAUSE_WORDS and MAX_PHRASE_WORDS a run."""
    run = 0
    for i, (_, pos) in enumerate(tokens):
        run = run + 1 if phrase or (i and pos == tokens[i - 1][1] + 1) else 1
        if i == MAX_CLAUSE_WORDS or run > MAX_PHRASE_WORDS:
            return tokens[:i]
    return tokens


def _runs(tokens: list[tuple[str, int]]) -> list[list[str]]:
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


def _sequence(fieldname: str, terms, slop: int = 1, boost: float = 1.0) -> wq.Query:
    """The query for words that must stand adjacent and in order.

    A short run of nouns is one term of the compound view, weighing as
    many words as it joins; anything else is a phrase over positions.
    """
    if len(terms) == 1:
        return wq.Term(fieldname, terms[0], boost=boost)
    if fieldname == "body" and slop == 1 and covers(terms):
        return wq.Term("body_compound", compound_term(terms), boost=boost * len(terms))
    return wq.Phrase(fieldname, list(terms), slop=slop, boost=boost)


def _phrase_query(fieldname: str, tokens) -> wq.Query:
    gaps = [b - a for (_, a), (_, b) in zip(tokens, tokens[1:])]
    return _sequence(fieldname, [t for t, _ in tokens], slop=max(gaps or [1]))


def _runs_query(fieldname, runs, synonyms, info, compiled) -> wq.Query:
    parts = []
    for run in runs:
        query = _sequence(fieldname, run)
        alternatives = synonyms.alternatives(run) if synonyms else ()
        if alternatives:
            info.setdefault("synonyms", []).extend(list(a) for a in alternatives)
            query = wq.Or([query] + [_sequence(fieldname, alt) for alt in alternatives])
            if fieldname == "body":
                compiled.highlight_terms.update(t for alt in alternatives for t in alt)
        parts.append(query)
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _common(tokens, frequency) -> bool:
    """True when every word of the clause is already frequent in the index."""
    return bool(tokens) and frequency is not None and min(
        frequency(t) for t, _ in tokens
    ) >= NGRAM_GATE


def _views(clause: Clause, tokens, vocabulary, frequency, info, compiled) -> list[wq.Query]:
    """The reading, n-gram and longer-word alternatives for a plain body word.

    The n-gram view is a safety net for words janome splits oddly or does
    not know; the longer words of the vocabulary that hold the word
    (`superterms`) find it inside another word. For words the index already
    holds in quantity, a bigram phrase over huge posting lists would cost
    more than the rest of the query: the longer words stand in alone, and
    miss only where the word crosses a word boundary.
    """
    readings = vocabulary.readings if "readings" in vocabulary.views else frozenset()
    views = _romaji(clause, readings, frequency, info)
    common = _common(tokens, frequency)
    reading = reading_query(clause.text, readings)
    # Kana that janome reads as words the index holds in quantity (`している`:
    # `する`) is those words, not a reading: a phrase of readings (`シ テ イル`)
    # would only add noise, at the price of decoding huge posting lists.
    if reading.query is not None and not (len(reading.terms) > 1 and common):
        views.append(reading.query)
        info["readings"] = reading.terms
        if reading.cut:
            _note_cut(compiled, clause, len(reading.terms))
    for key, substring in _substrings(clause.text, vocabulary, frequency, common, compiled):
        if substring.query is not None:
            views.append(substring.query)
            info[key] = substring.terms
            if not clause.negated:
                compiled.literals.add(clause.text)
    return views


def _substrings(text: str, vocabulary, frequency, common: bool, compiled):
    """The views finding a word inside others: across janome's boundaries (n-grams), inside longer words.

    A common word keeps only the longer words, and a common Latin word
    neither (`ai` is in `said`, `main`, `email`). A word of several runs
    (`データ分析`, `GPTモデル`) is found run by run, each as a word, inside a
    longer word or across a boundary (`メタデータ` `分析`). The words of one
    query share MAX_QUERY_SUPERTERMS longer words, the first words first.
    """
    ngrams = "ngrams" in vocabulary.views
    longer = "superterms" in vocabulary.views and vocabulary.superterms is not None and frequency is not None
    if common:
        if longer and not normalize(text)[0].isascii():
            yield "superterms", _longer(text, vocabulary, frequency, compiled)
        return
    runs = word_runs(text)
    if len(runs) > 1 and (ngrams or longer):
        parts = []
        for run in runs:
            found = [wq.Term("body", run, boost=NGRAM_BOOST)]
            found += [view.query for view in (ngram_query(run) if ngrams else None,
                                              _longer(run, vocabulary, frequency, compiled) if longer else None)
                      if view is not None and view.query is not None]
            parts.append(_any(found))
        yield "parts", View(wq.And(parts), runs)
        return
    if ngrams:
        yield "ngrams", ngram_query(text)
    if longer:
        yield "superterms", _longer(text, vocabulary, frequency, compiled)


def _longer(text: str, vocabulary, frequency, compiled) -> View:
    """The longer words holding `text`, within what is left of the query's allowance."""
    view = superterm_query(text, vocabulary.superterms, frequency,
                           min(MAX_SUPERTERMS, compiled.superterms_left))
    compiled.superterms_left -= len(view.terms)
    return view


def _romaji(clause: Clause, readings, frequency, info) -> list[wq.Query]:
    """The reading view of a romaji word the index does not hold (`senkeidaisuu`: せんけいだいすう).

    A Latin word of the index (`sake`, `docker`) is a word, never reread;
    an ambiguous spelling is read each way (`romaji`).
    """
    text = clause.text
    if (clause.phrase or frequency is None or not text.isascii() or not romaji.is_romaji(text)
            or frequency(text.lower())):
        return []
    views, kana = [], []
    for reading in romaji.readings(text):
        view = reading_query(reading, readings)
        if view.query is not None:
            views.append(view.query)
            kana.append(reading)
            info.setdefault("readings", view.terms)
    if kana:
        info["romaji"] = kana
    return views


def _bridges(text: str, exact_terms, vocabulary, frequency, analyzer, info, compiled, negated) -> list[wq.Query]:
    """The word in its other script, from the loanword table (`container`: `コンテナ`).

    Each form is searched as its words (and a katakana one the index holds
    as its n-grams too), weighed LOANWORD_BOOST of the word as typed: a rarer form's boost
    cancels its own idf for the word's, so a comment holding the typed form
    ranks first either way. The forms the index holds come first, up to
    MAX_BRIDGES; one it does not hold is searched only when it holds none
    (`linux`: `リナックス`, not `リヌクス`, whose n-grams alone cost more
    than the whole query).
    """
    if vocabulary.loanwords is None:
        return []
    candidates = []
    for form, terms in _bridge_forms(vocabulary.loanwords, text):
        if terms and terms != tuple(exact_terms):
            held = min(frequency(t) for t in terms) if frequency is not None else 1
            candidates.append((held, form))
    chosen = sorted((c for c in candidates if c[0]), key=lambda c: -c[0]) or candidates[:1]
    idf = vocabulary.superterms.idf if frequency is not None and vocabulary.superterms is not None else None
    typed = sum(idf(frequency(t)) for t in exact_terms) if idf else 0.0
    queries, used = [], []
    for held, form in chosen[:MAX_BRIDGES]:
        # A bridge is not bridged again. A Latin form is not searched inside
        # longer words either: the regex, not janome, reads Latin, so its
        # n-gram phrase (`compiler`: `co om mp …`) would only add pieces of
        # other words, at ten times the cost of a common word's own query;
        # nor is a form the index does not hold as a word. Its readings are
        # left out too: a loanword reads as it is written.
        plain = vocabulary._replace(loanwords=None, readings=frozenset(),
                                    views=vocabulary.views & SUBSTRINGS if held and not form.isascii()
                                    else frozenset())
        scratch = CompiledQuery(None, set(), [], [], superterms_left=compiled.superterms_left)
        query = _compile_clause(Clause(form, negated=negated), analyzer, scratch, plain, frequency)
        compiled.superterms_left = scratch.superterms_left
        if query is None:
            continue
        terms = scratch.explain[0]["tokens"]
        boost = LOANWORD_BOOST
        if len(terms) == 1 and typed:
            boost *= min(1.0, typed / idf(frequency(terms[0])))
        queries.append(query.with_boost(query.boost * boost))
        used.append(form)
        if not negated:
            compiled.highlight_terms.update(scratch.highlight_terms)
            compiled.literals.update(scratch.literals)
    if used:
        info["loanwords"] = used
    return queries


@functools.lru_cache(maxsize=4096)
def _bridge_forms(loanwords: Loanwords, text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The bridges of `text` with their analyzed words, remembered: janome runs once per form."""
    analyzer = JapaneseAnalyzer()
    return tuple((form, tuple(t for t, _ in _collapse(_analyze(form, analyzer)))) for form in loanwords.bridges(text))


def _joins(clause: Clause, tokens, frequency, info, compiled) -> list[wq.Query]:
    """The word as the index holds it where janome read it otherwise in context (compounds.joins).

    A comment matched this way holds the very word, so it ranks as a word match.
    """
    if clause.field != "body" or frequency is None:
        return []
    found = joins(clause.text, [t for t, _ in tokens], frequency)
    if found:
        info["joins"] = found
        if not clause.negated:
            compiled.highlight_terms.update(t for run in found for t in run)
    return [_sequence("body", run) for run in found]


def _account(compiled, clause: Clause, tokens, runs: int) -> None:
    """Remember a positive body clause's terms for highlighting and proximity."""
    if clause.field == "body" and not clause.negated:
        compiled.highlight_terms.update(t for t, _ in tokens)
        compiled.body_terms.extend(t for t, _ in tokens)
        compiled.body_runs += runs


def _note_cut(compiled, clause: Clause, kept: int) -> None:
    text = clause.text if len(clause.text) <= NOTE_CHARS else clause.text[:NOTE_CHARS] + "…"
    compiled.notes.append(f"'{text}' cut to its first {kept} words; the rest was ignored")


def _compile_clause(clause: Clause, analyzer, compiled, vocabulary, frequency):
    info = {"text": clause.text, "field": clause.field, "negated": clause.negated}
    compiled.explain.append(info)
    if clause.field == "user":
        return wq.Term("user", clause.text)
    if clause.field == "tags":
        return wq.Term("tags", tag_term(clause.text))
    analyzed = _collapse(_analyze(clause.text, analyzer))
    tokens = _within_limits(analyzed, clause.phrase)
    cut = len(tokens) < len(analyzed)
    runs = _runs(tokens)
    info["tokens"] = [t for t, _ in tokens]
    info["groups"] = runs
    body = clause.field == "body"
    # The word's own views before its bridges: they share the query's allowance of longer words.
    views = _views(clause, tokens, vocabulary, frequency, info, compiled) if body and not clause.phrase else []
    bridges = (_bridges(clause.text, info["tokens"], vocabulary, frequency, analyzer, info, compiled,
                        clause.negated) if body else [])
    if clause.phrase:
        if cut:
            _note_cut(compiled, clause, len(tokens))
        _account(compiled, clause, tokens, 1)
        phrase = [_phrase_query(clause.field, tokens)] if tokens else []
        return _any(phrase + bridges)
    alternatives = []
    # janome shreds a kana reading it does not know into junk words; when the
    # reading view understood it, trust that instead.
    if tokens and not ("readings" in info and len(tokens) > 1):
        if cut:
            _note_cut(compiled, clause, len(tokens))
        alternatives.append(_runs_query(clause.field, runs, vocabulary.synonyms, info, compiled))
        _account(compiled, clause, tokens, len(runs))
        alternatives.extend(_joins(clause, tokens, frequency, info, compiled))
    alternatives.extend(bridges)
    alternatives.extend(views)
    if not alternatives:
        compiled.notes.append(f"'{clause.text}' has no searchable words and was ignored")
    return _any(alternatives)


def _any(queries: list[wq.Query]) -> wq.Query | None:
    """The queries ORed: None for none, the query itself for one."""
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else wq.Or(queries)


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
    words = [t for t, _ in _analyze(text, analyzer)]
    if not words or words != [t for t, _ in _analyze(unit, analyzer)] * (len(text) // period):
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


def known_views(views) -> frozenset:
    """`views` as a frozenset; ValueError naming any that is not one of VIEWS."""
    views = frozenset(views)
    if not views <= VIEWS:
        raise ValueError(f"unknown views {sorted(views - VIEWS)}; the views are {sorted(VIEWS)}")
    return views


class Vocabulary(NamedTuple):
    """What the compiler knows of the index and the editor's lists."""

    readings: frozenset | set = frozenset()  # the index's reading terms (for kana queries)
    synonyms: Synonyms | None = None  # the editor's synonym groups
    superterms: Superterms | None = None  # the longer words searched for a common word
    loanwords: Loanwords | None = None  # English ⇄ katakana bridges
    views: frozenset = VIEWS  # the secondary views a word may get


def _loan_spans(groups: list[list[Clause]], loanwords) -> dict[int, tuple[int, str]]:
    """Runs of one-word Latin groups that spell a loanword's source: start -> (end, words).

    `garbage collection` typed as two words is also `ガベージコレクション`.
    """
    if loanwords is None:
        return {}
    latin = [len(g) == 1 and g[0].field == "body" and not (g[0].negated or g[0].phrase)
             and g[0].text.isascii() and g[0].text.isalpha() for g in groups]
    spans, i = {}, 0
    while i < len(groups):
        ends = range(min(len(groups), i + MAX_LOAN_WORDS), i + 1, -1)  # the longest run first
        words = {end: " ".join(g[0].text for g in groups[i:end]) for end in ends if all(latin[i:end])}
        end = next((end for end, spelled in words.items() if loanwords.bridges(spelled)), None)
        if end is None:
            i += 1
        else:
            spans[i], i = (end, words[end]), end
    return spans


def compile_query(text: str, readings=frozenset(), synonyms=None, frequency=None,
                  superterms=None, loanwords=None, views=VIEWS) -> CompiledQuery:
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
            q = _compile_clause(clause, analyzer, compiled, vocabulary, frequency)
            if q is None:
                continue
            (negative if clause.negated else subqueries).append(q)
        each.append(_any(subqueries))
    positive: list[wq.Query] = []
    spans = _loan_spans(groups, vocabulary.loanwords)
    i = 0
    while i < len(each):
        end, words = spans.get(i, (i + 1, None))
        typed = [q for q in each[i:end] if q is not None]
        if words is not None:
            info = {"text": words, "field": "body", "negated": False}
            compiled.explain.append(info)
            bridges = _bridges(words, words.lower().split(), vocabulary, frequency, analyzer, info, compiled,
                               negated=False)
            typed = [_any([wq.And(typed) if len(typed) > 1 else typed[0]] + bridges)] if typed else bridges
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
