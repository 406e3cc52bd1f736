"""English ⇄ katakana loanwords and romaji, on a small archive in the real format."""

from __future__ import annotations

import lzma
import re
import sqlite3

import pytest

from search.index.indexer import update_index
from search.ingest import hugo
from search.query.bridges import LOANWORD_BOOST
from search.query.compile import compile_query
from search.query.loanwords import DEFAULT_TABLE, Loanwords, loan_key, read_table, shipped
from search.query.romaji import is_romaji, readings
from search.query.synonyms import load_synonyms
from search.retrieve.service import SearchService
from search.views.superterms import MAX_QUERY_SUPERTERMS, Superterms
from tests.builders import copy_sample_site, post_text, write_post
from tests.conftest import invoke_cli, search
from tools import loanwords as tool

COMMENTS = [
    ("このブラウザは拡張機能が多すぎて重い。", "kata-browser"),
    ("The browser engine is the real moat here.", "latin-browser"),
    ("コンテナで動かすと起動が速い。", "kata-container"),
    ("container イメージの大きさが問題。", "latin-container"),
    ("ガベージコレクションの停止時間が長い。", "kata-gc"),
    ("Java の garbage collection は昔より賢い。", "latin-gc"),
    ("garbage を拾う collection が趣味だ。", "apart-gc"),
    ("機械学習の論文を読んだ。", "ml"),
    ("線形代数は基礎だ。", "linalg"),
    ("著作権の切れた本。", "copyright"),
    ("Rust と docker と kernel の話。", "tech"),
    ("最後のラストが良い。", "last"),
]


@pytest.fixture(scope="module")
def loan_service(tmp_path_factory):
    root = tmp_path_factory.mktemp("loan")
    site = copy_sample_site(root / "site")
    write_post(site, "2025_03_21_loan", post_text("外来語", quotes=COMMENTS))
    update_index(hugo.load_site(site), root / "index", jobs=1)
    service = SearchService(root / "index")
    yield service
    service.close()


def found(service, query, **kwargs):
    return [h.user for h in search(service, query, **kwargs).hits]


@pytest.mark.parametrize(
    "query, exact, bridged",
    [
        ("browser", "latin-browser", "kata-browser"),
        ("ブラウザ", "kata-browser", "latin-browser"),
        ("ブラウザー", "kata-browser", "latin-browser"),
        ("Container", "latin-container", "kata-container"),
        ("コンテナ", "kata-container", "latin-container"),
        ("ガベージコレクション", "kata-gc", "latin-gc"),
        ('"garbage collection"', "latin-gc", "kata-gc"),
    ],
)
def test_a_word_finds_its_loanword_and_the_exact_form_ranks_first(loan_service, query, exact, bridged):
    users = found(loan_service, query)
    assert users[:2] == [exact, bridged]


def test_a_rarer_bridged_form_weighs_half_the_typed_word_whatever_its_idf():
    # By idf alone one comment saying `container` would outscore the thousands
    # saying コンテナ; the bridge's boost cancels its idf for the typed word's.
    held = {"コンテナ": 20_000, "container": 3}

    def frequency(term, fieldname="body"):
        return held.get(term, 0)

    superterms = Superterms([], documents=100_000)
    table = Loanwords([("container", "コンテナ")])
    compiled = compile_query("コンテナ", frequency=frequency, superterms=superterms, loanwords=table)
    bridge = next(q for q in compiled.query.leaves() if q.text == "container")
    assert bridge.boost * superterms.idf(3) == pytest.approx(LOANWORD_BOOST * superterms.idf(20_000))
    # The other way the bridged form is the commoner one: half its own weight.
    compiled = compile_query("container", frequency=frequency, superterms=superterms, loanwords=table)
    assert next(q for q in compiled.query.leaves() if q.text == "コンテナ").boost == LOANWORD_BOOST


def test_a_latin_bridge_is_searched_as_its_word_only():
    # No n-grams (`co om mp …`) and no reading: those views cost ten times the query.
    held = {"コンパイラ": 500, "compiler": 50}
    compiled = compile_query(
        "コンパイラ",
        frequency=lambda term, fieldname="body": held.get(term, 0),
        superterms=Superterms([], documents=100_000),
        loanwords=Loanwords([("compiler", "コンパイラ")]),
    )
    latin = {(q.fieldname, q.text) for q in compiled.query.leaves() if q.text.isascii()}
    assert latin == {("body", "compiler")}


