"""FHIR R4 terminology under /fhir: every resource emitted is validated with fhir.resources.

fhir.resources ships R4B (4.3) models for these resources; CapabilityStatement,
TerminologyCapabilities, Parameters, ValueSet and OperationOutcome are unchanged from R4 (4.0.1)
in every element used here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.terminologycapabilities import TerminologyCapabilities
from fhir.resources.R4B.valueset import ValueSet

from icdkit import KnowledgeBase
from icdkit.api.fhir import SYSTEM

MODELS: dict[str, Any] = {
    m.__name__: m
    for m in (CapabilityStatement, OperationOutcome, Parameters, TerminologyCapabilities, ValueSet)
}


@pytest.fixture(scope="module")
def client(api_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(api_app) as c:
        yield c


def resource(r: Any, status: int, kind: str) -> dict[str, Any]:
    """The body, checked: status, FHIR media type, resourceType, and valid per the FHIR models."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/fhir+json")
    body: dict[str, Any] = r.json()
    assert body["resourceType"] == kind
    MODELS[kind].model_validate(body)
    return body


def params(body: dict[str, Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for p in body["parameter"]:
        if p["name"] == "property":
            parts = {q["name"]: next(v for k, v in q.items() if k.startswith("value")) for q in p["part"]}
            out.setdefault(parts["code"], []).append(parts["value"])
        elif p["name"] == "designation":
            out.setdefault("designation", []).append(
                {q["name"]: q for q in p["part"]}["value"]["valueString"]
            )
        else:
            out.setdefault(p["name"], []).append(next(v for k, v in p.items() if k.startswith("value")))
    return out


def test_metadata_capability_and_terminology(client: TestClient, kb: KnowledgeBase) -> None:
    cap = resource(client.get("/fhir/metadata"), 200, "CapabilityStatement")
    assert cap["fhirVersion"] == "4.0.1"
    ops = {o["name"] for r in cap["rest"][0]["resource"] for o in r["operation"]}
    assert ops == {"lookup", "validate-code", "subsumes", "expand"}
    tc = resource(
        client.get("/fhir/metadata", params={"mode": "terminology"}), 200, "TerminologyCapabilities"
    )
    system = tc["codeSystem"][0]
    assert system["uri"] == SYSTEM
    assert {"code": kb.release, "isDefault": True}.items() <= next(
        v for v in system["version"] if v["code"] == kb.release
    ).items()
    assert {"FY2025", "FY2026"} <= {v["code"] for v in system["version"]}
    resource(client.get("/fhir/metadata", params={"mode": "bogus"}), 400, "OperationOutcome")


def test_lookup_has_parent_children_billable_notes_and_validity(
    client: TestClient, kb: KnowledgeBase
) -> None:
    got = params(
        resource(
            client.get("/fhir/CodeSystem/$lookup", params={"code": "m5403", "system": SYSTEM}),
            200,
            "Parameters",
        )
    )
    assert got["display"] == [kb.get("M54.03").title] and got["version"] == [kb.release]
    assert got["parent"] == ["M54.0"] and got["billable"] == [True] and got["notSelectable"] == [False]
    assert got["inactive"] == [False] and got["validFrom"] == [kb.periods("M54.03")[0].start]
    assert "lupus panniculitis (L93.2)" in got["excludes1"]
    assert len(got["excludes1"]) == len([n for n in kb.effective_notes("M54.03") if n.kind == "excludes1"])
    header = params(
        resource(client.get("/fhir/CodeSystem/$lookup", params={"code": "S72.001"}), 200, "Parameters")
    )
    assert header["notSelectable"] == [True] and "S72.001A" in header["child"]
    assert any(v.startswith("A: initial encounter") for v in header["seventhCharacter"])
    post = client.post(
        "/fhir/CodeSystem/$lookup",
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "code", "valueCode": "M54.03"},
                {"name": "property", "valueCode": "excludes1"},
            ],
        },
    )
    only = params(resource(post, 200, "Parameters"))
    assert set(only) == {"name", "version", "display", "excludes1"}


def test_lookup_in_an_older_release_and_a_code_that_ended(client: TestClient, kb25: KnowledgeBase) -> None:
    # M54.5 was billable until FY2022 split it into M54.50-M54.59: a header since, with an end date
    got = params(
        resource(
            client.get("/fhir/CodeSystem/$lookup", params={"code": "M54.5", "version": "FY2025"}),
            200,
            "Parameters",
        )
    )
    assert got["version"] == ["FY2025"] and got["notSelectable"] == [True]
    assert got["validTo"] == [kb25.periods("M54.5")[-1].end] and got["validTo"][0] < "2022-01-01"


