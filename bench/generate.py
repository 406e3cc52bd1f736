"""Seeded generator of synthetic archives in the real Hugo format, any size.

    python -m bench.generate --posts 2000 --seed 1 --out bench/out/site-2000

The files follow the two real sample posts byte for byte in shape (front
matter, `> title`, `引用元：` line, one `matomeQuote` shortcode per comment,
`details` blocks, the closing `[記事一覧へ]` link; both the compact layout with
ISO `createdAt` and the spaced layout with `YYYY/MM/DD` dates). Comment text is
recombined from the sample posts' sentences plus the tech sentences in the
tables at the end of this module, weighted per post toward one of 22 topics,
so that janome's cost per character and the spread of words across posts are
realistic. Sizes follow ARCHIVE-FORMAT.md: median ~80 comments a post, median
~105 characters a comment with a long tail, ~15 users a post drawn Zipf-like,
25 % of comments with `<br>`, 9 % with a URL, 1 % with backticks, 0.1 % with
a backslash, 71 % of posts with `YYYY/MM/DD hh:mm:ss` dates; comments are
dated on the post's day or the day after, as in the samples.

Every post draws from its own `random.Random` seeded by (seed, index): same
seed and arguments, same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import math
import random
import re
import shutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_POSTS = ROOT / "data" / "content" / "posts"
BASE_URL = "https://www.kaigai-tech-matome.com/"
MARKER = "# Synthetic archive written by bench.generate"
DEFAULT_START = dt.date(2025, 2, 1)
MAX_USERS = 30_000
USERS_PER_POST = 15
MAX_BODY = 9_658

# Words guaranteed to occur in the corpus; post i carries the sentence of
# VOCABULARY[i % len(VOCABULARY)], so any site of >= len(VOCABULARY) posts
# contains every one of them.
VOCABULARY = (
    "Rust", "Python", "C++", ".NET", "GPT-4o", "Node.js", "k8s", "サーバー", "サーバ",
    "ユーザー", "ユーザ", "コンピューター", "データベース", "セキュリティ", "東京都", "京都",
    "大規模言語モデル", "ニューラルネットワーク", "線形代数", "機械学習", "プライバシー",
    "オープンソース",
)
_BODY = re.compile(r'body="((?:[^"\\]|\\.)*)"')
_SPLIT = re.compile(r"(?<=[。！？])(?![」』）)])|<br>")
_ENDS = tuple("。！？…」』）)!?")


@dataclass(frozen=True)
class GeneratedSite:
    """What `generate_site` wrote: the site root, counts and post files in date order."""

    root: Path
    posts: int
    comments: int
    files: list[Path]


@dataclass(frozen=True)
class Topic:
    """One subject a post is about: its sentences, title subjects, tags and slug words."""

    name: str
    sentences: tuple[str, ...]
    subjects: tuple[str, ...]
    tags: tuple[str, ...]
    slug_words: tuple[str, ...]


def read_sample_sentences(posts_dir: Path = SAMPLE_POSTS) -> list[str]:
    """Split the sample posts' comment bodies into sentences (URLs left out)."""
    sentences = []
    for path in sorted(posts_dir.rglob("*.md")):
        for body in _BODY.findall(path.read_text("utf-8")):
            for part in _SPLIT.split(body.replace('\\"', '"')):
                part = part.strip().lstrip("＞").strip()
                if len(part) >= 2 and "http" not in part and not part.startswith(("」", "）", "[")):
                    sentences.append(part)
    return sentences


# --------------------------------------------------------------------- users

def _user_name(rng: random.Random) -> str:
    word, name = rng.choice(NAME_WORDS), rng.choice(FIRST_NAMES)
    other = rng.choice(NAME_WORDS)
    style = rng.randrange(10)
    if style == 0:
        return "".join(w.capitalize() for w in rng.sample(NAME_WORDS, rng.randint(2, 3)))
    if style == 1:
        return f"{word}{rng.randint(1, 9999)}"
    if style == 2:
        return f"{word}_{other}"
    if style == 3:
        return f"{name[0]}-{rng.choice(SURNAMES)}"
    if style == 4:
        return f"{name[0]}{rng.choice(SURNAMES)}"
    if style == 5:
        return f"{word.capitalize()}{rng.randint(10, 9999)}"
    if style == 6:
        return f"{word}{other}_"
    if style == 7:
        return f"{name}{rng.choice(SURNAMES)}"
    return f"{word}{other}"


def user_pool(size: int) -> list[str]:
    """Return `size` distinct HN-style names; pools of any size share their prefix."""
    names = dict.fromkeys(SAMPLE_USERS)
    rng = random.Random("bench.generate/users")
    while len(names) < size:
        names[_user_name(rng)] = None
    return list(names)[:size]


def _user_weights(size: int) -> list[float]:
    """Cumulative weights: 70 % of comments spread evenly, 30 % Zipf (1/rank).

    The real archive has 28,657 users for 1,933 posts, nearly its whole
    15-a-post pool, yet its busiest users write hundreds of comments.
    """
    harmonic = sum(1.0 / (rank + 10) for rank in range(size))
    flat, zipf = 0.7 / size, 0.3 / harmonic
    return list(itertools.accumulate(flat + zipf / (rank + 10) for rank in range(size)))


# ---------------------------------------------------------------- comments

