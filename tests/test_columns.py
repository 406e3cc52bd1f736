"""Whole-column reads give exactly what Whoosh's per-document readers give."""

from __future__ import annotations

from whoosh.util.numeric import length_to_byte

from search import internals
from search.retrieve import columns

COLUMNS = ["user", "month", "tags", "created_at"]


def test_columns_equal_whoosh_per_document(searcher):
    reader = searcher.reader()
    for name in COLUMNS:
        mine = columns.column_values(reader, name)
        theirs = list(reader.column_reader(name, translate=False))
        assert list(mine) == theirs, name
        assert len(mine) == reader.doc_count_all()


def test_length_bytes_equal_whoosh_per_document(searcher):
    for leaf, _ in searcher.reader().leaf_readers():
        for field in ("body", "body_reading", "body_ngram", "title"):
            expected = bytes(length_to_byte(leaf.doc_field_length(d, field, 0) or 0)
                             for d in range(leaf.doc_count_all()))
            assert columns.length_bytes(leaf, field) == expected, field
            assert any(expected), field  # a column of zeros would prove nothing


def test_other_layouts_are_read_value_by_value(searcher, monkeypatch):
    """A column type the fast path does not know goes through Whoosh's reader."""
    reader = searcher.reader()
    fast = {name: list(columns.column_values(reader, name)) for name in COLUMNS}
    monkeypatch.setattr(internals, "read_column", lambda column, doccount: None)
    for name in COLUMNS:
        assert list(columns.column_values(reader, name)) == fast[name]
    monkeypatch.setattr(internals, "length_column", lambda reader, fieldname: None)
    leaf = reader.leaf_readers()[0][0]
    assert columns.length_bytes(leaf, "body") == bytes(
        length_to_byte(leaf.doc_field_length(d, "body", 0) or 0) for d in range(leaf.doc_count_all()))
