"""Code-set validation: each rule with real codes, its citation, and bad input."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from icdkit import InvalidInput, KnowledgeBase
from icdkit.rules import catalogue
from icdkit.rules.batch import run_batch
from icdkit.rules.check import Checker, check
from icdkit.rules.findings import Finding, Report


@pytest.fixture(scope="module")
def checker(kb: KnowledgeBase) -> Iterator[Checker]:
    yield Checker(kb)


def rules(report: Report, severity: str | None = None) -> list[str]:
    return [f.rule for f in report.findings if severity is None or f.severity == severity]


def only(report: Report, rule: str) -> Finding:
    (f,) = [f for f in report.findings if f.rule == rule]
    return f


def test_clean_encounter_is_ok(checker: Checker) -> None:
    r = checker.check(["M54.03"])
    assert r.ok and rules(r, "error") == [] and r.release == "FY2026"


def test_invalid_and_malformed_codes(checker: Checker) -> None:
    r = checker.check(["Q99.99", "M5$4"])
    assert rules(r, "error") == ["invalid-code", "invalid-code"]
    assert "Q99.9" in r.findings[0].suggestions


def test_deleted_code_is_invalid_after_its_end_only(checker: Checker) -> None:
    """Every code the FY2026 update deleted: invalid on 2026-04-01, fine on its last day."""
    kb = checker.kb
    deleted = [k for (k,) in kb._con.execute(
        "SELECT key FROM validity GROUP BY key HAVING max(end) = '2025-09-30'")]
    assert len(deleted) >= 20  # CMS deleted 28 codes on 2025-10-01
    for k in deleted:
        late = checker.check([k], date="2026-04-01")
        assert {"invalid-code", "non-billable"} & set(rules(late, "error")), k
        early = checker.check([k], date="2025-09-30")
        assert not {"invalid-code", "non-billable"} & set(rules(early)), k


def test_header_code_is_not_billable(checker: Checker) -> None:
    f = only(checker.check(["M54.0"]), "non-billable")
    assert f.severity == "error" and f.suggestions[:2] == ("M54.00", "M54.01")
    assert f.source.kind == "table" and "MCE" in (f.source.table or "")


def test_valid_then_header_now(checker: Checker) -> None:
    assert checker.check(["M54.5"], date="2021-06-01").ok
    assert rules(checker.check(["M54.5"], date="2021-10-01"), "error") == ["non-billable"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [("S13.4A", ("S13.4XXA",)), ("S72.001", ("S72.001A", "S72.001B")), ("S06.1X7D", ("S06.1X7A",))],
)
def test_seventh_character(checker: Checker, code: str, expected: tuple[str, ...]) -> None:
    f = only(checker.check([code]), "seventh-character")
    assert f.severity == "error" and f.suggestions[: len(expected)] == expected


@pytest.mark.parametrize(
    ("a", "b", "note_at"),
    [("M54.2", "M50.20", "M54.2"), ("M54.03", "M79.3", "M54.0"), ("F45.41", "M54.9", "M54")],
)
def test_excludes1_both_orders_with_citation(checker: Checker, a: str, b: str, note_at: str) -> None:
    for pair in ([a, b], [b, a]):
        r = checker.check(pair)
        assert not r.ok
        hits = [f for f in r.findings if f.rule == "excludes1" and set(f.codes) == {a, b}]
        assert hits and any(f.source.at == note_at for f in hits)
        assert all("unrelated" in f.message and f.source.release == "FY2026" for f in hits)


def test_excludes2_is_information(checker: Checker) -> None:
    r = checker.check(["M54.2", "S13.4XXA"])  # chapter 13 Excludes2: injuries (S00-T88)
    f = next(f for f in r.findings if f.rule == "excludes2")
    assert f.severity == "info" and f.source.at == "13" and r.ok


def test_manifestation_first_and_sequencing(checker: Checker) -> None:
    wrong = checker.check(["G63", "E85.4"])
    assert {"code-first", "manifestation-principal"} <= set(rules(wrong, "error"))
    cf = only(wrong, "code-first")
    assert cf.codes == ("G63", "E85.4") and cf.source.at == "G63"
    right = checker.check(["E85.4", "G63"])
    assert right.ok and "code-first" not in rules(right)
    alone = checker.check(["E11.9", "G63"])
    assert only(alone, "code-first").severity == "warning"  # etiology absent for a manifestation


def test_use_additional_and_code_also(checker: Checker) -> None:
    r = checker.check(["E11.9"])
    ua = only(r, "use-additional")
    assert ua.severity == "info" and "Z79.4" in ua.source.text and ua.source.at == "E11"
    assert "use-additional" not in rules(checker.check(["E11.9", "Z79.4"]))


def test_mce_age_sex_and_principal_edits(checker: Checker) -> None:
    r = checker.check(["O80", "Z37.0"], age=70, date="2026-01-05")
    assert rules(r, "error").count("age") == 2
    assert checker.check(["O80", "Z37.0"], age=30, date="2026-01-05").ok
    # sex edits applied until 2024-09-30 only
    assert "sex" in rules(checker.check(["N40.0"], sex="F", date="2023-01-01"), "error")
    assert "sex" not in rules(checker.check(["N40.0"], sex="F", date="2025-01-01"))
    assert "external-cause-principal" in rules(checker.check(["W21.89XA"]), "error")
    inpatient = checker.check(["Z00.00"], setting="inpatient")
    assert only(inpatient, "unacceptable-principal").severity == "error"
    assert only(checker.check(["Z00.00"], setting="outpatient"), "unacceptable-principal").severity == "info"


def test_a_sex_given_when_no_sex_edit_is_in_force_is_said_not_passed(checker: Checker) -> None:
    """CMS dropped the MCE diagnosis sex edits on 2024-10-01: a sex given for a later date of
    service is not checked, and the report says so, citing the MCE table and its dates."""
    later = checker.check(["N40.0"], sex="F", date="2025-01-01")
    said = only(later, "sex-not-checked")
    assert later.ok and said.severity == "info" and said.codes == ()
    assert "sex (F) was not checked" in said.message and "2024-09-30" in said.message
    assert said.source.kind == "table" and "2015-10-01 to 2024-09-30" in said.source.text
    assert said.source.table == checker.kb.meta["mce_source"]
    # the default date (the release's effective date) is after the sex edits too
    assert "sex-not-checked" in rules(checker.check(["M54.2"], sex="M"))
    # while the edits were in force, the sex is checked (an error here), and nothing else is said
    before = checker.check(["N40.0"], sex="F", date="2024-09-30")
    assert "sex" in rules(before, "error") and "sex-not-checked" not in rules(before)
    assert "sex-not-checked" not in rules(checker.check(["N40.0"], sex="M", date="2023-01-01"))
    # no sex given: nothing to say
    assert "sex-not-checked" not in rules(checker.check(["N40.0"], date="2025-01-01"))
    # after the first-listed code's edits, before the CC/MCC and HCC information
    order = rules(checker.check(["Z00.00", "E11.9"], sex="F", setting="outpatient", date="2025-11-03"))
    assert order.index("unacceptable-principal") < order.index("sex-not-checked") < order.index("hcc")


def test_duplicate(checker: Checker) -> None:
    assert only(checker.check(["M54.03", "m5403"]), "duplicate").severity == "warning"


def test_cc_mcc_and_pdx_exclusion(checker: Checker) -> None:
    kb = checker.kb
    level, collection = kb.severity("A02.1") or ("", None)
    assert level == "MCC" and collection
    excluded_by = kb._con.execute("SELECT key FROM pdx_exclusion WHERE collection=? AND key != 'A021'",
                                  (collection,)).fetchone()[0]
    r = checker.check([excluded_by, "A02.1"])
    secondary = next(f for f in r.findings if f.rule == "cc-mcc" and f.codes == ("A02.1",))
    assert f"CC exclusion list {collection:04d}" in secondary.message and "non-CC" in secondary.message
    plain = checker.check(["M54.03", "A02.1"])
    msg = next(f.message for f in plain.findings if f.rule == "cc-mcc" and f.codes == ("A02.1",))
    assert "MCC as a secondary diagnosis" in msg


def test_hcc_information(checker: Checker) -> None:
    f = only(checker.check(["E11.9"], date="2025-06-01"), "hcc")
    assert f.severity == "info" and "HCC 38" in f.message and "payment year 2026" in f.message


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [({"codes": []}, "no codes"), ({"codes": ["M54.03"], "age": "abc"}, "malformed age"),
     ({"codes": ["M54.03"], "age": 300}, "out of range"),
     ({"codes": ["M54.03"], "sex": "X"}, "malformed sex"),
     ({"codes": ["M54.03"], "setting": "home"}, "malformed setting"),
     ({"codes": ["M54.03"], "date": "2026-02-30"}, "impossible date"),
     ({"codes": ["M54.03"], "date": "2031-01-01"}, "beyond the validity table"),
     ({"codes": ["M54.03"] * 101}, "too many codes")],
)
def test_bad_input_is_refused(checker: Checker, kwargs: dict, problem: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidInput, match=problem):
        checker.check(**kwargs)


def test_module_level_check_and_json_shape(kb: KnowledgeBase) -> None:
    d = check("M54.2 M50.20", kb=kb).to_dict()
    assert d["ok"] is False and set(d) >= {"ok", "findings"}
    f = d["findings"][0]
    assert set(f) >= {"rule", "severity", "codes", "message", "source"}
    assert f["source"]["kind"] == "note" and f["source"]["at"] == "M54.2"


@pytest.mark.parametrize(("codes", "at", "text"), [
    (["H91.90", "H90.3"], "H91", "hearing loss as classified in H90.-"),
    (["K56.0", "P76.0"], "K56", "neonatal intestinal obstructions classifiable to P76.-"),
    (["E72.20", "E72.4"], "E72.20", "hyperammonemia-hyperornithinemia-homocitrullinemia syndrome E72.4"),
])
def test_excludes1_printed_outside_parentheses_is_enforced(kb: KnowledgeBase, codes: list[str], at: str,
                                                          text: str) -> None:
    report = Checker(kb).check(codes)
    cited = [(f.source.at, f.source.text) for f in report.findings if f.rule == "excludes1"]
    assert (at, text) in cited and not report.ok


def _found(report: Report, rule: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule]


def test_questionable_admission_is_a_warning_inpatient_and_information_otherwise(kb: KnowledgeBase) -> None:
    period = kb.period_on("E11.9", kb.effective)
    assert period is not None and "qadm" in period.flags  # the MCE table flags it on the date
    inpatient = _found(Checker(kb).check(["E11.9"], setting="inpatient"), "questionable-admission")
    outpatient = _found(Checker(kb).check(["E11.9"], setting="outpatient"), "questionable-admission")
    assert [f.severity for f in inpatient] == ["warning"] and [f.severity for f in outpatient] == ["info"]
    assert inpatient[0].codes == ("E11.9",) and inpatient[0].source.kind == "table"
    principal = kb.period_on("A41.9", kb.effective)
    assert principal is not None and "qadm" not in principal.flags
    secondary = _found(Checker(kb).check(["A41.9", "E11.9"], setting="inpatient"), "questionable-admission")
    assert secondary == []  # only the principal diagnosis is judged as the reason for admission


def test_unspecified_edit_warns_and_a_specified_sibling_does_not(kb: KnowledgeBase) -> None:
    [f] = _found(Checker(kb).check(["G81.90"]), "unspecified")
    assert f.severity == "warning" and f.codes == ("G81.90",) and "MCE" in (f.source.table or "")
    period = kb.period_on("G81.91", kb.effective)
    assert period is not None and "unspecified" not in period.flags
    assert _found(Checker(kb).check(["G81.91"]), "unspecified") == []


def test_code_also_advises_until_its_code_is_on_the_claim(kb: KnowledgeBase) -> None:
    [f] = _found(Checker(kb).check(["C25.0"]), "code-also")
    assert f.severity == "info" and f.source.at == "C25" and "K86.81" in f.source.text
    assert _found(Checker(kb).check(["C25.0", "K86.81"]), "code-also") == []


def test_not_in_release_names_a_code_valid_on_the_date_that_the_release_lacks(kb: KnowledgeBase) -> None:
    assert kb.find("C78.31") is None and kb.is_valid("C78.31", on="2026-10-15")  # an FY2027 addition
    report = Checker(kb).check(["C78.31"], date="2026-10-15")
    [f] = _found(report, "not-in-release")
    assert f.severity == "info" and f.codes == ("C78.31",) and report.ok
    assert _found(Checker(kb).check(["C78.31"], date="2026-04-01"), "not-in-release") == []


def test_external_cause_principal_is_refused_first_and_accepted_after(kb: KnowledgeBase) -> None:
    """W21.89XA (struck by other sports equipment) says how, not what: it cannot be the
    principal diagnosis, and is fine after the injury it explains."""
    [f] = _found(Checker(kb).check(["W21.89XA"]), "external-cause-principal")
    assert f.severity == "error" and f.codes == ("W21.89XA",) and f.source.kind == "table"
    assert _found(Checker(kb).check(["S06.0X0A", "W21.89XA"]), "external-cause-principal") == []


def test_manifestation_principal_is_refused_first_and_accepted_after_its_etiology(kb: KnowledgeBase) -> None:
    """G63 (polyneuropathy in diseases classified elsewhere) is a manifestation: never first."""
    [f] = _found(Checker(kb).check(["G63", "E85.4"]), "manifestation-principal")
    assert f.severity == "error" and f.codes == ("G63",) and f.source.kind == "table"
    assert _found(Checker(kb).check(["E85.4", "G63"]), "manifestation-principal") == []


#: One encounter per rule id of the catalogue that gives its finding on real FY2026 codes: a
#: rule added to the catalogue without an example here fails the test below.
EXAMPLES: dict[str, tuple[list[str], dict[str, object]]] = {
    "invalid-code": (["XYZ"], {}),
    "non-billable": (["M54.0"], {}),
    "seventh-character": (["S72.001"], {}),
    "duplicate": (["I10", "I10"], {}),
    "not-in-release": (["C78.31"], {"date": "2026-10-15"}),
    "excludes1": (["M54.2", "M50.20"], {}),
    "excludes2": (["M54.2", "S13.4XXA"], {}),
    "code-first": (["G63", "E85.4"], {}),
    "use-additional": (["E11.9"], {}),
    "code-also": (["C25.0"], {}),
    "age": (["O80", "Z37.0"], {"age": 70, "date": "2026-01-05"}),
    "sex": (["N40.0"], {"sex": "F", "date": "2023-06-01"}),
    "sex-not-checked": (["N40.0"], {"sex": "F", "date": "2025-06-01"}),
    "manifestation-principal": (["G63", "E85.4"], {}),
    "external-cause-principal": (["V00.111A"], {}),
    "unacceptable-principal": (["Z00.00"], {"setting": "inpatient"}),
    "questionable-admission": (["E11.9"], {"setting": "inpatient"}),
    "unspecified": (["G81.90"], {}),
    "cc-mcc": (["M54.03", "A02.1"], {}),
    "hcc": (["E11.9"], {"date": "2025-06-01"}),
}


@pytest.mark.parametrize("rule", sorted(catalogue.catalogue()))
def test_every_rule_of_the_catalogue_gives_its_finding_on_real_codes(kb: KnowledgeBase, rule: str) -> None:
    """Each rule id, as a claim meets it: its finding, with the severity and source kind its
    catalogue record allows. ``invalid-input`` is a batch row that cannot be read (``check()``
    raises instead), between two rows that are kept."""
    rec = catalogue.catalogue()[rule]
    if rule == "invalid-input":
        out = io.StringIO()
        rows = b'{"id": "a", "codes": ["I10"]}\nnot json\n{"id": "b", "codes": "I10"}\n'
        run_batch(Checker(kb), io.BytesIO(rows), out)
        lines = [json.loads(line) for line in out.getvalue().splitlines()]
        assert [line["id"] for line in lines] == ["a", "row 2", "b"]
        found = [Finding.from_dict(f) for f in lines[1]["findings"]]
        assert [f.rule for f in found] == ["invalid-input"] and "row 2" in found[0].message
    else:
        codes, kwargs = EXAMPLES[rule]
        found = _found(Checker(kb).check(codes, **kwargs), rule)  # type: ignore[arg-type]
        assert found, (rule, codes, kwargs)
    assert rec.family in catalogue.FAMILIES
    for f in found:
        assert f.severity in rec.severities() and f.source.kind in rec.source_kinds, f
        assert set(f.codes) <= {c.upper() for c in EXAMPLES.get(rule, ([], {}))[0]}, f