def _comment_count(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.03:
        return rng.randint(5, 40)
    if roll < 0.04:
        return rng.randint(150, 400)
    return max(5, min(400, round(rng.lognormvariate(math.log(81), 0.22))))


def _body_length(rng: random.Random) -> int:
    if rng.random() < 0.004:
        return min(MAX_BODY, int(1000 * rng.paretovariate(1.8)))
    return max(2, round(rng.lognormvariate(math.log(99), 0.72)))


def _pick(rng: random.Random, pools: tuple, need: int) -> str:
    """Pick a sentence whose length is close to `need` (best of two draws)."""
    pool = pools[0] if rng.random() < 0.4 else pools[1]
    a, b = rng.choice(pool), rng.choice(pool)
    return a if abs(len(a) - need) <= abs(len(b) - need) else b


def _join(rng: random.Random, parts: list[str], target: int) -> str:
    breaks = target > 400 or rng.random() < 0.21
    out = [parts[0]]
    for prev, part in zip(parts, parts[1:]):
        if not prev.endswith(_ENDS) or (breaks and rng.random() < 0.5):
            out.append("<br>")
        out.append(part)
    return "".join(out)


def _url(rng: random.Random, users: list[str]) -> str:
    kind = rng.random()
    if kind < 0.35:
        repo = "-".join(rng.sample(SLUG_WORDS, rng.randint(1, 2)))
        return f"https://github.com/{rng.choice(users).lower()}/{repo}"
    if kind < 0.6:
        return "https://en.wikipedia.org/wiki/" + rng.choice(WIKI_ARTICLES)
    if kind < 0.72:
        return f"https://arxiv.org/abs/{rng.randint(2001, 2510)}.{rng.randint(1, 19999):05d}"
    if kind < 0.82:
        return f"https://news.ycombinator.com/item?id={rng.randint(30_000_000, 45_900_000)}"
    return rng.choice(DOC_URLS)


def _with_url(rng: random.Random, text: str, users: list[str]) -> str:
    url = _url(rng, users)
    form = rng.randrange(5)
    if form == 0:
        return f"{text}<br>{url}"
    if form == 1:
        return f"これ役立つかもよ：{url}<br>{text}"
    if form == 2:
        return f"{text}（{url}）"
    if form == 3:
        return f"{text}<br>[{rng.choice(LINK_TEXTS)}]({url})"
    return f"{text}参考：{url}"


def _decorate(rng: random.Random, text: str, pools: tuple, users: list[str]) -> str:
    """Add the rarer features: quoted reply, URL, code, backslash, `"`, bold."""
    if rng.random() < 0.055:
        quoted = _pick(rng, pools, 30).rstrip("。")
        text = f"＞{quoted}<br>{text}"
    if rng.random() < 0.09:
        text = _with_url(rng, text, users)
    if rng.random() < 0.01:
        text += rng.choice(CODE_TEMPLATES).format(code=rng.choice(CODE_SNIPPETS))
    if rng.random() < 0.001:
        text += rng.choice(BACKSLASH_SENTENCES)
    if rng.random() < 0.025:
        text = rng.choice(QUOTED_SENTENCES) + text
    if rng.random() < 0.005:
        head, sep, tail = text.partition("、")
        text = f"**{head}**{sep}{tail}" if sep and len(head) < 30 else text
    return text


def write_body(rng: random.Random, pools: tuple, users: list[str]) -> str:
    """Return one comment body in archive form (`<br>` for line breaks, `"` unescaped)."""
    target = _body_length(rng)
    parts, total = [], 0
    while total < target * 0.8:
        sentence = _pick(rng, pools, target - total)
        parts.append(sentence)
        total += len(sentence)
    return _decorate(rng, _join(rng, parts, target), pools, users)


def _created_at(rng: random.Random, start: dt.datetime, iso: bool) -> str:
    """A moment after the thread start, on the post's day or the day after."""
    last = dt.datetime.combine(start.date(), dt.time(23, 59, 59)) + dt.timedelta(days=1)
    moment = min(last, start + dt.timedelta(seconds=int(rng.expovariate(1 / 21600))))
    return moment.strftime("%Y-%m-%dT%H:%M:%S" if iso else "%Y/%m/%d %H:%M:%S")


def shortcode(body: str, user: str, created_at: str, color: str) -> str:
    """Return one `matomeQuote` shortcode; `"` in the body is written `\\"`."""
    body = body.replace('"', '\\"')
    return (f'{{{{<matomeQuote body="{body}" userName="{user}" '
            f'createdAt="{created_at}" color="{color}">}}}}')


# -------------------------------------------------------------------- posts

@dataclass(frozen=True)
class _Layout:
    """Blank lines between elements and comments shown per block, per era of the site."""

    iso: bool
    block: int
    close: str
    gaps: dict


COMPACT = _Layout(True, 20, "{{< /details >}}", {
    "head": 1, ("Q", "Q"): 1, ("Q", "open"): 1, ("open", "Q"): 0, ("Q", "close"): 2,
    ("close", "open"): 0, ("close", "end"): 2, ("Q", "end"): 2})
SPACED = _Layout(False, 30, "{{</details>}}", {
    "head": 4, ("Q", "Q"): 4, ("Q", "open"): 4, ("open", "Q"): 1, ("Q", "close"): 1,
    ("close", "open"): 4, ("close", "end"): 3, ("Q", "end"): 3})


def _front_matter(rng: random.Random, topic: Topic, day: dt.date, draft: bool) -> tuple[str, str]:
    title = rng.choice(TITLE_TEMPLATES).format(
        s=rng.choice(topic.subjects), y=rng.choice((2023, 2024, 2025)),
        hook=rng.choice(TITLE_HOOKS))
    own = rng.sample(topic.tags, min(len(topic.tags), rng.randint(1, 3)))
    extra = rng.choices(TAGS, weights=_TAG_WEIGHTS, k=8)
    tags = list(dict.fromkeys(own + extra))[: rng.randint(3, 6)]
    image = f"thumbnails/{rng.choice(('color', 'blue', 'green', 'red'))}{rng.randint(1, 8)}.jpg"
    lines = ["+++", f"date = '{day:%Y-%m-%d}T00:00:00'", f"months = '{day:%Y/%m}'",
             f"draft = {'true' if draft else 'false'}", f"title = '{title}'",
             "tags = [" + ", ".join(f'"{t}"' for t in tags) + "]",
             f"featureimage = '{image}'", "+++"]
    return title, "\n".join(lines)


def _elements(shortcodes: list[str], layout: _Layout) -> list[tuple[str, str]]:
    elements = [("Q", s) for s in shortcodes[: layout.block]]
    for block, start in enumerate(range(layout.block, len(shortcodes), layout.block), 1):
        elements.append(("open", f'{{{{< details summary="もっとコメントを表示（{block}）">}}}}'))
        elements += [("Q", s) for s in shortcodes[start: start + layout.block]]
        elements.append(("close", layout.close))
    elements.append(("end", '[記事一覧へ]({{% ref "/posts/" %}})'))
    return elements


def _comments(rng: random.Random, count: int, users: list[str], weights: list[float],
              pools: tuple, start: dt.datetime, iso: bool) -> list[tuple[str, str, str, str]]:
    """Return (body, user, createdAt, color) for each comment of one thread."""
    thread, comments = [], []
    for _ in range(count):
        if thread and rng.random() < 0.25:
            user = rng.choice(thread)  # people answer back in their own threads
        else:
            user = rng.choices(users, cum_weights=weights)[0]
            thread.append(user)
        color = rng.choice(COLORS)
        created = _created_at(rng, start, iso)
        comments.append((write_body(rng, pools, users), user, created, color))
    return comments


def _lay_out(head: str, shortcodes: list[str], layout: _Layout) -> str:
    """Join the header and the shortcodes with the layout's blank lines and blocks."""
    elements = _elements(shortcodes, layout)
    out = [head, "\n" * (layout.gaps["head"] + 1), elements[0][1]]
    for (prev, _), (kind, text) in zip(elements, elements[1:]):
        out += ["\n" * (layout.gaps[prev, kind] + 1), text]
    out.append("\n")
    return "".join(out)


def render_post(rng: random.Random, day: dt.date, users: list[str], weights: list[float],
                anchor: str, draft: bool = False, comments: int | None = None) -> tuple[str, str, int]:
    """Return (slug, file text, comment count) of one synthetic post.

    `weights` are cumulative weights over `users`; `anchor` is a sentence
    put in front of one comment; `comments` fixes the count (else random).
    """
    topic = rng.choice(TOPICS)
    layout = COMPACT if rng.random() < 0.29 else SPACED
    title, front = _front_matter(rng, topic, day, draft)
    count = comments or _comment_count(rng)
    start = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=rng.randrange(86_400))
    quotes = _comments(rng, count, users, weights, (TOPIC_POOLS[topic.name], BACKGROUND),
                       start, layout.iso)
    at = rng.randrange(count)
    body, *rest = quotes[at]
    quotes[at] = (anchor + body, *rest)
    item = 43_440_267 + (day - dt.date(2025, 3, 21)).days * 9_882 + rng.randrange(9_000)
    source = f"https://news.ycombinator.com/item?id={item}"
    head = f"{front}\n\n> {title}\n\n引用元：[{source}]({source})"
    words = rng.sample(topic.slug_words, min(len(topic.slug_words), rng.randint(2, 4)))
    words += rng.sample(SLUG_WORDS, rng.randint(1, 3))
    slug = f"{day:%Y_%m_%d}_" + "_".join(words)
    return slug, _lay_out(head, [shortcode(*q) for q in quotes], layout), count


