"""Code normalisation: the spellings users type, and clear errors for what cannot be a code."""

from __future__ import annotations

import pytest

from icdkit.codes import dotted, is_code_key, key, with_placeholder
from icdkit.errors import MalformedCode


@pytest.mark.parametrize(
    ("text", "expected"),
    [("m5403", "M5403"), ("M54.03", "M5403"), (" m54.03 ", "M5403"), ("S72001A", "S72001A"),
     ("QA0.0101", "QA00101"), ("I10", "I10"), ("c4a.0", "C4A0")],
)
def test_accepted_spellings(text: str, expected: str) -> None:
    assert key(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "empty"), ("M5$4", "unexpected character"), ("M5.403", "dot belongs after the 3rd"),
     ("M54..3", "more than one dot"), ("5M403", "starts with a letter"), ("M5", "at least 3"),
     ("M54.03123", "at most 7"), ("M-5", "unexpected character"), ("M_54", "unexpected character")],
)
def test_malformed_input_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(MalformedCode, match=problem):
        key(text)


def test_display_and_placeholder() -> None:
    assert dotted("S72001A") == "S72.001A"
    assert dotted("I10") == "I10"
    assert dotted("M50-M54") == "M50-M54"
    assert with_placeholder("S134", "A") == "S134XXA"
    assert with_placeholder("S72001", "A") == "S72001A"
    assert is_code_key("QA00101") and not is_code_key("M50-M54") and not is_code_key("13")
