"""The rule catalogue (data/rules.json): validated at load, the README's table generated from
it, and every finding the rules give agrees with it (rule id, severity, source kind) — each
record met at least once, so none is dead."""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from tests.test_batch_equivalence import _encounters

from icdkit.kb import KnowledgeBase
from icdkit.rules import catalogue
from icdkit.rules.batch import run_batch
from icdkit.rules.catalogue import CatalogueError, load, markdown
from icdkit.rules.check import Checker

README = Path(__file__).resolve().parents[1] / "README.md"
BUNDLED = json.loads(Path(catalogue.__file__).with_name("..").joinpath("data", "rules.json").read_text())


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.update(colour="red"), "unknown ['colour']"),
    (lambda r: r.pop("reads"), "missing ['reads']"),
    (lambda r: r.update(severity="fatal"), "severity must be"),
    (lambda r: r.update(severity={"by_setting": {"inpatient": "error"}}), "severity must be"),
    (lambda r: r.update(family="misc"), "family 'misc'"),
    (lambda r: r.update(source_kinds=["rumour"]), "source_kinds"),
    (lambda r: r.update(id="Not Kebab"), "kebab-case"),
    (lambda r: r.update(summary=" "), "summary must be"),
])
def test_a_bad_record_is_refused_naming_the_problem(change: Any, message: str) -> None:
    data = copy.deepcopy(BUNDLED)
    change(data["rules"][0])
    with pytest.raises(CatalogueError, match=re.escape(message)):
        load(data)


def test_a_repeated_id_is_refused() -> None:
    data = copy.deepcopy(BUNDLED)
    data["rules"].append(dict(data["rules"][0]))
    with pytest.raises(CatalogueError, match="not a new"):
        load(data)


def test_the_readme_table_is_the_catalogue() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("| rule | severity | source |")
    end = text.index("\n\n", start) + 1
    assert text[start:end] == markdown(), "regenerate it: python -m icdkit.rules.catalogue"


#: encounters meant to meet every rule (codes, keyword arguments)
TARGETED: list[tuple[list[str], dict[str, Any]]] = [
    (["XYZ"], {}), (["M54.0"], {}), (["S72.001"], {}), (["I10", "I10"], {}),
    (["C78.31"], {"date": "2026-10-15"}), (["M54.2", "M50.20"], {}), (["C25.0", "K86.81"], {}),
    (["G63", "E11.40"], {}), (["E11.40", "G63"], {}), (["H36"], {}), (["C25.0"], {}), (["E11.9"], {}),
    (["P07.30"], {"age": 40}), (["N40.0"], {"sex": "F", "date": "2023-06-01"}),
    (["V00.111A"], {}), (["Z00.00"], {"setting": "inpatient"}), (["Z00.00"], {"setting": "outpatient"}),
    (["Z00.00"], {}), (["E11.9"], {"setting": "inpatient"}), (["G81.90"], {}),
]


def test_every_finding_agrees_with_its_record_and_every_record_is_met(kb: KnowledgeBase) -> None:
    checker = Checker(kb)
    findings = [f for codes, kw in TARGETED for f in checker.check(codes, **kw).findings]
    for row in _encounters(kb, 400):
        findings += checker.check(row["codes"], age=row.get("age"), sex=row.get("sex"),  # type: ignore[arg-type]
                                  date=row.get("date"), setting=row.get("setting")).findings  # type: ignore[arg-type]
    out = io.StringIO()
    run_batch(checker, io.BytesIO(b"not json\n"), out)
    batch = [f for line in out.getvalue().splitlines() for f in json.loads(line)["findings"]]
    seen = {(f.rule, f.severity, f.source.kind) for f in findings}
    seen |= {(f["rule"], f["severity"], f["source"]["kind"]) for f in batch}
    records = catalogue.catalogue()
    for rule, sev, kind in sorted(seen):
        rec = records[rule]
        assert sev in rec.severities(), (rule, sev)
        assert kind in rec.source_kinds, (rule, kind)
    assert {r for r, _, _ in seen} == set(records), set(records) - {r for r, _, _ in seen}
