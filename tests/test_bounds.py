"""Per-request algorithms stay linear on hostile input and give the old results.

Each fast version is compared with the quadratic one it replaced, kept here as
a brute-force reference; the literal cases are the inputs that took seconds.
No timing is asserted: `bench/hostile.py` measures it.
"""

import html
import re
import unicodedata
from urllib.parse import unquote

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq
from whoosh.fields import TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from search.analysis.normalize import MAX_COMBINING, normalize
from search.analysis.tokenizer import ViewTokenizer
from search.ingest.hugo import FRAGMENT_CHARS, text_fragment
from search.retrieve.collect import span_in_order
from search.retrieve.execute import Executor
from search.retrieve.phrase import in_sequence
from search.retrieve.snippets import (
    CONTEXT_BEFORE,
    LITERAL_SCAN_CHARS,
    SNIPPET_CHARS,
    literal_spans,
    make_snippet,
    merge_spans,
)

examples = settings(max_examples=300, deadline=None, derandomize=True)


# -- references: the algorithms as they were --------------------------------


def window_reference(length, spans, size):
    if length <= size or not spans:
        return 0, min(length, size)
    best_start, best_count = 0, -1
    for start, _ in spans:
        lo = max(0, start - CONTEXT_BEFORE)
        count = sum(1 for s, e in spans if s >= lo and e <= lo + size)
        if count > best_count:
            best_start, best_count = lo, count
    best_start = min(best_start, max(0, length - size))
    return best_start, best_start + size


def span_in_order_reference(position_lists):
    best = None
    for start in position_lists[0]:
        last = start
        for positions in position_lists[1:]:
            last = next((p for p in positions if p > last), None)
            if last is None:
                break
        else:
            best = last - start if best is None else min(best, last - start)
    return best


def in_sequence_reference(position_lists, slop):
    ends = set(position_lists[0])
    for positions in position_lists[1:]:
        ends = {p for p in positions if any(1 <= p - e <= slop for e in ends)}
        if not ends:
            return False
    return True


OLD_MARKDOWN = re.compile(r"\[([^\]]*)\]\([^)]*\)|[*_`>＞#]|https?://\S+")


def fragment_reference(body, markdown=OLD_MARKDOWN):
    first_line = next((line for line in body.splitlines() if line.strip()), "")
    plain = markdown.sub(lambda m: m.group(1) or "", first_line).strip()
    words = plain[:FRAGMENT_CHARS]
    cut = max(words.rfind(c) for c in "、。！？ ,.") if len(plain) > FRAGMENT_CHARS else -1
    words = (words[:cut] if cut >= 8 else words).strip()
    return "#:~:text=" + words if words else ""


def decoded(fragment):
    return "#:~:text=" + unquote(fragment[len("#:~:text=") :]) if fragment else ""


# -- snippets -----------------------------------------------------------------


def laid_end_to_end(gaps_and_lengths):
    spans, end = [], -5
    for gap, length in gaps_and_lengths:
        spans.append((end + gap, end + gap + length))
        end += gap + length
    return spans


# Matches laid out one after another, some touching or overlapping (negative gaps).
spans_ = st.lists(st.tuples(st.integers(-3, 15), st.integers(0, 12)), max_size=40).map(laid_end_to_end)


@examples
@given(st.integers(0, 160), spans_, st.integers(1, 70))
def test_snippet_window_is_the_one_the_quadratic_scan_picked(length, spans, size):
    text = "".join(chr(0x4E00 + i) for i in range(length))  # every character its own, none escaped
    spans = [(max(0, s), min(length, e)) for s, e in merge_spans(spans) if min(length, e) > max(0, s)]
    lo, hi = window_reference(length, spans, size)
    expected = ("…" if lo > 0 else "") + text[lo:hi] + ("…" if hi < length else "")
    assert re.sub("</?mark>", "", make_snippet(text, spans, size)) == expected


def visible(snippet):
    return html.unescape(re.sub(r"</?mark>", "", snippet)).strip("…")


def test_snippet_of_one_word_repeated_12000_times():
    text = "機械" * 12000
    snippet = make_snippet(text, [(2 * i, 2 * i + 2) for i in range(12000)])
    assert snippet.startswith("<mark>機械") and snippet.endswith("…")
    assert visible(snippet) == text[:SNIPPET_CHARS]


def test_snippet_of_12000_separate_matches_starts_at_the_first():
    text = "機械 " * 12000
    snippet = make_snippet(text, [(3 * i, 3 * i + 2) for i in range(12000)])
    assert snippet.startswith("<mark>機械</mark> <mark>機械</mark>")
    assert len(visible(snippet)) <= SNIPPET_CHARS and text.startswith(visible(snippet))
    assert snippet.count("<mark>") == SNIPPET_CHARS // 3 + 1


