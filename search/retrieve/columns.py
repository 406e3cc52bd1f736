"""Read Whoosh 3 per-document columns whole, in a few reads instead of one per document.

Whoosh's column readers return one document's value per call: on a
165,000-comment index, building the facet table or the BM25 length table
that way is half a million calls and about a second. Whoosh 3 stores these
columns as runs of bytes, so each is read here in one or two reads and split
in Python. A column of any other layout is read through Whoosh's own
reader, value by value, with the same result (`tests/test_columns.py`).
"""

from __future__ import annotations

import sys
from array import array

from whoosh import columns


def column_values(reader, name: str) -> list:
    """Every document's raw (untranslated) value of column `name`, by docnum."""
    values: list = []
    for leaf, _offset in _leaves(reader):
        column = leaf.column_reader(name, translate=False)
        values.extend(_read_whole(column, leaf.doc_count_all()))
    return values


def length_bytes(reader, fieldname: str) -> bytes:
    """The one-byte length of `fieldname` for every document of a leaf reader."""
    column = _length_column(reader, fieldname)
    if column is not None:
        return bytes(_read_whole(column, reader.doc_count_all()))
    from whoosh.util.numeric import length_to_byte

    return bytes(length_to_byte(reader.doc_field_length(d, fieldname, 0) or 0)
                 for d in range(reader.doc_count_all()))


def _leaves(reader):
    if reader.is_atomic():
        return [(reader, 0)]
    return reader.leaf_readers()


def _length_column(reader, fieldname: str):
    """Whoosh 3's column of length bytes; None for other readers."""
    cached_reader = getattr(getattr(reader, "_perdoc", None), "_cached_reader", None)
    if cached_reader is None:
        return None
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    return cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)


def _read_whole(column, doccount: int):
    if (type(column) is columns.NumericColumn.Reader and not column._reverse
            and array(column._typecode).itemsize == column._fixedlen):
        return _numeric(column, doccount)
    if type(column) is columns.VarBytesColumn.Reader:
        return _var_bytes(column)
    return list(column)


def _numeric(column, doccount: int) -> array:
    """Fixed-width big-endian numbers; documents past the stored ones have the default."""
    stored = min(column._count, doccount)
    values = array(column._typecode)
    values.frombytes(bytes(column._dbfile.get(column._basepos, stored * column._fixedlen)))
    if sys.byteorder == "little" and values.itemsize > 1:
        values.byteswap()
    values.extend([column._default] * (doccount - stored))
    return values


def _var_bytes(column) -> list[bytes]:
    """Variable-length values stored back to back, in docnum order."""
    lengths, offsets = column._lengths, column._offsets
    if not len(lengths):
        return []
    end = max(o + n for o, n in zip(offsets, lengths))
    data = bytes(column._dbfile.get(column._basepos, end))
    return [data[o:o + n] for o, n in zip(offsets, lengths)]
