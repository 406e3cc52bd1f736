"""The secondary views a plain body word is also searched by: reading, romaji, n-grams, longer words."""

from __future__ import annotations

from whoosh import query as wq

from ..analysis.normalize import normalize
from ..records import ClauseExplain
from ..views import View
from ..views.ngram import NGRAM_BOOST, ngram_query, word_runs
from ..views.reading import reading_query
from ..views.superterms import MAX_SUPERTERMS, NGRAM_GATE, superterm_query
from . import romaji
from .compiled import note_cut
from .parse import Clause
from .phrases import any_of


def _common(tokens, frequency) -> bool:
    """True when every word of the clause is already frequent in the index."""
    return bool(tokens) and frequency is not None and min(frequency(t) for t, _ in tokens) >= NGRAM_GATE


def word_views(clause: Clause, tokens, vocabulary, frequency, explain: ClauseExplain, compiled) -> list[wq.Query]:
    """The reading, n-gram and longer-word alternatives for a plain body word.

    The n-gram view is a safety net for words janome splits oddly or does
    not know; the longer words of the vocabulary that hold the word
    (`superterms`) find it inside another word. For words the index already
    holds in quantity, a bigram phrase over huge posting lists would cost
    more than the rest of the query: the longer words stand in alone, and
    miss only where the word crosses a word boundary. What each view
    searched is noted in `explain`.
    """
    readings = vocabulary.readings if "readings" in vocabulary.views else frozenset()
    views = romaji_views(clause, readings, frequency, explain)
    common = _common(tokens, frequency)
    reading = reading_query(clause.text, readings)
    # Kana that janome reads as words the index holds in quantity (`している`:
    # `する`) is those words, not a reading: a phrase of readings (`シ テ イル`)
    # would only add noise, at the price of decoding huge posting lists.
    if reading.query is not None and not (len(reading.terms) > 1 and common):
        views.append(reading.query)
        explain.readings = reading.terms
        if reading.cut:
            note_cut(compiled, clause, len(reading.terms))
    for key, substring in _substrings(clause.text, vocabulary, frequency, common, compiled):
        if substring.query is not None:
            views.append(substring.query)
            setattr(explain, key, substring.terms)
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
            found += [
                view.query
                for view in (
                    ngram_query(run) if ngrams else None,
                    _longer(run, vocabulary, frequency, compiled) if longer else None,
                )
                if view is not None and view.query is not None
            ]
            parts.append(any_of(found))
        yield "parts", View(wq.And(parts), runs)
        return
    if ngrams:
        yield "ngrams", ngram_query(text)
    if longer:
        yield "superterms", _longer(text, vocabulary, frequency, compiled)


def _longer(text: str, vocabulary, frequency, compiled) -> View:
    """The longer words holding `text`, within what is left of the query's allowance."""
    view = superterm_query(text, vocabulary.superterms, frequency, min(MAX_SUPERTERMS, compiled.superterms_left))
    compiled.superterms_left -= len(view.terms)
    return view


def romaji_views(clause: Clause, readings, frequency, explain: ClauseExplain) -> list[wq.Query]:
    """The reading view of a romaji word the index does not hold (`senkeidaisuu`: せんけいだいすう).

    A Latin word of the index (`sake`, `docker`) is a word, never reread;
    an ambiguous spelling is read each way (`romaji`).
    """
    text = clause.text
    if (
        clause.phrase
        or frequency is None
        or not text.isascii()
        or not romaji.is_romaji(text)
        or frequency(text.lower())
    ):
        return []
    views, kana = [], []
    for reading in romaji.readings(text):
        view = reading_query(reading, readings)
        if view.query is not None:
            views.append(view.query)
            kana.append(reading)
            if explain.readings is None:
                explain.readings = view.terms
    if kana:
        explain.romaji = kana
    return views
