"""The icdkit command as users run it: real processes, stdout data, stderr errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from icdkit import KnowledgeBase


def icdkit(*args: str, cache: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if cache is not None:
        env["ICDKIT_CACHE_DIR"] = str(cache)
    return subprocess.run([sys.executable, "-m", "icdkit.cli", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_lookup_json_contract(kb: KnowledgeBase) -> None:
    r = icdkit("lookup", "m5403", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["code"] == "M54.03" and d["billable"] is True and d["release"] == "FY2026"
    assert d["title"] == kb.get("M54.03").title
    assert d["chapter"] == {"number": "13", "title": kb.get("13").title}
    assert d["block"] == {"range": "M50-M54", "title": "Other dorsopathies"}
    assert d["parent"] == "M54.0"
    assert [s["code"] for s in d["siblings"]] == [c.code for c in kb.siblings("M54.03")]
    assert d["children"] == []
    for key in ("excludes1", "excludes2", "code_first", "use_additional", "code_also", "includes",
                "inclusion_terms"):
        assert isinstance(d["notes"][key], list)
    ex1 = d["notes"]["excludes1"]
    assert {"text": "lupus panniculitis (L93.2)", "source": "M54.0", "source_kind": "subcategory",
            "inherited": True, "refs": ["L93.2"]} in ex1
    assert d["valid_from"] == "2015-10-01" and d["valid_to"] is None
    assert d["seventh_characters"] == {} and d["cc_mcc"] is None and isinstance(d["hcc"], list)


def test_lookup_seventh_characters_cc_and_hcc() -> None:
    d = json.loads(icdkit("lookup", "S72001A", "--json").stdout)
    assert d["code"] == "S72.001A" and d["seventh_characters"]["A"] == "initial encounter for closed fracture"
    assert d["seventh_character_terms"] == {"B": ["initial encounter for open fracture NOS"]}
    assert all("open fracture NOS" not in n["text"] for notes in d["notes"].values() for n in notes)
    assert d["cc_mcc"] in ("CC", "MCC")
    e = json.loads(icdkit("lookup", "E11.9", "--json").stdout)
    assert any(h["model"] == "CMS-HCC Model V28" and h["hcc"] == "38" for h in e["hcc"])


def test_lookup_on_a_date_of_service() -> None:
    d = json.loads(icdkit("lookup", "M54.5", "--date", "2021-06-01", "--json").stdout)
    assert {k: d["on_date"][k] for k in ("date", "valid", "mce_flags")} == {
        "date": "2021-06-01", "valid": True, "mce_flags": []}
    assert d["valid_to"] == "2021-09-30" and d["billable"] is False
    assert [r["code"] for r in d["replacements"]] == ["M54.50", "M54.51", "M54.59"]


def test_header_lists_its_billable_codes() -> None:
    d = json.loads(icdkit("lookup", "M54.0", "--json").stdout)
    assert d["billable"] is False and d["billable_descendants"][0] == "M54.00"


@pytest.mark.parametrize(
    ("args", "message"),
    [(["lookup", "W21.89A"], "W21.89XA"), (["lookup", "M5$4"], "unexpected character"),
     (["lookup", "M54.03", "--date", "2021-02-30"], "impossible date"),
     (["lookup", "M54.03", "--release", "FY2019"], "unknown release FY2019"),
     (["lookup", "M54.03", "--release", "nonsense"], "malformed release")],
)
def test_bad_input_exits_2_with_the_problem_on_stderr(args: list[str], message: str) -> None:
    r = icdkit(*args)
    assert r.returncode == 2 and r.stdout == ""
    assert message in r.stderr and "Traceback" not in r.stderr


def test_json_errors_have_one_shape() -> None:
    r = icdkit("lookup", "W21.89A", "--json")
    err = json.loads(r.stderr)["error"]
    assert r.returncode == 2 and err["type"] == "unknown-code" and err["suggestions"][0] == "W21.89XA"


def test_human_view_shows_notes_with_sources() -> None:
    r = icdkit("lookup", "M54.03")
    assert r.returncode == 0
    assert "Excludes1" in r.stdout and "lupus panniculitis (L93.2)" in r.stdout and "at M54.0" in r.stdout


def test_releases_command() -> None:
    d = json.loads(icdkit("releases", "--json").stdout)
    assert [r["release"] for r in d["releases"]][:2] == ["FY2025", "FY2026"]


def test_first_use_builds_automatically(tmp_path: Path) -> None:
    r = icdkit("lookup", "M54.03", "--release", "FY2025", "--json", cache=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["release"] == "FY2025"
    assert (tmp_path / "icdkit-FY2025.sqlite").exists()
    assert "building FY2025" in r.stderr  # the progress bar goes to stderr, never stdout


def test_build_command_json(tmp_path: Path) -> None:
    r = icdkit("build", "--release", "2026", "--json", cache=tmp_path)
    assert r.returncode == 0, r.stderr
    (built,) = json.loads(r.stdout)["built"]
    assert built["release"] == "FY2026" and built["billable"] == 74719
    assert Path(built["path"]).exists()
    bad = icdkit("build", "--source", str(tmp_path / "missing.zip"), cache=tmp_path)
    assert bad.returncode == 2 and "source not found" in bad.stderr