def test_snippet_window_moves_to_the_densest_matches():
    text = "x" * 1000 + "機械" + "y" * 1000
    snippet = make_snippet(text, [(1000, 1002)])
    assert snippet.startswith("…") and f"{'x' * CONTEXT_BEFORE}<mark>機械</mark>" in snippet


# -- proximity and phrases ------------------------------------------------------

positions_ = st.lists(st.integers(0, 60), max_size=25).map(lambda p: sorted(set(p)))


@examples
@given(st.lists(positions_, min_size=1, max_size=4))
def test_span_in_order_matches_the_scan_from_every_start(position_lists):
    assert span_in_order(position_lists) == span_in_order_reference(position_lists)


def test_span_in_order_on_two_lists_of_12000():
    evens, odds = list(range(0, 24000, 2)), list(range(1, 24000, 2))
    assert span_in_order([evens, odds]) == 1
    assert span_in_order([list(range(12000)), list(range(12000, 24000))]) == 1
    assert span_in_order([list(range(12000, 24000)), list(range(12000))]) is None
    assert span_in_order([evens, odds, evens]) == 2


class Placed(ViewTokenizer):
    """Tokens written `word@position`, so that a test lays out a comment's positions freely."""

    def tokens(self, t, value, positions, chars, removestops, start_pos, start_char, mode):
        for item in value.split():
            t.text, pos = item.split("@")
            if positions:
                t.pos = start_pos + int(pos)
            yield t


def phrase_matches(position_lists, slop) -> bool:
    """Whether the executor matches a sloppy phrase of words w0, w1, ... at these positions."""
    placed = sorted((p, i) for i, positions in enumerate(position_lists) for p in positions)
    ix = RamStorage().create_index(Schema(body=TEXT(analyzer=Placed(), phrase=True)))
    with ix.writer() as writer:
        writer.add_document(body=" ".join(f"w{i}@{p}" for p, i in placed))
        writer.add_document(body="other@0")
    with ix.searcher() as searcher:
        phrase = wq.Phrase("body", [f"w{i}" for i in range(len(position_lists))], slop=slop)
        return set(Executor(searcher).scores(phrase)) == {0}


@examples
@given(st.lists(positions_, min_size=1, max_size=4), st.integers(0, 12))
def test_in_sequence_matches_the_scan_of_every_end(position_lists, slop):
    assert in_sequence(position_lists, slop) == in_sequence_reference(position_lists, slop)


@examples
@given(st.lists(positions_, min_size=2, max_size=4), st.integers(0, 12))  # one word: its own postings
def test_sloppy_phrases_match_as_the_scan_of_every_end(position_lists, slop):
    assert phrase_matches(position_lists, slop) == in_sequence_reference(position_lists, slop)


def test_sloppy_phrases_on_lists_of_12000():
    evens, odds = list(range(0, 24000, 2)), list(range(1, 24000, 2))
    assert in_sequence([evens, odds, evens, odds], 8)
    assert not in_sequence([odds, list(range(30000, 42000))], 8)
    assert in_sequence([odds, list(range(24007, 36007))], 8)
    assert phrase_matches([evens, odds, evens, odds], 8)
    assert not phrase_matches([odds, list(range(30000, 42000))], 8)


# -- text fragments -----------------------------------------------------------

word = st.text(st.sampled_from("機械学習のモデルabcXYZ0189"), min_size=1, max_size=12)
piece = st.one_of(
    word,
    word,
    st.sampled_from([" ", "、", "。", "？", "　"]),
    st.sampled_from(["**", "*", "_", "`", "＞", ">", "#"]),
    st.builds(lambda t, u: f"[{t}](https://example.com/{u})", word, word),
    st.builds(lambda u: f"https://example.com/{u}", word),
)
normal_line = st.lists(piece, max_size=20).map("".join)
normal_body = st.builds(
    lambda blank, lines: blank + "\n".join(lines),
    st.sampled_from(["", "\n", " \n\n", "\r\n"]),
    st.lists(normal_line, min_size=1, max_size=3),
)


@examples
@given(normal_body)
def test_text_fragment_of_normal_comments_is_unchanged(body):
    assert decoded(text_fragment(body)) == fragment_reference(body)


NEW_MARKDOWN = re.compile(r"\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)|[*_`>＞#]|https?://\S+")


