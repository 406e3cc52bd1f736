"""Every read of a private Whoosh or janome name, beside the versions it was written for.

Whoosh reads postings one at a time and columns one document at a time; the
executor and the column reader go faster by reading Whoosh 3's on-disk
layout whole, and the warm-up faults in janome's memory-mapped dictionary.
Those reads reach past both libraries' public API, so they live here and
nowhere else, written against exactly `WHOOSH_VERSION` and `JANOME_VERSION`,
the pins in `pyproject.toml`. An upgrade re-checks every function below;
`tests/test_internals.py` fails first when the installed versions move, and
checks each function against the public API on a real index.

The functions a caller asks first (`has_blocks`, `length_column`,
`read_column`, `janome_mmaps`) answer for objects of another layout too
(False, None, an empty list), and the caller then takes the public path:
the executor walks the postings one by one, the column reader reads value
by value, the warm-up leaves the dictionary as it is.

This module imports no janome: `search/analysis/` hands it the tokenizer.
"""

from __future__ import annotations

import mmap
import sys
import zlib
from array import array
from dataclasses import dataclass
from itertools import accumulate
from pickle import loads

from whoosh import columns, formats

WHOOSH_VERSION = "3.54.0"  # the `whoosh3` distribution
JANOME_VERSION = "0.5.0"


# -- posting blocks (whoosh.codec.whoosh3.W3LeafMatcher) ------------------


@dataclass(frozen=True)
class Block:
    """Where one postings block of a term lies in its leaf's postings file."""

    max_id: int
    offset: int
    length: int
    compressed: bool


_BLOCK_ATTRS = (
    "_atend",
    "_maxid",
    "_nextoffset",
    "_dataoffset",
    "_postfile",
    "_compression",
    "_blocklength",
    "_next_block",
    "_byteids",
)
_INT_SIZE = 4  # the count Whoosh's position formats put before the pickle


def has_blocks(matcher) -> bool:
    """True for a Whoosh 3 leaf matcher of docnums: `read_blocks` can read it."""
    return all(hasattr(matcher, a) for a in _BLOCK_ATTRS) and not matcher._byteids


def read_blocks(m, values: bool = False):
    """Return (docnums, weights, blocks, values) of a fresh `has_blocks` matcher, a block at a time.

    One unpickle per block of 128 postings; the matcher is left at its end.
    Values (positions, characters) are kept only when asked for.
    """
    ids: list[int] = []
    weights: list[float] = []
    blocks: list[Block] = []
    vals: list = []
    while not m._atend:
        block = Block(m._maxid, m._dataoffset, m._nextoffset - m._dataoffset, bool(m._compression))
        blocks.append(block)
        block_ids, block_weights, block_values = load_block(m._postfile, block)[:3]
        ids.extend(accumulate(block_ids))
        if block_weights is None:
            weights.extend([1.0] * m._blocklength)
        elif isinstance(block_weights, float):
            weights.extend([block_weights] * m._blocklength)
        else:
            weights.extend(block_weights)
        if values:
            vals.extend(block_values)
        m._next_block()
    return ids, weights, tuple(blocks), vals


def postings_file(matcher):
    """The postings file a `has_blocks` matcher reads: Whoosh 3 keeps one per segment."""
    return matcher._postfile


def load_block(postfile, block: Block) -> tuple:
    """A block's data tuple as stored: (docnum deltas, weights, values, ...)."""
    raw = postfile.get(block.offset, block.length)
    return loads(zlib.decompress(raw) if block.compressed else raw)


def decode_block(postfile, block: Block) -> tuple[list[int], list]:
    """A block's docnums and posting values."""
    block_ids, _, values = load_block(postfile, block)[:3]
    return list(accumulate(block_ids)), values


def decode_positions(fmt, value: bytes) -> list[int]:
    """Token positions from a posting value, without Whoosh's per-item loop."""
    if isinstance(fmt, formats.Positions):  # Characters subclasses it
        data = value if value.endswith(b".") else value + b"."
        codes = loads(data[_INT_SIZE:])
        return list(accumulate(c[0] for c in codes) if codes and isinstance(codes[0], tuple) else accumulate(codes))
    return fmt.decode_positions(value)


# -- scoring (whoosh.scoring.BM25F) --------------------------------------


def bm25f_b(weighting, fieldname: str) -> float:
    """BM25F's B for one field: its `fieldname_B` argument, else B, as `BM25F.scorer` picks it."""
    return weighting._field_B.get(fieldname, weighting.B)


# -- per-document columns (whoosh.columns, whoosh.codec.whoosh3) ---------


def length_column(reader, fieldname: str):
    """Whoosh 3's column of a field's length bytes in a leaf reader; None for other readers."""
    cached_reader = getattr(getattr(reader, "_perdoc", None), "_cached_reader", None)
    if cached_reader is None:
        return None
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    return cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)


def read_column(column, doccount: int):
    """Every value of a column reader, by docnum, in one or two reads; None for another layout.

    Whoosh 3 stores fixed-width numbers and variable-length bytes as runs
    of bytes, read here whole and split in Python.
    """
    if (
        type(column) is columns.NumericColumn.Reader
        and not column._reverse
        and array(column._typecode).itemsize == column._fixedlen
    ):
        return _numeric(column, doccount)
    if type(column) is columns.VarBytesColumn.Reader:
        return _var_bytes(column)
    return None


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
    return [data[o : o + n] for o, n in zip(offsets, lengths)]


# -- janome's system dictionary (janome.dic.MMapSystemDictionary) --------


def janome_mmaps(tokenizer) -> list[mmap.mmap]:
    """The memory maps of a janome tokenizer's system dictionary; [] for one read into memory."""
    dictionary = tokenizer.sys_dic
    maps = [getattr(dictionary, name, None) for name in ("entries_compact", "entries_extra")]
    return [mm for entries in maps for mm, _ in (entries or {}).values() if isinstance(mm, mmap.mmap)]