def test_the_typed_word_looks_up_its_longer_words_before_its_bridge_does():
    # Both forms are held by more longer words than one query may look up:
    # the word as typed comes first, its bridge gets what is left.
    longer = [f"コンテナ{chr(0x4E00 + i)}{chr(0x4E00 + j)}" for i in range(30) for j in range(30)] + [
        f"container{i}x{j}" for i in range(30) for j in range(30)
    ]
    compiled = compile_query(
        "container",
        frequency=lambda term, fieldname="body": 1,
        superterms=Superterms(longer, documents=100_000),
        loanwords=Loanwords([("container", "コンテナ")]),
    )
    looked_up = {
        q.text for q in compiled.query.leaves() if q.fieldname == "body" and q.text not in ("container", "コンテナ")
    }
    assert len(looked_up) == MAX_QUERY_SUPERTERMS and all(t.startswith("container") for t in looked_up)


def test_two_english_words_that_spell_a_source_also_find_the_loanword(loan_service):
    users = found(loan_service, "garbage collection")
    # Both words anywhere still match; the loanword is bridged; exact forms first.
    assert set(users) == {"latin-gc", "apart-gc", "kata-gc"}
    assert users.index("kata-gc") > min(users.index("latin-gc"), users.index("apart-gc"))


def test_explain_shows_the_bridge(loan_service):
    page = search(loan_service, "container", explain=True)
    assert page.explain.clauses[0].loanwords == ["コンテナ"]
    page = search(loan_service, "garbage collection", explain=True)
    # The table also has ガーベジコレクション and ガーベッジコレクション; the index holds neither.
    bridged = [c.loanwords for c in page.explain.clauses if c.text == "garbage collection"]
    assert bridged == [["ガベージコレクション"]]


def test_only_the_forms_the_index_holds_are_searched_unless_it_holds_none(loan_service, tmp_path):
    custom = tmp_path / "synonyms.toml"
    custom.write_text(
        'groups = []\n[loanwords]\n"container" = ["コンテイナ", "コンテナ"]\n'
        '"widget" = ["ウィジェット", "ウイジェット"]\n',
        encoding="utf-8",
    )
    service = SearchService(loan_service.index_dir, synonyms=custom)
    try:
        assert search(service, "container", explain=True).explain.clauses[0].loanwords == ["コンテナ"]
        assert search(service, "widget", explain=True).explain.clauses[0].loanwords == ["ウィジェット"]
    finally:
        service.close()


def test_a_bridged_match_is_highlighted(loan_service):
    hit = next(h for h in search(loan_service, "container").hits if h.user == "kata-container")
    assert "<mark>コンテナ</mark>" in hit.snippet


def test_the_editors_file_overrides_the_table(loan_service, tmp_path):
    assert shipped().bridges("rust") == ("ラスト",)  # the table alone
    assert found(loan_service, "rust") == ["tech"]  # the shipped synonyms.toml turns rust -> ラスト off
    custom = tmp_path / "synonyms.toml"
    custom.write_text('groups = []\n[loanwords]\n"browser" = []\n"rust" = ["ラスト"]\n', encoding="utf-8")
    service = SearchService(loan_service.index_dir, synonyms=custom)
    try:
        assert found(service, "browser") == ["latin-browser"]
        assert set(found(service, "rust")) == {"tech", "last"}
        assert found(service, "ブラウザ")[:2] == ["kata-browser", "latin-browser"]  # only that direction
    finally:
        service.close()


def test_a_malformed_loanwords_section_names_the_file(tmp_path):
    from search.errors import SynonymsError

    bad = tmp_path / "bad.toml"
    bad.write_text('groups = []\n[loanwords]\n"browser" = "ブラウザ"\n', encoding="utf-8")
    with pytest.raises(SynonymsError, match="bad.toml"):
        load_synonyms(bad)


def test_lookup_folds_case_width_spaces_and_the_long_mark():
    table = Loanwords([("garbage collection", "ガベージコレクション"), ("browser", "ブラウザー")])
    assert table.bridges("Ｇａｒｂａｇｅ  Collection") == ("ガベージコレクション",)
    assert table.bridges("ブラウザ") == table.bridges("ブラウザー") == ("browser",)
    assert table.bridges("ﾌﾞﾗｳｻﾞ") == ("browser",)
    assert loan_key("BROWSER") == "browser"