@examples
@given(st.text(st.sampled_from("[]()ab 、*\n\r\x85\u2028\u3000\t"), max_size=80))
def test_text_fragment_reads_the_first_non_blank_line_of_any_text(body):
    assert decoded(text_fragment(body)) == fragment_reference(body, NEW_MARKDOWN)


def test_text_fragment_of_30000_brackets():
    assert text_fragment("[" * 30000) == "#:~:text=" + "%5B" * FRAGMENT_CHARS
    assert decoded(text_fragment("[a](" * 10000)) == "#:~:text=" + ("[a](" * 6)[:FRAGMENT_CHARS]


def test_text_fragment_of_a_link():
    assert decoded(text_fragment("[link](https://example.com/a) の話\n次の行")) == "#:~:text=link の話"


def test_text_fragment_follows_how_the_post_renders_brackets():
    # Markdown renders `[a [b](c)` as "[a " then a link "b", and allows one
    # balanced pair of parentheses in a link's URL.
    assert decoded(text_fragment("[a [b](c) 続き")) == "#:~:text=[a b 続き"
    assert decoded(text_fragment("[Foo](https://en.wikipedia.org/wiki/Foo_(bar)) 参照")) == "#:~:text=Foo 参照"


# -- the hostile benchmark ----------------------------------------------------------


def test_hostile_benchmark_runs_end_to_end_on_a_tiny_archive(tmp_path, capsys):
    """Every hostile request gets an answer and every figure is reported (no timing asserted)."""
    import json

    from bench import hostile
    from bench.generate import generate_site

    out = tmp_path / "hostile.json"
    results = hostile.main(
        [
            "--posts",
            "3",
            "--scale",
            "0.001",
            "--samples",
            "3",
            "--clients",
            "2",
            "--request-seed",
            "1",
            "--work",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ]
    )
    assert json.loads(capsys.readouterr().out) == results == json.loads(out.read_text("utf-8"))
    hostile_ = results["hostile"]
    assert hostile_["requests"] >= 50 and hostile_["failures"] == []
    assert set(hostile_["statuses"]) <= {"200", "400"}
    assert {"did_you_mean", "kana_run", "crafted", "deep_page", "user", "html_crafted"} <= set(hostile_["by_kind"])
    interference = results["interference"]
    assert interference["idle_samples"] == interference["loaded_samples"] == 3
    assert interference["hostile_sent_during"] > 0 and interference["hostile_failed_during"] == 0
    assert results["server_errors_logged"] == 0
    crafted = len(results["crafted_chars"])
    assert results["comments"] == crafted + generate_site(tmp_path / "again", 3, seed=1).comments


# -- normalization: C-speed on the parts NFKC leaves alone --------------------


def normalize_reference(text):
    """The per-piece loop `normalize` ran over every character."""
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    out, offsets, i, n = [], [], 0, len(text)
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(text[j]) or text[j] in "\uff9e\uff9f"):
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j])
        out.append(piece)
        offsets.extend([i] * len(piece))
        i = j
    offsets.append(n)
    return "".join(out), offsets


MIXED = "機械学習のデータＡＢＣabc ｶﾞｷﾞﾊﾟﾞﾟ①㍻ﾞ\u0301\u0300e가\u1100\u1161。\n"


@examples
@given(st.text(alphabet=st.sampled_from(MIXED), max_size=800))
def test_normalize_gives_the_text_and_map_of_the_piece_by_piece_loop(text):

    norm, offsets = normalize(text)
    expected, expected_offsets = normalize_reference(text)
    assert norm == expected
    if expected_offsets is None:
        assert offsets is None
        return
    assert len(offsets) == len(expected_offsets) and offsets[-1] == len(text)
    for got, want in zip(offsets, expected_offsets):
        # A combining mark NFKC leaves as it is now maps to itself, not to its base.
        assert got == want or (want < got and unicodedata.combining(text[got]))


def test_normalize_a_long_comment_with_a_few_full_width_letters():
    text = ("機械学習のモデルはGPUで訓練する。" * 500 + "ＧＰＵ") * 60  # about 1 MB
    assert normalize(text) == normalize_reference(text)


def test_a_run_of_combining_marks_keeps_the_first_thirty():
    norm, offsets = normalize("a" + "\u0301\u0300" * 8000 + "b")
    assert norm == unicodedata.normalize("NFKC", "a" + "\u0301\u0300" * 15)[:MAX_COMBINING] + "b"
    assert offsets[-2] == 16001 and offsets[-1] == 16002


def test_literals_are_marked_in_the_opening_of_a_huge_comment_only():
    text = "ＣＰＵ" + "あ" * LITERAL_SCAN_CHARS + "ＣＰＵ"
    assert literal_spans(text, ["cpu"]) == [(0, 3)]
