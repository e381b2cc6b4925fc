"""Note coding accuracy, class by class: each test is a note written for it (not from the
development set in benchmarks/notes/) that failed before the rule it checks was added."""

from __future__ import annotations

from icdkit import KnowledgeBase
from icdkit.notes import CodingResult, code_note


def coded(kb: KnowledgeBase, text: str, **kw: object) -> CodingResult:
    return code_note(text, kb=kb, **kw)  # type: ignore[arg-type]


# -- specificity: what the search chose by default, checked against the note's words --------------

def test_a_type_the_note_does_not_say_gives_way_to_the_unspecified_type(kb: KnowledgeBase) -> None:
    r = coded(kb, "ED note. Fell from a ladder.\nAssessment: Closed displaced fracture of shaft of "
                  "left tibia.")
    assert r.code_list == ["S82.202A"]  # not S82.222A, displaced *transverse*
    assert any("I.B.2" in x for x in r.codes[0].rules)


def test_a_negated_word_does_not_refine_the_code(kb: KnowledgeBase) -> None:
    assert coded(kb, "A/P: Acute frontal sinusitis, not recurrent. Amoxicillin.").code_list == ["J01.10"]


def test_a_title_saying_with_what_the_note_says_without_gives_way(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Parkinson disease without dyskinesia, without fluctuations. PT for gait.")
    assert r.code_list == ["G20.A1"]


def test_an_adjective_names_the_unspecified_codes_sibling(kb: KnowledgeBase) -> None:
    r = coded(kb, "Pulmonary clinic.\nA/P: Chronic hypoxic respiratory failure due to COPD - "
                  "continue home oxygen 2 L.")
    assert r.code_list[0] == "J96.11"  # 'hypoxic' names '… with hypoxia', not J96.10


def test_the_initial_encounter_stays_when_the_side_is_refined(kb: KnowledgeBase) -> None:
    r = coded(kb, "Urgent care. Cut on sheet metal.\nDx: Laceration of right forearm without foreign body.")
    assert r.code_list[0] == "S51.811A"  # not the sequela S51.811S


def test_the_seventh_character_the_note_names_replaces_the_default(kb: KnowledgeBase) -> None:
    r = coded(kb, "Hand clinic, 4 weeks after a fall.\nA/P: Colles fracture of right radius, "
                  "routine healing. Wrist splint.")
    assert r.code_list == ["S52.531D"]
    assert any("7th character" in x for x in r.codes[0].rules)


# -- family history: the Z80–Z84 code whose 'Conditions classifiable to …' holds the condition ----

def test_family_history_code_by_the_conditions_classifiable_to_it(kb: KnowledgeBase) -> None:
    r = coded(kb, "Well visit.\nFamily history: Father had rectal cancer at 58. Brother has epilepsy. "
                  "Sister with schizophrenia.\nA/P: Hypertension, controlled - continue lisinopril.")
    assert r.code_list == ["I10", "Z80.0", "Z82.0", "Z81.8"]  # not Z80.9; schizophrenia is F20.9
    assert "Conditions classifiable to C15-C26" in r.codes[1].why
    assert all(c.assertion == "family" for c in r.codes[1:])


# -- symptoms: integral to a diagnosis unless the Tabular asks for them; documented beside doubt --

def test_a_symptom_before_an_uncertain_explanation_is_coded_outpatient(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Palpitations, possibly anxiety vs paroxysmal SVT. Holter monitor; TSH.")
    assert r.code_list == ["R00.2"]
    assert r.codes[0].assertion == "present" and "IV.D" in r.codes[0].rules[0]


def test_a_symptom_code_with_a_code_first_note_is_not_integral(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses: Septic shock due to Klebsiella pneumonia. "
                  "Acute kidney injury.", setting="inpatient")
    assert "R65.21" in r.code_list  # R65.2: code first the underlying infection; not integral


def test_symptoms_a_siblings_use_additional_note_names_pick_that_sibling(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Benign prostatic hyperplasia with urinary frequency and nocturia. Start tamsulosin.")
    assert r.code_list[:2] == ["N40.1", "R35.1"]  # not N40.0 'without lower urinary tract symptoms'


# -- a body site alone is not a diagnosis --------------------------------------------------------

def test_a_body_site_alone_is_not_coded(kb: KnowledgeBase) -> None:
    r = coded(kb, "Eye clinic.\nA/P: Ocular hypertension, both eyes. Start timolol drops.")
    assert r.code_list == ["H40.053"]  # 'both eyes' is not blindness H54.0X33
    r = coded(kb, "A/P: Right middle lobe pneumonia. Azithromycin.")
    assert r.code_list == ["J18.9"]  # 'middle lobe' is not J98.19
    assert any("body site" in n.reason for n in r.not_coded)


# -- pregnancy: chapter 15 first, the trimester from the weeks -------------------------------------

def test_a_condition_in_pregnancy_is_coded_in_chapter_15_with_the_weeks_trimester(kb: KnowledgeBase) -> None:
    r = coded(kb, "Prenatal visit.\nHPI: 24F G2P1 at 20w0d with dysuria x 2 days.\n"
                  "A/P: Acute cystitis without hematuria. Nitrofurantoin x 5 days; test of cure.",
              age=24, sex="F")
    assert r.code_list == ["O23.12", "Z3A.20"]  # 20 weeks: second trimester; N30.00 included in O23.1
    assert "Pregnancy › complicated by › cystitis" in r.codes[0].why
    assert any(n.code == "N30.00" and "I.C.15.a.1" in n.reason for n in r.not_coded)


def test_a_chapter_15_code_by_its_conditions_in_range_keeps_the_specific_condition(kb: KnowledgeBase) -> None:
    r = coded(kb, "Prenatal visit.\nHPI: 29F G1P0 at 31w5d, asthma flares twice a week.\n"
                  "A/P: Mild persistent asthma, uncomplicated. Start budesonide inhaler.", age=29, sex="F")
    assert r.code_list == ["O99.513", "J45.30", "Z3A.31"]  # O99.5 'Conditions in J00-J99'; use additional
    assert "Conditions in J00-J99" in r.codes[0].why


def test_preeclampsia_spelled_without_hyphen(kb: KnowledgeBase) -> None:
    r = coded(kb, "ANTEPARTUM DISCHARGE SUMMARY\n30F G1P0 at 35w1d admitted with BP 172/114, headache and "
                  "proteinuria.\nDiagnosis: Severe preeclampsia. Magnesium; delivery planned.",
              setting="inpatient")
    assert r.code_list == ["O14.13", "Z3A.35"]


def test_a_newborns_record_is_not_a_pregnancy(kb: KnowledgeBase) -> None:
    r = coded(kb, "NEWBORN DISCHARGE SUMMARY\nTerm female, 39w0d, born here by vaginal delivery.\n"
                  "Discharge diagnoses: Single liveborn. Atrial septal defect, small.",
              setting="inpatient", age=0)
    assert not any(c.startswith("O99") for c in r.code_list)


# -- sequelae of stroke: I69, not the deficit alone, not the acute stroke, not Z86.73 -------------

def test_a_residual_deficit_of_a_past_stroke_is_its_sequela(kb: KnowledgeBase) -> None:
    r = coded(kb, "Neurology follow-up.\nA/P: History of stroke with residual left hemiparesis. Continue PT.")
    assert r.code_list == ["I69.354"]  # left, dominance not said: non-dominant (I.C.6.a)
    assert any("I.C.6.a" in x for x in r.codes[0].rules)
    reasons = {n.code: n.reason for n in r.not_coded}
    assert "I.C.9.d" in reasons["I63.9"]  # the stroke itself: neither I63.9 nor Z86.73


def test_a_late_effect_of_cerebral_infarction_through_the_index_sequelae(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Dysphagia as a late effect of cerebral infarction. Speech therapy; soft diet.")
    assert r.code_list == ["I69.391"]
    assert r.codes[0].why.startswith("Sequelae › infarction › cerebral › dysphagia")


def test_an_acute_strokes_deficit_is_not_a_sequela(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses: Acute ischemic stroke, left MCA. "
                  "Right hemiparesis due to acute stroke.", setting="inpatient")
    assert not any(c.startswith("I69") for c in r.code_list) and "G81.91" in r.code_list


# -- abbreviations the Index does not print; the 7th character by its meaning; 'other' siblings --

def test_abbreviations_reach_the_codes_they_stand_for(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnosis: SIADH due to small cell lung cancer. "
                  "Fluid restriction.", setting="inpatient")
    assert "E22.2" in r.code_list
    assert coded(kb, "A/P: Aftercare following left TKA. Continue PT.").code_list[0] == "Z47.1"


def test_an_other_code_gives_way_to_the_sibling_the_note_names(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses: Inferior STEMI, culprit RCA. Drug-eluting "
                  "stent placed.", setting="inpatient")
    assert r.code_list == ["I21.11"]  # not I21.19 '… other coronary artery of inferior wall'


def test_a_seventh_character_by_the_meaning_the_note_says(kb: KnowledgeBase) -> None:
    r = coded(kb, "Retina clinic.\nA/P: Type 2 diabetes with severe NPDR without macular edema, bilateral. "
                  "Panretinal photocoagulation discussed.")
    assert r.code_list == ["E11.3493"]  # 7th character 3: bilateral
    assert "Tabular 7th character: bilateral" in r.codes[0].rules


def test_a_site_written_after_the_condition_is_searched_with_it(kb: KnowledgeBase) -> None:
    r = coded(kb, "Orthopedics.\nDischarge diagnosis: Post-traumatic osteoarthritis, right knee. "
                  "Total knee arthroplasty done.")
    assert r.code_list == ["M17.31"]


# -- a drug named is not an adverse effect; 'without' governs its own phrase ----------------------

def test_a_drug_in_the_plan_is_not_an_adverse_effect(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Coronary artery disease without angina. Continue ASA 81 mg and atorvastatin.")
    assert r.code_list == ["I25.10"]  # not T39.015A adverse effect of aspirin
    assert any(n.code == "T39.015A" and "I.C.19.e.5" in n.reason for n in r.not_coded)
    r = coded(kb, "A/P: Cough due to lisinopril (adverse effect). Switch to losartan.")
    assert any(c.startswith("T46.4X5") for c in r.code_list)  # the adverse effect said: coded


def test_without_does_not_negate_past_a_comma(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Hypoglycemia without coma, type 1 diabetes. Reduce basal insulin.")
    assert r.code_list == ["E10.649"]  # 'type 1 diabetes' is not negated by 'without'


# -- follow-up after completed treatment: Z08 / Z09 first, with the history code ------------------

def test_follow_up_after_completed_treatment(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Follow-up after completed treatment for bladder cancer; cystoscopy clear, "
                  "no evidence of recurrence. Personal history of bladder cancer.")
    assert r.code_list == ["Z08", "Z85.51"]
    r = coded(kb, "A/P: Follow-up exam after completed treatment for pulmonary embolism, resolved. "
                  "History of pulmonary embolism.")
    assert r.code_list[0] == "Z09" and "Z86.711" in r.code_list


# -- the Index's own subterm combines a condition and its organism; Code first by category --------

def test_sepsis_and_its_organism_are_the_index_subterm_code(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses:\n1. Sepsis from acute pyelonephritis; blood and "
                  "urine cultures grew E. coli.\n2. Acute kidney injury.", setting="inpatient")
    assert r.code_list == ["A41.51", "N10", "N17.9"]  # 'Sepsis › Escherichia coli', not A41.9 + B96.20
    assert "combination" in r.codes[0].why


def test_code_first_example_names_its_category(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses:\n1. Severe sepsis with acute respiratory failure, "
                  "no shock.\n2. Sepsis due to Pseudomonas, resolved.", setting="inpatient")
    assert r.code_list[:2] == ["A41.52", "R65.20"]  # R65.2: code first the infection ('sepsis NOS (A41.9)')


# -- two mentions side by side that the search names together are one ---------------------------

def test_adjacent_mentions_one_code_names_are_one_phrase(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Iron deficiency anemia complicating the puerperium. Start iron.", age=31, sex="F")
    assert "D50.9" in r.code_list and "E61.1" not in r.code_list  # not 'iron deficiency' + 'anemia'
    assert not any(c.startswith("O99.01") for c in r.code_list)  # after delivery: not 'in pregnancy'


# -- a combination across sentences is refined with both sentences' words ------------------------

def test_a_combination_takes_the_site_from_the_other_sentence(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses: Pathological fracture of the right humeral shaft "
                  "after minimal trauma. Age-related osteoporosis.", setting="inpatient")
    assert r.code_list == ["M80.021A"]  # 'humeral' names the humerus; not M80.00XA (site unspecified)


# -- a service planned for later is not this encounter's reason -----------------------------------

def test_a_planned_service_is_not_this_encounters_z_code(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Laceration of right palm without foreign body, repaired. Suture removal in 7 days.")
    assert r.code_list == ["S61.411A"]  # not Z48.02 encounter for removal of sutures
    r = coded(kb, "Suture clinic.\nA/P: Encounter for removal of sutures; wound healed.")
    assert r.code_list == ["Z48.02"]  # today's reason: coded


def test_a_coronary_stent_in_place_is_its_status(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Stable angina; coronary stent in place since 2021. Continue clopidogrel.")
    assert "Z95.5" in r.code_list  # Index: Presence, intravascular implant, coronary artery


# -- the newborn's record and the mother's ------------------------------------------------------

def test_a_newborns_record_has_the_birth_code_and_no_chapter_15_code(kb: KnowledgeBase) -> None:
    r = coded(kb, "NEWBORN DISCHARGE SUMMARY\nMale infant, 38w4d, born in this hospital by cesarean delivery "
                  "for breech presentation.\nDischarge diagnoses: Single liveborn, cesarean delivery. "
                  "Breech presentation.", setting="inpatient", age=0)
    assert r.code_list == ["Z38.01"]  # born in hospital, by cesarean; O32/O34 are the mother's
    assert any("I.C.15.a" in n.reason for n in r.not_coded)


def test_a_mothers_delivery_record_has_no_birth_code_of_the_baby(kb: KnowledgeBase) -> None:
    r = coded(kb, "DELIVERY DISCHARGE SUMMARY\n31F G3P2 at 40w1d in labor.\nDiagnosis: Term pregnancy, "
                  "delivered; single liveborn male.", setting="inpatient", age=31, sex="F")
    assert not any(c.startswith("Z38") for c in r.code_list)


# -- words the search prints differently: hyphenated numbers, Greek plurals, Table morphology -----

def test_a_hyphenated_name_with_a_number_is_found(kb: KnowledgeBase) -> None:
    r = coded(kb, "Urgent care.\nA/P: COVID-19 confirmed by home antigen test; mild illness, "
                  "supportive care.")
    assert r.code_list == ["U07.1"]  # 'covid-19' is 'covid' and '19' on the path 'COVID-19'
    r = coded(kb, "Occupational health.\nA/P: Workplace exposure to COVID-19, no symptoms. Test in 5 days.")
    assert r.code_list == ["Z20.822"]


def test_a_greek_plural_is_read_as_its_singular(kb: KnowledgeBase) -> None:
    r = coded(kb, "Dermatology.\nA/P: Actinic keratoses of the scalp and forearms - liquid nitrogen "
                  "to 12 lesions.")
    assert r.code_list == ["L57.0"]
    r = coded(kb, "Oncology.\nA/P: Prostate cancer with bone metastases - continue ADT.")
    assert r.code_list == ["C61", "C79.51"]


def test_a_morphology_word_is_named_by_the_neoplasm_tables_column(kb: KnowledgeBase) -> None:
    r = coded(kb, "Oncology.\nA/P: Metastatic adenocarcinoma to the liver from a known colon primary "
                  "- FOLFOX.")
    assert "C78.7" in r.code_list  # 'adenocarcinoma' sends to the Table; the row is liver, secondary
    assert next(c for c in r.codes if c.code == "C78.7").why.startswith("Neoplasm, neoplastic › liver")


# -- assertion: what was not diagnosed; what a pseudo-trigger governs ------------------------------

def test_a_condition_not_diagnosed_is_negated(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Acute bronchitis. Pneumonia not diagnosed on chest film.")
    assert r.code_list == ["J20.9"]
    assert any(n.code == "J18.9" and "not diagnosed" in n.reason for n in r.not_coded)


def test_organism_not_identified_negates_nothing_after_it(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses: Cellulitis of right lower leg (organism not "
                  "identified), in a patient with type 2 diabetes.", setting="inpatient")
    assert r.code_list[:1] == ["L03.115"] and "E11.9" in r.code_list


# -- long-term drug therapy: not when the note says not, nor for a brief course -------------------

def test_not_on_a_drug_is_no_long_term_use(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Paroxysmal atrial fibrillation, not on anticoagulation (patient declines). "
                  "Rate control with metoprolol.")
    assert r.code_list == ["I48.0"]  # no Z79.01


def test_a_brief_course_is_no_long_term_use(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Bronchiectasis exacerbation - discharged on prednisone 40 mg x 5 days and "
                  "levofloxacin.")
    assert r.code_list == ["J47.1"]  # no Z79.52: I.C.21.c.3, a course for an acute illness
    r = coded(kb, "A/P: Rheumatoid arthritis of both hands, on prednisone 5 mg daily and methotrexate.")
    assert "Z79.52" in r.code_list


# -- a 'with unspecified …-induced disorder' code needs the disorder said ----------------------------

def test_nicotine_dependence_without_a_disorder_is_uncomplicated(kb: KnowledgeBase) -> None:
    assert coded(kb, "Pulmonology.\nA/P: Nicotine dependence, cigarettes - 30 pack-years, counseled."
                 ).code_list == ["F17.210"]  # not F17.219 '… with unspecified nicotine-induced disorders'
    r = coded(kb, "A/P: Hyperlipidemia. Current cigarette smoker, 1 ppd.")
    assert r.code_list == ["E78.5", "F17.210"]  # '1 ppd' is packs a day, not F53.0 postpartum depression


# -- a combination beside a combination ------------------------------------------------------------

def test_a_combination_code_stays_beside_a_second_one_of_its_category(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses:\n1. COPD with acute exacerbation.\n2. Left lower "
                  "lobe pneumonia, the lower respiratory infection complicating the COPD.",
              setting="inpatient")
    assert {"J44.1", "J44.0", "J18.9"} <= set(r.code_list)  # I.A.15; J44.0 asks for the pneumonia too


# -- adverse effects of drugs correctly taken (I.C.19.e.5.a) ----------------------------------------

def test_a_drug_named_as_the_cause_gets_its_adverse_effect_code_after_the_effect(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Lisinopril-induced cough - switch to losartan.")
    assert r.code_list == ["R05.9", "T46.4X5A"]  # the nature of the effect first, then the drug
    r = coded(kb, "A/P: Hypokalemia due to furosemide. Potassium chloride 20 mEq daily.")
    assert r.code_list == ["E87.6", "T50.1X5A"]
    assert "I.C.19.e.5.a" in " ".join(r.codes[1].rules)


def test_a_cause_that_is_not_a_drug_row_adds_nothing(kb: KnowledgeBase) -> None:
    # the virus, not its vaccine's row
    assert coded(kb, "A/P: Acute bronchiolitis due to RSV.").code_list == ["J21.0"]
    assert coded(kb, "A/P: Iron deficiency anemia due to menorrhagia.").code_list == ["D50.9", "N92.0"]


def test_a_poisoning_default_becomes_the_adverse_effect_the_sentence_says(kb: KnowledgeBase) -> None:
    r = coded(kb, "ED note.\nDx: ACE inhibitor-induced angioedema of the lips (adverse effect), taken as "
                  "prescribed.")
    assert "T46.4X5A" in r.code_list and "T46.4X1A" not in r.code_list


def test_anaphylaxis_due_to_a_correct_drug_is_t88_6(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses: Anaphylaxis due to amoxicillin, correctly "
                  "prescribed and administered. Streptococcal pharyngitis.", setting="inpatient")
    assert r.code_list[:2] == ["T88.6XXA", "T36.0X5A"]  # T78.2's Excludes1 sends it to T88.6


def test_a_tabular_note_naming_the_drug_adds_its_adverse_effect(kb: KnowledgeBase) -> None:
    r = coded(kb, "Heme-onc.\nA/P: Agranulocytosis secondary to cancer chemotherapy; breast cancer on "
                  "adjuvant chemotherapy. Filgrastim.")
    assert "D70.1" in r.code_list and "T45.1X5A" in r.code_list  # D70.1: use additional code (T45.1X5)
    assert "Z51.11" not in r.code_list  # the cause of the agranulocytosis, not this encounter's reason


def test_the_drug_named_as_the_cause_is_not_coded_as_a_condition(kb: KnowledgeBase) -> None:
    r = coded(kb, "Anticoagulation clinic.\nA/P: Elevated INR due to warfarin, no bleeding. Hold one dose.")
    assert "T45.515A" in r.code_list and not any(c.startswith("D68") for c in r.code_list)


def test_toxicity_is_named_by_the_drug_tables_row(kb: KnowledgeBase) -> None:
    r = coded(kb, "Cardiology.\nA/P: Digoxin toxicity (adverse effect at the prescribed dose) with "
                  "junctional bradycardia. Hold digoxin.")
    assert r.code_list == ["R00.1", "T46.0X5A"]  # 'Toxicity — see Table of Drugs and Chemicals'


# -- underdosing (I.C.19.e.5.c): the drug's Underdosing column and the intent's Z91.1- -----------

def test_a_drug_stopped_on_the_patients_own_initiative_is_an_underdosing(kb: KnowledgeBase) -> None:
    r = coded(kb, "HPI: 58F stopped taking her levothyroxine on her own two months ago.\nA/P: "
                  "Hypothyroidism, TSH 38. Restart levothyroxine 100 mcg.")
    assert r.code_list == ["E03.9", "T38.1X6A", "Z91.128"]  # Underdosing › intentional NEC


def test_a_drug_stopped_by_the_provider_is_no_underdosing(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Hypertension. Stopped lisinopril due to cough; start losartan.")
    assert not any(c.startswith(("T46", "Z91")) for c in r.code_list)


def test_the_intent_of_an_underdosing_is_coded_when_said(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Essential hypertension; ran out of metoprolol 4 days ago, could not afford the "
                  "refill.")
    assert r.code_list == ["I10", "T44.7X6A", "Z91.120"]  # … due to financial hardship of patient
    r = coded(kb, "A/P: Type 1 diabetes with hyperglycemia; ran low on insulin and forgot to reorder "
                  "(unintentional).")
    assert r.code_list == ["E10.65", "T38.3X6A", "Z91.138"]


# -- parts of the bowel name the intestine; a 'with' the note denies is not chosen ----------------

def test_a_part_of_the_colon_names_the_large_intestine(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnosis: Diverticulosis of the sigmoid colon with acute "
                  "hemorrhage. Transfused 2 units.", setting="inpatient")
    assert r.code_list == ["K57.31"]  # large intestine, not K57.91 'part unspecified'


def test_a_list_after_no_is_denied_whole(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnosis: Sigmoid diverticulitis; no abscess, perforation "
                  "or bleeding on CT. Oral antibiotics.", setting="inpatient")
    assert r.code_list == ["K57.32"]  # not K57.81 '… with perforation and abscess with bleeding'
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnosis: Sigmoid diverticulitis with perforation and "
                  "abscess; no bleeding. Hartmann procedure.", setting="inpatient")
    assert r.code_list == ["K57.20"]  # '… without bleeding': the 'with' phrase ends at 'without'


# -- combinations: no subterm the note never wrote; the part of a coded phrase; severe sepsis -------

def test_a_combination_adds_no_organism_the_note_never_wrote(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses:\n1. Sepsis due to E. coli.\n2. Urinary tract "
                  "infection (E. coli) - source.", setting="inpatient")
    assert "A41.51" in r.code_list and "N39.0" in r.code_list
    assert "A02.1" not in r.code_list  # 'Infection › Salmonella › with › sepsis': no salmonella said
    assert "B99.9" not in r.code_list  # 'infection' is part of the phrase coded N39.0


def test_severe_sepsis_gets_its_underlying_infection_first(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses: Severe sepsis due to MRSA pneumonia with acute "
                  "respiratory failure.", setting="inpatient")
    assert r.code_list[:2] == ["A41.02", "R65.20"]  # Sepsis › Staphylococcus › aureus › methicillin resistant
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses: Severe sepsis due to urinary tract infection, "
                  "no shock.", setting="inpatient")
    assert r.code_list[:3] == ["A41.9", "R65.20", "N39.0"]  # organism not specified: A41.9 (I.C.1.d.1.a)


def test_a_perinatal_code_needs_the_perinatal_period_said(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses:\n1. Acute ischemic stroke, right MCA territory.\n"
                  "2. Hypertension.", setting="inpatient", age=71)
    assert not any(c.startswith("P") for c in r.code_list) and r.code_list[0].startswith("I63")


# -- what a Tabular 'Use additional code' note asks for, when the sentence says it ---------------

def test_a_use_additional_note_naming_a_condition_the_sentence_says(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnoses: Febrile neutropenia - agranulocytosis secondary "
                  "to cancer chemotherapy (cycle 2 R-CHOP).", setting="inpatient")
    assert {"D70.1", "R50.81", "T45.1X5A"} <= set(r.code_list)  # D70.1: '… associated: fever (R50.81)'
    r = coded(kb, "A/P: Age-related osteoporosis without current fracture; personal history of a healed "
                  "osteoporotic fracture of the spine. Start zoledronic acid.")
    assert r.code_list == ["M81.0", "Z87.310"]
    assert coded(kb, "A/P: COVID-19, mild, no pneumonia. Isolation.").code_list == ["U07.1"]  # not J12.82


def test_a_use_additional_note_asking_for_the_site_is_coded_from_the_sentence(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Type 2 diabetic foot ulcer of the right heel, limited to breakdown of skin.")
    assert r.code_list == ["E11.621", "L97.411"]  # E11.621: '… to identify site of ulcer (L97.4-, L97.5-)'
    assert "use additional code" in r.codes[1].why


def test_every_drug_of_a_list_the_patient_is_on_is_coded(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Type 2 diabetes with diabetic nephropathy - continue insulin degludec and metformin; "
                  "A1c 7.4.")
    assert {"Z79.4", "Z79.84"} <= set(r.code_list)  # both, I.C.4.a.3


def test_a_screening_or_susceptibility_trigger_is_what_is_coded(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: BRCA2 carrier (genetic susceptibility to breast cancer), no cancer. MRI screening.")
    assert r.code_list == ["Z15.01"]  # not a hypothetical breast cancer left uncoded
    r = coded(kb, "A/P: Screening for colon cancer; average risk. Colonoscopy ordered.")
    assert r.code_list == ["Z12.11"]


def test_a_qualifying_clause_is_joined_without_the_words_no_document_prints(kb: KnowledgeBase) -> None:
    r = coded(kb, "A/P: Cannabis use disorder, mild (DSM-5 criteria met). CBT referral.")
    assert r.code_list == ["F12.10"]  # Disorder › cannabis use › mild; not F12.99


def test_a_test_named_in_the_plan_is_no_condition(kb: KnowledgeBase) -> None:
    r = coded(kb, "ED note.\nA/P: Atypical chest pain. Outpatient exercise stress testing within 72 hours.")
    assert r.code_list == ["R07.89"]  # 'stress' before 'testing' is not F43.9


# -- combinations through a cross-reference of the Index ------------------------------------------

def test_a_combination_the_index_makes_through_a_see_reference(kb: KnowledgeBase) -> None:
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnosis: Acute cholecystitis with cholelithiasis; "
                  "laparoscopic cholecystectomy.", setting="inpatient")
    assert r.code_list == ["K80.00"]  # Cholecystitis › acute › with › cholelithiasis — see Calculus, …
    assert "see Calculus, gallbladder" in r.codes[0].why
    r = coded(kb, "DISCHARGE SUMMARY\nDischarge diagnosis: Partial small bowel obstruction caused by "
                  "adhesions; nonoperative management.", setting="inpatient")
    assert r.code_list == ["K56.51"]  # Obstruction, intestine › with › adhesions › partial


def test_a_main_term_with_or_is_named_by_its_first_form(kb: KnowledgeBase) -> None:
    r = coded(kb, "Memory clinic.\nA/P: Alzheimer's disease, early onset. MoCA 21.")
    assert r.code_list == ["G30.0"]  # 'Alzheimer's disease or sclerosis — see Disease, Alzheimer's'


def test_a_use_additional_note_of_several_codes_is_chosen_by_the_sentence(kb: KnowledgeBase) -> None:
    r = coded(kb, "Memory clinic.\nA/P: Alzheimer disease with mild dementia. Donepezil 5 mg.")
    assert r.code_list == ["G30.9", "F02.A0"]  # G30: 'dementia without behavioral disturbance (… F02.A0 …)'
    r = coded(kb, "A/P: Late-onset Alzheimer's disease with severe dementia; no agitation, psychosis, "
                  "mood or anxiety symptoms.")
    assert r.code_list[-1] == "F02.C0" and "F03.C0" not in r.code_list
