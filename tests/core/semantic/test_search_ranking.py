"""Chunk shapes and ranking on real parses: windows that fit the model, no content twice,
one result per symbol, implementation above tests and docs, commits only on request."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from mira.core.code.extract import extract
from mira.core.code.service import CodeService
from mira.core.config import MiraConfig
from mira.core.semantic import ranking
from mira.core.semantic.service import SearchService
from mira.core.semantic.shapes import (
    MAX_WINDOWS,
    WINDOW_TOKENS,
    estimate_tokens,
    symbol_chunks,
)
from mira.core.workspace import Workspace
from tests.support.gitrepo import GitRepo

LONG_BODY = "\n".join(f"    total_{i} = compute_step_{i}(values, factor={i})" for i in range(40))
SOURCE = f'''import os

LIMIT = 30


class RetryPolicy(Base):
    """Decide when a failed request is retried."""

    max_attempts = 3

    def should_retry(self, attempt, error):
        """True while attempts remain and the error is transient."""
        return attempt < self.max_attempts and is_transient(error)

    def backoff(self, attempt):
        return 2 ** attempt


def long_function(values, factor):
    """Run every step on the values."""
{LONG_BODY}
    return total_0


if __name__ == "__main__":
    print(LIMIT)
'''


def chunks_of(source: str) -> list:
    symbols = extract("python", "policy.py", source.encode(), module="policy").symbols
    return list(symbol_chunks("policy.py", source, symbols))


def test_windows_fit_and_carry_the_signature_first() -> None:
    chunks = chunks_of(SOURCE)
    assert all(estimate_tokens(c.text) <= WINDOW_TOKENS for c in chunks)
    windows = [c for c in chunks if c.symbol == "policy.long_function"]
    assert len(windows) > 3
    assert windows[0].text.startswith("policy.py policy.long_function\n"
                                      "def long_function(values, factor):")
    assert "Run every step" in windows[0].text and windows[0].head.startswith("def long_")
    assert all(w.text.startswith("policy.py policy.long_function\n") for w in windows[1:])
    assert all(not w.head for w in windows[1:])
    # a huge body: at most MAX_WINDOWS vectors, the overflow stays searchable by keyword
    huge = "def huge():\n" + "\n".join(f"    step_{i}()" for i in range(2000)) + "\n"
    parts = [c for c in chunks_of(huge) if c.symbol]
    assert len(parts) == MAX_WINDOWS and "step_1999()" in parts[-1].text


def test_class_chunk_holds_member_signatures_not_bodies_and_nothing_repeats() -> None:
    chunks = chunks_of(SOURCE)
    cls = [c for c in chunks if c.symbol == "policy.RetryPolicy"]
    assert len(cls) == 1
    assert "def should_retry(self, attempt, error):" in cls[0].text
    assert "max_attempts = 3" in cls[0].text
    assert "is_transient" not in cls[0].text and "2 ** attempt" not in cls[0].text
    method = next(c for c in chunks if c.symbol == "policy.RetryPolicy.should_retry")
    assert "is_transient(error)" in method.text
    # every body line is in exactly one chunk (signatures of members aside)
    lines = [line for c in chunks for line in c.text.splitlines()[1:]
             if line.strip() and not line.lstrip().startswith("def ")]
    assert len(lines) == len(set(lines))
    module = [c for c in chunks if c.symbol is None]
    assert module and "LIMIT = 30" in module[0].text and "import os" not in module[0].text
    assert any('if __name__ == "__main__":' in c.text for c in module)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[SearchService]:
    repo = GitRepo(tmp_path / "repo")
    impl = "def parse_retry_header(value):\n    seconds = int(value)\n" \
        "    return min(seconds, MAX_RETRY_WAIT)\n"
    test = "def test_parse_retry_header():\n    assert parse_retry_header('5') == 5\n" \
        "    assert parse_retry_header('999') == MAX_RETRY_WAIT\n"
    docs = "# Retries\n\nThe retry header is parsed by parse_retry_header, capped at" \
        " MAX_RETRY_WAIT seconds.\n"
    repo.commit("parse the retry header", {"src/retry.py": impl, "tests/test_retry.py": test,
                                           "docs/retries.md": docs,
                                           "src/long.py": "def handle_retry_header(v):\n"
                                           + LONG_BODY.replace("compute", "retry") + "\n"})
    ws = Workspace(repo.root, MiraConfig(data_dir=str(tmp_path / "data"),
                                         semantic_enabled=False))
    ws.open()
    ws.index_git()
    svc = ws.service(SearchService)
    svc.index()
    yield svc
    asyncio.run(ws.close())


def test_implementation_first_unless_tests_or_docs_are_asked_for(service: SearchService
                                                                   ) -> None:
    hits = service.search_mode("parse retry header", 5, "keyword")
    assert hits[0].path == "src/retry.py"
    assert {h.path for h in hits} >= {"tests/test_retry.py", "docs/retries.md"}
    assert service.search_mode("test parse retry header", 5, "keyword")[0].path == \
        "tests/test_retry.py"
    assert service.search_mode("retry header docs", 5, "keyword")[0].path == \
        "docs/retries.md"


def test_one_result_per_symbol_and_commits_only_on_request(service: SearchService) -> None:
    hits = service.search_mode("retry values factor", 10, "keyword")
    symbols = [h.symbol for h in hits if h.symbol]
    assert "long.handle_retry_header" in symbols
    assert len(symbols) == len(set(symbols))  # many windows matched, one result
    assert all(h.source == "code" for h in hits)  # the commit matches too, but is not code
    commits = service.search_mode("parse the retry header", 3, "keyword", ["git"])
    assert commits[0].source == "git" and commits[0].path is None


def test_fan_in_and_recency_lift_equal_matches(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Two functions match a query alike; the one the call graph calls from more places,
    or whose file changed more recently, ranks first once its signal has a weight."""
    repo = GitRepo(tmp_path / "repo")
    same = "    text = read_source(path)\n    return decode_settings(text)\n"
    repo.commit("old settings loader", {"old.py": "def load_settings(path):\n" + same})
    callers = "".join(f"def use_{i}():\n    return load_settings_file('x')\n\n" for i in range(4))
    repo.commit("settings file loader", {
        "fresh.py": "def load_settings_file(path):\n" + same,
        "app.py": "from fresh import load_settings_file\n\n" + callers}, days_later=400)
    ws = Workspace(repo.root, MiraConfig(data_dir=str(tmp_path / "data"),
                                         semantic_enabled=False))
    ws.open()
    try:
        ws.index_git()
        ws.service(CodeService).index()
        svc = ws.service(SearchService)
        svc.index()

        def first() -> str | None:
            return next(h.symbol for h in svc.search_mode("load settings", 5, "keyword")
                        if h.path in ("old.py", "fresh.py"))

        monkeypatch.setattr(ranking, "FAN_IN_WEIGHT", 0.0)
        monkeypatch.setattr(ranking, "RECENCY_WEIGHT", 0.0)
        assert first() == "old.load_settings"  # the shorter name matches better
        monkeypatch.setattr(ranking, "FAN_IN_WEIGHT", 0.5)
        assert first() == "fresh.load_settings_file"
        monkeypatch.setattr(ranking, "FAN_IN_WEIGHT", 0.0)
        monkeypatch.setattr(ranking, "RECENCY_WEIGHT", 1.0)
        assert first() == "fresh.load_settings_file"
    finally:
        asyncio.run(ws.close())
