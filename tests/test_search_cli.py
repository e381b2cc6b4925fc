"""`icdkit search / index / drug / neoplasm` as real processes, and the same over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.test_cli import icdkit

from icdkit import KnowledgeBase
from icdkit.api.app import create_app


def test_search_json_contract(kb: KnowledgeBase) -> None:
    r = icdkit("search", "neck pain", "--limit", "3", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["query"] == "neck pain" and d["release"] == "FY2026" and len(d["results"]) == 3
    first = d["results"][0]
    assert first == {"code": "M54.2", "title": kb.get("M54.2").title, "billable": True,
                     "score": first["score"], "matched": {"via": "index", "path": "Pain › neck NEC"}}
    assert [x["score"] for x in d["results"]] == sorted((x["score"] for x in d["results"]), reverse=True)


def test_search_view_shows_why(kb: KnowledgeBase) -> None:
    r = icdkit("search", "acetaminophen overdose", "-n", "2")
    assert r.returncode == 0, r.stderr
    assert "T39.1X1A" in r.stdout and "header T39.1X1" in r.stdout and "Acetaminophen" in r.stdout


def test_search_complete_and_billable_only() -> None:
    d = json.loads(icdkit("search", "neck pa", "--complete", "--json").stdout)
    assert "M54.2" in [x["code"] for x in d["results"][:3]]
    d = json.loads(icdkit("search", "wrist fracture", "--billable-only", "--json").stdout)
    assert d["results"] and all(x["billable"] for x in d["results"])


def test_index_tree() -> None:
    r = icdkit("index", "Pain, neck", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["book"] == "index" and d["entries"][0]["path"] == "Pain › neck NEC"
    assert d["entries"][0]["code"] == "M54.2"
    attack = json.loads(icdkit("index", "Attack", "--depth", "1", "--json").stdout)["entries"][0]
    heart = next(c for c in attack["children"] if c["title"] == "heart")
    assert heart["see"].lower() == "infarct, myocardium" and "children" not in heart
    assert heart["see_path"] == "Infarct, infarction › myocardium, myocardial"
    pain = json.loads(icdkit("index", "Pain", "--depth", "0", "--json").stdout)["entries"][0]
    assert pain["see_also"] == "Painful" and pain["see_also_path"] == "Painful" and pain["more"] > 50
    assert json.loads(icdkit("index", "pain neck", "--json").stdout)["entries"][0]["code"] == "M54.2"
    fx = json.loads(icdkit("index", "Fracture, traumatic", "--depth", "1", "--json").stdout)["entries"]
    assert [e["path"] for e in fx] == ["Fracture, traumatic"]  # the main term's whole title, not a prefix
    femur = next(c for c in fx[0]["children"] if c["title"] == "femur, femoral")
    assert femur["code"] == "S72.9-" and "children" not in femur and femur["more"] > 10
    r = icdkit("index", "Fall, from, ladder", "--external")
    assert r.returncode == 0 and "W11" in r.stdout


def test_drug_and_neoplasm_tables() -> None:
    d = json.loads(icdkit("drug", "acetaminophen", "--intent", "self-harm", "--json").stdout)
    row = d["rows"][0]
    assert row["path"] == "Acetaminophen" and row["codes"]["accidental"] == "T39.1X1"
    assert row["code"] == "T39.1X2" and row["seventh_characters"]["A"] == "initial encounter"
    d = json.loads(icdkit("neoplasm", "lung, upper lobe", "--behavior", "malignant", "--json").stdout)
    row = d["rows"][0]
    assert row["codes"]["malignant"] == "C34.1-" and row["code"] == "C34.1"
    assert row["children"] == ["C34.10", "C34.11", "C34.12"]


@pytest.mark.parametrize(("args", "message"), [
    (("search", "", "--json"), "empty query"),
    (("search", "pain", "--limit", "0", "--json"), "limit must be"),
    (("drug", "unobtainium", "--json"), "no substance 'unobtainium'"),
    (("index", "Zzzyzx", "--json"), "no Index term"),
])
def test_bad_input_exits_2_with_one_json_error(args: tuple[str, ...], message: str) -> None:
    r = icdkit(*args)
    assert r.returncode == 2 and r.stdout == ""
    assert message in json.loads(r.stderr)["error"]["message"]
    assert "Traceback" not in r.stderr


def test_bad_column_is_refused() -> None:
    r = icdkit("drug", "aspirin", "--intent", "deliberate")
    assert r.returncode == 2 and "invalid choice" in r.stderr


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(KnowledgeBase(kb.path))) as c:
        yield c


def test_search_api(client: TestClient) -> None:
    d = client.get("/api/search", params={"q": "heart attack", "limit": 2}).json()
    assert d["results"][0]["code"] == "I21.9" and len(d["results"]) == 2
    d = client.get("/api/autocomplete", params={"q": "pneumo"}).json()
    assert "J18.9" in [x["code"] for x in d["results"]]
    drug = client.get("/api/drug", params={"substance": "aspirin", "intent": "adverse"}).json()
    assert drug["rows"][0]["code"] == "T39.015"
    site = client.get("/api/neoplasm", params={"site": "liver", "behavior": "secondary"}).json()
    assert site["rows"][0]["code"] == "C78.7"
    assert client.get("/api/index", params={"term": "Pain, neck"}).json()["entries"][0]["code"] == "M54.2"


@pytest.mark.parametrize(("url", "params", "status", "kind"), [
    ("/api/search", {"q": " "}, 400, "invalid-input"),
    ("/api/search", {"q": "pain", "limit": 999}, 400, "invalid-input"),
    ("/api/drug", {"substance": "unobtainium"}, 404, "unknown-term"),
    ("/api/neoplasm", {"site": "lung", "behavior": "nasty"}, 400, "invalid-input"),
])
def test_search_api_errors(client: TestClient, url: str, params: dict[str, object], status: int,
                           kind: str) -> None:
    r = client.get(url, params=params)
    assert r.status_code == status and r.json()["error"]["type"] == kind
