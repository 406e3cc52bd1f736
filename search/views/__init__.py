"""The secondary views: other ways a comment's words are indexed, and searched.

Enters: the words of `search.analysis` (index side) and a query word
(query side). Leaves: a Whoosh tokenizer per view for the schema, and a
`View` per query word for the compiler. Each module holds one view whole,
its index side next to its query side:

- `reading`: the katakana readings of the words (`きかい` finds `機械`);
- `ngram`: bigrams of the runs janome splits (`京都` in `東京` `都`);
- `compound`: runs of adjacent words as one term (`機械 学習`);
- `superterms`: the index's longer words holding a word (`日本` in `日本語`),
  query side only.

All are ORed next to the morphological query with a lower boost, so a
comment matched through its words outranks one matched only through a
view (`京都` ranks Kyoto before `東京都`).
"""

from __future__ import annotations

from typing import NamedTuple

from whoosh import query as wq

# Words in one phrase over positions (body words, readings or n-grams):
# verifying a phrase decodes the positions of every one of its words in each
# candidate comment. The longest compounds janome splits run to about six
# words (自然言語処理技術研究開発); twelve already single out a quoted sentence.
MAX_PHRASE_WORDS = 12


class View(NamedTuple):
    """A secondary view's query for one word, the terms it uses, and whether it was cut."""

    query: wq.Query | None
    terms: list[str]
    cut: bool = False


NO_VIEW = View(None, [])
