"""Birth and delivery records (Guidelines I.C.16.a.2, I.C.16.d, I.C.15.b.4, I.C.15.b.5): each
note is written for its test (not from the development set), and each test failed before
icdkit.notes.birth was added."""

from __future__ import annotations

from icdkit import KnowledgeBase
from icdkit.notes import CodingResult, code_note


def coded(kb: KnowledgeBase, text: str, **kw: object) -> CodingResult:
    return code_note(text, kb=kb, **kw)  # type: ignore[arg-type]


# -- the newborn's birth record ---------------------------------------------------------------

def test_a_birth_record_starts_with_the_place_and_type_of_birth(kb: KnowledgeBase) -> None:
    r = coded(kb, "NEWBORN DISCHARGE SUMMARY\nTerm girl at 39 weeks, born in this hospital by repeat "
                  "cesarean section. Birth weight 3,310 g. Apgars 9/9.\nDiagnoses: Hypoglycemia of newborn, "
                  "resolved with feeds.", setting="inpatient", age=0, sex="F")
    assert r.code_list[0] == "Z38.01"
    assert "I.C.16.a.2" in r.codes[0].rules[0]
    assert not any(c.startswith("P07") for c in r.code_list)  # term and of normal weight


def test_twins_born_preterm_get_weight_then_age(kb: KnowledgeBase) -> None:
    r = coded(kb, "NICU DISCHARGE SUMMARY\nTwin B, male, born at 32 weeks 5 days gestation by vaginal "
                  "delivery at our hospital. Birth weight 1,630 g.\nDiagnoses: Prematurity. Apnea of "
                  "prematurity, resolved on caffeine.", setting="inpatient", age=0, sex="M")
    assert r.code_list[:3] == ["Z38.30", "P07.16", "P07.35"]


def test_extreme_prematurity_reads_the_weight_in_kilograms(kb: KnowledgeBase) -> None:
    r = coded(kb, "Infant born at 26w3d, birth weight 0.82 kg, born in hospital.\nAssessment: extremely "
                  "preterm newborn.", setting="inpatient", age=0)
    codes = r.code_list
    assert "P07.03" in codes and "P07.25" in codes
    assert codes.index("P07.03") < codes.index("P07.25")  # birth weight first (I.C.16.d)


def test_no_birth_code_at_a_later_visit_or_after_a_transfer(kb: KnowledgeBase) -> None:
    office = coded(kb, "Newborn visit. 5-day-old born by vaginal delivery at term.\nA/P: Neonatal jaundice.",
                   age=0)
    assert not any(c.startswith("Z38") for c in office.code_list)
    moved = coded(kb, "Infant transferred from an outside hospital on day 1; born at 38 weeks.\nA/P: "
                      "Neonatal jaundice.", setting="inpatient", age=0)
    assert not any(c.startswith("Z38") for c in moved.code_list)


# -- the mother's delivery record -------------------------------------------------------------

def test_a_term_uncomplicated_vaginal_delivery_is_o80_with_its_outcome(kb: KnowledgeBase) -> None:
    r = coded(kb, "L&D DISCHARGE SUMMARY\n31F G1P0 at 38w5d admitted in active labor. Spontaneous vaginal "
                  "delivery of a live-born girl.\nDiagnosis: Term vaginal delivery.", setting="inpatient",
              age=31, sex="F")
    assert r.code_list == ["O80", "Z37.0", "Z3A.38"]


def test_twins_or_past_forty_weeks_is_not_o80_but_keeps_the_outcome(kb: KnowledgeBase) -> None:
    twins = coded(kb, "OB discharge.\n27F at 37w1d, vaginal delivery of twins, both liveborn.\nDiagnosis: "
                      "Twin pregnancy, delivered.", setting="inpatient", age=27, sex="F")
    assert "Z37.2" in twins.code_list and "O80" not in twins.code_list
    late = coded(kb, "OB discharge.\n30F at 41w2d, spontaneous vaginal delivery, single liveborn.\n"
                     "Diagnosis: Post-term pregnancy, delivered.", setting="inpatient", age=30, sex="F")
    assert "Z37.0" in late.code_list and "O80" not in late.code_list


def test_no_outcome_code_before_the_delivery(kb: KnowledgeBase) -> None:
    r = coded(kb, "ANTEPARTUM SUMMARY\n25F at 35w0d admitted for preterm contractions, undelivered; cervix "
                  "unchanged.\nDiagnosis: Preterm labor without delivery, third trimester.",
              setting="inpatient", age=25, sex="F")
    assert not any(c.startswith(("Z37", "O80")) for c in r.code_list)


def test_a_mothers_record_without_an_age_is_not_the_babys(kb: KnowledgeBase) -> None:
    r = coded(kb, "Postpartum day 1. G2P2, she delivered a healthy infant girl by spontaneous vaginal "
                  "delivery at 39 weeks.\nA/P: Normal delivery, recovering well.",
              setting="inpatient", sex="F")
    assert not any(c.startswith("Z38") for c in r.code_list)
    assert "Z37.0" in r.code_list


def test_the_mothers_condition_on_the_babys_record_is_no_family_history(kb: KnowledgeBase) -> None:
    # a maternal factor (P00–P04 when it affects the baby; here P96.1 says it), not Z81.3
    text = ("Female infant born at 39 weeks by vaginal delivery in our hospital to a mother with untreated "
            "opioid use disorder.\nDischarge diagnoses: term female infant, born vaginally in hospital; "
            "neonatal abstinence syndrome.")
    r = code_note(text, setting="inpatient", age=0, sex="F", kb=kb)
    assert r.code_list == ["Z38.00", "P96.1"]
    assert "maternal factor" in {n.code: n.reason for n in r.not_coded}["Z81.3"]
    # an adult's mother's condition stays a family history
    r = code_note("FH: mother with opioid use disorder.\nA/P: Essential hypertension.", age=30, kb=kb)
    assert "Z81.3" in r.code_list
