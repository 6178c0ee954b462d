"""The offline token estimate against a real GPT tokenizer (cl100k_base, bundled offline)."""

from __future__ import annotations

import statistics
import sysconfig
from pathlib import Path

import pytest

from mira.core.context.tokens import estimate_tokens, truncate_to_tokens


def chunks(paths: list[Path], lines: int = 40) -> list[str]:
    out = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        out += ["".join(text[i:i + lines]) for i in range(0, len(text), lines)]
    return [c for c in out if c.strip()]


def test_estimate_error_against_cl100k_on_code_it_was_not_fitted_on() -> None:
    bpe = pytest.importorskip("bpe_openai")
    enc = bpe.get_encoding("cl100k_base")
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    sample = chunks(sorted((stdlib / "json").glob("*.py")) + sorted(
        (stdlib / "asyncio").glob("*.py"))[:12])
    assert len(sample) > 100
    errors = [(estimate_tokens(c) - len(enc.encode(c))) / len(enc.encode(c)) for c in sample]
    assert abs(statistics.mean(errors)) < 0.05  # unbiased
    assert statistics.mean(abs(e) for e in errors) < 0.08  # measured: 3.5 %
    assert sorted(abs(e) for e in errors)[int(0.9 * len(errors))] < 0.15


def test_estimate_basics() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("hello") == 1
    assert 8 <= estimate_tokens("def parse_config(values): return values['name']") <= 16
    assert estimate_tokens("日本語のテキスト") >= 6  # non-ASCII costs about a token a char


def test_truncate_keeps_whole_lines_within_the_limit() -> None:
    text = "\n".join(f"line number {i} with some words" for i in range(200))
    cut = truncate_to_tokens(text, 50)
    assert estimate_tokens(cut) <= 50 and cut.endswith("(truncated)")
    assert cut.startswith("line number 0 ") and "line number 3 with" in cut
    assert truncate_to_tokens("short", 50) == "short"
    assert truncate_to_tokens("x" * 10_000, 20).endswith("(truncated)")
    assert truncate_to_tokens(text, 0) == ""
