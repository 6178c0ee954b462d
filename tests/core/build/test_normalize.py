from __future__ import annotations

from mira.core.build.normalize import fingerprint, skeleton, strip_ansi


def test_skeleton_strips_variable_parts() -> None:
    a = skeleton("TypeError: unsupported operand type(s) for +: 'int' and 'str' at /a/b.py:12")
    b = skeleton("TypeError: unsupported operand type(s) for +: 'float' and 'list'"
                 " at C:\\x\\y.py:9")
    assert a == b
    assert "TypeError" in a and "unsupported operand" in a
    assert skeleton("object at 0x7f3a2b1c deadbeefcafe1234") == "object at <addr> <hash>"


def test_fingerprint_is_stable_and_keeps_the_class() -> None:
    one = fingerprint("tsc", "TS2345", "Argument of type 'number' is not assignable to 'string'.")
    two = fingerprint("tsc", "TS2345", "Argument of type 'Foo' is not assignable to 'Bar'.")
    other = fingerprint("tsc", "TS2322", "Argument of type 'Foo' is not assignable to 'Bar'.")
    assert one == two != other
    assert fingerprint("rustc", "E0502", "cannot borrow `v` as mutable") == fingerprint(
        "rustc", "E0502", "cannot borrow `w` as mutable")


def test_ansi_is_removed() -> None:
    assert strip_ansi("\x1b[1m\x1b[31mE   KeyError\x1b[0m") == "E   KeyError"
