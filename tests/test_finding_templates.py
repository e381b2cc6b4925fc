"""Templates render, from their pre-split JSON, exactly what the filled-in Finding renders."""

from __future__ import annotations

import json

from icdkit.rules.finding_templates import FIRST, SECOND, Template
from icdkit.rules.findings import Finding, Source
from icdkit.rules.render import finding_json

SRC = Source("note", "a note {with braces}", at="M54", release="FY2026")


def test_two_codes_fill_codes_and_message() -> None:
    t = Template(Finding("excludes2", "info", (FIRST, SECOND),
                         f"{FIRST} and {SECOND}: at M54 (governs {FIRST}) “x”", SRC))
    filled = t.fill("M54.2", "M50.20")
    assert filled.codes == ("M54.2", "M50.20")
    assert filled.message == "M54.2 and M50.20: at M54 (governs M54.2) “x”"
    expected = json.dumps(filled.to_dict())
    assert t.json("M54.2", "M50.20") == finding_json(filled) == expected


def test_a_literal_escape_in_the_text_still_splits_where_the_codes_stand() -> None:
    """A note quoting ``\\u0000`` (in its message and its source) is cut only where the codes
    stand: every template splits, so the evaluator holds every finding (none handed back)."""
    quoting = Source("note", "a note quoting \\u0000 and \x00", at="E11", release="FY2026")
    t = Template(Finding("code-also", "info", (FIRST,), f"{FIRST}: the note quotes \\u0000 and \\u0001",
                         quoting))
    assert t.chunks is not None and t.one is not None and len(t.one) == 3  # codes, message: two holes
    assert t.json("E11.9") == finding_json(t.fill("E11.9")) == json.dumps(t.fill("E11.9").to_dict())
    assert "\\\\u0000" in t.json("E11.9") and t.json("E11.9").count("E11.9") == 2
    pair = Template(Finding("excludes1", "error", (FIRST, SECOND), f"{FIRST} and {SECOND} \\u0001", quoting))
    assert pair.json("A01.1", "B02.2") == finding_json(pair.fill("A01.1", "B02.2"))


def test_without_placeholders_the_finding_is_kept_as_is() -> None:
    f = Finding("hcc", "info", ("E11.9",), "E11.9 maps to HCC 38", SRC)
    t = Template(f)
    assert t.fill() is f and t.json() == finding_json(f)