@pytest.mark.parametrize(
    ("query", "ok"),
    [
        ({"code": "S72.001A"}, True),  # a 7th-character code
        ({"code": "W21.89XA"}, True),  # placeholder X
        ({"code": "W21.89A"}, False),  # X missing
        ({"code": "S72.001"}, True),  # a header is a concept …
        ({"code": "S72.001", "abstract": "false"}, False),  # … but not billable
        ({"code": "M54.5", "date": "2021-06-01"}, True),  # billable then; a header since FY2022
        ({"code": "M54.5", "date": "2022-06-01"}, False),
        ({"code": "M54.50", "date": "2021-06-01"}, False),  # not valid before it was created
        ({"code": "M54.50", "date": "2022-06-01"}, True),
        (
            {
                "code": "M54.03",
                "display": "Panniculitis affecting regions of neck and back, cervicothoracic region",
            },
            True,
        ),
        ({"code": "M54.03", "display": "Neck pain"}, False),
        ({"code": "Z99.999"}, False),
    ],
)
def test_validate_code(client: TestClient, query: dict[str, str], ok: bool) -> None:
    got = params(
        resource(
            client.get("/fhir/CodeSystem/$validate-code", params={"url": SYSTEM, **query}), 200, "Parameters"
        )
    )
    assert got["result"] == [ok], got
    if not ok:
        assert got["message"]


def test_validate_code_by_post_with_a_coding(client: TestClient) -> None:
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "coding", "valueCoding": {"system": SYSTEM, "code": "S13.4XXA"}},
            {"name": "date", "valueDate": "2024-01-01"},
        ],
    }
    got = params(resource(client.post("/fhir/CodeSystem/$validate-code", json=body), 200, "Parameters"))
    assert got["result"] == [True]


def test_expand_implicit_value_sets(client: TestClient, kb: KnowledgeBase) -> None:
    url = f"{SYSTEM}?fhir_vs=isa/M54.0"
    vs = resource(client.get("/fhir/ValueSet/$expand", params={"url": url}), 200, "ValueSet")
    codes = [c["code"] for c in vs["expansion"]["contains"]]
    assert codes == ["M54.0", *[c.code for c in kb.descendants("M54.0")]]
    assert vs["expansion"]["contains"][0]["abstract"] is True
    billable = resource(
        client.get("/fhir/ValueSet/$expand", params={"url": url, "excludeNotForUI": "true"}), 200, "ValueSet"
    )
    assert [c["code"] for c in billable["expansion"]["contains"]] == [
        c.code for c in kb.descendants("M54.0", billable_only=True)
    ]
    every = resource(
        client.get(
            "/fhir/ValueSet/$expand",
            params={"url": f"{SYSTEM}?fhir_vs=billable", "count": "5", "offset": "10"},
        ),
        200,
        "ValueSet",
    )
    assert every["expansion"]["total"] == sum(1 for _ in kb.iter_codes(billable_only=True))
    assert len(every["expansion"]["contains"]) == 5 and every["expansion"]["offset"] == 10
    found = resource(
        client.get("/fhir/ValueSet/$expand", params={"url": f"{SYSTEM}?fhir_vs", "filter": "cervicalgia"}),
        200,
        "ValueSet",
    )
    assert [c["code"] for c in found["expansion"]["contains"]] == ["M54.2"]


def test_subsumes(client: TestClient) -> None:
    def outcome(a: str, b: str) -> str:
        got = resource(
            client.get("/fhir/CodeSystem/$subsumes", params={"codeA": a, "codeB": b}), 200, "Parameters"
        )
        return str(params(got)["outcome"][0])

    assert outcome("M54", "M54.03") == "subsumes"
    assert outcome("M54.03", "M54") == "subsumed-by"
    assert outcome("m5403", "M54.03") == "equivalent"
    assert outcome("M54.03", "I10") == "not-subsumed"


@pytest.mark.parametrize(
    ("method", "url", "kw", "status"),
    [
        ("GET", "/fhir/CodeSystem/$lookup", {"params": {"code": "Z99.999"}}, 404),
        ("GET", "/fhir/CodeSystem/$lookup", {}, 400),
        (
            "GET",
            "/fhir/CodeSystem/$lookup",
            {"params": {"code": "M54.2", "system": "http://snomed.info/sct"}},
            404,
        ),
        ("GET", "/fhir/CodeSystem/$lookup", {"params": {"code": "M54.2", "version": "FY1999"}}, 404),
        ("GET", "/fhir/CodeSystem/$validate-code", {"params": {"code": "M54.2", "date": "2021-99-01"}}, 400),
        ("GET", "/fhir/ValueSet/$expand", {"params": {"url": "http://example.org/vs"}}, 404),
        ("GET", "/fhir/ValueSet/$expand", {"params": {"url": f"{SYSTEM}?fhir_vs", "count": "-1"}}, 400),
        (
            "POST",
            "/fhir/CodeSystem/$lookup",
            {"content": b"{]", "headers": {"content-type": "application/json"}},
            400,
        ),
        ("POST", "/fhir/CodeSystem/$lookup", {"json": {"resourceType": "Patient"}}, 400),
        ("GET", "/fhir/Patient/1", {}, 404),
        ("DELETE", "/fhir/metadata", {}, 405),
    ],
)
def test_errors_are_operation_outcomes(
    client: TestClient, method: str, url: str, kw: dict[str, Any], status: int
) -> None:
    body = resource(client.request(method, url, **kw), status, "OperationOutcome")
    assert body["issue"][0]["diagnostics"]
