"""KnowledgeBase: hierarchy, notes (own and inherited), 7th characters, validity, suggestions."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from icdkit import KnowledgeBase, MalformedCode, UnknownCode

DATA = Path(__file__).resolve().parents[1] / "src" / "icdkit" / "data"


def _valid_on(day: str) -> set[str]:
    with gzip.open(DATA / "edits" / "mce_icd10cm_dx_edits_by_date.tsv.gz", "rt") as fh:
        next(fh)
        return {c for c, s, e, _ in (line.rstrip("\n").split("\t") for line in fh) if s <= day <= e}


def test_code_fields(kb: KnowledgeBase) -> None:
    c = kb.get(" m54.03 ")
    assert (c.code, c.key, c.kind, c.billable) == ("M54.03", "M5403", "code", True)
    assert c.title == "Panniculitis affecting regions of neck and back, cervicothoracic region"
    assert (c.parent, c.chapter, c.block, c.release) == ("M54.0", "13", "M50-M54", "FY2026")
    # the parent as the JSON shows it, its key beside it; a one-category block is shown as
    # its category but keyed apart from it
    assert c.parent_key == "M540"
    b20 = kb.get("B20")
    assert (b20.parent, b20.parent_key) == ("B20", "B20-B20") and kb.get("B20").kind == "category"
    assert [x.code for x in kb.children(b20.parent_key)] == ["B20"]
    assert (kb.get("M50-M54").parent, kb.get("M50-M54").parent_key) == ("13", "13")
    assert kb.get("13").parent is None and kb.get("13").parent_key is None
    with pytest.raises(AttributeError):
        c.title = "changed"  # type: ignore[misc]


def test_hierarchy(kb: KnowledgeBase) -> None:
    assert [a.code for a in kb.ancestors("M54.03")] == ["M54.0", "M54", "M50-M54", "13"]
    kids = [c.code for c in kb.children("M54.0")]
    assert kids == [f"M54.0{i}" for i in range(10)]
    assert "M54.03" not in [c.code for c in kb.siblings("M54.03")]
    assert len(kb.siblings("M54.03")) == 9
    assert [c.kind for c in kb.ancestors("M54.03")] == ["subcategory", "category", "block", "chapter"]
    billable = kb.descendants("M54", billable_only=True)
    assert billable and all(c.billable and c.key.startswith("M54") for c in billable)


def test_header_is_not_billable(kb: KnowledgeBase) -> None:
    header = kb.get("M54.0")
    assert not header.billable and header.is_header


def test_second_character_can_be_a_letter(kb: KnowledgeBase) -> None:
    c = kb.get("QA0.0101")
    assert c.billable and c.chapter and c.block


def test_seventh_character_expansion_follows_the_valid_set(kb: KnowledgeBase) -> None:
    """S06: D and S do not apply where the 6th character is 7 or 8; the valid set decides."""
    valid = _valid_on(kb.effective)
    s06 = [c.key for c in kb.descendants("S06") if c.kind == "code"]
    assert s06 and set(s06) <= valid
    assert {k for k in valid if k.startswith("S06")} == {k for k in s06}
    assert not [k for k in s06 if len(k) == 7 and k[5] in "78" and k[6] in "DS"]
    assert kb.find("S06.1X7D") is None and kb.find("S06.1X7A") is not None


def test_placeholder_x_codes(kb: KnowledgeBase) -> None:
    c = kb.get("S13.4XXA")
    assert c.billable and c.title == "Sprain of ligaments of cervical spine, initial encounter"
    meanings = kb.seventh_characters("S13.4XXA")
    assert meanings["A"] == "initial encounter" and meanings["S"] == "sequela"
    assert kb.seventh_characters("M54.03") == {}


def test_own_and_effective_notes(kb: KnowledgeBase) -> None:
    own = kb.notes("M54.0", kinds={"excludes1"})
    assert [n.text for n in own] == [
        "lupus panniculitis (L93.2)", "panniculitis NOS (M79.3)",
        "relapsing [Weber-Christian] panniculitis (M35.6)"]
    assert kb.notes("M54.03") == []
    eff = kb.effective_notes("M54.03", kinds={"excludes1"})
    assert [n.source for n in eff][:4] == ["M54.0", "M54.0", "M54.0", "M54"]
    assert any(n.source == "M50-M54" for n in eff)
    chapter = kb.effective_notes("M54.03", kinds={"excludes2"})
    assert chapter and all(n.source == "13" and n.source_kind == "chapter" for n in chapter)


def test_note_references_resolve_to_codes(kb: KnowledgeBase) -> None:
    note = next(n for n in kb.effective_notes("M54.2") if "M50.-" in n.text)
    codes = kb.resolve(note.refs[0], billable_only=True)
    assert "M50.20" in {c.code for c in codes}
    assert all(c.key.startswith("M50") and c.billable for c in codes)
    psych = next(n for n in kb.notes("M54", kinds={"excludes1"}) if "F45.41" in n.text)
    assert [c.code for c in kb.resolve(psych.refs[0])] == ["F45.41"]


def test_validity_by_date(kb: KnowledgeBase) -> None:
    assert kb.is_valid("M54.5", on="2021-06-01")
    assert not kb.is_valid("M54.5", on="2021-10-01")
    assert kb.is_valid("M54.50", on="2021-10-01") and not kb.is_valid("M54.50", on="2021-09-30")
    assert kb.periods("M54.5")[-1].end == "2021-09-30"
    assert [c.code for c in kb.replacements("M54.5")] == ["M54.50", "M54.51", "M54.59"]
    assert not kb.is_valid("M54.03", on="2015-09-30")  # before ICD-10-CM took effect


def test_bad_dates_are_refused(kb: KnowledgeBase) -> None:
    from icdkit import InvalidInput

    with pytest.raises(InvalidInput, match="impossible date"):
        kb.is_valid("M54.03", on="2021-13-01")
    with pytest.raises(InvalidInput, match="beyond the validity table"):
        kb.is_valid("M54.03", on="2031-01-01")


def test_unknown_codes_get_suggestions(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownCode) as err:
        kb.get("W21.89A")
    assert err.value.suggestions[0] == "W21.89XA"
    assert "placeholder X is missing" in str(err.value)
    with pytest.raises(UnknownCode) as err:
        kb.get("S06.1X7D")
    assert "valid set wins" in str(err.value)
    with pytest.raises(MalformedCode):
        kb.get("M5$4")
    assert "M54.03" in kb and "Z99.999" not in kb and "M5$4" not in kb


def test_header_suggestions_are_its_billable_codes(kb: KnowledgeBase) -> None:
    assert kb.suggest("M54.0")[:3] == ["M54.00", "M54.01", "M54.02"]


def test_cc_mcc_hcc_and_mce(kb: KnowledgeBase) -> None:
    assert kb.severity("A02.1") == ("MCC", 5)
    assert kb.severity("M54.03") is None
    level, collection = kb.severity("A00.0") or ("", 0)
    assert level == "CC" and collection == 2
    v28 = {(h["year"], h["hcc"]) for h in kb.hcc("E11.9") if h["model"] == "CMS-HCC Model V28"}
    assert (2026, "38") in v28
    labels = {h["label"] for h in kb.hcc("E11.9") if h["model"] == "CMS-HCC Model V28"}
    assert labels == {"Diabetes with Glycemic, Unspecified, or No Complications"}
    period = kb.period_on("O80", "2026-01-01")
    assert period is not None and "maternity" in period.flags
    assert kb.age_ranges(on="2019-01-01")["maternity"] == (12, 55)
    assert kb.age_ranges(on="2020-01-01")["maternity"] == (9, 64)


def test_two_releases_differ_where_the_code_set_changed(kb: KnowledgeBase, kb25: KnowledgeBase) -> None:
    added_2026 = _valid_on("2025-10-01") - _valid_on("2025-04-01")
    assert added_2026
    k = sorted(added_2026)[0]
    assert kb.get(k).billable
    assert kb25.find(k) is None or not kb25.get(k).billable
    with gzip.open(DATA / "releases" / "FY2025" / "icd10cm_order_2025.txt.gz", "rt") as fh:
        line = next(x for x in fh if x[6:13].strip() == "S134XXA")
    assert kb25.get("S13.4XXA").short_title == line[16:76].strip()
    assert kb.get("S13.4XXA").short_title is None  # FY2026 has no order file


def test_preload_answers_the_same(kb: KnowledgeBase, store_dir: Path) -> None:
    fresh = KnowledgeBase(kb.path)
    fresh.preload()
    for code in ("M54.03", "S13.4XXA", "M50-M54", "13", "E11.9"):
        assert fresh.get(code) == kb.get(code)
        assert fresh.effective_notes(code) == kb.effective_notes(code)
        assert fresh.children(code) == kb.children(code)
    assert fresh.find("Z99.999") is None
    for bad in ("M5.42", "M542.", ".M542", "M54..2"):  # the fast path must not accept misplaced dots
        with pytest.raises(MalformedCode):
            fresh.find(bad)


def test_releases_listed(kb: KnowledgeBase) -> None:
    names = [r.release for r in kb.releases()]
    assert names[:2] == ["FY2025", "FY2026"]


def test_seventh_character_lines_stay_with_their_character(kb: KnowledgeBase, kb25: KnowledgeBase) -> None:
    """S72's B prints 'initial encounter for open fracture NOS' under it (a <note> inside the
    sevenChrDef): kept with B, not split off as a note; so for every such definition."""
    nos = "initial encounter for open fracture NOS"
    for k in (kb, kb25):
        assert k.seventh_terms("S72.001") == {"B": [nos]}
        assert k.seventh_terms("S72.001B") == {"B": [nos]}
        assert k.seventh_characters("S72.001")["B"] == "initial encounter for open fracture type I or II"
        assert all(nos not in n.text for n in k.effective_notes("S72.001B"))
    assert kb.seventh_terms("S52.001") == {"B": [nos]} and kb.seventh_terms("S82.001") == {"B": [nos]}
    assert kb.seventh_terms("H34.8110") == {"2": ["Old central retinal vein occlusion"]}
    assert kb.seventh_terms("H34.831") == {"2": ["Old tributary (branch) retinal vein occlusion"]}
    assert kb.seventh_terms("H35.311") == {"3": ["advanced dry stage"]}
    assert kb.seventh_terms("H35.321") == {"2": ["with involuted or regressed neovascularization"]}
    assert kb.seventh_terms("W08") == {"S": ["Fall from stool"]}
    assert kb.seventh_terms("M54.03") == {}
    # no definition's line is left behind as a free-standing 7th-character note
    stray = kb.connection().execute(
        "SELECT count(*) FROM notes WHERE kind='seventh_note' AND text IN "
        "(?, 'Old central retinal vein occlusion', 'advanced dry stage', 'Fall from stool')", (nos,))
    assert stray.fetchone()[0] == 0


def test_hcc_of_a_few_codes_is_read_alone_then_from_the_whole_table(kb: KnowledgeBase) -> None:
    """One claim asks a few codes' HCCs (read a code at a time); a batch asks many (the model's
    table read whole, after HCC_BY_KEY codes): both give the same answers. E.g. E11.9 (type 2
    diabetes without complications) maps to HCC 38 under V28; I10 maps to none."""
    from icdkit import kb as kb_module

    model = "CMS-HCC Model V28"
    fresh = KnowledgeBase(kb.path)
    codes = [c.code for c in kb.iter_codes(billable_only=True)][::250]
    alone = [(fresh.has_hcc(c, model), fresh.hcc(c, model=model)) for c in codes[:kb_module.HCC_BY_KEY]]
    assert model not in fresh._hcc_models  # nothing read whole yet
    assert fresh.has_hcc("E11.9", model) and not fresh.has_hcc("I10", model)
    assert any(h["hcc"] == "38" for h in fresh.hcc("E11.9", model=model))
    whole = [(fresh.has_hcc(c, model), fresh.hcc(c, model=model)) for c in codes[:kb_module.HCC_BY_KEY]]
    assert model in fresh._hcc_models and whole == alone and any(h for h, _ in alone)
