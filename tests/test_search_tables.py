"""The Index and the Tables down to a reportable code: strict paths, literal text, bounded work,
brand names, coders' words for the columns, the encounter's 7th character, subsites and the
codes under a dashed category."""

from __future__ import annotations

import json
import time

import pytest
from tests.test_cli import icdkit

from icdkit import InvalidInput, KnowledgeBase, UnknownTerm
from icdkit.search.navigate import MAX_PARTS, MAX_TERM, index_tree, table_rows
from icdkit.search.tables import chosen_by, column_for


def test_a_subterm_not_found_is_named_with_the_nearest_subterms(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownTerm, match="no subterm 'nek' under 'Pain'") as exc:
        index_tree(kb, "Pain, nek")
    assert exc.value.suggestions[0] == "Pain, neck NEC"
    r = icdkit("index", "Pain, nek", "--json")
    assert r.returncode == 2 and r.stdout == ""
    err = json.loads(r.stderr)["error"]
    assert err["type"] == "unknown-term" and "nek" in err["message"]
    assert "Pain, neck NEC" in err["suggestions"]


def test_main_term_suggestions_are_ranked_by_similarity(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownTerm) as exc:
        index_tree(kb, "Paiin")
    assert exc.value.suggestions[0] == "Pain"


@pytest.mark.parametrize("term", ["Pain, ne_k", "Pain, %", "Pain, n%", "Pain, 疼痛", "Pa_n", "%"])
def test_wildcards_and_non_ascii_are_ordinary_text(kb: KnowledgeBase, term: str) -> None:
    with pytest.raises(UnknownTerm):
        index_tree(kb, term)


def test_accents_fold_to_the_printed_term(kb: KnowledgeBase) -> None:
    assert index_tree(kb, "Meniere")["entries"][0]["path"].startswith("Ménière")


def test_every_path_is_bounded(kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidInput, match="too many comma parts"):
        index_tree(kb, ",".join(["a"] * (MAX_PARTS + 2)))
    with pytest.raises(InvalidInput, match="term too long"):
        index_tree(kb, "a" * (MAX_TERM + 1))
    t0 = time.perf_counter()
    for term in ("aaa,aaa,aaa,aaa,aaa", "a,a,a,a,a,a,a,a", "pai,pai,pai,pai,pai,pai,pai,pai",
                 "s s s s s s s s s"):
        with pytest.raises((UnknownTerm, InvalidInput)):
            index_tree(kb, term)
    assert time.perf_counter() - t0 < 5.0


def test_brand_names_lead_to_the_substance(kb: KnowledgeBase) -> None:
    d = table_rows(kb, "drug", "tylenol")
    assert d["synonym"] == "acetaminophen" and d["rows"][0]["path"] == "Acetaminophen"


def test_substance_suggestions_are_ranked_by_similarity(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownTerm, match="no substance 'acetaminophn'") as exc:
        table_rows(kb, "drug", "acetaminophn")
    assert exc.value.suggestions[0] == "Acetaminophen"


@pytest.mark.parametrize(("word", "column"), [
    ("overdose", "accidental"), ("side effect", "adverse"), ("adverse", "adverse"),
    ("intentional", "self-harm"), ("suicide attempt", "self-harm"), ("self-harm", "self-harm"),
    ("underdosing", "underdosing"), ("assault", "assault"),
])
def test_coders_words_for_intent(word: str, column: str) -> None:
    assert column_for("drug", word) == column


def test_an_unknown_intent_is_refused() -> None:
    with pytest.raises(InvalidInput, match="invalid choice 'deliberate'"):
        column_for("drug", "deliberate")


def test_the_encounter_completes_the_code(kb: KnowledgeBase) -> None:
    row = table_rows(kb, "drug", "tylenol", "intentional", encounter="initial")["rows"][0]
    assert (row["code"], row["complete_code"]) == ("T39.1X2", "T39.1X2A")
    assert "7th character A (initial encounter)" in row["note"]
    row = table_rows(kb, "drug", "acetaminophen", "overdose", encounter="sequela")["rows"][0]
    assert row["complete_code"] == "T39.1X1S"
    row = table_rows(kb, "drug", "acetaminophen", "adverse")["rows"][0]  # none given: say which applies
    assert "complete_code" not in row and row["encounter_codes"] == {
        "initial": "T39.1X5A", "subsequent": "T39.1X5D", "sequela": "T39.1X5S"}
    assert "7th character is needed" in row["note"]
    with pytest.raises(InvalidInput, match="invalid encounter"):
        table_rows(kb, "drug", "acetaminophen", "adverse", encounter="later")
    with pytest.raises(InvalidInput, match="give the intent too"):
        table_rows(kb, "drug", "acetaminophen", encounter="initial")


def test_drug_cli_with_intent_words_and_encounter() -> None:
    r = icdkit("drug", "tylenol", "--intent", "suicide attempt", "--encounter", "initial", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["rows"][0]["complete_code"] == "T39.1X2A"
    r = icdkit("drug", "tylenol", "--intent", "side effect")
    assert r.returncode == 0 and "T39.1X5" in r.stdout and "T39.1X5A" in r.stdout


def test_neoplasm_site_lists_subsites_and_the_codes_under_a_category(kb: KnowledgeBase) -> None:
    row = table_rows(kb, "neoplasm", "breast")["rows"][0]
    assert row["codes"]["malignant"] == "C50.9-"
    assert "breast › upper-outer quadrant" in [s["path"] for s in row["subsites"]]
    cat = row["categories"]["malignant"]
    assert cat["code"] == "C50.9" and cat["chosen_by"] == ["laterality", "sex"]
    assert {"C50.911", "C50.929"} <= {k["code"] for k in cat["codes_under"]}
    row = table_rows(kb, "neoplasm", "breast", "metastatic")["rows"][0]
    assert (row["column"], row["code"]) == ("Malignant secondary", "C79.81")
    r = icdkit("neoplasm", "breast", "--behavior", "cancer")
    assert r.returncode == 0 and "C50.911" in r.stdout and "laterality, sex" in r.stdout


def test_chosen_by_names_what_separates_siblings() -> None:
    sides = ["Carcinoma in situ of right breast", "Carcinoma in situ of left breast"]
    assert chosen_by(sides) == ["laterality"]
    assert chosen_by(["only one"]) == []
