"""Hepburn-style romaji read as kana: `kikaigakushuu` is searched as `きかいがくしゅう`.

A word is reread only when every letter of it belongs to a romaji
syllable (`rust`, `docker` and `kernel` hold consonants no syllable
ends with); the query compiler also leaves alone any word the index
holds as a Latin word. The conversion itself is
jaconv's `alphabet2kana`; what it reads otherwise than Hepburn is
spelled out first, and a spelling two kana strings share is read both
ways (MAX_READINGS):

- `n` before a vowel starts the next syllable (`kanin` かにん), and is
  also read as `ん`, since readers leave out Hepburn's `n'` (`kan'in`
  かんいん); `nn` before a vowel is Hepburn's かんにん and an IME's かんいん.
- Long vowels: `ou` and `uu` stay as written (`toukyou`); `oo` is
  both おお and おう (`ookii`, `tookyoo`); a doubled vowel is also
  `ー`, as loanwords write it (`deeta` データ); macrons are doubled
  vowels (`tōkyō` とうきょう).
- A doubled consonant is `っ` (`kitte`), `tch` too (`matcha`), and `m`
  before `b`, `m` or `p` is `ん` (`shimbun`).
"""

from __future__ import annotations

import re

import jaconv

MAX_READINGS = 4
MIN_LETTERS = 3  # `imi` 意味; two letters are an abbreviation more often than a word

_SYLLABLE = r"""
    (?: [kgsztdnhbpmr]y? | sh | ch | jy? | ts | dz | f | w | y )? [aiueo]   # a, kya, shi, tsu
  | n' | n (?![aiueoy])                                # ん: n' before a vowel or y, n elsewhere
  | ([kgsztdhbpmrfjc]) (?=\1) | t (?=ch)              # っ: kitte, matcha
  | m (?=[bmp])                                        # ん: shimbun
"""
_ROMAJI = re.compile(rf"^(?:{_SYLLABLE})+$", re.VERBOSE)
_MACRONS = str.maketrans(
    {"ā": "aa", "ī": "ii", "ū": "uu", "ē": "ee", "ō": "ou", "â": "aa", "î": "ii", "û": "uu", "ê": "ee", "ô": "ou"}
)
_KANA = re.compile(r"^[\u3041-\u3096\u30fc]+$")
# Spellings that stand for more than one kana string, each choice in order.
_AMBIGUOUS = (
    (r"nn(?=[aiueoy])", ("n'n", "n'")),  # Hepburn かんにん, an IME かんいん
    (r"(?<=[aiueo])n(?=[aiueoy])", ("n", "n'")),  # てにん, or てんいん typed without the '
    (r"oo", ("oo", "ou")),  # おおきい, とおきょお for とうきょう
    (r"([aiueo])\1", (r"\1\1", r"\1-")),  # a long vowel of a loanword: deeta データ
)


def is_romaji(word: str) -> bool:
    """True when `word` spells Hepburn-style romaji syllables through and through.

    >>> is_romaji("senkeidaisuu"), is_romaji("rust"), is_romaji("kernel")
    (True, False, False)
    """
    text = word.lower().translate(_MACRONS)
    return len(text) >= MIN_LETTERS and bool(_ROMAJI.match(text))


def readings(word: str) -> list[str]:
    """The hiragana `word` may stand for, most likely first (at most MAX_READINGS); [] if not romaji.

    >>> readings("chosakuken"), readings("kannin"), readings("docker")
    (['ちょさくけん'], ['かんにん', 'かんいん'], [])
    """
    if not is_romaji(word):
        return []
    spellings = [word.lower().translate(_MACRONS)]
    for ambiguous, choices in _AMBIGUOUS:
        spellings = list(dict.fromkeys(re.sub(ambiguous, c, s) for s in spellings for c in choices))
    found = [kana for kana in dict.fromkeys(map(jaconv.alphabet2kana, spellings)) if _KANA.match(kana)]
    return found[:MAX_READINGS]
