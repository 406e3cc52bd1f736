"""Golden tokenization tests: terms, positions and offsets into the original text."""

import pickle

import pytest

from search.analysis.normalize import fold_katakana, normalize
from search.analysis.tokenizer import JapaneseAnalyzer, analyze
from search.analysis.words import analyze_text, clear_caches
from search.views.reading import ReadingAnalyzer


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
    ((term, _, start, end),) = analyze(text)
    assert (term, text[start:end]) == ("テスト", "テスト")


def test_normalize_map_is_none_when_nothing_changes():
    assert normalize("普通の文") == ("普通の文", None)
    norm, offsets = normalize("ＡＢ")
    assert norm == "AB" and offsets == [0, 1, 2]


@pytest.mark.parametrize(
    "word, folded",
    [
        ("ユーザー", "ユーザ"),
        ("サーバー", "サーバ"),
        ("コピー", "コピー"),
        ("ユーザ", "ユーザ"),
        ("データー", "データ"),
    ],
)
def test_fold_katakana(word, folded):
    assert fold_katakana(word) == folded


def test_analyzer_pickles_without_janome_state():
    analyzer = JapaneseAnalyzer()
    list(analyzer("テスト"))  # loads janome in this process
    clone = pickle.loads(pickle.dumps(analyzer))
    assert [t.text for t in clone("テスト")] == ["テスト"]


def test_warming_the_dictionary_touches_it_whole_and_changes_no_analysis():
    from search.analysis.words import warm_dictionary

    clear_caches()
    before = analyze("機械学習の数学を勉強した")
    touched = warm_dictionary()
    assert touched > 50 * 2**20  # janome 0.5's system dictionary is about 90 MB
    assert warm_dictionary() == touched
    clear_caches()  # analyzed again, not recalled
    assert analyze("機械学習の数学を勉強した") == before


def readings(text):
    return [t.text for t in ReadingAnalyzer()(text)]


# One surface that janome reads, or classes, differently in two texts.
SAME_SURFACE = [
    ("人が来た", "三人で行く"),  # 人: ヒト, a noun; ニン, a counter (no term of its own)
    ("日が昇る", "三日"),  # 日: ヒ; ニチ, a counter
    ("本の話", "私のです"),  # の: a particle (no reading); a dependent noun, read ノ
    ("学校にいった", "彼がいった"),  # いっ: one reading and part of speech, base forms いく and いう
]


@pytest.mark.parametrize("first, then", SAME_SURFACE + [(b, a) for a, b in SAME_SURFACE])
def test_a_word_memoized_in_one_text_is_analyzed_as_janome_read_it_in_another(first, then):
    clear_caches()
    fresh = (analyze(then, "index"), readings(then))
    clear_caches()
    assert (analyze(first, "index"), readings(first)) != fresh
    assert (analyze(then, "index"), readings(then)) == fresh  # with the words of `first` memoized


def test_memoized_words_equal_words_analyzed_afresh():
    from search.ingest import hugo
    from tests.builders import SAMPLE_SITE

    site = hugo.load_site(SAMPLE_SITE)
    bodies = [q.body for f in hugo.iter_post_files(site) for q in hugo.read_post(site, f)[0].quotes]
    afresh = []
    for body in bodies:
        clear_caches()
        afresh.append(analyze_text(body, "index"))
    clear_caches()
    assert len(bodies) > 100
    assert [analyze_text(b, "index") for b in bodies] == afresh
