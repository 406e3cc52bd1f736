"""Seeded generator of synthetic archives in the real format, any size.

    python -m bench.generate --posts 2000 --seed 1 --out bench/out/site-2000

Comment text is recombined from the real sample posts' sentences plus a list
of tech sentences, so janome's cost per character is realistic. Sizes follow
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
    "機械学習", "LLM", "AI", "Rust", "Python", "セキュリティ", "プライバシー", "オープンソース",
    "データベース", "Linux", "ブラウザ", "スタートアップ", "数学", "GPU", "クラウド", "JavaScript",
    "TypeScript", "C++", "Go", "Web開発", "ハードウェア", "ネットワーク", "暗号", "教育", "キャリア",
    "リモートワーク", "経済", "宇宙", "科学", "物理", "Apple", "Google", "Microsoft", "OpenAI",
    "深層学習", "ディープラーニング", "コンパイラ", "分散システム", "量子コンピュータ", "ゲーム",
]
URLS = ["https://github.com/example/project", "https://en.wikipedia.org/wiki/Linear_algebra",
        "https://arxiv.org/abs/2401.00001", "https://news.ycombinator.com/item?id=4000000"]
COLORS = ["", "", "", "#785bff", "#38d3d3", "#ff6b6b"]
NAME_PARTS = ["lucas", "oshiro", "Har", "Very", "Funny", "amelius", "sky", "dash", "moff", "kalast",
              "daniel", "scrubs", "p1", "dda", "imran", "q", "library", "ofbabel", "tptacek", "pg"]


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


def _user_pool(rng: random.Random, size: int) -> list[str]:
    names = set()
    while len(names) < size:
        parts = rng.sample(NAME_PARTS, rng.randint(1, 3))
        names.add("".join(parts) + (str(rng.randint(0, 999)) if rng.random() < 0.5 else ""))
    return sorted(names)


def _zipf_index(rng: random.Random, size: int) -> int:
    return min(size - 1, int(size ** rng.random()) - 1)


def _body(rng: random.Random, topic: list[str]) -> str:
    target = max(8, min(9658, int(rng.lognormvariate(math.log(78), 0.85))))
    parts, length = [], 0
    while length < target:
        sentence = rng.choice(topic) if rng.random() < 0.5 else rng.choice(CORPUS)
        parts.append(sentence)
        length += len(sentence)
    sep = "<br>" if rng.random() < 0.25 else ""
    text = sep.join(parts)
    if rng.random() < 0.09:
        text += " " + rng.choice(URLS)
    if rng.random() < 0.01:
        text += " `make test` を実行"
    if rng.random() < 0.001:
        text += r" gs \<br>  -dNOPAUSE \ "
    if rng.random() < 0.05:
        text = '＞' + text
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


def render_post(rng: random.Random, day: dt.date, users: list[str], draft: bool = False,
                comments: int | None = None) -> tuple[str, str, int]:
    """Return (slug, file text, comment count) of one synthetic post."""
    topic_words = rng.sample(TECH_SENTENCES, 3)
    topic = [s for s in CORPUS if any(w[:4] in s for w in topic_words)] or CORPUS
    title = f"{topic_words[0][:12]}について議論！{rng.choice(['本当に必要？', '徹底解説', '賛否両論'])}"
    tags = rng.sample(TAGS, rng.randint(3, 6))
    count = comments or max(5, min(400, int(rng.lognormvariate(math.log(76), 0.4))))
    slug = f"{day:%Y_%m_%d}_synthetic_{rng.randrange(16**8):08x}"
    thread = f"https://news.ycombinator.com/item?id={rng.randint(40000000, 46000000)}"
    lines = ["+++", f"date = '{day:%Y-%m-%d}T00:00:00'", f"months = '{day:%Y/%m}'",
             f"draft = {'true' if draft else 'false'}", f"title = '{title}'",
             "tags = [" + ", ".join(f'"{t}"' for t in tags) + "]",
             "featureimage = 'thumbnails/blue4.jpg'", "+++", "", f"> {title}", "",
             f"引用元：[{thread}]({thread})", "", ""]
    shown = min(count, 15)
    for i in range(count):
        if i == shown:
            lines += ['{{< details summary="もっとコメントを表示（1）">}}', ""]
        user = users[_zipf_index(rng, len(users))]
        lines += [_shortcode(rng, _body(rng, topic), user, _created(rng, day)), "", ""]
    if count > shown:
        lines += ["{{</details>}}", "", ""]
    lines.append('[記事一覧へ]({{% ref "/posts/" %}})')
    return slug, "\n".join(lines) + "\n", count


def _write(root: Path, day: dt.date, slug: str, text: str) -> Path:
    path = root / "content" / "posts" / f"{day:%Y_%m}" / slug / "index.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def generate_site(out_dir, posts: int, seed: int = 0, start: dt.date = dt.date(2025, 2, 1),
                  draft_every: int = 2000) -> GeneratedSite:
    """Write a Hugo site of `posts` synthetic posts into `out_dir`."""
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text(f'baseURL = "{BASE_URL}"\ntitle = "synthetic"\n', "utf-8")
    rng = random.Random(seed)
    users = _user_pool(rng, min(30000, max(20, posts * 15)))
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
    slug, text, _ = render_post(rng, day, _user_pool(rng, 200), comments=comments)
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