def _write(root: Path, day: dt.date, slug: str, text: str) -> Path:
    """Write a bundle under a slug not yet taken; return the index.md path."""
    folder = root / "content" / "posts" / f"{day:%Y_%m}"
    name, n = slug, 1
    while (folder / name).exists():
        n += 1
        name = f"{slug}_{n}"
    path = folder / name / "index.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def _days(seed: int, start: dt.date, posts: int) -> list[dt.date]:
    """Post dates in order: about 7 a day from `start`."""
    rng = random.Random(f"{seed}/calendar")
    days, day = [], start
    while len(days) < posts:
        days += [day] * rng.choice((5, 6, 7, 7, 8, 9))
        day += dt.timedelta(days=1)
    return days[:posts]


def _prepare(root: Path, seed: int) -> None:
    """Make `root` an empty generated site; never touch a site this module did not write."""
    config = root / "hugo.toml"
    posts = root / "content" / "posts"
    ours = config.exists() and config.read_text("utf-8").startswith(MARKER)
    if not ours and (config.exists() or (posts.exists() and any(posts.iterdir()))):
        raise FileExistsError(f"{root} holds a site not written by bench.generate")
    if posts.exists():
        shutil.rmtree(posts)
    posts.mkdir(parents=True, exist_ok=True)
    config.write_text(HUGO_TOML.format(marker=MARKER, seed=seed, base_url=BASE_URL), "utf-8")


def generate_site(out_dir: str | Path, posts: int, seed: int = 0, start: dt.date = DEFAULT_START,
                  draft_every: int = 2000) -> GeneratedSite:
    """Write a Hugo site of `posts` synthetic posts into `out_dir` and return what was written.

    `draft_every`: post i is a draft when i % draft_every == draft_every // 2
    (one in 2,000 by default; 0 for none). A previous generated site in
    `out_dir` is replaced; raises FileExistsError if `out_dir` holds other posts.
    """
    root = Path(out_dir)
    _prepare(root, seed)
    users = user_pool(min(MAX_USERS, max(20, posts * USERS_PER_POST)))
    weights = _user_weights(len(users))
    files, comments = [], 0
    for i, day in enumerate(_days(seed, start, posts)):
        rng = random.Random(f"{seed}/{i}")
        draft = draft_every > 0 and i % draft_every == draft_every // 2
        anchor = ANCHORS[VOCABULARY[i % len(VOCABULARY)]]
        slug, text, count = render_post(rng, day, users, weights, anchor, draft=draft)
        files.append(_write(root, day, slug, text))
        comments += count
    return GeneratedSite(root, posts, comments, files)


def _latest_day(root: Path) -> dt.date | None:
    """Return the date of the site's latest post bundle, from the bundle names."""
    names = [p.name[:10] for p in root.glob("content/posts/*/*") if p.is_dir()]
    days = [dt.datetime.strptime(n, "%Y_%m_%d").date()
            for n in names if re.fullmatch(r"\d{4}_\d\d_\d\d", n)]
    return max(days, default=None)


def add_post(root: str | Path, seed: int, day: dt.date | None = None,
             comments: int | None = None) -> Path:
    """Add one new synthetic post to an existing site and return its index.md path.

    `day` defaults to the day after the site's latest post; `comments` to a
    random count like `generate_site`'s. Users come from the same pool.
    """
    root = Path(root)
    day = day or (_latest_day(root) or DEFAULT_START) + dt.timedelta(days=1)
    existing = sum(1 for _ in root.glob("content/posts/*/*/index.md"))
    users = user_pool(min(MAX_USERS, max(20, (existing + 1) * USERS_PER_POST)))
    rng = random.Random(f"add/{seed}/{day}")
    anchor = ANCHORS[VOCABULARY[seed % len(VOCABULARY)]]
    slug, text, _ = render_post(rng, day, users, _user_weights(len(users)), anchor, comments=comments)
    return _write(root, day, slug, text)


# -------------------------------------------------------------------- stats

def describe_site(root: str | Path) -> dict:
    """Measure a site's posts, comments, users and comment text (for reports and tests)."""
    quote = re.compile(r'body="((?:[^"\\]|\\.)*)" userName="([^"]*)" createdAt="([^"]*)"')
    files = sorted(Path(root).glob("content/posts/*/*/index.md"))
    lengths, per_post, users, drafts = [], [], set(), 0
    flags = dict.fromkeys(("br", "url", "backtick", "backslash", "double_quote", "slash_date"), 0)
    for path in files:
        text = path.read_text("utf-8")
        drafts += "\ndraft = true\n" in text
        found = quote.findall(text)
        per_post.append(len(found))
        for body, user, created in found:
            users.add(user)
            flags["double_quote"] += '\\"' in body
            body = body.replace('\\"', '"')
            lengths.append(len(body.replace("<br>", "\n")))
            flags["br"] += "<br>" in body
            flags["url"] += "https://" in body
            flags["backtick"] += "`" in body
            flags["backslash"] += "\\" in body
            flags["slash_date"] += "/" in created
    n = max(1, len(lengths))
    return {"posts": len(files), "drafts": drafts, "comments": len(lengths), "users": len(users),
            "median_comments": statistics.median(per_post) if per_post else 0,
            "max_comments": max(per_post, default=0), "chars": sum(lengths),
            "median_chars": statistics.median(lengths) if lengths else 0,
            "max_chars": max(lengths, default=0), **{k: round(v / n, 4) for k, v in flags.items()}}


