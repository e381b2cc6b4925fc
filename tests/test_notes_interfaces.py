"""Note coding through its adapters: the CLI (one note, stdin, batch) and POST /api/code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from icdkit import KnowledgeBase
from icdkit.api.app import create_app

NOTES = Path(__file__).parent / "fixtures" / "notes"


def icdkit(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "icdkit.cli", *args], input=stdin, capture_output=True,
                          text=True, env=os.environ.copy(), timeout=300)


def test_cli_json_shape() -> None:
    r = icdkit("code", str(NOTES / "htn_ckd.txt"), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [c["code"] for c in out["codes"]] == ["I12.9", "N18.4"]
    assert set(out["codes"][0]) >= {"code", "title", "evidence", "assertion", "why"}
    assert set(out["codes"][0]["evidence"][0]) == {"start", "end", "text"}
    assert {"codes", "not_coded", "gaps", "findings"} <= set(out)


def test_cli_stdin_inpatient_and_errors() -> None:
    note = (NOTES / "uncertain.txt").read_text()
    r = icdkit("code", "-", "--setting", "inpatient", "--json", stdin=note)
    assert [c["code"] for c in json.loads(r.stdout)["codes"]] == ["J18.9"]
    bad = icdkit("code", "-", stdin="   ")
    assert bad.returncode == 2 and "empty note" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_batch_answers_every_line(tmp_path: Path) -> None:
    src = tmp_path / "notes.jsonl"
    src.write_text(json.dumps({"id": "n1", "text": "Assessment: HTN", "setting": "outpatient"}) + "\n"
                   + "not json\n" + json.dumps({"id": "n3", "text": "A/P: COPD", "sex": "X"}) + "\n")
    r = icdkit("code", "--batch", str(src))
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["id"] for x in lines] == ["n1", None, "n3"]
    assert [c["code"] for c in lines[0]["codes"]] == ["I10"]
    assert lines[1]["error"]["type"] == "InvalidInput" and "sex" in lines[2]["error"]["message"]


def test_cli_batch_reads_standard_input() -> None:
    notes = json.dumps({"id": "p1", "text": "Assessment: HTN"}) + "\n\x00garbage\n"
    r = icdkit("code", "--batch", "-", stdin=notes)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [c["code"] for c in lines[0]["codes"]] == ["I10"]
    assert lines[1]["line"] == 2 and lines[1]["error"]["type"] == "InvalidInput"
    assert "notes 2, answered with an error 1" in r.stderr


@pytest.fixture(scope="module")
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(kb)) as c:
        yield c


def test_http_code(client: TestClient) -> None:
    r = client.post("/api/code", json={"text": (NOTES / "diabetes_ckd.txt").read_text()})
    assert r.status_code == 200
    assert [c["code"] for c in r.json()["codes"]] == ["E11.22", "N18.32", "Z79.4"]


@pytest.mark.parametrize(("body", "status"), [  # 422: the body's schema; 400: the note coder's own check
    ({"text": ""}, 400), ({"note": "x"}, 422), (["x"], 422), ({"text": "HTN", "setting": "ward"}, 422)])
def test_http_errors_have_the_one_shape(client: TestClient, body: object, status: int) -> None:
    r = client.post("/api/code", json=body)
    assert r.status_code == status
    assert set(r.json()["error"]) == {"type", "message", "suggestions"}
