"""The bulk executor gives exactly Whoosh's matches and scores, on a real index.

The index is built by the real indexer from a generated archive, then
updated (one post changed, one added), so it has two segments and deleted
documents: the cases where a hand-rolled reader would go wrong.
"""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from search.index import store
from search.query.compile import compile_query
from search.query.synonyms import load_synonyms
from search.retrieve import merging
from search.retrieve.collect import match_scores
from search.retrieve.execute import Executor, Unsupported
from search.retrieve.postcache import PostingCache
from search.retrieve.postings import segment_ids
from search.views.superterms import Superterms
from tests.test_columns import OtherCodecSearcher

QUERIES = [
    "機械学習",
    "数学",
    "線形代数",
    "大規模言語モデル",
    "Rust",
    "C++",
    "GPT-4o",
    "サーバー",
    "機械学習の数学",
    "京都",
    "東京都",
    '"勾配降下法"',
    "Rust OR Go",
    "LLM -GPU",
    "学習 データ",
    "理解 している",
    "すうがく",
    "ブラウザ",
    "-物理",
    "title:数学",
    "コンピューター",
]


def whoosh_scores(searcher, query) -> dict[int, float]:
    return {d: score for score, d in searcher.search(query, limit=None).top_n}


def assert_same(mine: dict, theirs: dict) -> None:
    assert mine.keys() == theirs.keys()
    for d, score in theirs.items():
        assert mine[d] == pytest.approx(score, rel=1e-12, abs=1e-12)


def compiled(searcher, text):
    readings = frozenset(t.decode() for t in searcher.reader().lexicon("body_reading"))
    return compile_query(
        text,
        readings,
        load_synonyms(None),
        frequency=lambda term, fieldname="body": searcher.doc_frequency(fieldname, term),
        superterms=Superterms.from_reader(searcher.reader()),
    ).query


def test_scores_equal_whoosh(searcher):
    executor = Executor(searcher)
    matched = 0
    for text in QUERIES:
        query = compiled(searcher, text)
        theirs = whoosh_scores(searcher, query)
        matched += bool(theirs)
        assert_same(executor.scores(query), theirs)
        assert_same(executor.scores(query), theirs)  # again, from the cache
    assert matched >= len(QUERIES) - 3, "the generated archive should hold most query words"


def _body_words(searcher, limit=60) -> list[str]:
    words = [t.decode() for t, _ in zip(searcher.reader().lexicon("body"), range(10_000))]
    frequent = sorted(words, key=lambda w: -searcher.doc_frequency("body", w))
    return frequent[:limit] + words[-20:]


