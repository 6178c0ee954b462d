"""Parsers on output captured from the real tools (tests/fixtures/build_output)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mira.core.build.parsers import parse_output

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "build_output"


def parsed(name: str, command: str | None = None) -> list[tuple[object, ...]]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return [(e.tool, e.path, e.line, e.column, e.severity, e.code) for e in
            parse_output(text, command)]


def messages(name: str) -> list[str]:
    return [e.message for e in parse_output((FIXTURES / name).read_text(encoding="utf-8"))]


@pytest.mark.parametrize("name", ["pytest/failures.txt", "pytest/tb_short.txt",
                                  "pytest/color.txt"])
def test_pytest_failures(name: str) -> None:
    assert parsed(name) == [
        ("pytest", "tests/test_shop.py", 4, None, "error", "AssertionError"),
        ("pytest", "pkg/shop.py", 14, None, "error", "ValueError"),
        ("pytest", "tests/test_shop.py", 13, None, "error", "KeyError")]
    errors = parse_output((FIXTURES / name).read_text(encoding="utf-8"))
    assert [e.symbol for e in errors] == ["test_find_missing", "test_parse_bad", "test_keyerror"]
    assert errors[1].message == "ValueError: invalid literal for int() with base 10: 'x1'"
    assert errors[0].message == "AssertionError: assert 2 == 3"


def test_pytest_collection_error() -> None:
    [error] = parse_output((FIXTURES / "pytest/collection_error.txt").read_text())
    assert (error.path, error.line, error.code) == ("tests/test_broken_import.py", 0,
                                                    "ImportError")
    assert error.message.startswith("ImportError: cannot import name 'does_not_exist'")


@pytest.mark.parametrize("name,column", [("mypy/default.txt", None), ("mypy/columns.txt", 25)])
def test_mypy(name: str, column: int | None) -> None:
    rows = parsed(name)
    assert rows[0] == ("mypy", "pkg/shop.py", 5, column, "error", "operator")
    assert len(rows) == 2  # the note is attached, not an error
    errors = parse_output((FIXTURES / name).read_text())
    assert "Left operand" in errors[1].detail


@pytest.mark.parametrize("name", ["ruff/full.txt", "ruff/concise.txt"])
def test_ruff(name: str) -> None:
    assert parsed(name) == [("ruff", "pkg/shop.py", 0, 7, "error", "F401"),
                            ("ruff", "pkg/shop.py", 9, 11, "error", "UP045")]


@pytest.mark.parametrize("name", ["tsc/default.txt", "tsc/pretty.txt"])
def test_tsc(name: str) -> None:
    rows = parsed(name)
    assert [r[5] for r in rows] == ["TS2345", "TS2322", "TS2552", "TS2353"]
    assert rows[0] == ("tsc", "src/app.ts", 3, 6, "error", "TS2345")
    assert messages(name)[0] == (
        "Argument of type 'number' is not assignable to parameter of type 'string'.")


@pytest.mark.parametrize("name", ["eslint/stylish.txt", "eslint/unix.txt"])
def test_eslint(name: str) -> None:
    rows = parsed(name)
    assert [(r[2], r[3], r[4], r[5]) for r in rows] == [
        (0, 4, "error", "no-unused-vars"), (0, 14, "error", "semi"),
        (1, 22, "warning", "eqeqeq"), (1, 37, "error", "no-undef"), (1, 49, "error", "semi"),
        (2, 0, "error", "no-undef")]
    assert all(str(r[1]).endswith("src/lib.js") for r in rows)
    assert messages(name)[3] == "'missingThing' is not defined"


@pytest.mark.parametrize("name", ["cargo/human.txt", "cargo/json.txt"])
def test_cargo(name: str) -> None:
    assert parsed(name) == [("rustc", "src/main.rs", 6, 17, "error", "E0308"),
                            ("rustc", "src/main.rs", 8, 10, "error", "E0308")]
    assert messages(name) == ["mismatched types", "mismatched types"]


def test_gcc_and_clang() -> None:
    gcc = parsed("gcc/broken.txt", "gcc -c broken.c")
    assert ("gcc", "broken.c", 5, 19, "error", None) in gcc
    assert ("gcc", "broken.c", 6, 4, "warning", "-Wimplicit-function-declaration") in gcc
    assert len(gcc) == 6  # the "declared here" note is attached to the error before it
    clang = parsed("clang/broken.txt", "clang -c broken.c")
    assert ("clang", "broken.c", 5, 24, "error", None) in clang
    assert len(clang) == 4


def test_go_build_vet_test() -> None:
    assert parsed("go/build.txt") == [("go", "shop/shop.go", 4, 1, "error", None),
                                      ("go", "shop/shop.go", 8, 16, "error", None),
                                      ("go", "shop/shop.go", 9, 8, "error", None)]
    assert parsed("go/vet.txt") == [("go", "calc/calc.go", 6, 14, "error", None)]
    [failure] = parse_output((FIXTURES / "go/test.txt").read_text())
    assert (failure.tool, failure.path, failure.line, failure.symbol) == (
        "go test", "calc_test.go", 6, "TestAdd")


def test_nothing_recognised_in_prose() -> None:
    assert parse_output("all good\nBuild finished: 0 errors\n") == []


def test_windows_paths_and_crlf() -> None:
    text = ("C:\\proj\\src\\app.ts(4,7): error TS2345: Argument of type 'number' is not"
            " assignable.\r\nC:\\proj\\broken.c:5:11: error: expected ';'\r\n")
    rows = [(e.tool, e.path, e.line) for e in parse_output(text)]
    assert ("tsc", "C:\\proj\\src\\app.ts", 3) in rows
    assert ("gcc", "C:\\proj\\broken.c", 4) in rows
