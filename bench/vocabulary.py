"""A vocabulary as rich as the real archive's, drawn from janome's own dictionary.

The generator's comments are sentences built from this lexicon: nouns by
script (kanji, katakana, mixed), verbs and adjectives with their inflected
forms, adverbs, and Latin words (tech terms, product names and identifiers
made from them). Each list is ordered by janome's word cost, the
dictionary's own frequency estimate, so drawing ranks Zipf-like gives
common words that recur and a long tail that grows with the archive, as
ARCHIVE-FORMAT.md measures on the real one.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import janome.sysdic

_KANJI = re.compile(r"^[\u4e00-\u9fff々]+$")
_KATAKANA = re.compile(r"^[\u30a1-\u30fa\u30fc]{2,}$")
_MIXED = re.compile(r"^(?=.*[\u4e00-\u9fff])[\u4e00-\u9fff々\u3041-\u3096\u30a1-\u30fa\u30fc]+$")
_NOUN_POS = ("名詞,一般", "名詞,サ変接続", "名詞,形容動詞語幹", "名詞,固有名詞,組織", "名詞,固有名詞,地域,国")
# Past and te-forms of godan verbs whose euphonic stem takes a voiced ending.
_VOICED = ("五段・ガ行", "五段・バ行", "五段・マ行", "五段・ナ行")

# Words of the archive's subject that the dictionary does not hold or ranks low.
LATIN_WORDS = """
AI API LLM GPU CPU SQL HTTP HTTPS JSON YAML TOML HTML CSS DNS TCP UDP TLS SSH VPN RAM SSD
USB OS iOS Android Linux Windows macOS Unix BSD FreeBSD Debian Ubuntu Fedora Arch NixOS
Rust Python Go Java Kotlin Swift C++ C# Haskell OCaml Erlang Elixir Clojure Lisp Scheme Zig
Nim Julia Ruby Perl PHP Lua Bash Zsh JavaScript TypeScript WebAssembly Wasm Node.js Deno Bun
React Vue Svelte Angular jQuery Django Flask Rails Laravel Spring Express Next.js Nuxt
PostgreSQL MySQL SQLite Redis MongoDB Cassandra Kafka RabbitMQ Elasticsearch ClickHouse DuckDB
Docker Kubernetes k8s Podman Terraform Ansible Nginx Apache Caddy systemd cron Git GitHub
GitLab Bitbucket Jira Slack Discord Zoom Teams Notion Obsidian Emacs Vim Neovim VSCode Xcode
IntelliJ Copilot ChatGPT GPT-4 GPT-4o Claude Gemini Llama Mistral DeepSeek Qwen OpenAI
Anthropic Google Apple Microsoft Amazon Meta Netflix Tesla Nvidia AMD Intel ARM RISC-V x86
AWS GCP Azure Cloudflare Vercel Netlify Heroku Stripe PayPal Uber Airbnb Twitter Reddit
YouTube Wikipedia Firefox Chrome Safari Chromium WebKit Gecko Electron Tauri Qt GTK SwiftUI
PyTorch TensorFlow JAX NumPy pandas SciPy Jupyter CUDA ROCm Metal Vulkan OpenGL DirectX
LaTeX Markdown PDF CSV XML SVG PNG JPEG WebP FFmpeg OBS Blender Unity Unreal Godot Steam
bug fix patch build deploy release commit merge rebase branch fork issue review test
debug log trace cache queue thread lock mutex async await callback promise closure lambda
monad type trait struct enum class interface module package crate library framework runtime
compiler linker kernel driver firmware shell terminal editor browser server client proxy
router switch cluster node pod container image volume backup snapshot replica shard index
query schema table column row join view trigger cursor token prompt embedding model agent
benchmark latency throughput bandwidth memory storage network protocol encryption hash
password login session cookie header payload endpoint webhook plugin extension startup
SaaS B2B MVP ROI KPI OKR CEO CTO VC IPO ETF USD EUR BTC ETH NFT DAO DeFi Bitcoin Ethereum
HN YC Hacker News tl;dr IMO IIRC FWIW btw lol LGTM WIP TODO FIXME README LICENSE MIT GPL
""".split()  # noqa: SIM905 (a word list reads better as text)
_VERB_FORMS = frozenset({"基本形", "連用形", "連用タ接続", "未然形"})
_IDENTIFIER_PARTS = [w.lower() for w in LATIN_WORDS if re.fullmatch(r"[A-Za-z]{3,}", w)]


@dataclass(frozen=True)
class Verb:
    """A verb's or adjective's forms the sentence grammar needs."""

    base: str
    stem: str  # 連用形: 書き(ます), 高く(なる)
    past: str  # the past tense: 書いた, 高かった
    negative: str  # 書かない, 高くない


@dataclass(frozen=True)
class Lexicon:
    """The generator's word lists, each ordered from common to rare."""

    kanji: tuple[str, ...]
    katakana: tuple[str, ...]
    mixed: tuple[str, ...]
    suru_nouns: tuple[str, ...]
    verbs: tuple[Verb, ...]
    adjectives: tuple[Verb, ...]
    adverbs: tuple[str, ...]
    latin: tuple[str, ...]


