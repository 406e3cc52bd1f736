"""Warming a searcher: which words, within what budget, and no change to any answer."""

from __future__ import annotations

import time

import pytest

from search.index import store
from search.records import SearchRequest
from search.retrieve import warmup
from search.retrieve.execute import Executor
from search.retrieve.service import SearchService
from search.retrieve.warmup import frequent_terms

QUERIES = [
    "機械学習",
    "数学",
    "線形代数",
    "大規模言語モデル",
    "理解 している",
    "学習 データ",
    "LLM -GPU",
    "Rust OR Go",
    "すうがく",
    "title:数学",
    "コンピューター",
]


def test_frequent_terms_by_falling_frequency_within_the_budget(searcher):
    reader = searcher.reader()
    every = frequent_terms(reader, budget=10**9, floor=1)
    counts = [reader.doc_frequency(field, term) for field, term in every]
    assert counts == sorted(counts, reverse=True) and len(every) > 100
    assert {field for field, _ in every} == set(warmup.WARM_FIELDS)

    budget = sum(counts[:5]) + 1
    picked = frequent_terms(reader, budget=budget, floor=1)
    assert picked[:5] == every[:5]
    assert sum(reader.doc_frequency(f, t) for f, t in picked) <= budget
    # The words after the fifth overflow the budget, but a rare one still fits.
    assert len(picked) > 5 and reader.doc_frequency(*picked[5]) == 1

    floor = counts[10]
    assert all(reader.doc_frequency(f, t) >= floor for f, t in frequent_terms(reader, budget=10**9, floor=floor))


def pages(service):
    return [service.search(SearchRequest(query=q, per_page=20)) for q in QUERIES]


def same_answers(a, b):
    assert [(p.total, p.hits, p.users, p.tags, p.months) for p in a] == [
        (p.total, p.hits, p.users, p.tags, p.months) for p in b
    ]


@pytest.fixture
def low_floor(monkeypatch):
    monkeypatch.setattr(warmup, "WARM_MIN_POSTINGS", 20)


def test_a_warmed_service_answers_as_a_cold_one(generated_index, low_floor):
    cold = SearchService(generated_index)
    warmed = SearchService(generated_index)
    try:
        words, postings = warmed.warm_up()
        assert words > 10 and postings > 1000
        same_answers(pages(warmed), pages(cold))
    finally:
        cold.close()
        warmed.close()


def warmed(caplog) -> list:
    """The log records of finished warm-ups."""
    return [r for r in caplog.records if r.getMessage().startswith("warmed")]


def test_serving_warms_each_generation_in_the_background(generated_index, low_floor, caplog):
    caplog.set_level("INFO", logger="search.service")
    service = SearchService(generated_index, warm=True)
    cold = SearchService(generated_index)
    try:
        service.open()
        during = pages(service)  # searches go on while it warms
        deadline = time.monotonic() + 60
        while not warmed(caplog) and time.monotonic() < deadline:
            time.sleep(0.05)
        (record,) = warmed(caplog)
        assert record.threadName == "matome-search-warm"
        assert record.args[0] > 10  # words
        same_answers(during, pages(cold))
        same_answers(pages(service), pages(cold))
    finally:
        service.close()
        cold.close()


def test_warming_stops_when_the_service_moves_on(generated_index, low_floor, monkeypatch):
    service = SearchService(generated_index)
    real = Executor.warm
    warmed = []

    def warm_then_move_on(executor, fieldname, text):
        warmed.append(text)
        n = real(executor, fieldname, text)
        # The indexer rewrites CURRENT (here: the same pointer, rewritten),
        # and the next search opens the version it names.
        pointer = store.read_pointer(generated_index)
        store.write_pointer(generated_index, **{k: v for k, v in pointer.items() if k != "build"})
        service.search(SearchRequest(query="数学"))
        return n

    monkeypatch.setattr(Executor, "warm", warm_then_move_on)
    try:
        words, postings = service.warm_up()
        assert words == len(warmed) == 1 and postings > 0
    finally:
        service.close()
