"""Diabetes (Guidelines I.C.4.a): each line's conditions combine with each other first, a
combination already made is not undone by another, and the documented type carries to the
note's untyped 'diabetic' mentions. Notes written for these tests."""

from __future__ import annotations

from icdkit import KnowledgeBase
from icdkit.notes import CodingResult, code_note


def coded(kb: KnowledgeBase, text: str, **kw: object) -> CodingResult:
    return code_note(text, kb=kb, **kw)  # type: ignore[arg-type]


def test_each_line_keeps_its_own_combination(kb: KnowledgeBase) -> None:
    r = coded(kb, "Assessment:\n1. Hypoglycemia without coma in type 1 diabetes, lows after exercise.\n"
                  "2. Diabetic polyneuropathy of both feet, on gabapentin.", age=40, sex="F")
    assert "E10.649" in r.code_list and "E10.42" in r.code_list
    assert not any(c.startswith("E11") for c in r.code_list)


def test_the_type_in_the_history_carries_to_the_assessment(kb: KnowledgeBase) -> None:
    r = coded(kb, "HPI: 29M, type 1 diabetes since age 12, uses a pump.\nA/P: Diabetic nephropathy, "
                  "urine albumin rising; add ACE inhibitor.", age=29, sex="M")
    assert "E10.21" in r.code_list and "E11.21" not in r.code_list
    assert any("I.C.4.a.2" in rule for c in r.codes for rule in c.rules)


def test_untyped_diabetes_stays_type_2_and_family_type_does_not_carry(kb: KnowledgeBase) -> None:
    alone = coded(kb, "A/P: Diabetic nephropathy, stable.", age=60, sex="M")
    assert "E11.21" in alone.code_list
    family = coded(kb, "Family history: father had type 1 diabetes.\nA/P: Diabetic nephropathy, stable.",
                   age=60, sex="M")
    assert "E11.21" in family.code_list and not any(c.startswith("E10") for c in family.code_list)


def test_type_2_documented_keeps_e11(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: 1. Type 2 diabetes on metformin. 2. Diabetic neuropathy, peripheral, both legs.",
              age=66, sex="F")
    assert any(c.startswith("E11.4") for c in r.code_list)
    assert not any(c.startswith("E10") for c in r.code_list)
