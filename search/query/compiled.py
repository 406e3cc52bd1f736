"""What compiling a query produces and reads: `CompiledQuery`, `Vocabulary`, the views a word may get."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from whoosh import query as wq

from ..records import ClauseExplain, Explain
from ..views.superterms import MAX_QUERY_SUPERTERMS, Superterms
from .loanwords import Loanwords
from .parse import Clause
from .synonyms import Synonyms

NOTE_CHARS = 20  # characters of a clause quoted in a note: enough to recognise it
# The secondary views a body word may get: its reading, n-grams across
# janome's boundaries, the longer words holding it.
VIEWS = frozenset({"readings", "ngrams", "superterms"})
SUBSTRINGS = frozenset({"ngrams", "superterms"})


@dataclass
class CompiledQuery:
    """Whoosh query, what to highlight, and an explanation of the analysis."""

    query: wq.Query | None
    highlight_terms: set[str]
    explain: list[ClauseExplain]
    notes: list[str]
    literals: set[str] = field(default_factory=set)  # substrings to mark in snippets
    body_terms: list[str] = field(default_factory=list)  # positive body terms, in order
    body_runs: int = 0
    # Words whose closeness, in order, earns a bonus when the top hits are reranked.
    proximity_terms: list[str] = field(default_factory=list)
    superterms_left: int = MAX_QUERY_SUPERTERMS  # longer words the rest of the query may look up

    def explanation(self) -> Explain:
        """Return how the query was compiled, as `SearchPage.explain` carries it."""
        return Explain(tuple(self.explain), str(self.query))


class Vocabulary(NamedTuple):
    """What the compiler knows of the index and the editor's lists."""

    readings: frozenset | set = frozenset()  # the index's reading terms (for kana queries)
    synonyms: Synonyms | None = None  # the editor's synonym groups
    superterms: Superterms | None = None  # the longer words searched for a common word
    loanwords: Loanwords | None = None  # English ⇄ katakana bridges
    views: frozenset = VIEWS  # the secondary views a word may get


def known_views(views) -> frozenset:
    """`views` as a frozenset; ValueError naming any that is not one of VIEWS."""
    views = frozenset(views)
    if not views <= VIEWS:
        raise ValueError(f"unknown views {sorted(views - VIEWS)}; the views are {sorted(VIEWS)}")
    return views


def note_cut(compiled, clause: Clause, kept: int) -> None:
    text = clause.text if len(clause.text) <= NOTE_CHARS else clause.text[:NOTE_CHARS] + "…"
    compiled.notes.append(f"'{text}' cut to its first {kept} words; the rest was ignored")