def main(argv=None) -> None:
    """Generate a synthetic matome archive (see the module docstring)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--posts", type=int, default=2000, help="number of posts [2000]")
    parser.add_argument("--seed", type=int, default=1, help="random seed [1]")
    parser.add_argument("--out", type=Path, required=True, help="site directory to write")
    parser.add_argument("--start", type=dt.date.fromisoformat, default=DEFAULT_START,
                        help="date of the first post [2025-02-01]")
    parser.add_argument("--draft-every", type=int, default=2000, help="one draft per N posts [2000]")
    parser.add_argument("--stats", action="store_true", help="measure the written site")
    opts = parser.parse_args(argv)
    began = time.perf_counter()
    site = generate_site(opts.out, opts.posts, seed=opts.seed, start=opts.start,
                         draft_every=opts.draft_every)
    print(f"{site.posts} posts, {site.comments} comments in {site.root} "
          f"({time.perf_counter() - began:.1f} s)")
    if opts.stats:
        for key, value in describe_site(site.root).items():
            print(f"  {key}: {value}")



# ------------------------------------------------------------- corpus tables
# (name, sentences, title subjects, tags, slug words) per topic.
_TOPIC_TABLE = (
    ("rust", (
        "Rustの所有権モデルは最初は難しいけど、慣れると手放せなくなるよ。",
        "ボローチェッカーと一週間戦ったら、C++のバグの原因が見えるようになった。",
        "cargoのおかげで依存関係の管理はPythonよりずっと楽だね。",
        "Rustで書き直したらメモリ使用量が半分になったって話はよく聞く。",
        "asyncのRustはまだ学習コストが高すぎると思うんだよね。",
        "unsafeを使うなら、その理由をちゃんとコメントに書くべきだ。",
        "コンパイル時間が長いのがRustの一番の弱点だと思う。",
        "Linuxカーネルに入ったRustのドライバが今後どうなるか楽しみ。",
        "型システムが強力だから、リファクタリングが怖くないのがいい。",
    ), ("Rustの所有権", "Rustで書き直したCLIツール", "Rustのasync", "メモリ安全な言語"),
        ("Rust", "プログラミング言語", "メモリ安全", "コンパイラ", "型システム"),
        "rust ownership borrow checker cargo rewrite memory safety async"),
    ("python", (
        "Pythonの型ヒントはmypyと組み合わせると本当に役に立つよ。",
        "GILがなくなったらPythonのマルチスレッドも少しはマシになるかな？",
        "uvを使い始めてから仮想環境の作成が一瞬で終わるようになった。",
        "Pythonは遅いって言われるけど、ボトルネックはだいたいI/Oなんだよね。",
        "Djangoの管理画面だけで小さな業務システムは作れちゃう。",
        "pipの依存関係地獄に何度ハマったか覚えてない。",
        "データ分析ならやっぱりPythonとpandasの組み合わせが最強。",
        "Python 3.13のJITにはちょっと期待してる。",
    ), ("Pythonの新しいパッケージ管理", "GILなしのPython", "Pythonの型ヒント", "Djangoの20年"),
        ("Python", "パッケージ管理", "データ分析", "Django", "開発ツール"),
        "python gil typing uv pip django packaging interpreter"),
    ("cpp", (
        "C++のテンプレートのエラーメッセージは相変わらず読みにくい。",
        "C++で未定義動作を踏むと、最適化で全部消えることがあるから怖い。",
        "モダンなC++はスマートポインタのおかげでかなり安全になったよ。",
        "C++20のコンセプトでテンプレートがやっと読めるようになった。",
        "ゲームエンジンの世界ではまだまだC++が主役だね。",
        "メモリ安全性を理由にC++をやめろって言われても、既存のコードは消えない。",
        "ビルドシステムがCMakeだけっていうのがC++の一番つらいところ。",
        "C++のコンパイラごとの挙動の違いにはいつも悩まされる。",
    ), ("C++の未定義動作", "モダンC++", "C++標準化委員会の決定", "C++からの移行"),
        ("C++", "コンパイラ", "低レイヤー", "パフォーマンス"),
        "cpp templates undefined behavior modern standard committee cmake"),
    ("dotnet", (
        ".NETはクロスプラットフォームになってから本当に良くなった。",
        "C#のLINQは他の言語にも欲しい機能の一つだよね。",
        "昔の.NET Frameworkからの移行はまだ終わってない会社が多い。",
        "Visual Studioは重いけど、デバッガはやっぱり最高。",
        ".NETのガベージコレクタはサーバー用途でもかなり優秀だよ。",
        "WindowsのアップデートでまたUIが変わってて驚いた。",
        "PowerShellは慣れるとbashより書きやすい場面もある。",
        "Blazorで社内ツールを作ったけど、意外と快適だった。",
    ), (".NETの最新版", "C#の新機能", "Windowsの新しいUI", "Visual Studioの進化"),
        (".NET", "C#", "Windows", "Microsoft"),
        "dotnet csharp windows microsoft visual studio powershell blazor"),
    ("llm", (
        "GPT-4oに同じ質問をしたら、毎回違う答えが返ってきた。",
        "大規模言語モデルは推論コストがまだ高すぎると思う。",
        "ハルシネーションがある限り、医療や法律にそのまま使うのは危険だよ。",
        "プロンプトを工夫するだけで出力の質がかなり変わるのは面白い。",
        "大規模言語モデルに仕様書を読ませてテストコードを書かせてみた。",
        "ローカルで動くLLMもかなり賢くなってきたよね。",
        "コーディングアシスタントのおかげで定型作業はほとんど任せられる。",
        "LLMが本当に推論してるのか、単に統計的に続きを予測してるだけなのかは議論が分かれる。",
        "GPT-4oの音声モードは遅延が少なくて驚いた。",
        "トークン単価が下がり続けてるから、使い方が変わってくると思う。",
    ), ("GPT-4oの実力", "大規模言語モデルの限界", "AIコーディングアシスタント", "ローカルLLM", "LLM理解に必須の数学"),
        ("LLM", "AI", "生成AI", "OpenAI", "ChatGPT", "プロンプト"),
        "llm gpt ai agents prompt reasoning model inference openai claude"),
    ("ml", (
        "機械学習のモデルを本番で運用するのは想像以上に大変だよ。",
        "ニューラルネットワークの学習には大量のデータと電力が必要だね。",
        "線形代数を学び直したら、論文の数式が読めるようになった。",
        "勾配降下法の直感的な説明を一度聞くと、もう忘れない。",
        "機械学習エンジニアの仕事の八割はデータの前処理だと思う。",
        "ニューラルネットワークは結局、巨大な行列の掛け算なんだよね。",
        "過学習を防ぐには、正則化よりもまずデータを増やすべき。",
        "線形代数と確率統計さえ押さえれば、機械学習の入門書は読めるよ。",
        "GPUのメモリが足りなくてバッチサイズを下げるしかなかった。",
    ), ("機械学習の練習問題集", "ニューラルネットワークの仕組み", "線形代数の学び直し", "勾配降下法"),
        ("機械学習", "深層学習", "ディープラーニング", "数学", "ニューラルネットワーク", "GPU"),
        "machine learning neural networks linear algebra gradient descent exercises"),
    ("web", (
        "Node.jsのイベントループを理解するのにかなり時間がかかった。",
        "TypeScriptに移行してから、本番のバグがかなり減ったよ。",
        "Reactのフックは便利だけど、依存配列で毎回ハマる。",
        "フロントエンドのビルドツールは毎年入れ替わってて追いつけない。",
        "Node.jsのパッケージはnode_modulesが巨大になるのが嫌なんだよね。",
        "サーバーサイドレンダリングに戻ってきたのは歴史の繰り返しだね。",
        "ブラウザの標準APIだけで十分なことがほとんどだと思う。",
        "JavaScriptの日付処理は今でも罠だらけ。",
        "WebAssemblyでブラウザ上でも重い処理ができるようになった。",
    ), ("Node.jsの新バージョン", "フロントエンド疲れ", "TypeScriptへの移行", "WebAssemblyの現在"),
        ("JavaScript", "TypeScript", "Node.js", "Web開発", "ブラウザ", "フロントエンド"),
        "node javascript typescript react frontend browser wasm web"),
    ("cloud", (
        "k8sのクラスタ運用は小さいチームには重すぎると思う。",
        "サーバーを一台借りてDockerで動かすだけで、たいていのサービスは回るよ。",
        "クラウドの請求書を見て初めて、データ転送料の怖さを知った。",
        "k8sのYAMLを書くだけで一日が終わることがある。",
        "結局オンプレのサーバに戻したら、コストが三分の一になった。",
        "マネージドサービスに頼りすぎると、障害時に何もできなくなる。",
        "監視とログの仕組みがないk8sは、ただの複雑なサーバーの集まりだ。",
        "AWSの障害で世界中のサービスが止まるのは、集中しすぎの証拠だね。",
    ), ("k8sは本当に必要か", "クラウド脱出", "サーバー1台で十分な理由", "大規模障害の原因"),
        ("クラウド", "Kubernetes", "インフラ", "AWS", "DevOps", "Docker"),
        "kubernetes cloud exit servers docker aws outage infrastructure"),
    ("database", (
        "データベースのインデックスを見直したら、クエリが十倍速くなった。",
        "PostgreSQLでほとんどのことはできるから、まずはそれを使えばいい。",
        "SQLiteは小さなアプリなら十分すぎるほど速いよ。",
        "データベースのマイグレーションは本番で一番緊張する作業だ。",
        "NoSQLブームが去って、みんなリレーショナルデータベースに戻ってきた。",
        "ORMが吐き出すSQLを一度は見ておいた方がいい。",
        "トランザクションの分離レベルをちゃんと理解してる人は意外と少ない。",
        "全文検索ならデータベースの機能で十分なことも多い。",
        "バックアップから実際に復元できるか試したことある？",
    ), ("PostgreSQLだけで十分", "SQLiteの本番運用", "データベースの設計ミス", "全文検索の仕組み"),
        ("データベース", "PostgreSQL", "SQLite", "SQL", "検索"),
        "postgres sqlite database sql index migration search transactions"),
    ("security", (
        "セキュリティの専門家はこの実装に懸念を示しているみたい。",
        "パスワードの使い回しをやめるだけで、被害の大半は防げるよ。",
        "暗号化されていない通信はもう許されない時代だね。",
        "サプライチェーン攻撃が増えてるから、依存パッケージは減らすべき。",
        "セキュリティパッチを当てるのに半年かかる会社がまだある。",
        "ゼロデイ脆弱性の値段が上がり続けてるのは怖い話だ。",
        "二要素認証をSMSでやるのはもう安全とは言えない。",
        "セキュリティは結局、利便性とのトレードオフなんだよね。",
    ), ("深刻な脆弱性", "パスワードレス認証", "サプライチェーン攻撃", "セキュリティ事故の教訓"),
        ("セキュリティ", "脆弱性", "暗号", "認証", "ハッキング"),
        "security vulnerability exploit passwords supply chain attack encryption"),
    ("privacy", (
        "ユーザーのプライバシーをもっと尊重するべきだよね。",
        "広告のトラッキングをブロックしたら、ページの読み込みが倍速くなった。",
        "無料のサービスは、ユーザ自身が商品だってことを忘れちゃいけない。",
        "GDPRのクッキーバナーは、結局誰も読んでないと思う。",
        "プライバシーを守るために、自分でメールサーバを運用してる。",
        "位置情報を勝手に収集するアプリが多すぎる。",
        "ユーザーのデータを売らないって約束、いつまで守られるかな。",
        "プライバシーポリシーが長すぎて、弁護士じゃないと理解できない。",
    ), ("プライバシー侵害", "トラッキング広告", "個人データの売買", "GDPRの効果"),
        ("プライバシー", "広告", "規制", "個人情報", "トラッキング"),
        "privacy tracking ads gdpr data brokers surveillance cookies"),
    ("opensource", (
        "オープンソースのメンテナーはもっと報われるべきだ。",
        "ライセンスを途中で変更するのは、コミュニティへの裏切りだと思う。",
        "GitHubのスター数だけでプロジェクトの質は判断できないよ。",
        "オープンソースに貢献したら、転職のときに話のネタになった。",
        "大企業がオープンソースにただ乗りしてる構図はずっと変わらない。",
        "イシューに丁寧に返信してくれるメンテナーには頭が上がらない。",
        "フォークが乱立すると、結局どれを使えばいいか分からなくなる。",
        "ドキュメントへの貢献も立派なオープンソース活動だよね。",
    ), ("オープンソースの持続可能性", "ライセンス変更騒動", "メンテナーの燃え尽き", "人気ライブラリのフォーク"),
        ("オープンソース", "ライセンス", "GitHub", "コミュニティ"),
        "open source license maintainers fork github community funding"),
    ("hardware", (
        "コンピューターサイエンスの基礎は今でも重要だと思う。",
        "このCPUは消費電力のわりに性能がかなり高い。",
        "ARMのノートPCはバッテリーが一日持つのが本当にありがたい。",
        "古いコンピューターでもLinuxを入れればまだまだ使える。",
        "半導体の微細化はもう物理的な限界に近づいてるらしい。",
        "RISC-Vがどこまで普及するか注目してる。",
        "メモリの値段が下がったから、32GBを積むのが当たり前になった。",
        "自作PCはパーツ選びが一番楽しい時間だね。",
        "家のコンピューターの電気代を計算したら、意外と高くてびっくりした。",
    ), ("新しいARMチップ", "RISC-Vの未来", "半導体の限界", "自作コンピューター"),
        ("ハードウェア", "CPU", "半導体", "ARM", "RISC-V"),
        "cpu arm risc chips semiconductor hardware computer laptop"),
    ("japan", (
        "東京都のオープンデータは意外と充実してるよ。",
        "京都に旅行したとき、観光客の多さに驚いた。",
        "東京都の電車の正確さは、何度見ても感動する。",
        "京都の古い町並みをデジタルで保存する取り組みは面白い。",
        "日本の役所は、いまだにファックスを使ってるって本当？",
        "東京都内の家賃が高すぎて、エンジニアも郊外に移ってる。",
        "京都大学の研究はユニークなテーマが多い印象がある。",
        "日本のコンビニのシステムは、裏側がすごくよくできてる。",
    ), ("日本の鉄道システム", "東京都のデジタル化", "京都のオーバーツーリズム", "日本の役所とファックス"),
        ("日本", "東京", "京都", "都市", "鉄道", "旅行"),
        "japan tokyo kyoto trains cities housing tourism"),
    ("career", (
        "リモートワークで生産性が上がったという人も多いよね。",
        "エンジニアの面接でアルゴリズム問題を出すのはもうやめた方がいい。",
        "給料を上げるなら、転職するのが一番早いのは悲しい現実だ。",
        "若手にコードレビューで厳しく言い過ぎないように気をつけてる。",
        "マネージャーになったら、コードを書く時間がほぼゼロになった。",
        "オフィス回帰の命令で、優秀な人から辞めていったらしい。",
        "燃え尽き症候群になってから、週末は絶対にパソコンを開かない。",
        "履歴書に書く技術スタックは、結局流行りで選ばれがち。",
    ), ("リモートワークの終わり", "エンジニアの採用面接", "燃え尽き症候群", "シニアエンジニアの条件"),
        ("キャリア", "リモートワーク", "働き方", "採用", "マネジメント"),
        "remote work hiring interviews career burnout managers engineers"),
    ("startup", (
        "スタートアップの資金調達は去年よりずっと厳しくなってる。",
        "SaaSの値上げが続いてて、ツール代だけで月に数万円かかる。",
        "ベンチャーキャピタルは成長しか見てないから、黒字化は二の次だ。",
        "小さく始めて、まずは十人のユーザーに愛されるものを作るべき。",
        "AIを名前につけるだけで資金が集まる時代は長く続かないと思う。",
        "創業者が全部の役割をこなすのは、最初の一年が限界だよ。",
        "買収された後に、サービスがすぐ終了するのはよくある話だ。",
        "ピボットした方がうまくいった例を何度も見てきた。",
    ), ("スタートアップの資金調達", "SaaSの値上げ", "一人で作るプロダクト", "買収後のサービス終了"),
        ("スタートアップ", "ビジネス", "SaaS", "資金調達", "経済"),
        "startup funding saas founders acquisition pivot bootstrapped"),
    ("science", (
        "ロケットの再利用で打ち上げコストが劇的に下がったのはすごい。",
        "量子コンピュータが実用化されるのはまだ先だろうね。",
        "気候変動のモデルは、スーパーコンピューターでも計算が大変らしい。",
        "宇宙望遠鏡の画像を見ると、いつも鳥肌が立つ。",
        "物理学の研究は、実験装置の予算で決まる部分が大きい。",
        "核融合発電は三十年後に実用化されるって、三十年前から言われてる。",
        "火星に人を送る前に、地球でやるべきことが山ほどある。",
        "論文の再現性がない問題は、物理より生物の方が深刻だと思う。",
    ), ("量子コンピュータの現実", "ロケット再利用", "宇宙望遠鏡の新発見", "核融合の進展"),
        ("宇宙", "物理", "科学", "量子コンピュータ", "研究"),
        "space rockets quantum physics telescope fusion science research"),
    ("linux", (
        "Linuxカーネルのスケジューラは、CPUの使い方が本当に賢い。",
        "systemdを嫌う人は多いけど、正直もう慣れちゃった。",
        "Emacsとvimの論争は、この先もずっと終わらないだろうね。",
        "シェルスクリプトは五十行を超えたらPythonで書き直すべき。",
        "デスクトップLinuxの年は今年も来なかった。",
        "ファイルシステムの選択で、ベンチマークの結果がかなり変わる。",
        "ターミナルで完結する作業環境が、結局一番速いと思う。",
        "ディストリビューションが多すぎて、初心者はどれを選べばいいか迷う。",
    ), ("Linuxカーネルの新機能", "デスクトップLinux", "シェルスクリプトの罠", "ターミナル中心の開発環境"),
        ("Linux", "OS", "カーネル", "シェル", "エディタ"),
        "linux kernel systemd shell terminal vim emacs filesystem"),
    ("mobile", (
        "iOSのアップデートで、バッテリーの持ちが悪くなった気がする。",
        "Appleのアプリストアの手数料は、さすがに高すぎるよ。",
        "Androidは自由度が高いけど、メーカーごとの差が大きすぎる。",
        "スマホアプリの審査で一週間待たされたことがある。",
        "iPhoneのカメラはもう一眼レフに迫る勢いだね。",
        "サブスクリプションばかりで、買い切りのアプリが減ったのが残念。",
        "修理する権利の運動には、もっと注目が集まるべきだ。",
        "スマートウォッチで睡眠を記録し始めてから、生活が少し変わった。",
    ), ("アプリストアの手数料問題", "iPhoneの新機能", "修理する権利", "Androidの断片化"),
        ("Apple", "iPhone", "Android", "モバイル", "スマートフォン"),
        "apple iphone android app store mobile repair"),
    ("games", (
        "インディーゲームの方が、大作よりも面白いことが多いんだよね。",
        "Unityの料金体系の変更で、多くの開発者がGodotに移った。",
        "ゲームエンジンを自作するのは楽しいけど、ゲームは完成しない。",
        "Steam Deckのおかげで、古いゲームをまた遊ぶようになった。",
        "ゲームのパフォーマンス最適化の話は、いつ読んでも勉強になる。",
        "レトロゲームのエミュレータ開発には、すごい執念を感じる。",
        "ルートボックスは実質ギャンブルだから、規制されて当然だ。",
        "マルチプレイのネットコードは、ゲーム開発で一番難しい部分だと思う。",
    ), ("ゲームエンジンの自作", "インディーゲームの成功", "レトロゲームのエミュレータ", "Unityの料金問題"),
        ("ゲーム", "ゲーム開発", "Unity", "エミュレータ"),
        "games game engine godot unity steam emulator indie"),
    ("education", (
        "大学で習った数学が、今になってやっと役に立ってる。",
        "確率の問題は直感に反するものが多くて面白いよね。",
        "子供にプログラミングを教えるなら、まずはScratchがいいと思う。",
        "教科書より、手を動かしながら学ぶ方が身につくタイプだ。",
        "論文を読むときは、まず図と結論から見るようにしてる。",
        "微分積分は、物理と一緒に学ぶと理解しやすい。",
        "オンライン講座は途中でやめちゃう人がほとんどらしい。",
        "証明を自分で書けるようになると、数学の見え方が変わる。",
    ), ("大人の数学学び直し", "プログラミング教育", "確率のパラドックス", "論文の読み方"),
        ("教育", "数学", "学習", "大学", "論文"),
        "math education learning university papers probability proofs"),
    ("energy", (
        "電気自動車のバッテリーの寿命は、思ったより長いらしい。",
        "太陽光発電のコストがここまで下がるとは思わなかった。",
        "原子力発電を止めたら、結局石炭に戻ったのは皮肉だね。",
        "充電スタンドが増えないと、地方で電気自動車は厳しい。",
        "データセンターの電力消費が、電力網の問題になりつつある。",
        "送電網の更新には、発電所を作るより時間がかかる。",
        "家庭用の蓄電池は、まだ元を取るのが難しい。",
        "ヒートポンプに変えたら、冬の電気代がかなり下がった。",
    ), ("電気自動車のバッテリー", "太陽光発電の急成長", "データセンターの電力問題", "原子力の再評価"),
        ("エネルギー", "電気自動車", "気候変動", "原子力", "太陽光"),
        "energy electric vehicles batteries solar nuclear grid climate"),
)
GENERAL_SENTENCES = (
    "ユーザ数が急に増えて、サーバが落ちたことがある。",
    "コンピューターが遅いと感じたら、まずブラウザのタブを閉じよう。",
    "このライブラリのドキュメントは、もっと充実させてほしい。",
    "テストを書かないと、結局あとで時間を失うことになる。",
    "分散システムでは、時計のずれが厄介なバグを生む。",
    "APIの後方互換性を壊すのは、本当に避けたい。",
    "プログラミング言語の選択は、チームの経験で決めるべきだと思う。",
    "ガベージコレクションの停止時間が問題になることもある。",
    "記事のタイトルはちょっと煽りすぎじゃない？",
    "元の論文を読んだけど、記事とはだいぶ印象が違ったよ。",
    "これ、十年前にも同じ議論をしてた気がする。",
    "結局、銀の弾丸なんてないってことだね。",
    "実際に使ってみないと分からないことが多すぎる。",
    "自分の経験だと、むしろ逆の結果になったよ。",
    "面白い記事だけど、ベンチマークの条件が書いてないのが気になる。",
    "小さなチームなら、シンプルな構成が一番だと思う。",
    "誰かこの分野のおすすめの本を教えてくれない？",
    "コメント欄の方が記事より勉強になるのはいつものことだね。",
    "正直、流行りに乗っかっただけのプロダクトに見える。",
    "ソースはある？それとも個人の感想？",
    "うちの会社でも同じ問題に悩まされてるよ。",
    "十年後に振り返ったら、笑い話になってると思う。",
    "これは素晴らしい取り組みだから、もっと広まってほしい。",
    "ドキュメントを読まずに質問する人が多すぎる。",
    "技術的負債は、返さないと利子がどんどん膨らむ。",
    "レガシーコードを触るときは、まずテストを書いてから。",
    "規制が厳しすぎると、イノベーションが止まっちゃうよね。",
    "大企業の発表は、話半分に聞いておくのがちょうどいい。",
    "昔のソフトウェアの方が軽くて速かった気がする。",
    "会議を減らしたら、チームの生産性が目に見えて上がった。",
)
# Sentences about a topic's tags ({x}): variety without a hand-written list per tag.
TOPIC_TEMPLATES = (
    "{x}を本番で使ってるけど、今のところ大きな問題はないよ。",
    "{x}の話になると、いつもコメント欄が荒れるよね。",
    "うちのチームも去年から{x}を本格的に取り入れた。",
    "{x}について書かれた記事の中では、これが一番分かりやすかった。",
    "{x}に詳しい人がいたら、ぜひ意見を聞きたい。",
    "正直、{x}はちょっと過大評価されてると思う。",
    "{x}の入門書でおすすめはある？",
    "十年前の{x}と比べたら、今は天国みたいなもんだよ。",
    "{x}が流行る前から同じことをやってる人はいた。",
    "{x}の一番の問題は、周りのエコシステムがまだ未熟なことだと思う。",
    "最近{x}の勉強を始めたんだけど、奥が深すぎる。",
    "{x}を批判する人は、実際に触ったことがないんじゃないかな。",
    "{x}関連のカンファレンスの動画はどれも面白いよ。",
    "{x}の未来については、わりと楽観的に見てる。",
    "結局のところ、{x}は道具の一つにすぎないんだよね。",
    "{x}の分野で働いてるけど、記事の内容はだいたい合ってる。",
    "{x}に関しては、五年後にまた同じ議論をしてそう。",
    "会社で{x}の話を出したら、前例がないって却下された。",
    "{x}の歴史を知ると、今の設計の理由がよく分かる。",
    "{x}のニュースを見るたびに、業界の変化の速さを感じる。",
)
SHORT_REPLIES = (
    "これは草。", "同意。", "まさにそれ。", "面白いね！", "ソースは？", "なるほど。", "それな。",
    "わかる。", "ありがとう、助かった！", "完全に同意だよ。", "いい記事だね。", "懐かしい！",
)
QUOTED_SENTENCES = (
    "いわゆる\"move fast and break things\"ってやつだね。",
    "公式ドキュメントには\"experimental\"って書いてあるから、本番ではまだ使わない方がいい。",
    "エラーメッセージは\"permission denied\"だけで、何も分からなかった。",
    "\"Attention Is All You Need\"を久しぶりに読み返したよ。",
    "昔から\"worse is better\"って言うじゃん。",
    "設定で\"strict\": trueにしたら警告が百個出た。",
    "上司の口癖が\"just ship it\"なんだよね。",
    "\"premature optimization is the root of all evil\"は文脈ごと引用してほしい。",
)
CODE_SNIPPETS = (
    "cargo build --release", "git rebase -i HEAD~3", "Option<T>", "Result<T, E>", "unsafe",
    "kubectl get pods -A", "SELECT * FROM users WHERE id = 1", "pip install -U pip",
    "std::vector<int>", "npm install", "{{ .Title }}", "a < b", "x => x * 2", "async fn main()",
    "docker compose up -d", "uv run pytest", "EXPLAIN ANALYZE", "Uncertain<T>",
)
CODE_TEMPLATES = (
    "自分は`{code}`で解決したよ。", "`{code}`を使えばいいと思う。", "`{code}`って書くだけでいける。",
    "ちなみに`{code}`の挙動はドキュメントと違ったよ。",
)
BACKSLASH_SENTENCES = (
    "PDFを軽くするならこれ：<br>gs \\<br>  -dNOPAUSE \\<br>  -sDEVICE=pdfwrite -o out.pdf in.pdf",
    "Windowsだと設定はC:\\Users\\me\\AppData\\Roamingにあるよ。",
    "正規表現は^\\d{3}-\\d{4}$で十分だと思う。",
    "改行は\\nじゃなくて\\r\\nになってるから注意してね。",
)
LINK_TEXTS = ("ドキュメント", "元のスレッド", "論文", "この記事", "ベンチマーク", "リポジトリ")
WIKI_ARTICLES = (
    "Linear_algebra", "Backpropagation", "Rust_(programming_language)", "Kyoto", "Tokyo",
    "Gradient_descent", "Transformer_(deep_learning_architecture)", "SQLite", "Kubernetes",
    "Zipf%27s_law", "Public-key_cryptography", "RISC-V", "Quantum_computing",
    "General_Data_Protection_Regulation",
)
DOC_URLS = (
    "https://docs.python.org/3/library/asyncio.html", "https://doc.rust-lang.org/book/",
    "https://kubernetes.io/docs/home/", "https://www.postgresql.org/docs/current/",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://learn.microsoft.com/ja-jp/dotnet/",
    "https://nodejs.org/en/learn", "https://www.sqlite.org/whentouse.html",
)
COLORS = ("", "", "", "", "", "#785bff", "#45d325", "#38d3d3", "#ff33a1", "#ff5733", "#ff5c5c")
TITLE_TEMPLATES = (
    "{s}がヤバすぎる件", "{s}、マジで理解してる？", "【{y}年版】{s}の完全ガイド！", "{s}はこれだ！",
    "{s}って結局どうなの？", "{s}に物申す！{hook}", "なぜ{s}は失敗したのか？", "{s}、ついに登場！",
    "Show HN：{s}を作ってみた", "{s}の裏側、全部見せます", "{s}で何が変わる？{hook}",
    "【悲報】{s}、期待外れだった", "{s}について知っておくべきこと",
)
TITLE_HOOKS = ("賛否両論！", "開発者の本音", "みんなの反応は？", "徹底議論！", "驚きの結果に", "")
SLUG_WORDS = (
    "the", "a", "of", "why", "how", "show", "hn", "new", "is", "we", "your", "for", "in", "to",
    "future", "guide", "lessons", "learned", "problem", "with", "what", "after", "years", "building",
)
HUGO_TOML = '''{marker} (seed {seed}).
baseURL = "{base_url}"
defaultContentLanguage = "ja"
title = "海外テックの反応まとめ"

[taxonomies]
  tag = "tags"
  months = "months"
'''
# The real users of the two sample posts head the pool: they post the most.
SAMPLE_USERS = (
    "lucasoshiro", "HarHarVeryFunny", "libraryofbabel", "r-bryan", "minhaz23", "mixmastamyk",
    "Quizzical4230", "psb217", "incognito124", "danielscrubs", "moffkalast", "amelius", "p1dda",
    "skydhash", "imranq", "mathandsurf", "spinlock_", "ants_everywhere", "la_fayette",
    "grandempire", "Matthyze", "godelski", "rsanek", "ozgung", "danielmarkbruce",
)
NAME_WORDS = tuple("""
ants babel spin lock sky hash mix master grand empire quiz zero cool byte code hacker data pixel
rust iron ghost shadow blue red green tiger wolf fox bear owl moon sun star nova cloud river stone
ocean forest night dawn echo delta alpha beta gamma omega quantum vector matrix kernel shell null
void lambda monad tensor signal noise random chaos order logic proof graph node tree root leaf
branch stack heap queue cache buffer socket packet router bit flip loop fork pipe thread mutex atom
photon laser radio sonic turbo hyper meta micro macro nano giga retro neo old big little tiny mega
happy lazy silent loud dark bright wild calm brave crazy very funny har library surf math everywhere
fayette incognito curious throwaway anon ninja wizard pilot captain doctor prof lurker reader
hobbit dragon phoenix falcon raven cobra panda koala otter badger mango lemon pepper coffee tea
""".split())
FIRST_NAMES = tuple("""
lucas daniel imran michael john david sarah anna maria james robert linda peter paul mark luke
chris alex sam kim lee park wang zhang chen liu yang hiro ken yuki taro emma olivia noah liam
mateo sofia lars sven ivan olga pierre jean marco luca ahmed omar ravi priya arjun tom nick
""".split())
SURNAMES = tuple("""
bryan smith jones brown miller davis wilson moore taylor anderson thomas jackson white harris
martin garcia clark lewis walker hall young king wright scott green baker adams nelson hill
campbell mitchell roberts carter phillips evans turner torres parker collins edwards stewart
tanaka suzuki sato kato ito yamada nakamura kobayashi mueller schmidt novak kowalski rossi
""".split())
COMMON_TAGS = (
    "AI", "LLM", "プログラミング", "ソフトウェア開発", "オープンソース", "セキュリティ", "機械学習",
    "Google", "Apple", "Microsoft", "OpenAI", "Meta", "Amazon", "テクノロジー", "ビジネス", "経済",
    "社会", "政治", "法律", "規制", "歴史", "哲学", "心理学", "健康", "医療", "生物学", "化学",
    "物理学", "天文学", "宇宙開発", "NASA", "SpaceX", "気候", "環境", "エネルギー", "電力",
    "自動車", "テスラ", "交通", "航空", "ドローン", "ロボット", "ロボティクス", "自動運転", "IoT",
    "組み込み", "ネットワーク", "インターネット", "DNS", "HTTP", "プロトコル", "分散システム",
    "アーキテクチャ", "設計", "リファクタリング", "テスト", "デバッグ", "パフォーマンス",
    "最適化", "アルゴリズム", "データ構造", "コンピュータサイエンス", "数学", "統計", "確率",
    "データサイエンス", "可視化", "ビッグデータ", "検索エンジン", "SEO", "広告", "マーケティング",
    "SNS", "Twitter", "Reddit", "YouTube", "メディア", "ジャーナリズム", "著作権", "特許",
    "プライバシー", "監視", "暗号技術", "ブロックチェーン", "暗号資産", "ビットコイン", "フィンテック",
    "金融", "投資", "株式市場", "雇用", "給与", "生産性", "習慣", "教育", "子育て", "学習法",
    "読書", "本", "ライティング", "ドキュメント", "デザイン", "UI", "UX", "アクセシビリティ",
    "フォント", "タイポグラフィ", "画像処理", "音声認識", "音楽", "映画", "アニメ", "ゲーム",
    "VR", "AR", "メタバース", "3Dプリンタ", "DIY", "電子工作", "Raspberry Pi", "Arduino", "FPGA",
    "GPU", "NVIDIA", "Intel", "AMD", "TSMC", "半導体", "メモリ", "ストレージ", "SSD", "ファイルシステム",
    "バックアップ", "データベース", "PostgreSQL", "MySQL", "Redis", "SQLite", "NoSQL", "Go",
    "Java", "Kotlin", "Swift", "Ruby", "PHP", "Haskell", "Lisp", "Clojure", "Elixir", "Erlang",
    "Zig", "C", "C#", "Scala", "OCaml", "Julia", "R言語", "WebAssembly", "コンパイラ", "インタプリタ",
    "型システム", "関数型プログラミング", "並行処理", "非同期処理", "メモリ管理", "ガベージコレクション",
    "Emacs", "Vim", "VSCode", "IDE", "Git", "GitHub", "CI/CD", "DevOps", "SRE", "監視ツール",
    "ログ", "クラウド", "AWS", "GCP", "Azure", "サーバーレス", "コンテナ", "Docker", "Kubernetes",
    "マイクロサービス", "API", "REST", "GraphQL", "gRPC", "フロントエンド", "バックエンド", "React",
    "Vue", "CSS", "HTML", "ブラウザ", "Firefox", "Chrome", "Safari", "拡張機能", "macOS", "Windows",
    "Linux", "Unix", "BSD", "Android", "iOS", "スマートフォン", "ウェアラブル", "ヘッドホン",
    "カメラ", "写真", "ハードウェア", "修理する権利", "反トラスト法", "EU", "中国", "アメリカ", "日本",
    "ヨーロッパ", "インド", "スタートアップ", "起業", "VC", "買収", "レイオフ", "リモートワーク",
    "キャリア", "面接", "マネジメント", "チーム", "コミュニケーション", "文化", "言語", "翻訳",
    "日本語", "英語", "自然言語処理", "ChatGPT", "Claude", "Gemini", "生成AI", "画像生成",
    "AIエージェント", "AI倫理", "AI安全性", "AGI", "強化学習", "Transformer", "ディープラーニング",
    "深層学習", "ニューラルネットワーク", "PyTorch", "研究", "論文", "学術", "大学", "科学",
    "ノスタルジー", "レトロ", "インターネット文化", "ハッカー文化", "ユーモア", "雑談",
)

# ------------------------------------------------------------ derived tables
TOPICS = tuple(Topic(name, tuple(s), tuple(subj), tuple(tags), tuple(slug.split()))
               for name, s, subj, tags, slug in _TOPIC_TABLE)
TECH_SENTENCES = tuple(itertools.chain(GENERAL_SENTENCES, *(t.sentences for t in TOPICS)))
SAMPLE_SENTENCES = tuple(read_sample_sentences())
CORPUS = SAMPLE_SENTENCES + TECH_SENTENCES + SHORT_REPLIES
# The samples are both about machine learning: weight the tech sentences up so
# that the background of every post is not mostly ML.
BACKGROUND = SAMPLE_SENTENCES + (TECH_SENTENCES + SHORT_REPLIES) * 2
TAGS = tuple(dict.fromkeys(itertools.chain(COMMON_TAGS, *(t.tags for t in TOPICS))))


def _anchor(word: str) -> str:
    # Prefer a sentence that starts with the word (so 京都 is not the one in
    # 東京都) and never one where more katakana follows (サーバ in サーバー).
    pattern = re.compile(re.escape(word) + "(?![\u30a0-\u30ff])")
    starting = (s for s in TECH_SENTENCES if pattern.match(s))
    return next(starting, None) or next(s for s in TECH_SENTENCES if pattern.search(s))


ANCHORS = {word: _anchor(word) for word in VOCABULARY}


def _topic_pool(topic: Topic) -> tuple[str, ...]:
    """The topic's own sentences, sample sentences on it, and templates about its tags."""
    keys = {w for w in topic.tags if len(w) > 1}
    related = tuple(s for s in SAMPLE_SENTENCES if any(k in s for k in keys))
    templated = tuple(t.format(x=tag) for t in TOPIC_TEMPLATES for tag in topic.tags)
    return topic.sentences * 2 + related + templated


TOPIC_POOLS = {topic.name: _topic_pool(topic) for topic in TOPICS}
_TAG_WEIGHTS = [1 / (rank + 3) for rank in range(len(TAGS))]


if __name__ == "__main__":
    main()
