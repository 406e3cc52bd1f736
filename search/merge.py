"""Which segments an incremental commit merges: a bounded count, whatever the history.

Every incremental commit writes one new segment, and every term lookup of
a search probes one hash table per segment. Whoosh's default policy
(`MERGE_SMALL`) merges only while the whole index is tiny, so on a real
archive each commit would add a segment for good: a year of edits, a few
hundred segments, and every query word a few hundred probes.

`merge_tiers` is a tiered policy, the shape of Lucene's: a segment's tier
is the number of decimal digits of its live document count, and once a
tier holds `MERGE_FACTOR` segments they are merged into the segment being
written. An index then holds fewer than `MERGE_FACTOR` segments per tier
(a few dozen at the very most), and a comment is rewritten about once per
tier it climbs. A segment left with no live document is dropped, and one
that is mostly deleted is merged, so its dead postings are not read for
ever.
"""

from __future__ import annotations

from collections import defaultdict

MERGE_FACTOR = 4  # segments of one tier that are merged into one
MOSTLY_DELETED = 0.5  # a segment with more of its documents deleted than this is merged


def merge_tiers(writer, segments) -> list:
    """Whoosh merge policy: add the segments to merge to `writer`, return those kept."""
    from whoosh.reading import SegmentReader

    tiers: dict[int, list] = defaultdict(list)
    merged = []
    for segment in segments:
        live = segment.doc_count()
        if live == 0:
            continue  # nothing left to search: dropped
        if segment.deleted_count() > MOSTLY_DELETED * segment.doc_count_all():
            merged.append(segment)
        else:
            tiers[len(str(live))].append(segment)
    kept = []
    for tier in tiers.values():
        if len(tier) >= MERGE_FACTOR:
            merged.extend(tier)
        else:
            kept.extend(tier)
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment in kept]
