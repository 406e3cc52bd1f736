"""Synonym groups from a TOML file, analyzed once, expanded at query time."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.tokenizer import JapaneseAnalyzer
from ..errors import SynonymsError

DEFAULT_SYNONYMS = Path(__file__).with_name("synonyms.toml")


@dataclass(frozen=True)
class Synonyms:
    """Analyzed term sequence -> the other sequences of its group."""

    table: dict = field(default_factory=dict)
    # Word -> its loanword bridges, replacing the shipped table's (`[loanwords]`; []: none).
    loanwords: dict = field(default_factory=dict)

    def alternatives(self, terms) -> tuple[tuple[str, ...], ...]:
        """Return the other members of the group `terms` belongs to."""
        return self.table.get(tuple(terms), ())


def _terms(word: str, analyzer) -> tuple[str, ...]:
    return tuple(t.text for t in analyzer(word, mode="query"))


def load_synonyms(path=None) -> Synonyms:
    """Load synonym groups from `path` (default: the shipped list).

    Raises SynonymsError naming the file for unreadable or malformed files.
    """
    path = Path(path) if path else DEFAULT_SYNONYMS
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SynonymsError(path, f"cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SynonymsError(path, f"invalid TOML: {exc}") from exc
    groups = data.get("groups")
    if not isinstance(groups, list) or not all(
        isinstance(g, list) and all(isinstance(w, str) for w in g) for g in groups
    ):
        raise SynonymsError(path, 'expected `groups = [["word", "synonym", ...], ...]`')
    loanwords = data.get("loanwords", {})
    if not isinstance(loanwords, dict) or not all(
        isinstance(v, list) and all(isinstance(w, str) for w in v) for v in loanwords.values()
    ):
        raise SynonymsError(path, 'expected `[loanwords]` entries as `word = ["other form", ...]`')
    analyzer = JapaneseAnalyzer()
    table: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for group in groups:
        members = list(dict.fromkeys(t for t in (_terms(w, analyzer) for w in group) if t))
        for member in members:
            others = tuple(m for m in members if m != member)
            table[member] = tuple(dict.fromkeys(table.get(member, ()) + others))
    return Synonyms(table, loanwords)
