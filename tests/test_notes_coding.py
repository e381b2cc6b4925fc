"""Note coding end to end on small notes written for these tests (tests/fixtures/notes/):
each guideline behaviour has a note that fails if it broke."""

from __future__ import annotations

from pathlib import Path

import pytest

from icdkit import InvalidInput, KnowledgeBase
from icdkit.notes import CodingResult, code_note

NOTES = Path(__file__).parent / "fixtures" / "notes"


def run(kb: KnowledgeBase, name: str, **kw: object) -> CodingResult:
    return code_note((NOTES / f"{name}.txt").read_text(), kb=kb, **kw)  # type: ignore[arg-type]


def reasons(r: CodingResult) -> dict[str | None, str]:
    return {n.code: n.reason for n in r.not_coded}


def test_negated_mentions_are_not_coded(kb: KnowledgeBase) -> None:
    r = run(kb, "negated")
    assert r.code_list == ["J20.9"]
    assert reasons(r)["J18.9"].startswith("negated by 'No evidence of'")
    assert "R50.9" not in r.code_list and "R05.9" not in r.code_list  # HPI, not assessed


def test_family_history_gives_z80_z84(kb: KnowledgeBase) -> None:
    r = run(kb, "family")
    assert r.code_list == ["E78.5", "Z80.3", "Z83.3"]
    z = r.codes[1]
    assert z.assertion == "family" and z.trigger == "Mother" and z.evidence[0].text == "breast cancer"


def test_uncertain_outpatient_codes_the_symptoms(kb: KnowledgeBase) -> None:
    r = run(kb, "uncertain")
    assert r.code_list == ["R05.9", "R50.9"]
    assert "IV.H" in reasons(r)["J18.9"]


def test_uncertain_inpatient_is_coded_as_established(kb: KnowledgeBase) -> None:
    r = run(kb, "uncertain", setting="inpatient")
    assert r.code_list == ["J18.9"]
    assert r.codes[0].assertion == "uncertain" and r.codes[0].trigger == "probable"
    assert any("II.H" in x for x in r.codes[0].rules)


def test_history_gives_personal_history_codes(kb: KnowledgeBase) -> None:
    r = run(kb, "history")
    assert r.code_list == ["I10", "Z85.038", "Z87.891"]


def test_current_smoker_is_nicotine_dependence_cigarettes(kb: KnowledgeBase) -> None:
    r = run(kb, "smoker")
    assert r.code_list == ["J44.1", "F17.210"]


def test_diabetes_with_ckd_combination_and_stage_and_insulin(kb: KnowledgeBase) -> None:
    r = run(kb, "diabetes_ckd")
    assert r.code_list == ["E11.22", "N18.32", "Z79.4"]


def test_hypertension_with_heart_failure_across_lines(kb: KnowledgeBase) -> None:
    r = run(kb, "htn_hf")
    assert r.code_list == ["I11.0", "I50.32"]
    assert "combination" in r.codes[0].why


def test_hypertension_with_ckd_is_sequenced_first(kb: KnowledgeBase) -> None:
    assert run(kb, "htn_ckd").code_list == ["I12.9", "N18.4"]


def test_fracture_gets_side_type_and_seventh_character(kb: KnowledgeBase) -> None:
    r = run(kb, "fracture")
    assert r.code_list == ["S72.302A"]
    assert not any(g.axis == "encounter" for g in r.gaps)  # 'initial encounter' was said


def test_unspecified_fracture_is_a_gap_with_choices(kb: KnowledgeBase) -> None:
    r = run(kb, "fracture_gap")
    assert r.code_list == ["S72.90XA"]
    axes = {g.axis: [c.code for c in g.choices] for g in r.gaps}
    assert axes["side"] == ["S72.91", "S72.92"]
    assert "S72.3" in axes["site"] and "encounter" in axes


def test_panniculitis_of_the_back_asks_the_region(kb: KnowledgeBase) -> None:
    r = run(kb, "panniculitis")
    assert r.code_list == ["M54.00"]
    g = r.gaps[0]
    assert g.axis == "region" and [c.code for c in g.choices] == [f"M54.0{i}" for i in range(1, 10)]


def test_adverse_effect_through_the_drug_table(kb: KnowledgeBase) -> None:
    r = run(kb, "adverse")
    assert r.code_list == ["T78.3XXA", "T46.4X5A"]


def test_hypothetical_mentions_are_not_coded(kb: KnowledgeBase) -> None:
    r = run(kb, "hypothetical")
    assert r.code_list == ["J06.9"]
    assert reasons(r)["R50.9"].startswith("hypothetical")


def test_review_of_systems_is_not_coded_when_assessed_elsewhere(kb: KnowledgeBase) -> None:
    assert run(kb, "ros_only").code_list == ["G43.009"]  # without aura


def test_laterality_and_bmi(kb: KnowledgeBase) -> None:
    assert run(kb, "knee_oa").code_list == ["M17.11", "E66.9", "Z68.34"]


def test_evidence_offsets_point_into_the_note(kb: KnowledgeBase) -> None:
    text = (NOTES / "diabetes_ckd.txt").read_text()
    for c in run(kb, "diabetes_ckd").codes:
        for e in c.evidence:
            assert text[e.start:e.end] == e.text