def _by_cost(entries) -> list[str]:
    seen, words = set(), []
    for entry in sorted(entries, key=lambda e: (e[3], e[0])):
        if entry[0] not in seen:
            seen.add(entry[0])
            words.append(entry[0])
    return words


def _verbs(entries) -> list[Verb]:
    forms: dict[tuple[str, str], dict[str, tuple]] = {}
    for e in entries:
        if e[4].startswith("動詞,自立") and e[5].startswith("五段") and e[6] in _VERB_FORMS:
            forms.setdefault((e[7], e[5]), {}).setdefault(e[6], e)
    verbs = []
    for (base, kind), f in forms.items():
        if _VERB_FORMS <= f.keys() and f["基本形"][0] == base and len(base) >= 2:
            voiced = kind.startswith(_VOICED)
            past = f["連用タ接続"][0] + ("だ" if voiced else "た")
            verbs.append((f["基本形"][3], Verb(base, f["連用形"][0], past, f["未然形"][0] + "ない")))
    return [v for _, v in sorted(verbs, key=lambda p: (p[0], p[1].base))]


def _adjectives(entries) -> list[Verb]:
    forms: dict[str, dict[str, tuple]] = {}
    for e in entries:
        if e[4].startswith("形容詞,自立") and e[6] in ("基本形", "連用テ接続", "連用タ接続"):
            forms.setdefault(e[7], {}).setdefault(e[6], e)
    adjectives = []
    for base, f in forms.items():
        if {"基本形", "連用テ接続", "連用タ接続"} <= f.keys() and f["基本形"][0] == base:
            te = f["連用テ接続"][0]
            adjectives.append((f["基本形"][3], Verb(base, te, f["連用タ接続"][0] + "た", te + "ない")))
    return [a for _, a in sorted(adjectives, key=lambda p: (p[0], p[1].base))]


@functools.lru_cache(maxsize=1)
def lexicon(common: frozenset = frozenset()) -> Lexicon:
    """Return the lexicon, built once per process from janome's dictionary.

    Words in `common` are left out: the generator places them at the share
    of comments the real archive holds them in.
    """
    entries = [e for e in janome.sysdic.entries().values() if e[0] not in common]
    nouns = _by_cost(e for e in entries if e[4].startswith(_NOUN_POS) and len(e[0]) <= 8)
    suru = _by_cost(e for e in entries if e[4].startswith("名詞,サ変接続") and _KANJI.match(e[0]))
    adverbs = _by_cost(e for e in entries if e[4].startswith("副詞,一般") and len(e[0]) >= 2)
    identifiers = [
        f"{a}{sep}{b}"
        for a in _IDENTIFIER_PARTS[::3]
        for b in _IDENTIFIER_PARTS[1::4]
        for sep in ("_", ".", "-")
        if a != b
    ]
    return Lexicon(
        kanji=tuple(w for w in nouns if _KANJI.match(w) and len(w) >= 2),
        katakana=tuple(w for w in nouns if _KATAKANA.match(w)),
        mixed=tuple(w for w in nouns if _MIXED.match(w) and not _KANJI.match(w)),
        suru_nouns=tuple(suru),
        verbs=tuple(_verbs(entries)),
        adjectives=tuple(_adjectives(entries)),
        adverbs=tuple(adverbs),
        latin=tuple(w for w in LATIN_WORDS + identifiers if w not in common),
    )
