"""Regenerate `search/query/loanwords.tsv`, the English source words of katakana loanwords, from JMdict.

    pip install 'jamdict-data==1.5'
    python -m tools.loanwords            # or --database PATH/jamdict.db[.xz]

JMdict (CC BY-SA 4.0, the Electronic Dictionary Research and Development
Group) records the source word of a loanword only when it differs from
the English gloss or the language is not English: for `ブラウザ` it
records the sense "(web) browser" and nothing else. So a katakana-only
entry's English source is its gloss when the two sound alike, judged by
their consonant skeletons (`sounds_alike`): `browser` and `burauza` are
both B-R-S, while `ネコ` (neko) and its gloss `cat` are not. Words of
other source languages (`アルバイト`, German) keep no English gloss.

The table holds each English source (one to three words, no stop word
or single letter alone) and the katakana words it became. The search
reads it at query time; an editor's synonym file overrides it
(`[loanwords]` in search/query/synonyms.toml).
"""

from __future__ import annotations

import argparse
import lzma
import re
import shutil
import sqlite3
import tempfile
from collections import defaultdict
from pathlib import Path

import jaconv
from rapidfuzz import fuzz

OUT = Path(__file__).resolve().parents[1] / "search" / "query" / "loanwords.tsv"
SIMILARITY = 75  # rapidfuzz ratio of the two skeletons, out of 100
MAX_WORDS = 3
# English function words: a query for `the` or `which` must not add katakana.
STOP_WORDS = frozenset(
    """
a about after all also am an and any are as at be because been before being but by can could did
do does doing down each few for from further had has have having he her here hers him his how i if
in into is it its itself just me more most my no nor not now of off on once only or other our out
over own same she should so some such than that the their them then there these they this those
through to too under until up very was we were what when where which while who whom why will with
would you your yes oh ok hi
""".split()
)  # noqa: SIM905 (a word list reads better as text)

_KATAKANA = re.compile(r"^[\u30a1-\u30fa\u30fc\u30fb]{2,}$")
_ENGLISH = re.compile(rf"^[a-z][a-z'\-]*(?: [a-z][a-z'\-]*){{0,{MAX_WORDS - 1}}}$")
_PARENTHESES = re.compile(r"\([^()]*\)")
_CLASSES = str.maketrans(
    {
        "b": "B",
        "v": "B",
        "p": "P",
        "f": "F",
        "t": "T",
        "d": "T",
        "s": "S",
        "z": "S",
        "j": "S",
        "k": "K",
        "g": "K",
        "m": "M",
        "n": "N",
        "l": "R",
        "r": "R",
        "h": "H",
    }
)
_ENGLISH_SOUNDS = [
    (r"ph", "f"),
    (r"th", "s"),
    (r"[sc]h", "s"),
    (r"tch", "s"),
    (r"ck", "k"),
    (r"qu", "kw"),
    (r"x", "ks"),
    (r"wh", "w"),
    (r"c(?=[eiy])", "s"),
    (r"c", "k"),
    (r"(?<!g)g(?=[eiy])", "j"),  # page; not dagger
    (r"(?<=[^aeiou])e\b", ""),  # a silent final e: ware, code
    (r"r(?![aeiouy])", ""),  # r before a consonant or at the end is not said: server, card
    (r"m(?=[bp])", "n"),  # computer: konpyuuta
    (r"[wy]", ""),
]
_KANA_SOUNDS = [(r"[sc]h", "s"), (r"[wy]", ""), (r"[-']", "")]


def _skeleton(romanized: str) -> str:
    """The consonant classes of a word, vowels dropped and repeats merged."""
    classes = romanized.translate(_CLASSES)
    kept = [c for c in classes if c.isupper()]
    return "".join(c for i, c in enumerate(kept) if i == 0 or c != kept[i - 1])


def english_skeleton(word: str) -> str:
    """`browser` -> `BRS`: the consonants a katakana rendering of `word` keeps."""
    text = re.sub(r"[^a-z]", "", word.lower())
    for pattern, sound in _ENGLISH_SOUNDS:
        text = re.sub(pattern, sound, text)
    return _skeleton(text)


def katakana_skeleton(word: str) -> str:
    """`ブラウザ` -> `BRS`."""
    text = jaconv.kana2alphabet(jaconv.kata2hira(word.replace("・", ""))).lower()
    for pattern, sound in _KANA_SOUNDS:
        text = re.sub(pattern, sound, text)
    return _skeleton(text)