def test_findings_come_from_the_validator(kb: KnowledgeBase) -> None:
    r = run(kb, "diabetes_ckd")
    assert any(f["rule"] == "hcc" and f["codes"] == ["E11.22"] for f in r.findings)
    j = r.to_json()
    assert set(j) >= {"codes", "not_coded", "gaps", "findings"}
    assert set(j["codes"][0]) >= {"code", "title", "evidence", "assertion", "why"}


@pytest.mark.parametrize("bad", ["", "   ", "x" * 100_001])
def test_bad_notes_are_input_errors(kb: KnowledgeBase, bad: str) -> None:
    with pytest.raises(InvalidInput):
        code_note(bad, kb=kb)


def test_bad_setting_is_an_input_error(kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidInput):
        code_note("Assessment: HTN", setting="clinic", kb=kb)


def test_weeks_of_gestation_and_device_status(kb: KnowledgeBase) -> None:
    r = run(kb, "pregnancy", age=30, sex="F")
    assert {"Z3A.24", "Z96.41"} <= set(r.code_list)
    # chapter 15 first; O24.0's use additional note asks for the E10 code (I.C.15.g)
    assert r.code_list[:2] == ["O24.012", "E10.65"]
    assert "T85.624A" not in r.code_list  # 'insulin pump in place' is a status, not a displacement
    assert "Z79.4" not in r.code_list  # type 1: insulin is not coded as long-term drug use
    assert "Z3A.24" not in run(kb, "pregnancy", age=0).code_list  # a newborn's note: not the mother's weeks


def test_history_found_through_the_conditions_main_term(kb: KnowledgeBase) -> None:
    # 'provoked L leg DVT' names no personal-history entry itself; its main term does
    # (Thrombosis › personal history Z86.718, I.C.21.c.4)
    r = code_note("HPI: 66M for annual visit. Also hx of provoked L leg DVT 2022, completed 3 mo apixaban, "
                  "none since.\nA/P: Essential hypertension, controlled.", kb=kb)
    assert r.code_list == ["I10", "Z86.718"]
    # a qualified history entry under the main term is not taken: a 9-year history of type 2
    # diabetes is not Diabetes › gestational › personal history (Z86.32)
    r = code_note("HPI: 54F with a 9-year history of type 2 diabetes on metformin.\n"
                  "A/P: Type 2 diabetes without complications.", kb=kb)
    assert "Z86.32" not in r.code_list


def test_a_main_terms_default_beside_its_subterms_code_is_left_out(kb: KnowledgeBase) -> None:
    # 'hypertension' and 'secondary hypertension' are one hypertension, the secondary kind:
    # Hypertension (I10, the default) beside Hypertension › secondary (I15.9) is left out (I.A.18)
    r = code_note("Final diagnoses: secondary hypertension; hypertension resolved after adrenalectomy.",
                  setting="inpatient", kb=kb)
    assert r.code_list == ["I15.9"]
    assert "said more fully as I15.9" in reasons(r)["I10"]
    # a Tabular note pairing the two keeps both (J12.82: code first COVID-19 U07.1)
    r = code_note("Discharge diagnoses: COVID-19 pneumonia. COVID-19.", setting="inpatient", kb=kb)
    assert set(r.code_list) == {"U07.1", "J12.82"}
    # the default's own words naming a second condition keep it
    r = code_note("A/P: Secondary hypertension. Essential hypertension.", kb=kb)
    assert set(r.code_list) == {"I15.9", "I10"}


def test_an_organism_named_alone_is_the_agent_not_a_combination(kb: KnowledgeBase) -> None:
    # 'MSSA' alone is not 'Pneumonia due to MSSA' (J15.211): the agent B95.61 (B95-B97 note)
    r = code_note("Discharge diagnoses: MSSA septic arthritis, right knee.", setting="inpatient", kb=kb)
    assert "B95.61" in r.code_list and "J15.211" not in r.code_list
    assert "names the organism only" in reasons(r)["J15.211"]
    # the organism as cause beside a symptom it does not explain away ('MSSA bacteremia')
    r = code_note("Final diagnoses: MSSA bacteremia.", setting="inpatient", kb=kb)
    assert set(r.code_list) == {"B95.61", "R78.81"}
    # the condition said: the combination code stands
    assert code_note("Dx: pneumonia due to MSSA.", setting="inpatient", kb=kb).code_list == ["J15.211"]


def test_a_condition_found_at_a_routine_exam_makes_it_with_abnormal_findings(kb: KnowledgeBase) -> None:
    # I.C.21.c.13: Z00.121 + the finding, not Z00.129
    r = code_note("A/P: 1. Routine child health exam. 2. Infantile eczema - emollients.", age=0, kb=kb)
    assert r.code_list == ["Z00.121", "L20.83"]
    r = code_note("A/P: General adult medical examination. Hypertension found today - start lisinopril.",
                  age=50, kb=kb)
    assert r.code_list == ["Z00.01", "I10"]
    # a family history is no finding
    r = code_note("A/P: Routine child health exam; growth and development normal. Family history of asthma "
                  "in mother.", age=4, kb=kb)
    assert r.code_list == ["Z00.129", "Z82.5"]
