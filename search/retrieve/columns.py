"""Read Whoosh 3 per-document columns whole, in a few reads instead of one per document.

Whoosh's column readers return one document's value per call: on a
165,000-comment index, building the facet table or the BM25 length table
that way is half a million calls and about a second. Whoosh 3 stores these
columns as runs of bytes, so each is read here in one or two reads and split
in Python (`search/internals.py` knows the layout). A column of any other
layout is read through Whoosh's own reader, value by value, with the same
result (`tests/test_columns.py`).
"""

from __future__ import annotations

from .. import internals


def column_values(reader, name: str) -> list:
    """Every document's raw (untranslated) value of column `name`, by docnum."""
    values: list = []
    for leaf, _offset in _leaves(reader):
        column = leaf.column_reader(name, translate=False)
        values.extend(_read_whole(column, leaf.doc_count_all()))
    return values


def length_bytes(reader, fieldname: str) -> bytes:
    """The one-byte length of `fieldname` for every document of a leaf reader."""
    column = internals.length_column(reader, fieldname)
    if column is not None:
        return bytes(_read_whole(column, reader.doc_count_all()))
    from whoosh.util.numeric import length_to_byte

    return bytes(length_to_byte(reader.doc_field_length(d, fieldname, 0) or 0) for d in range(reader.doc_count_all()))


def _leaves(reader):
    if reader.is_atomic():
        return [(reader, 0)]
    return reader.leaf_readers()


def _read_whole(column, doccount: int):
    """Every value of a column, by docnum: whole when Whoosh 3's layout allows, else value by value."""
    values = internals.read_column(column, doccount)
    return values if values is not None else list(column)