def test_the_shipped_table_holds_the_archives_tech_pairs():
    table = shipped()
    for english, katakana in [
        ("container", "コンテナ"),
        ("browser", "ブラウザ"),
        ("software", "ソフトウェア"),
        ("garbage collection", "ガベージコレクション"),
        ("database", "データベース"),
        ("compiler", "コンパイラ"),
        ("kernel", "カーネル"),
    ]:
        assert katakana in table.bridges(english) and english in table.bridges(katakana)
    assert table.bridges("the") == table.bridges("a") == ()
    assert all(len(english) > 1 for english, _ in read_table(DEFAULT_TABLE))


# -- romaji -------------------------------------------------------------------


@pytest.mark.parametrize(
    "word, kana",
    [
        ("kikaigakushuu", "きかいがくしゅう"),
        ("senkeidaisuu", "せんけいだいすう"),
        ("chosakuken", "ちょさくけん"),
        ("kanin", "かにん"),  # n before a vowel starts the next syllable
        ("kan'in", "かんいん"),  # n' ends one
        ("toukyou", "とうきょう"),  # ou as written
        ("tōkyō", "とうきょう"),  # macrons
        ("kitte", "きって"),  # a doubled consonant
        ("tsukue", "つくえ"),
        ("shimbun", "しんぶん"),  # m before b
        ("matcha", "まっちゃ"),
    ],
)
def test_romaji_is_read_as_kana(word, kana):
    assert readings(word)[0] == kana


def test_ambiguous_romaji_is_read_every_way():
    assert readings("kannin") == ["かんにん", "かんいん"]  # Hepburn, then an IME's nn
    assert readings("tenin")[:2] == ["てにん", "てんいん"]  # Hepburn, then n' left out
    assert "かんよう" in readings("kanyou") and readings("imi") == ["いみ"]
    assert readings("tookyoo")[0] == "とおきょお" and "とうきょう" in readings("tookyoo")  # oo: おお or おう
    assert "でーた" in readings("deeta")  # a loanword's long vowel
    assert readings("kikaigakushuu")[0] == "きかいがくしゅう"  # uu as written comes first


@pytest.mark.parametrize("word", ["rust", "docker", "kernel", "python", "mysql", "cloud", "ai", "x"])
def test_english_and_short_words_are_not_romaji(word):
    assert not is_romaji(word) and readings(word) == []


def test_a_romaji_query_finds_the_japanese_word(loan_service):
    for query, kana, user in [
        ("kikaigakushuu", "きかいがくしゅう", "ml"),
        ("senkeidaisuu", "せんけいだいすう", "linalg"),
        ("chosakuken", "ちょさくけん", "copyright"),
        ("KikaiGakushuu", "きかいがくしゅう", "ml"),
    ]:
        users = found(loan_service, query, per_page=50)
        assert users[0] == user and set(users) <= set(found(loan_service, kana, per_page=50))
    page = search(loan_service, "senkeidaisuu", explain=True)
    assert page.explain.clauses[0].romaji == ["せんけいだいすう"]


def test_a_word_of_the_index_is_never_reread(loan_service):
    page = search(loan_service, "docker", explain=True)
    assert found(loan_service, "docker") == ["tech"] and page.explain.clauses[0].romaji is None
    # `garbage` spells romaji syllables (が…) but the index holds it as a word.
    assert search(loan_service, "garbage", explain=True).explain.clauses[0].romaji is None


@pytest.mark.parametrize(
    "query, line, user",
    [
        ("container", "explain:   loanword: コンテナ", "kata-container"),
        ("senkeidaisuu", "explain:   romaji as: せんけいだいすう", "linalg"),
        ("LLM", "explain:   synonym: 大 規模 言語 モデル", "erdehaas"),
    ],
)
def test_the_cli_explains_a_bridge(loan_service, query, line, user):
    result = invoke_cli("query", "--index-dir", loan_service.index_dir, "--explain", query)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert line in lines and any(re.match(rf"\d+\. {user}  ", hit) for hit in lines)


# -- the table's derivation -----------------------------------------------------


