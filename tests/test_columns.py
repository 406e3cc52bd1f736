"""Whole-column reads give exactly what Whoosh's per-document readers give."""

from __future__ import annotations

from types import SimpleNamespace

from whoosh.util.numeric import length_to_byte

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
            expected = bytes(
                length_to_byte(leaf.doc_field_length(d, field, 0) or 0) for d in range(leaf.doc_count_all())
            )
            assert columns.length_bytes(leaf, field) == expected, field
            assert any(expected), field  # a column of zeros would prove nothing


class Public:
    """A Whoosh object as another codec would give it: the wrapped one's public names only."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.inner, name)


class OtherCodec(Public):
    """A reader of another codec: its columns plain sequences, its matchers without Whoosh 3 blocks."""

    def __contains__(self, term):
        return term in self.inner

    def leaf_readers(self):
        return [(OtherCodec(leaf), offset) for leaf, offset in self.inner.leaf_readers()]

    def column_reader(self, name, translate=False):
        return list(self.inner.column_reader(name, translate=translate))

    def postings(self, fieldname, text, *args, **kwargs):
        return Public(self.inner.postings(fieldname, text, *args, **kwargs))


class OtherCodecSearcher(Public):
    """A searcher whose leaves are read through `OtherCodec`."""

    def leaf_searchers(self):
        return [
            (SimpleNamespace(reader=lambda leaf=leaf: OtherCodec(leaf.reader())), offset)
            for leaf, offset in self.inner.leaf_searchers()
        ]


def test_other_layouts_are_read_value_by_value(searcher):
    """A column type the fast path does not know goes through Whoosh's reader."""
    reader = searcher.reader()
    assert not reader.is_atomic()  # the leaves are read one by one
    for name in COLUMNS:
        assert list(columns.column_values(OtherCodec(reader), name)) == list(columns.column_values(reader, name))
    leaf = reader.leaf_readers()[0][0]
    assert (
        columns.length_bytes(OtherCodec(leaf), "body")
        == columns.length_bytes(leaf, "body")
        == bytes(length_to_byte(leaf.doc_field_length(d, "body", 0) or 0) for d in range(leaf.doc_count_all()))
    )
