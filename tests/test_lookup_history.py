"""Dates and code history (issue 16): deleted codes, dated lookups, the one date parser, and codes
valid on a date that no bundled tabular holds — on the CLI, the library, the API and the page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from icdkit import KnowledgeBase
from icdkit.api.app import create_app
from icdkit.dates import ICD10CM_START, fiscal_year_bounds, parse_date
from icdkit.errors import InvalidInput
from icdkit.lookup import describe_code

STATUSES = {"billable", "header", "deleted", "not-yet-valid", "not-in-tabular"}


def icdkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "icdkit.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(KnowledgeBase(kb.path))) as c:
        yield c


# -- deleted codes ----------------------------------------------------------------------------
def test_lookup_of_a_deleted_code_answers_with_validity_title_and_replacements(kb: KnowledgeBase) -> None:
    r = icdkit("lookup", "H40.11X0", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["code"] == "H40.11X0" and d["status"] == "deleted"
    assert d["validity"] == [{"from": "2015-10-01", "to": "2016-09-30"}] and d["valid_to"] == "2016-09-30"
    # no bundled tabular holds it: the title is composed from H40.11 and 7th character 0
    assert kb.find("H40.11X0") is None
    assert d["title"] == f"{kb.get('H40.11').title}, {kb.seventh_characters('H40.11')['0']}"
    assert d["title_source"] == {"kind": "composed", "from": "H40.11", "seventh_character": "0",
                                 "release": "FY2026"}
    replaced = [c["code"] for c in d["replacements"]]
    assert replaced == [c.code for c in kb.replacements("H40.11X0")]
    assert replaced == ["H40.1110", "H40.1120", "H40.1130", "H40.1190"]  # each eye, stage unspecified
    assert all(kb.get(c).billable for c in replaced)
    assert d["nearest_ancestor"]["code"] == "H40.11"
    assert d["notes"]["inclusion_terms"] and all(n["inherited"] for ns in d["notes"].values() for n in ns)
    view = icdkit("lookup", "H40.11X0")
    assert view.returncode == 0 and "deleted" in view.stdout and "H40.1110" in view.stdout


def test_a_code_the_newest_tabular_lacks_takes_its_title_from_the_release_holding_it(
        kb: KnowledgeBase, kb25: KnowledgeBase) -> None:
    # S30.1XXA was deleted on 2025-10-01: FY2026's tabular lacks it, FY2025's holds it
    assert kb.find("S30.1XXA") is None and kb25.find("S30.1XXA") is not None
    d = describe_code(kb, "S30.1XXA")
    assert d["status"] == "deleted" and d["valid_to"] == "2025-09-30"
    assert d["title"] == kb25.get("S30.1XXA").title == "Contusion of abdominal wall, initial encounter"
    assert d["title_source"] == {"kind": "tabular", "release": "FY2025"}
    assert d["release"] == "FY2025" and d["parent"] == "S30.1"
    replaced = kb.replacements("S30.1XXA")  # the same encounter: S30.11XA, S30.12XA, S30.13XA
    assert [c.code for c in replaced] == ["S30.11XA", "S30.12XA", "S30.13XA"]
    assert d["replacements"] == [
        {"code": c.code, "title": c.title, "billable": c.billable, "kind": c.kind} for c in replaced]


def test_every_code_of_the_validity_table_the_tabular_lacks_is_described(
        kb: KnowledgeBase, kb25: KnowledgeBase) -> None:
    missing = [r[0] for r in kb.connection().execute(
        "SELECT DISTINCT key FROM validity WHERE key NOT IN (SELECT key FROM nodes) ORDER BY key")]
    assert len(missing) > 500
    composed = 0
    for key in missing:
        d = describe_code(kb, key)
        assert d["status"] in {"deleted", "not-yet-valid"}, key
        assert d["validity"] and d["code"].replace(".", "") == key
        if kb25.find(key) is not None:
            assert d["title"] == kb25.get(key).title and d["title_source"]["release"] == "FY2025"
        elif d["title"] is None:
            assert d["title_source"] == {"kind": "unknown"}
        else:
            composed += d["title_source"]["kind"] == "composed"
    assert composed > 100


def test_api_and_page_answer_for_a_deleted_code(client: TestClient, kb: KnowledgeBase) -> None:
    r = client.get("/api/codes/H40.11X0")
    assert r.status_code == 200 and r.json() == describe_code(kb, "H40.11X0")
    page = client.get("/codes/H40.11X0")
    assert page.status_code == 200
    assert "Deleted" in page.text and "Primary open-angle glaucoma, stage unspecified" in page.text
    assert 'href="/codes/H40.11"' in page.text


# -- dated lookups ----------------------------------------------------------------------------
def test_lookup_on_a_date_gives_that_dates_truth() -> None:
    r = icdkit("lookup", "M54.5", "--date", "2021-06-01", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    od = d["on_date"]
    assert d["status"] == "billable" and od["valid"] is True and od["billable"] is True
    assert od["release_in_force"] == {"release": "FY2021", "from": "2020-10-01", "to": "2021-09-30",
                                      "update": "2021-01-01", "available": False}
    assert od["tabular_from"] == "FY2026" and "lacks" in od["note"] and "FY2021" in od["note"]
    view = icdkit("lookup", "M54.5", "--date", "2021-06-01")
    assert view.returncode == 0 and "billable" in view.stdout
    assert "not billable (header)" not in view.stdout and "lacks" in view.stdout
    # without a date, on the release's own date, M54.5 is a header
    now = json.loads(icdkit("lookup", "M54.5", "--json").stdout)
    assert now["status"] == "header" and now["status_date"] == "2026-04-01" and "on_date" not in now


def test_a_date_in_a_bundled_release_uses_that_releases_tabular(kb: KnowledgeBase) -> None:
    d = describe_code(kb, "M54.03", on="2025-06-01")
    assert d["release"] == "FY2025" and d["on_date"]["tabular_from"] == "FY2025"
    assert d["on_date"]["release_in_force"]["available"] is True and d["status"] == "billable"
    pinned = json.loads(icdkit("lookup", "M54.03", "--release", "FY2026", "--date", "2025-06-01",
                               "--json").stdout)
    assert pinned["release"] == "FY2026" and pinned["on_date"]["release_in_force"]["release"] == "FY2025"
    # a code added after the date is not valid yet then
    early = describe_code(kb, "M54.50", on="2021-06-01")
    assert early["status"] == "not-yet-valid" and early["on_date"]["billable"] is False


@pytest.mark.parametrize(("day", "release", "update"), [
    ("2022-05-01", "FY2022", "2022-04-01"),  # the April 2022 update
    ("2022-03-31", "FY2022", None),
    ("2022-10-01", "FY2023", None),
    ("2015-10-01", "FY2016", None),
])
def test_release_in_force_names_the_fiscal_year_and_its_update(kb: KnowledgeBase, day: str, release: str,
                                                               update: str | None) -> None:
    got = describe_code(kb, "M54.2", on=day)["on_date"]["release_in_force"]
    start, end = fiscal_year_bounds(int(release[2:]))
    assert got == {"release": release, "from": start, "to": end, "update": update, "available": False}


def test_dated_api_and_page(client: TestClient) -> None:
    d = client.get("/api/codes/M54.5", params={"date": "2021-06-01"}).json()
    assert d["status"] == "billable" and d["on_date"]["release_in_force"]["release"] == "FY2021"
    page = client.get("/codes/M54.5", params={"date": "2021-06-01"})
    assert page.status_code == 200 and "Billable" in page.text and "Not billable" not in page.text
    assert "FY2021" in page.text


# -- dates: one parser for every command ------------------------------------------------------
BAD_DATES = [("20260401", "malformed date"), ("2026-W14-3", "malformed date"),
             ("2021-02-30", "impossible date"), ("2014-06-01", "ICD-9-CM"),
             ("2027-06-01", "2027-03-31")]


@pytest.mark.parametrize(("day", "message"), BAD_DATES)
def test_bad_dates_on_the_command_line(day: str, message: str) -> None:
    for args in (("lookup", "M54.5", "--date", day), ("check", "M54.50", "--date", day)):
        r = icdkit(*args)
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)


@pytest.mark.parametrize(("day", "message"), BAD_DATES)
def test_bad_dates_on_the_api_and_page(client: TestClient, day: str, message: str) -> None:
    r = client.get("/api/codes/M54.5", params={"date": day})
    assert r.status_code == 400 and message in r.json()["error"]["message"]
    page = client.get("/codes/M54.5", params={"date": day})
    assert page.status_code == 400 and message in page.text


def test_the_date_parser() -> None:
    from icdkit import kb

    assert kb.parse_date is parse_date and parse_date(" 2021-06-01 ").isoformat() == "2021-06-01"
    with pytest.raises(InvalidInput, match="February 2021 has 28 days"):
        parse_date("2021-02-30")
    assert parse_date("2024-02-29").day == 29
    with pytest.raises(InvalidInput, match="no month 13"):
        parse_date("2021-13-01")
    with pytest.raises(InvalidInput, match="malformed"):
        parse_date("2026-04-01T00:00")


def test_before_icd10cm_and_past_the_table(kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidInput, match="ICD-9-CM"):
        kb.check_date("2015-09-30")
    assert kb.check_date(ICD10CM_START) == ICD10CM_START
    assert not kb.is_valid("M54.03", on="2015-09-30")  # the predicate still answers
    with pytest.raises(InvalidInput, match=f"from {ICD10CM_START} to {kb.horizon()[1]}"):
        kb.check_date("2027-04-01")


def test_check_states_its_date(kb: KnowledgeBase) -> None:
    d = json.loads(icdkit("check", "M54.50", "--json").stdout)
    assert d["date"] == kb.effective and d["date_source"] == "default"
    given = json.loads(icdkit("check", "M54.50", "--date", "2022-01-03", "--json").stdout)
    assert given["date"] == "2022-01-03" and given["date_source"] == "given"
    view = icdkit("check", "M54.50")
    assert kb.effective in view.stdout and "by default" in view.stdout


# -- valid on the date, absent from every bundled tabular -------------------------------------
def test_a_code_added_after_the_bundled_tabular_is_described(kb: KnowledgeBase) -> None:
    r = icdkit("lookup", "C78.31", "--date", "2026-11-01", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert kb.find("C78.31") is None
    assert d["status"] == "not-in-tabular" and d["on_date"]["valid"] and d["on_date"]["billable"]
    assert d["valid_from"] == kb.periods("C78.31")[0].start == "2026-10-01"
    assert d["on_date"]["release_in_force"]["release"] == "FY2027"
    anc = d["nearest_ancestor"]
    assert anc["code"] == "C78.3" and anc["title"] == kb.get("C78.3").title
    assert d["parent"] == "C78.3" and d["block"]["range"] == kb.get("C78.3").block
    inherited = [n for ns in d["notes"].values() for n in ns]
    assert inherited and all(n["inherited"] for n in inherited)
    assert {n["source"] for n in inherited} <= {"C78.3", *(a.code for a in kb.ancestors("C78.3"))}
    # no bundled file has its title: said so, never invented
    assert d["title"] is None and d["title_source"] == {"kind": "unknown"}
    before = describe_code(kb, "C78.31")
    assert before["status"] == "not-yet-valid" and "replacements" not in before
    view = icdkit("lookup", "C78.31", "--date", "2026-11-01")
    assert view.returncode == 0 and "not in the bundled tabular" in view.stdout and "C78.3" in view.stdout


def test_statuses_are_one_of_the_documented_values(kb: KnowledgeBase) -> None:
    for code in ("M54.03", "M54", "M54.5", "H40.11X0", "C78.31", "13", "M50-M54"):
        assert describe_code(kb, code)["status"] in STATUSES


def test_what_never_existed_is_still_unknown(kb: KnowledgeBase) -> None:
    from icdkit.errors import UnknownCode

    for text in ("Z99.999", "M50-M99", "99"):  # a code, a block, a chapter icdkit has never had
        with pytest.raises(UnknownCode):
            describe_code(kb, text, on="2021-06-01")