def sounds_alike(english: str, katakana: str) -> bool:
    """True when `katakana` reads as a rendering of `english` (`container`, `コンテナ`)."""
    a, b = english_skeleton(english), katakana_skeleton(katakana)
    if not a or not b or a[0] != b[0]:
        return False
    return fuzz.ratio(a, b) >= SIMILARITY


def clean_gloss(gloss: str) -> str | None:
    """The source-word candidate of a gloss: `(web) browser` -> `browser`; None if not one."""
    text = " ".join(_PARENTHESES.sub(" ", gloss).lower().split())
    if not _ENGLISH.match(text):
        return None
    words = text.split()
    if all(w in STOP_WORDS for w in words) or len(text.replace(" ", "")) < 2:
        return None
    return text


def read_entries(connection: sqlite3.Connection):
    """Yield (katakana forms, English candidates) of each JMdict entry written only in katakana.

    A candidate is an explicit English source word (`lsource`), or a gloss
    of a sense that records no other source language.
    """
    rows = connection.execute("""
        SELECT e.idseq FROM Entry e
        WHERE NOT EXISTS (SELECT 1 FROM Kanji k WHERE k.idseq = e.idseq)""")
    for (idseq,) in rows.fetchall():
        kana = [t for (t,) in connection.execute("SELECT text FROM Kana WHERE idseq = ?", (idseq,))]
        forms = [t for t in kana if _KATAKANA.match(t)]
        if not forms or len(forms) < len(kana):
            continue  # also written in hiragana: a Japanese word (`ドス`, `どす`)
        candidates: list[str] = []
        for (sense,) in connection.execute("SELECT ID FROM Sense WHERE idseq = ?", (idseq,)).fetchall():
            sources = connection.execute("SELECT text, lang FROM SenseSource WHERE sid = ?", (sense,)).fetchall()
            if any(lang not in ("eng", "", None) for _, lang in sources):
                continue
            explicit = [text for text, _ in sources if text]
            glosses = [
                g
                for (g,) in connection.execute(
                    "SELECT text FROM SenseGloss WHERE sid = ? AND (lang = 'eng' OR lang IS NULL)", (sense,)
                )
            ]
            candidates += explicit or glosses
        yield forms, candidates


def derive(entries) -> dict[str, list[str]]:
    """English source -> its katakana words, from `read_entries`' output."""
    table: dict[str, set[str]] = defaultdict(set)
    for forms, candidates in entries:
        for candidate in candidates:
            english = clean_gloss(candidate)
            if english is None:
                continue
            alike = [f for f in forms if sounds_alike(english, f)]
            if alike:
                table[english].update(f.replace("・", "") for f in alike)
    return {english: sorted(forms) for english, forms in sorted(table.items())}


def write_table(table: dict[str, list[str]], path: Path) -> None:
    """Write the table as `english<TAB>katakana katakana…` lines under a licence header."""
    lines = [
        "# English source words of katakana loanwords, derived from JMdict by tools/loanwords.py.",
        "# JMdict (c) the Electronic Dictionary Research and Development Group, CC BY-SA 4.0:",
        "# https://www.edrdg.org/edrdg/licence.html -- this derived table is under the same licence.",
    ]
    lines += [f"{english}\t{' '.join(forms)}" for english, forms in table.items()]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def find_database(given: str | None) -> Path:
    """The JMdict SQLite file: `given`, or the one `jamdict-data` installed; raise ValueError."""
    if given:
        path = Path(given)
    else:
        try:
            import jamdict_data
        except ImportError:
            raise ValueError(
                "jamdict-data is not installed: pip install 'jamdict-data==1.5', or pass --database PATH"
            ) from None
        folder = Path(jamdict_data.__file__).parent
        path = folder / "jamdict.db" if (folder / "jamdict.db").exists() else folder / "jamdict.db.xz"
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="jamdict.db or jamdict.db.xz [default: jamdict-data's]")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    try:
        database = find_database(args.database)
    except ValueError as exc:
        parser.error(str(exc))
    with tempfile.TemporaryDirectory() as tmp:
        if database.suffix == ".xz":
            unpacked = Path(tmp) / "jamdict.db"
            with lzma.open(database) as src, open(unpacked, "wb") as dst:
                shutil.copyfileobj(src, dst)
            database = unpacked
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            table = derive(read_entries(connection))
        except sqlite3.DatabaseError as exc:
            parser.error(f"{args.database or database}: not a JMdict database of jamdict's schema ({exc})")
        finally:
            connection.close()
    write_table(table, args.out)
    forms = sum(map(len, table.values()))
    print(f"{len(table)} English words, {forms} katakana words -> {args.out}")


if __name__ == "__main__":
    main()
