"""Golden tokenization tests: terms, positions and offsets into the original text."""

import pickle
from pathlib import Path

import pytest

from search.analysis import JapaneseAnalyzer, analyze, fold_katakana, normalize


def terms(text, mode="query"):
    return [t for t, _, _, _ in analyze(text, mode)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("機械学習の数学を勉強した", ["機械", "学習", "数学", "勉強", "する"]),
        ("走らなかった", ["走る"]),
        ("ユーザーがサーバーを使った", ["ユーザ", "サーバ", "使う"]),
        ("コンピューターとコンピュータ", ["コンピュータ", "コンピュータ"]),
        ("コピーする", ["コピー", "する"]),
        ("ＬＬＭとPyTorch", ["llm", "pytorch"]),
        ("ｶﾀｶﾅのﾕｰｻﾞｰ", ["カタカナ", "ユーザ"]),
        ("東京都に住む", ["東京", "住む"]),
        ("京都に行く", ["京都", "行く"]),
        ("C++とC#と.NET", ["c++", "c#", ".net"]),
        ("GPT-4oとNode.js", ["gpt-4o", "node.js"]),
        ("x86_64とk8s", ["x86_64", "k8s"]),
    ],
)
def test_query_terms(text, expected):
    assert terms(text) == expected


def test_index_mode_adds_identifier_parts_at_the_same_position():
    tokens = analyze("GPT-4oが出た", "index")
    assert [(t, p) for t, p, _, _ in tokens[:3]] == [("gpt-4o", 0), ("gpt", 0), ("4o", 0)]


def test_c_plus_plus_is_not_split_into_c():
    assert "c" not in terms("C++で書いた", "index")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ＰｙＴｏｒｃｈで機械学習", [("pytorch", "ＰｙＴｏｒｃｈ"), ("機械", "機械"), ("学習", "学習")]),
        ("ｶﾞｲﾄﾞのﾃﾞｰﾀ", [("ガイド", "ｶﾞｲﾄﾞ"), ("データ", "ﾃﾞｰﾀ")]),
    ],
    ids=["full-width", "half-width-voiced"],
)
def test_offsets_point_into_the_original_text(text, expected):
    assert [(term, text[start:end]) for term, _, start, end in analyze(text)] == expected


def test_repeated_words_get_their_own_offsets():
    text = "数学と数学と数学"
    starts = [s for t, _, s, _ in analyze(text) if t == "数学"]
    assert starts == [0, 3, 6]


def test_dropped_particles_keep_their_position():
    positions = {t: p for t, p, _, _ in analyze("機械学習の数学")}
    assert positions["学習"] == positions["機械"] + 1
    assert positions["数学"] == positions["学習"] + 2


def test_leading_spaces_do_not_shift_offsets():
    text = "  テスト です"
    (term, _, start, end), = analyze(text)
    assert (term, text[start:end]) == ("テスト", "テスト")


def test_normalize_map_is_none_when_nothing_changes():
    assert normalize("普通の文") == ("普通の文", None)
    norm, offsets = normalize("ＡＢ")
    assert norm == "AB" and offsets == [0, 1, 2]


@pytest.mark.parametrize(
    "word, folded",
    [("ユーザー", "ユーザ"), ("サーバー", "サーバ"), ("コピー", "コピー"), ("ユーザ", "ユーザ"), ("データー", "データ")],
)
def test_fold_katakana(word, folded):
    assert fold_katakana(word) == folded


def test_analyzer_pickles_without_janome_state():
    analyzer = JapaneseAnalyzer()
    list(analyzer("テスト"))  # loads janome in this process
    clone = pickle.loads(pickle.dumps(analyzer))
    assert [t.text for t in clone("テスト")] == ["テスト"]


def test_janome_dictionary_is_kept_out_of_garbage_collections():
    import gc

    from search.analysis import GC_YOUNG_THRESHOLD, get_janome

    get_janome()
    assert gc.get_freeze_count() > 10_000  # the dictionary's objects, frozen once loaded
    assert gc.get_threshold()[0] >= GC_YOUNG_THRESHOLD


def dictionary_residency() -> tuple[int, int]:
    """(resident bytes, mapped bytes) of janome's dictionary files in this process."""
    resident = size = 0
    mapping = False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if line[:1] in "0123456789abcdef" and "-" in line.split()[0]:
            mapping = "janome/sysdic/entries_" in line
        elif mapping and line.startswith(("Rss:", "Size:")):
            kb = int(line.split()[1]) * 1024
            if line.startswith("Rss:"):
                resident += kb
            else:
                size += kb
    return resident, size


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="needs Linux /proc")
def test_warming_the_dictionary_faults_in_every_mapped_page_and_changes_nothing():
    from search.analysis import warm_dictionary

    before = analyze("機械学習の数学を勉強した")
    touched = warm_dictionary()
    resident, size = dictionary_residency()
    assert touched > 50 * 2**20 and size >= touched  # janome 0.5's system dictionary is about 90 MB
    assert resident >= 0.95 * size
    assert analyze("機械学習の数学を勉強した") == before


def test_memoized_word_decisions_depend_on_everything_janome_said():
    from search.analysis import _decide

    noun = "名詞,一般,*,*"
    assert _decide("日", noun, "日", "ヒ")[2] == "ヒ"
    assert _decide("日", noun, "日", "ニチ")[2] == "ニチ"  # same word, another reading
    assert _decide("日", noun, "*", "ニチ")[0] == "日"
    assert _decide("日", noun, "陽", "ニチ")[0] == "陽"  # another base form
    assert _decide("の", "助詞,連体化,*,*", "の", "ノ")[1:] == (True, "")
    assert _decide("の", noun, "の", "ノ")[1:] == (False, "ノ")  # another part of speech


def test_memoized_words_equal_words_decided_afresh():
    from search import analysis, hugo
    from tests.builders import SAMPLE_SITE

    site = hugo.load_site(SAMPLE_SITE)
    bodies = [q.body for f in hugo.iter_post_files(site) for q in hugo.read_post(site, f)[0].quotes]
    afresh = []
    for body in bodies:
        analysis._WORD_MEMO.clear()
        afresh.append(analysis.analyze_text.__wrapped__(body, "index"))
    assert len(bodies) > 100
    assert [analysis.analyze_text.__wrapped__(b, "index") for b in bodies] == afresh
