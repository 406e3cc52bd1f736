"""Seeded generator of synthetic archives in the real format, any size.

    python -m bench.generate --posts 2000 --seed 1 --out bench/out/site-2000

Comment text is built by a small sentence grammar over a vocabulary drawn
from janome's own dictionary (bench/vocabulary.py: nouns by script, inflected
verbs and adjectives, adverbs, Latin tech words and identifiers, each drawn
Zipf-like), mixed with the real sample posts' sentences and a list of tech
sentences. Its vocabulary grows with the archive as the real one does, and
its common words hold the shares ARCHIVE-FORMAT.md gives (`python -m
bench.vocabulary_report` prints both side by side). Sizes follow
the real archive (ARCHIVE-FORMAT.md): median ~80 comments a post, median
~105 characters a comment with a long tail, ~15 users per post drawn
Zipf-like, 25 % of comments with `<br>`, 9 % with a URL, 71 % of dates as
`YYYY/MM/DD hh:mm:ss`. Same seed, same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import re
from dataclasses import dataclass
from pathlib import Path

from bench.vocabulary import Lexicon, lexicon

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_POSTS = ROOT / "data" / "content" / "posts"
BASE_URL = "https://www.kaigai-tech-matome.com/"

TECH_SENTENCES = [
    "Rustの所有権モデルは最初は難しいけど慣れると手放せない",
    "Pythonの型ヒントはmypyと組み合わせると本当に役立つ",
    "C++のテンプレートのエラーメッセージは相変わらず読みにくい",
    ".NETはクロスプラットフォームになってかなり良くなった",
    "GPT-4oに同じ質問をしたら全然違う答えが返ってきた",
    "Node.jsのイベントループを理解するのに時間がかかった",
    "k8sのクラスタ運用は小さいチームには重すぎると思う",
    "x86_64とARMの性能差は用途によってかなり違う",
    "サーバーのメモリが足りなくてスワップが発生していた",
    "ユーザーのプライバシーをもっと尊重するべきだよね",
    "データベースのインデックスを見直したらクエリが十倍速くなった",
    "セキュリティの専門家はこの実装に懸念を示している",
    "大規模言語モデルは推論コストがまだ高すぎる",
    "ニューラルネットワークの学習には大量のデータが必要",
    "線形代数を学び直したら論文が読めるようになった",
    "機械学習のモデルを本番で運用するのは想像以上に大変",
    "オープンソースのメンテナーはもっと報われるべきだ",
    "京都に旅行したときにこのアプリを使ってみた",
    "東京都のオープンデータは意外と充実している",
    "コンピューターサイエンスの基礎は今でも重要だと思う",
    "ブラウザの拡張機能が勝手にデータを送信していた",
    "コンパイラの最適化でこのループは消えてしまう",
    "GPUの価格が下がらないと個人での実験は難しい",
    "iOS 18のアップデートでバッテリーの持ちが悪くなった",
    "LinuxカーネルのスケジューラはCPUの使い方が賢い",
    "TypeScriptに移行してからバグがかなり減った",
    "量子コンピュータが実用化されるのはまだ先だろう",
    "スタートアップの資金調達は去年より厳しくなっている",
    "リモートワークで生産性が上がったという人も多い",
    "このライブラリのドキュメントはもっと充実させてほしい",
    "テストを書かないと結局あとで時間を失うことになる",
    "暗号化されていない通信はもう許されない時代だ",
    "ガベージコレクションの停止時間が問題になることがある",
    "分散システムでは時計のずれが厄介なバグを生む",
    "エッジコンピューティングでレイテンシを減らせる",
    "このCPUは消費電力のわりに性能が高い",
    "プログラミング言語の選択はチームの経験で決めるべき",
    "APIの後方互換性を壊すのは本当に避けたい",
    "SQLiteは小さなアプリなら十分すぎるほど速い",
    "WebAssemblyでブラウザ上でも重い処理ができるようになった",
]
TAGS = [
    "機械学習",
    "LLM",
    "AI",
    "Rust",
    "Python",
    "セキュリティ",
    "プライバシー",
    "オープンソース",
    "データベース",
    "Linux",
    "ブラウザ",
    "スタートアップ",
    "数学",
    "GPU",
    "クラウド",
    "JavaScript",
    "TypeScript",
    "C++",
    "Go",
    "Web開発",
    "ハードウェア",
    "ネットワーク",
    "暗号",
    "教育",
    "キャリア",
    "リモートワーク",
    "経済",
    "宇宙",
    "科学",
    "物理",
    "Apple",
    "Google",
    "Microsoft",
    "OpenAI",
    "深層学習",
    "ディープラーニング",
    "コンパイラ",
    "分散システム",
    "量子コンピュータ",
    "ゲーム",
]
URLS = [
    "https://github.com/example/project",
    "https://en.wikipedia.org/wiki/Linear_algebra",
    "https://arxiv.org/abs/2401.00001",
    "https://news.ycombinator.com/item?id=4000000",
]
COLORS = ["", "", "", "#785bff", "#38d3d3", "#ff6b6b"]
NAME_PARTS = [
    "lucas",
    "oshiro",
    "Har",
    "Very",
    "Funny",
    "amelius",
    "sky",
    "dash",
    "moff",
    "kalast",
    "daniel",
    "scrubs",
    "p1",
    "dda",
    "imran",
    "q",
    "library",
    "ofbabel",
    "tptacek",
    "pg",
]


def _sample_sentences() -> list[str]:
    sentences = []
    for path in sorted(SAMPLE_POSTS.rglob("*.md")):
        for body in re.findall(r'body="((?:[^"\\]|\\.)*)"', path.read_text("utf-8")):
            for part in re.split(r"(?<=[。！？])|<br>", body.replace('\\"', '"')):
                part = part.strip().lstrip("＞").strip()
                if 4 <= len(part) <= 300:
                    sentences.append(part)
    return sentences


CORPUS = _sample_sentences() + [s + "。" for s in TECH_SENTENCES]


@dataclass(frozen=True)
class GeneratedSite:
    """What `generate_site` wrote."""

    root: Path
    posts: int
    comments: int
    files: list


def user_pool(rng: random.Random, size: int) -> list[str]:
    """`size` distinct user names drawn from `rng`, sorted."""
    names = set()
    while len(names) < size:
        parts = rng.sample(NAME_PARTS, rng.randint(1, 3))
        names.add("".join(parts) + (str(rng.randint(0, 999)) if rng.random() < 0.5 else ""))
    return sorted(names)


def _zipf_index(rng: random.Random, size: int) -> int:
    return min(size - 1, int(size ** rng.random()) - 1)


# Common content words and the share of real comments holding each.
COMMON_WORDS = [
    ("必要", 0.089),
    ("問題", 0.085),
    ("自分", 0.075),
    ("AI", 0.056),
    ("マジ", 0.054),
    ("コード", 0.048),
    ("全部", 0.047),
    ("機能", 0.045),
    ("時間", 0.043),
    ("データ", 0.042),
    ("開発", 0.040),
]
# The share of each common word's comments that the generator places; the
# rest come from the sample sentences and from compounds holding the word.
COMMON_PLACED = 0.7
# The sentence grammar: N noun, S sa-hen noun, V verb, A adjective, D adverb,
# L Latin word; `.stem`, `.past`, `.negative` pick an inflected form.
TEMPLATES = [
    "{N}の{N}は{A}と思う",
    "{N}を{V.stem}ました",
    "{L}で{N}を{V.past}",
    "{D}{N}が{A.past}けど、{N}は{A.negative}",
    "{N}{N}の{S}をしている",
    "{L}の{N}は{D}{V.past}",
    "{S}する{N}が{V.negative}のは{N}のせいだ",
    "{N}について{S}した結果、{N}が{V.past}",
    "{N}と{L}を比べると{N}の方が{A}",
    "{N}に{V.stem}たいなら{L}は{V.negative}ほうがいい",
    "正直{N}より{N}{N}のほうが{A}よね",
    "{N}で{S}されている{N}を{V.past}ことがある",
    "{L}の{N}は{N}が{A.stem}なった",
    "{D}{V}人は{N}を{S}すべきだ",
    "{N}は{N}じゃなくて{N}の{S}だよ",
    "{N}を{S}して{N}が{V.past}",
    "{N}の{N}に{V.stem}ます",
    "{D}{N}と{N}を{V.past}んだ",
]
_SLOT = re.compile(r"\{([NSVADL])(?:\.(stem|past|negative))?\}")
_NOUN_SCRIPTS = (("kanji", 0.5), ("katakana", 0.3), ("mixed", 0.1), ("latin", 0.1))


def _lexicon() -> Lexicon:
    return lexicon(frozenset(word for word, _ in COMMON_WORDS))


def _draw(rng: random.Random, words) -> str:
    return words[_zipf_index(rng, len(words))]


def _noun(rng: random.Random, lex: Lexicon, topic: list[str]) -> str:
    if topic and rng.random() < 0.2:
        return rng.choice(topic)
    pick = rng.random()
    for script, share in _NOUN_SCRIPTS:
        pick -= share
        if pick < 0:
            return _draw(rng, getattr(lex, script))
    return _draw(rng, getattr(lex, _NOUN_SCRIPTS[-1][0]))


def _fill(rng: random.Random, lex: Lexicon, template: str, topic: list[str]) -> str:
    def slot(match) -> str:
        kind, form = match.groups()
        if kind == "N":
            return _noun(rng, lex, topic)
        if kind in "VA":
            word = _draw(rng, lex.verbs if kind == "V" else lex.adjectives)
            return getattr(word, form or "base")
        return _draw(rng, {"S": lex.suru_nouns, "D": lex.adverbs, "L": lex.latin}[kind])

    return _SLOT.sub(slot, template)


def _sentence(rng: random.Random, topic: list[str], topic_sentences: list[str]) -> str:
    pick = rng.random()
    if pick < 0.08:
        return rng.choice(topic_sentences)
    if pick < 0.16:
        return rng.choice(CORPUS)
    return _fill(rng, _lexicon(), rng.choice(TEMPLATES), topic) + rng.choice(["。", "。", "！", "？", "w", "。"])


def _common_sentences(rng: random.Random, topic: list[str]) -> list[str]:
    lex = _lexicon()
    return [
        _fill(
            rng,
            lex,
            rng.choice(["{N}は" + word + "だと思う。", word + "の{N}を{V.past}。", "これは" + word + "の{S}が{A}。"]),
            topic,
        )
        for word, share in COMMON_WORDS
        if rng.random() < share * COMMON_PLACED
    ]


def _body(rng: random.Random, topic: list[str], topic_sentences: list[str]) -> str:
    target = max(8, min(9658, int(rng.lognormvariate(math.log(78), 0.85))))
    parts = _common_sentences(rng, topic)
    length = sum(map(len, parts))
    while length < target:
        sentence = _sentence(rng, topic, topic_sentences)
        parts.append(sentence)
        length += len(sentence)
    rng.shuffle(parts)
    sep = "<br>" if rng.random() < 0.25 else ""
    text = sep.join(parts)
    if rng.random() < 0.09:
        text += " " + rng.choice(URLS)
    if rng.random() < 0.01:
        text += " `make test` を実行"
    if rng.random() < 0.001:
        text += r" gs \<br>  -dNOPAUSE \ "
    if rng.random() < 0.05:
        text = "＞" + text
    if rng.random() < 0.03:
        text = text.replace("。", '"。', 1)
    return text


def _created(rng: random.Random, day: dt.date) -> str:
    moment = dt.datetime.combine(day, dt.time()) - dt.timedelta(seconds=rng.randint(0, 36 * 3600))
    if rng.random() < 0.71:
        return moment.strftime("%Y/%m/%d %H:%M:%S")
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _shortcode(rng, body, user, created) -> str:
    body = body.replace('"', '\\"')
    color = rng.choice(COLORS)
    return f'{{{{<matomeQuote body="{body}" userName="{user}" createdAt="{created}" color="{color}">}}}}'


def render_post(
    rng: random.Random, day: dt.date, users: list[str], draft: bool = False, comments: int | None = None
) -> tuple[str, str, int]:
    """Return (slug, file text, comment count) of one synthetic post."""
    topic_words = rng.sample(TECH_SENTENCES, 3)
    topic_sentences = [s for s in CORPUS if any(w[:4] in s for w in topic_words)] or CORPUS
    lex = _lexicon()
    topic = [_noun(rng, lex, []) for _ in range(6)]
    title = f"{topic_words[0][:12]}について議論！{rng.choice(['本当に必要？', '徹底解説', '賛否両論'])}"
    tags = rng.sample(TAGS, rng.randint(3, 6))
    count = comments or max(5, min(400, int(rng.lognormvariate(math.log(76), 0.4))))
    slug = f"{day:%Y_%m_%d}_synthetic_{rng.randrange(16**8):08x}"
    thread = f"https://news.ycombinator.com/item?id={rng.randint(40000000, 46000000)}"
    lines = [
        "+++",
        f"date = '{day:%Y-%m-%d}T00:00:00'",
        f"months = '{day:%Y/%m}'",
        f"draft = {'true' if draft else 'false'}",
        f"title = '{title}'",
        "tags = [" + ", ".join(f'"{t}"' for t in tags) + "]",
        "featureimage = 'thumbnails/blue4.jpg'",
        "+++",
        "",
        f"> {title}",
        "",
        f"引用元：[{thread}]({thread})",
        "",
        "",
    ]
    shown = min(count, 15)
    for i in range(count):
        if i == shown:
            lines += ['{{< details summary="もっとコメントを表示（1）">}}', ""]
        user = users[_zipf_index(rng, len(users))]
        lines += [_shortcode(rng, _body(rng, topic, topic_sentences), user, _created(rng, day)), "", ""]
    if count > shown:
        lines += ["{{</details>}}", "", ""]
    lines.append('[記事一覧へ]({{% ref "/posts/" %}})')
    return slug, "\n".join(lines) + "\n", count


def _write(root: Path, day: dt.date, slug: str, text: str) -> Path:
    path = root / "content" / "posts" / f"{day:%Y_%m}" / slug / "index.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def generate_site(
    out_dir, posts: int, seed: int = 0, start: dt.date = dt.date(2025, 2, 1), draft_every: int = 2000
) -> GeneratedSite:
    """Write a Hugo site of `posts` synthetic posts into `out_dir`."""
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text(f'baseURL = "{BASE_URL}"\ntitle = "synthetic"\n', "utf-8")
    rng = random.Random(seed)
    users = user_pool(rng, min(30000, max(20, posts * 15)))
    files, comments = [], 0
    for i in range(posts):
        day = start + dt.timedelta(days=i // 7)
        draft = draft_every > 0 and i % draft_every == draft_every - 1
        slug, text, count = render_post(rng, day, users, draft=draft)
        files.append(_write(root, day, slug, text))
        comments += count
    return GeneratedSite(root, posts, comments, files)


def add_post(root, seed: int, day: dt.date = dt.date(2025, 12, 1), comments: int = 80) -> Path:
    """Add one new synthetic post to an existing site; return its path."""
    rng = random.Random(seed)
    slug, text, _ = render_post(rng, day, user_pool(rng, 200), comments=comments)
    return _write(Path(root), day, slug, text)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Generate a synthetic matome archive.")
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    opts = parser.parse_args(argv)
    site = generate_site(opts.out, opts.posts, seed=opts.seed)
    print(f"{site.posts} posts, {site.comments} comments in {site.root}")


if __name__ == "__main__":
    main()