def jmdict(rows) -> sqlite3.Connection:
    """A JMdict database of jamdict's schema holding `rows`: (kana forms, kanji, senses)."""
    db = sqlite3.connect(":memory:")
    db.executescript("""
        CREATE TABLE Entry (idseq INTEGER); CREATE TABLE Kana (ID INTEGER PRIMARY KEY, idseq, text, nokanji);
        CREATE TABLE Kanji (ID INTEGER PRIMARY KEY, idseq, text); CREATE TABLE Sense (ID INTEGER PRIMARY KEY, idseq);
        CREATE TABLE SenseGloss (sid, lang, gend, text); CREATE TABLE SenseSource (sid, text, lang, lstype, wasei);
    """)
    for idseq, (kana, kanji, senses) in enumerate(rows):
        db.execute("INSERT INTO Entry VALUES (?)", (idseq,))
        db.executemany("INSERT INTO Kana (idseq, text) VALUES (?, ?)", [(idseq, k) for k in kana])
        db.executemany("INSERT INTO Kanji (idseq, text) VALUES (?, ?)", [(idseq, k) for k in kanji])
        for glosses, sources in senses:
            sid = db.execute("INSERT INTO Sense (idseq) VALUES (?)", (idseq,)).lastrowid
            db.executemany("INSERT INTO SenseGloss VALUES (?, 'eng', NULL, ?)", [(sid, g) for g in glosses])
            db.executemany(
                "INSERT INTO SenseSource VALUES (?, ?, ?, NULL, NULL)", [(sid, text, lang) for text, lang in sources]
            )
    return db


def test_the_table_keeps_loanwords_whose_gloss_is_their_source():
    db = jmdict(
        [
            (["ブラウザ", "ブラウザー"], [], [(["(web) browser"], [])]),
            (["コンテナ"], [], [(["container (e.g. shipping)"], [])]),
            (["ネコ"], ["猫"], [(["cat"], [])]),  # a Japanese word with kanji
            (["ドス", "どす"], [], [(["dagger"], [])]),  # also written in hiragana: Japanese
            (["ニャー"], [], [(["meow"], [])]),  # katakana only, but not a rendering of its gloss
            (["アルバイト"], [], [(["part-time job"], [("Arbeit", "ger")])]),  # German
            (["サラリーマン"], [], [(["office worker"], [("salary man", "eng")])]),  # the source recorded
            (["ザ"], [], [(["the"], [])]),  # a stop word
            (["エー"], [], [(["A", "a"], [])]),  # one letter
        ]
    )
    table = tool.derive(tool.read_entries(db))
    assert table == {"browser": ["ブラウザ", "ブラウザー"], "container": ["コンテナ"], "salary man": ["サラリーマン"]}


@pytest.mark.parametrize(
    "english, katakana, alike",
    [
        ("browser", "ブラウザ", True),
        ("software", "ソフトウェア", True),
        ("computer", "コンピュータ", True),
        ("garbage collection", "ガベージコレクション", True),
        ("page", "ページ", True),
        ("dagger", "ダガー", True),
        ("cat", "ネコ", False),
        ("dagger", "ドス", False),
        ("meow", "ニャー", False),
        ("office worker", "サラリーマン", False),
    ],
)
def test_sounds_alike_compares_consonant_skeletons(english, katakana, alike):
    assert tool.sounds_alike(english, katakana) is alike


@pytest.mark.parametrize("packed", [False, True], ids=["db", "xz"])
def test_the_tool_writes_the_table_from_a_database_file(tmp_path, packed, capsys):
    db = tmp_path / "jamdict.db"
    source, target = jmdict([(["コンテナ"], [], [(["container"], [])])]), sqlite3.connect(db)
    source.commit()
    source.backup(target)
    target.close()
    if packed:
        packed_db = tmp_path / "jamdict.db.xz"
        packed_db.write_bytes(lzma.compress(db.read_bytes()))
        db.unlink()
        db = packed_db
    tool.main(["--database", str(db), "--out", str(tmp_path / "out.tsv")])
    assert read_table(tmp_path / "out.tsv") == [("container", "コンテナ")]
    assert "1 English words" in capsys.readouterr().out


@pytest.mark.parametrize("content, message", [(None, "no such file"), (b"not sqlite", "not a JMdict database")])
def test_the_tool_names_a_bad_database(tmp_path, content, message, capsys):
    db = tmp_path / "jamdict.db"
    if content is not None:
        db.write_bytes(content)
    with pytest.raises(SystemExit):
        tool.main(["--database", str(db), "--out", str(tmp_path / "out.tsv")])
    err = capsys.readouterr().err
    assert str(db) in err and message in err and not (tmp_path / "out.tsv").exists()


def test_the_table_file_round_trips(tmp_path):
    path = tmp_path / "loanwords.tsv"
    tool.write_table({"browser": ["ブラウザ", "ブラウザー"]}, path)
    assert "CC BY-SA 4.0" in path.read_text("utf-8")
    assert read_table(path) == [("browser", "ブラウザ"), ("browser", "ブラウザー")]
