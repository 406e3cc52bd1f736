"""English ⇄ katakana loanwords: `container` also finds `コンテナ`, and `コンテナ` `container`.

The table (`loanwords.tsv`) is derived from JMdict by tools/loanwords.py and
read once per process; it is used at query time only, so a new table needs
no re-index. An editor's synonym file overrides it word by word
(`[loanwords]`, see synonyms.toml).
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from ..analysis.normalize import fold_katakana

DEFAULT_TABLE = Path(__file__).with_name("loanwords.tsv")


def loan_key(text: str) -> str:
    """How a word is looked up: NFKC, lowercase, spaces collapsed, a trailing `ー` folded.

    >>> loan_key("Garbage  Collection"), loan_key("ブラウザー")
    ('garbage collection', 'ブラウザ')
    """
    return fold_katakana(" ".join(unicodedata.normalize("NFKC", text).lower().split()))


class Loanwords:
    """English source word -> its katakana words, and katakana word -> its English sources."""

    def __init__(self, pairs=()):
        """A table of (English, katakana) `pairs`, bridged both ways."""
        bridges: dict[str, dict[str, None]] = {}
        for english, katakana in pairs:
            english, katakana = loan_key(english), loan_key(katakana)
            bridges.setdefault(english, {})[katakana] = None
            bridges.setdefault(katakana, {})[english] = None
        self._bridges = {word: tuple(others) for word, others in bridges.items()}

    def bridges(self, text: str) -> tuple[str, ...]:
        """The other-script forms of `text` (`container` -> `('コンテナ',)`), or ()."""
        return self._bridges.get(loan_key(text), ())

    def overridden(self, overrides) -> Loanwords:
        """This table with `overrides` (word -> its bridges, [] for none) applied; self when there are none."""
        if not overrides:
            return self
        merged = Loanwords()
        merged._bridges = {
            **self._bridges,
            **{loan_key(word): tuple(dict.fromkeys(loan_key(o) for o in others)) for word, others in overrides.items()},
        }
        return merged


def read_table(path) -> list[tuple[str, str]]:
    """The (English, katakana) pairs of a table file: `english<TAB>katakana katakana…` lines."""
    pairs = []
    for line in Path(path).read_text("utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        english, _, forms = line.partition("\t")
        pairs += [(english, katakana) for katakana in forms.split()]
    return pairs


@functools.lru_cache(maxsize=1)
def shipped() -> Loanwords:
    """The shipped table, read once per process."""
    return Loanwords(read_table(DEFAULT_TABLE))
