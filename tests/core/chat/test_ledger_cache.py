"""Budget ledger and response cache on a real database."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mira.core.chat.cache import ResponseCache, cache_key
from mira.core.chat.ledger import BudgetExceeded, CallRecord, Ledger, cost, parse_prices
from mira.core.chat.llm_client import LLMResponse, ToolCall
from mira.core.chat.operations import OperationStore
from mira.core.stores.database import Database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "mira.db").open()
    yield database
    database.close()


def test_prices_are_configurable_and_matched_by_longest_prefix() -> None:
    prices = parse_prices("my-local=0/0, gpt-4o=3/12")
    assert cost(prices, "gpt-4o-mini-2024-07-18", 1_000_000, 0) == 0.15
    assert cost(prices, "gpt-4o-2024-08-06", 1_000_000, 1_000_000) == 15.0
    assert cost(prices, "smollm2", 10_000, 10_000) == 0.0


def test_daily_and_monthly_limits_are_checked_before_a_call(db: Database) -> None:
    now = dt.datetime(2026, 12, 15, 12, 0)
    ledger = Ledger(db, parse_prices(None), daily_limit=1.0, monthly_limit=2.5)
    ledger.record(CallRecord("gpt-5.1", 0, 0, 0, 0.9, 10.0, False), ts=now.timestamp())
    assert ledger.check(now).daily_usd == pytest.approx(0.9)
    ledger.record(CallRecord("gpt-5.1", 0, 0, 0, 0.2, 10.0, False), ts=now.timestamp())
    with pytest.raises(BudgetExceeded, match="daily budget reached"):
        ledger.check(now)
    # earlier this month: the daily limit no longer applies, the monthly one does
    ledger.record(CallRecord("gpt-5.1", 0, 0, 0, 1.5, 10.0, False),
                  ts=(now - dt.timedelta(days=3)).timestamp())
    tomorrow = now + dt.timedelta(days=1)
    with pytest.raises(BudgetExceeded, match="monthly budget reached"):
        ledger.check(tomorrow)
    assert ledger.used_fraction(tomorrow) == pytest.approx(2.6 / 2.5)
    assert Ledger(db, {}, None, None).used_fraction(tomorrow) == 0.0


def test_cache_key_covers_everything_that_shapes_the_answer() -> None:
    base = cache_key([{"role": "user", "content": "q"}], [], "m", None)
    assert base == cache_key([{"role": "user", "content": "q"}], [], "m", None)
    assert base != cache_key([{"role": "user", "content": "q2"}], [], "m", None)
    assert base != cache_key([{"role": "user", "content": "q"}], [{"t": 1}], "m", None)
    assert base != cache_key([{"role": "user", "content": "q"}], [], "m2", None)
    assert base != cache_key([{"role": "user", "content": "q"}], [], "m", "high")


def test_cache_expires_and_evicts_least_recently_used(db: Database) -> None:
    answer = LLMResponse("x" * 150, [ToolCall("c", "read_file", "{}")], "m", 1, 2, 3)
    size = len(json.dumps(answer.to_json()))
    cache = ResponseCache(db, ttl_s=100.0, max_bytes=3 * size)
    cache.put("a", answer, now=1000.0)
    got = cache.get("a", now=1050.0)
    assert got == answer
    assert cache.get("a", now=1101.0) is None  # expired
    for i, key in enumerate("bcd"):
        cache.put(key, answer, now=2000.0 + i)
    cache.get("b", now=2010.0)  # b is now more recent than c
    cache.put("e", answer, now=2011.0)  # a 4th entry: the least recently used goes
    assert cache.get("c", now=2012.0) is None
    assert cache.get("b", now=2012.0) is not None and cache.get("e", now=2012.0) is not None
    assert cache.stats().bytes <= 3 * size and cache.stats().entries == 3
    assert ResponseCache(db, ttl_s=0, max_bytes=size).get("b") is None  # disabled


def test_unfinished_operations_of_a_killed_process_are_failed(db: Database) -> None:
    store = OperationStore(db)
    op = store.create("s", "question")
    store.transition(op.id, "started")
    assert store.fail_unfinished() == 1
    failed = store.get(op.id)
    assert failed is not None and failed.state == "failed"
    assert failed.error == "interrupted: the server stopped"
    store.transition(op.id, "completed")  # terminal states are final
    assert store.get(op.id).state == "failed"  # type: ignore[union-attr]
