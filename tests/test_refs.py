"""Code references inside note text: every shape the tabular uses becomes a key interval."""

from __future__ import annotations

import pytest

from icdkit.refs import describe, parse_refs


@pytest.mark.parametrize(
    ("text", "patterns"),
    [
        ("lupus panniculitis (L93.2)", ["L93.2"]),
        ("cervical disc disorders (M50.-)", ["M50.-"]),
        ("thoracic disc disorders with radiculopathy (M51.1-)", ["M51.1-"]),
        ("injury (S00-T88)", ["S00-T88"]),
        ("alcohol and drug use (F10.-, F11.-)", ["F10.-", "F11.-"]),
        ("atherosclerosis (I70.2--I70.7-)", ["I70.2-I70.7-"]),
        ("intracranial injury (S00 - S09)", ["S00-S09"]),
        ("no codes here (G6PD) (8;21) (ADH1) (STAT5b) (C3 glomerulopathy)", []),
        ("vitamin B12 deficiency outside parentheses", []),
    ],
)
def test_shapes(text: str, patterns: list[str]) -> None:
    assert [r.pattern for r in parse_refs(text)] == patterns


def test_single_code_covers_itself_and_descendants_only() -> None:
    (r,) = parse_refs("(L93.2)")
    assert r.matches("L932") and r.matches("L9321")
    assert not r.matches("L931") and not r.matches("L933")


def test_range_covers_both_ends_inclusive() -> None:
    (r,) = parse_refs("(S00-T88)")
    assert r.matches("S00") and r.matches("S0000XA") and r.matches("T889XXS")
    assert not r.matches("R99") and not r.matches("T90")


def test_range_with_letter_in_category() -> None:
    (r,) = parse_refs("(O00-O9A)")
    assert r.matches("O9A119") and r.matches("O99")
    assert not r.matches("P00")


def test_suffix_qualifier_narrows_a_range() -> None:
    (r,) = parse_refs("(E08-E13 with .40)")
    assert r.matches("E1140") and r.matches("E0840")
    assert not r.matches("E1141") and not r.matches("E1440")
    assert describe(r) == "E08-E13 with .40"


def test_position_qualifier_narrows_a_range() -> None:
    (r,) = parse_refs("(T36-T50 with fifth or sixth character 5)")
    assert r.matches("T365X5A") and r.matches("T36515A")
    assert not r.matches("T361X1A")


def test_seventh_character_qualifier() -> None:
    (r,) = parse_refs("(S42.- with 7th character B or C)")
    assert r.matches("S42001B") and r.matches("S42001C") and not r.matches("S42001A")


def test_unreadable_qualifier_is_kept_and_flagged() -> None:
    (r,) = parse_refs("(I69. with final characters -23)")
    assert r.approximate and r.qualifier == "with final characters -23"


@pytest.mark.parametrize(("text", "patterns"), [
    ("hearing loss as classified in H90.-", ["H90.-"]),
    ("neonatal intestinal obstructions classifiable to P76.-", ["P76.-"]),
    ("hyperammonemia-hyperornithinemia-homocitrullinemia syndrome E72.4", ["E72.4"]),
    ("concussion with other intracranial injuries classified in subcategories S06.1- to S06.6-, and "
     "S06.81- to S06.89-, code to specified intracranial injury", ["S06.1- to S06.6-", "S06.81- to S06.89-"]),
    ("congenital (sternomastoid) torticollis Q68.0", ["Q68.0"]),
    # references in parentheses win: the bare codes there describe the condition, not the exclusion
    ("pneumoconiosis with tuberculosis, any type in A15 (J65)", ["J65"]),
    ("vitamin B12 deficiency anemia (D51.-)", ["D51.-"]),
])
def test_excludes_references_outside_parentheses(text: str, patterns: list[str]) -> None:
    assert [r.pattern for r in parse_refs(text, bare=True)] == patterns


def test_bare_references_are_read_only_when_asked() -> None:
    assert parse_refs("hearing loss as classified in H90.-") == ()
