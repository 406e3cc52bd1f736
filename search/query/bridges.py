"""English ⇄ katakana bridges: a word also searched in its other script (`container`: `コンテナ`)."""

from __future__ import annotations

import functools

from whoosh import query as wq

from ..analysis.tokenizer import JapaneseAnalyzer
from ..records import ClauseExplain
from .compiled import SUBSTRINGS, CompiledQuery
from .loanwords import Loanwords
from .parse import Clause
from .phrases import analyze_words, collapse

# A loanword bridged to its other script (`container`: `コンテナ`) ranks below
# the word as typed and below its reading (views.reading.READING_BOOST).
LOANWORD_BOOST = 0.5
MAX_BRIDGES = 4  # other-script forms a word is also searched as
MAX_LOAN_WORDS = 3  # space-separated Latin words that may spell one source (`garbage collection`)


def bridge_queries(
    text: str, exact_terms, vocabulary, frequency, analyzer, explain: ClauseExplain, compiled, negated, compile_clause
) -> list[wq.Query]:
    """The word in its other script, from the loanword table (`container`: `コンテナ`).

    Each form is searched as its words (and a katakana one the index holds
    as its n-grams too), weighed LOANWORD_BOOST of the word as typed: a rarer form's boost
    cancels its own idf for the word's, so a comment holding the typed form
    ranks first either way. The forms the index holds come first, up to
    MAX_BRIDGES; one it does not hold is searched only when it holds none
    (`linux`: `リナックス`, not `リヌクス`, whose n-grams alone cost more
    than the whole query). `compile_clause` compiles each form as a clause
    of its own.
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
        plain = vocabulary._replace(
            loanwords=None,
            readings=frozenset(),
            views=vocabulary.views & SUBSTRINGS if held and not form.isascii() else frozenset(),
        )
        scratch = CompiledQuery(None, set(), [], [], superterms_left=compiled.superterms_left)
        query = compile_clause(Clause(form, negated=negated), analyzer, scratch, plain, frequency)
        compiled.superterms_left = scratch.superterms_left
        if query is None:
            continue
        terms = scratch.explain[0].tokens
        boost = LOANWORD_BOOST
        if len(terms) == 1 and typed:
            boost *= min(1.0, typed / idf(frequency(terms[0])))
        queries.append(query.with_boost(query.boost * boost))
        used.append(form)
        if not negated:
            compiled.highlight_terms.update(scratch.highlight_terms)
            compiled.literals.update(scratch.literals)
    if used:
        explain.loanwords = used
    return queries


@functools.lru_cache(maxsize=4096)
def _bridge_forms(loanwords: Loanwords, text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The bridges of `text` with their analyzed words, remembered: janome runs once per form."""
    analyzer = JapaneseAnalyzer()
    return tuple(
        (form, tuple(t for t, _ in collapse(analyze_words(form, analyzer)))) for form in loanwords.bridges(text)
    )


def loan_spans(groups: list[list[Clause]], loanwords) -> dict[int, tuple[int, str]]:
    """Runs of one-word Latin groups that spell a loanword's source: start -> (end, words).

    `garbage collection` typed as two words is also `ガベージコレクション`.
    """
    if loanwords is None:
        return {}
    latin = [
        len(g) == 1
        and g[0].field == "body"
        and not (g[0].negated or g[0].phrase)
        and g[0].text.isascii()
        and g[0].text.isalpha()
        for g in groups
    ]
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
