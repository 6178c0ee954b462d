"""What model calls cost, and the daily/monthly limits checked before each call.

Why before: a refusal after the call would already have spent the money. Every
call (cache hits and failures too) is recorded so ``mira/budget`` can show spend
and the cache's hit rate over the same rows.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from mira.core.stores.database import Database

# USD per million tokens (input, output); the longest matching model-name prefix wins
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-5.1": (1.25, 10.0), "gpt-5-mini": (0.25, 2.0), "gpt-5-nano": (0.05, 0.4),
    "gpt-5": (1.25, 10.0), "gpt-4.1-mini": (0.4, 1.6), "gpt-4.1": (2.0, 8.0),
    "gpt-4o-mini": (0.15, 0.6), "gpt-4o": (2.5, 10.0), "o3": (2.0, 8.0), "o4-mini": (1.1, 4.4),
}


class BudgetExceeded(Exception):
    """The configured limit is reached: no call is made."""


@dataclass
class CallRecord:
    model: str
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    cost_usd: float
    latency_ms: float
    cache_hit: bool
    operation_id: str | None = None
    error: str | None = None


@dataclass
class Spend:
    daily_usd: float
    monthly_usd: float
    calls: int
    cache_hits: int


def parse_prices(raw: str | None) -> dict[str, tuple[float, float]]:
    """``'model=in/out, ...'`` (USD per million tokens) on top of the defaults."""
    prices = dict(DEFAULT_PRICES)
    for item in (raw or "").replace("\n", ",").split(","):
        if "=" not in item:
            continue
        name, _, value = item.partition("=")
        try:
            cost_in, _, cost_out = value.partition("/")
            prices[name.strip()] = (float(cost_in), float(cost_out or cost_in))
        except ValueError:
            continue
    return prices


def cost(prices: Mapping[str, tuple[float, float]], model: str, prompt_tokens: int,
         completion_tokens: int) -> float:
    """Unknown models (a local server) cost nothing."""
    matches = [name for name in prices if model.lower().startswith(name.lower())]
    if not matches:
        return 0.0
    cost_in, cost_out = prices[max(matches, key=len)]
    return (prompt_tokens * cost_in + completion_tokens * cost_out) / 1_000_000


def _day_start(now: dt.datetime) -> float:
    return now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _month_start(now: dt.datetime) -> float:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


class Ledger:
    def __init__(self, db: Database, prices: Mapping[str, tuple[float, float]],
                 daily_limit: float | None, monthly_limit: float | None) -> None:
        self.db = db
        self.prices = prices
        self.daily_limit = daily_limit
        self.monthly_limit = monthly_limit

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> float:
        return cost(self.prices, model, prompt_tokens, completion_tokens)

    def record(self, call: CallRecord, ts: float | None = None) -> None:
        when = dt.datetime.now().timestamp() if ts is None else ts

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO llm_calls (operation_id, ts, model, prompt_tokens,"
                " completion_tokens, reasoning_tokens, cost_usd, latency_ms, cache_hit, error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (call.operation_id, when, call.model, call.prompt_tokens,
                 call.completion_tokens, call.reasoning_tokens, call.cost_usd,
                 call.latency_ms, int(call.cache_hit), call.error))
        self.db.write(write)

    def spend(self, now: dt.datetime | None = None) -> Spend:
        now = now or dt.datetime.now()

        def read(conn: sqlite3.Connection) -> Spend:
            day = conn.execute("SELECT COALESCE(SUM(cost_usd), 0) FROM llm_calls WHERE ts >= ?",
                               (_day_start(now),)).fetchone()[0]
            month, calls, hits = conn.execute(
                "SELECT COALESCE(SUM(cost_usd), 0), COUNT(*), COALESCE(SUM(cache_hit), 0)"
                " FROM llm_calls WHERE ts >= ? AND error IS NULL",
                (_month_start(now),)).fetchone()
            return Spend(float(day), float(month), int(calls), int(hits))
        return self.db.run(read)

    def check(self, now: dt.datetime | None = None) -> Spend:
        """Raise ``BudgetExceeded`` when a limit is reached; else the current spend."""
        spend = self.spend(now)
        if self.daily_limit is not None and spend.daily_usd >= self.daily_limit:
            raise BudgetExceeded(
                f"daily budget reached: ${spend.daily_usd:.4f} spent of"
                f" ${self.daily_limit:.2f} (budgetDailyLimitUsd / BUDGET_DAILY_LIMIT_USD);"
                " no model call was made")
        if self.monthly_limit is not None and spend.monthly_usd >= self.monthly_limit:
            raise BudgetExceeded(
                f"monthly budget reached: ${spend.monthly_usd:.4f} spent of"
                f" ${self.monthly_limit:.2f} (budgetMonthlyLimitUsd /"
                " BUDGET_MONTHLY_LIMIT_USD); no model call was made")
        return spend

    def used_fraction(self, now: dt.datetime | None = None) -> float:
        """Spend / limit of the tighter limit (0 without limits): drives context presets."""
        spend = self.spend(now)
        fractions = [spent / limit for spent, limit in
                     ((spend.daily_usd, self.daily_limit), (spend.monthly_usd, self.monthly_limit))
                     if limit]
        return max(fractions, default=0.0)
