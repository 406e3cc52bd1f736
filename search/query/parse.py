"""The reader's query language, parsed by hand: text -> `ParsedQuery`; never raises.

    機械学習の数学         words need no spaces; all parts must match (AND)
    "線形代数 入門"         a phrase: the words adjacent and in order
    Rust OR Go            either side
    -物理  NOT 物理         exclude
    user:NAME tag:NAME    exact user or tag
    title:WORD            a word of the post title

A query with a syntax problem is answered as plain words plus a note.

>>> for group in parse('機械学習 -物理 "線形 代数" user:pg').groups:
...     print(group)
[Clause(text='機械学習', field='body', phrase=False, negated=False)]
[Clause(text='物理', field='body', phrase=False, negated=True)]
[Clause(text='線形 代数', field='body', phrase=True, negated=False)]
[Clause(text='pg', field='user', phrase=False, negated=False)]
>>> [clause.text for clause in parse('Rust OR Go').groups[0]]
['Rust', 'Go']
>>> parse('"unclosed').notes
['unclosed quote ignored']
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

FIELDS = {"user": "user", "tag": "tags", "title": "title"}


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