def query_trees(words: list[str]):
    """Random trees of the shapes the query compiler builds, but AndNot."""
    word = st.sampled_from(words)
    leaf = st.one_of(
        word.map(lambda w: wq.Term("body", w)),
        st.tuples(word, st.floats(0.2, 2.0)).map(lambda p: wq.Term("body", p[0], boost=p[1])),
        st.lists(word, min_size=2, max_size=3).map(lambda ws: wq.Phrase("body", ws)),
        st.tuples(st.lists(word, min_size=2, max_size=2), st.integers(1, 4)).map(
            lambda p: wq.Phrase("body", p[0], slop=p[1])
        ),
        # Many boosted words, as a common word's superterms: one cached union.
        st.lists(st.tuples(word, st.floats(0.01, 1.0)), min_size=merging.TERM_SET, max_size=12).map(
            lambda ps: wq.Or([wq.Term("body", w, boost=b) for w, b in ps])
        ),
    )
    return st.recursive(
        leaf,
        lambda kids: st.one_of(
            st.lists(kids, min_size=1, max_size=3).map(wq.And),
            st.lists(kids, min_size=1, max_size=3).map(wq.Or),
            st.tuples(st.lists(kids, min_size=2, max_size=3), st.floats(0.2, 2.0)).map(
                lambda p: wq.Or(p[0], boost=p[1])
            ),
        ),
        max_leaves=6,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_query_trees_equal_whoosh(searcher, data):
    query = data.draw(query_trees(_body_words(searcher)))
    assert_same(Executor(searcher).scores(query), whoosh_scores(searcher, query))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_exclusion_removes_every_excluded_document(searcher, data):
    # Not compared with Whoosh's AndNot: its matcher returns the first
    # positive document of each segment even when the excluded word is in it.
    trees = query_trees(_body_words(searcher))
    positive, negative = data.draw(trees), data.draw(trees)
    excluded = whoosh_scores(searcher, negative).keys()
    expected = {d: s for d, s in whoosh_scores(searcher, positive).items() if d not in excluded}
    assert_same(Executor(searcher).scores(wq.AndNot(positive, negative)), expected)


def test_whoosh_andnot_defect_is_not_ours(searcher):
    """The first document of each segment holding both words stays excluded."""
    executor = Executor(searcher)
    words = _body_words(searcher, limit=40)
    pairs = [(a, b) for a in words for b in words if a != b]
    query = next(
        wq.AndNot(wq.Term("body", a), wq.Term("body", b))
        for a, b in pairs
        if whoosh_scores(searcher, wq.AndNot(wq.Term("body", a), wq.Term("body", b))).keys()
        & whoosh_scores(searcher, wq.Term("body", b)).keys()
    )  # a pair where Whoosh shows the defect
    assert not executor.scores(query).keys() & executor.scores(query.b).keys()


def test_a_tiny_cache_evicts_and_stays_correct(searcher):
    executor = Executor(searcher, budget=50)
    for text in QUERIES[:8]:
        query = compiled(searcher, text)
        assert_same(executor.scores(query), whoosh_scores(searcher, query))
    assert len(executor.cache) == 1 or executor.cache.postings <= 50


def test_threads_share_one_cache_through_their_own_searchers(generated_index):
    """Executors of one index version, each on its own thread's searcher, share postings."""
    ix, _ = store.open_current(generated_index)
    cache = PostingCache()
    with ix.searcher() as first:
        queries = [wq.Term("body", w) for w in _body_words(first, limit=20)]
    results, errors = {}, []

    def work(n: int) -> None:
        try:
            with ix.searcher() as mine:
                executor = Executor(mine, cache=cache)
                results[n] = [executor.scores(q) for q in queries]
                # The same documents' positions, through this thread's own files.
                results[n].append(executor.positions("body", queries[0].text, list(results[n][0])))
        except Exception as exc:  # reported below, with the thread's failure
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with ix.searcher() as alone:
        expected = [whoosh_scores(alone, q) for q in queries]
    for n in range(4):
        for got, want in zip(results[n], expected):
            assert_same(got, want)
        assert results[n][-1] == results[0][-1]
    assert len(cache) == len(queries)  # every word read into the one cache


@pytest.mark.parametrize("blocks", [2048, 1], ids=["block-cache", "one-block-cache"])
def test_positions_and_spans_equal_the_postings(searcher, blocks):
    executor = Executor(searcher, blocks=blocks)
    fmt = searcher.schema["body"].format
    for word in _body_words(searcher, limit=8):
        holding = whoosh_scores(searcher, wq.Term("body", word))
        docnums = sorted(holding)[::3]
        without = next(d for d in reversed(range(searcher.doc_count_all())) if d not in holding)
        positions = executor.positions("body", word, docnums + [without])
        assert docnums and sorted(positions) == docnums  # the document without the word left out
        for d in docnums:
            matcher = searcher.postings("body", word)
            matcher.skip_to(d)
            assert positions[d] == fmt.decode_positions(matcher.value())
            expected = [(s.startchar, s.endchar) for s in matcher.spans()]
            assert executor.char_spans("body", word, d) == expected


def test_deleted_documents_never_match(searcher):
    reader = searcher.reader()
    deleted = {d for d in range(reader.doc_count_all()) if reader.is_deleted(d)}
    executor = Executor(searcher)
    for word in _body_words(searcher, limit=20):
        assert not deleted & executor.scores(wq.Term("body", word)).keys()


def test_other_query_shapes_fall_back_to_whoosh(searcher):
    word = _body_words(searcher, limit=1)[0]
    prefix = wq.Prefix("body", word[:1])
    with pytest.raises(Unsupported):
        Executor(searcher).scores(prefix)
    assert_same(match_scores(searcher, prefix, Executor(searcher)), whoosh_scores(searcher, prefix))


def test_readers_without_whoosh3_blocks_give_the_same_results(searcher):
    """The posting-by-posting path, taken for any other codec or Whoosh."""
    fast = Executor(searcher)
    slow = Executor(OtherCodecSearcher(searcher))
    for text in QUERIES:
        query = compiled(searcher, text)
        assert_same(slow.scores(query), whoosh_scores(searcher, query))
    for word in _body_words(searcher, limit=5):
        docnums = sorted(fast.scores(wq.Term("body", word)))[::2]
        assert slow.positions("body", word, docnums) == fast.positions("body", word, docnums)
        assert slow.char_spans("body", word, docnums[0]) == fast.char_spans("body", word, docnums[0])


class LateCache(PostingCache):
    """A cache another thread fills between two lookups: the first lookup of each held entry misses."""

    def __init__(self):
        super().__init__()
        self.missed = []

    def recall(self, key):
        found = super().recall(key)
        if found is not None and key not in self.missed:
            self.missed.append(key)
            return None
        return found


def test_a_phrase_word_cached_by_another_thread_meanwhile(searcher):
    """The phrase looked the word up, another thread cached it, then the phrase read it."""
    cache = LateCache()
    executor = Executor(searcher, cache)
    phrase = wq.Phrase("body", ["理解", "する"])
    executor.warm("body", "理解")  # already in the cache when the phrase reads it...
    expected = whoosh_scores(searcher, phrase)
    assert expected and cache.missed == []
    assert_same(executor.scores(phrase), expected)
    assert len(cache.missed) == 1  # ...but not yet when the phrase first asked for it


def test_the_next_commits_take_over_the_cache_and_score_as_whoosh(tmp_path):
    """After commits that replace one post and add others, each new version's cache
    starts from the earlier ones': same matches and scores as Whoosh on the new
    version, positions and spans included, with the old segment's postings taken
    over, also for a word the version in between never looked up."""
    from bench.generate import add_post, generate_site
    from search.index.indexer import update_index
    from search.ingest import hugo

    site = generate_site(tmp_path / "site", 8, seed=11).root
    index_dir = tmp_path / "index"
    update_index(hugo.load_site(site), index_dir, jobs=1)
    ix, _ = store.open_current(index_dir)
    with ix.searcher() as old:
        cache = PostingCache()
        executor = Executor(old, cache)
        words = _body_words(old, limit=30)
        queries = [compiled(old, text) for text in QUERIES] + [wq.Term("body", w) for w in words]
        for query in queries:
            executor.scores(query)
    posts = sorted(site.rglob("index.md"))
    posts[2].write_text(posts[4].read_text("utf-8"), "utf-8")  # replaced: deletions in the old segment
    for seed, asked in ((12, queries[::2]), (13, queries)):
        add_post(site, seed=seed, comments=30)
        update_index(hugo.load_site(site), index_dir, jobs=1)
        ix, _ = store.open_current(index_dir)
        with ix.searcher() as new:
            assert new.reader().has_deletions() and len(new.leaf_searchers()) > 1
            before, cache = cache, PostingCache()
            cache.inherit(before, segment_ids(new))
            executor = Executor(new, cache)
            for query in asked:
                assert_same(executor.scores(query), whoosh_scores(new, query))
            assert cache.carried > len(asked) // 2
    word = words[0]
    with ix.searcher() as new:
        executor = Executor(new, cache)
        docnums = sorted(whoosh_scores(new, wq.Term("body", word)))
        positions = executor.positions("body", word, docnums)
        for d in docnums[::5]:
            matcher = new.postings("body", word)
            matcher.skip_to(d)
            assert positions[d] == new.schema["body"].format.decode_positions(matcher.value())
            assert executor.char_spans("body", word, d) == [(s.startchar, s.endchar) for s in matcher.spans()]


def test_an_inherited_cache_counts_its_pool_against_the_budget(searcher):
    words = _body_words(searcher, limit=20)
    before = PostingCache(budget=10**6)
    Executor(searcher, before).scores(wq.Or([wq.Term("body", w) for w in words]))
    sizes = {w: len(whoosh_scores(searcher, wq.Term("body", w))) for w in words}
    budget = max(before.postings // 2, max(sizes.values()))
    after = PostingCache(budget=budget)
    after.inherit(before, segment_ids(searcher))
    assert after.postings <= budget  # pooled entries evicted, oldest first, to fit
    pooled = [w for w in words if after.holds("body", w)]
    assert 0 < len(pooled) < len(words)
    executor = Executor(searcher, after)
    for w in words:
        assert_same(executor.scores(wq.Term("body", w)), whoosh_scores(searcher, wq.Term("body", w)))
        assert after.postings <= budget


def test_entries_of_merged_away_segments_are_not_pooled(searcher):
    words = _body_words(searcher, limit=10)
    before = PostingCache()
    Executor(searcher, before).scores(wq.Or([wq.Term("body", w) for w in words]))
    after = PostingCache()
    after.inherit(before, ["a-segment-that-replaced-them-all"])
    assert after.postings == 0 and not any(after.holds("body", w) for w in words)
