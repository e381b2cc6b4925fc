"""Labels agree everywhere, and the library's public names are what ``dir(icdkit)`` shows.

``release`` is always the release id (FY2026) with ``release_label`` beside it in every JSON
that shows a release (lookup, check, search, index, drug, neoplasm, releases); no label is
wrapped in a second pair of parentheses; ``Code.parent`` is the dotted form the JSON uses.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import icdkit
from icdkit import KnowledgeBase

ICDKIT = str(Path(sys.executable).with_name("icdkit"))
NESTED = re.compile(r"\([^()]*\(")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ICDKIT, *args], capture_output=True, text=True, env=dict(os.environ), timeout=300)


@pytest.mark.parametrize("args", [
    ("lookup", "M54.5"), ("check", "M54.50"), ("search", "neck pain", "-n", "2"),
    ("index", "Pain, neck"), ("drug", "aspirin"), ("neoplasm", "lung"),
])
def test_release_is_the_id_with_its_label_beside_it(args: tuple[str, ...], kb: KnowledgeBase) -> None:
    r = run(*args, "--json")
    assert r.returncode in (0, 1), r.stderr
    d = json.loads(r.stdout)
    assert d["release"] == "FY2026" and d["release_label"] == kb.label == "FY2026 (April 1, 2026 update)"
    if args[0] in ("index", "drug", "neoplasm"):  # the Index and Tables bundled are older
        assert d["index_release"] == "FY2025"
        assert d["index_release_label"].startswith("FY2025 (")


def test_releases_json_has_release_and_label(tmp_path: Path, kb: KnowledgeBase, kb25: KnowledgeBase) -> None:
    built = json.loads(run("releases", "--json").stdout)["releases"]
    for r in built:
        assert re.fullmatch(r"FY\d{4}", r["release"]) and r["release_label"].startswith(r["release"] + " (")
    assert {r["release"]: r["release_label"] for r in built} == {"FY2025": kb25.label, "FY2026": kb.label}
    # before the first build the label is the one the build will give
    fresh = json.loads(run("releases", "--json", "--cache-dir", str(tmp_path)).stdout)["releases"]
    assert [(r["release"], r["release_label"], r["built"]) for r in fresh] == [
        ("FY2025", kb25.label, False), ("FY2026", kb.label, False)]


@pytest.mark.parametrize("args", [
    ("lookup", "M54.03"), ("check", "M54.50"), ("search", "neck pain", "-n", "2"),
    ("index", "Pain, neck"), ("drug", "aspirin"), ("neoplasm", "lung"), ("releases",),
])
def test_no_nested_parentheses_in_what_is_shown(args: tuple[str, ...]) -> None:
    r = run(*args)
    assert r.returncode in (0, 1), r.stderr
    labels = [ln for ln in r.stdout.splitlines() if "FY20" in ln]
    assert labels, r.stdout
    assert not [ln for ln in labels if NESTED.search(ln)], labels


def test_dir_shows_the_public_names() -> None:
    shown = dir(icdkit)
    assert shown == sorted(icdkit.__all__)
    for name in ("KnowledgeBase", "Code", "Note", "describe_code", "IcdkitError", "DamagedStore"):
        assert name in shown and getattr(icdkit, name) is not None
    assert icdkit.describe_code.__module__ == "icdkit.lookup"


def test_describe_code_is_the_lookup_record(kb: KnowledgeBase) -> None:
    d = icdkit.describe_code(kb, "m5403")
    assert d == json.loads(run("lookup", "M54.03", "--json").stdout)
    assert d["parent"] == kb.get("M54.03").parent == "M54.0"


def test_parent_is_dotted_and_walks_with_parent_key(kb: KnowledgeBase) -> None:
    c = kb.get("S72.001A")
    assert (c.parent, c.parent_key) == ("S72.001", "S72001")
    assert kb.get(c.parent).code == "S72.001" and kb.siblings("S72.001A")[0].parent == "S72.001"
    for code in ("M54.03", "S72.001A", "E11.9", "A00", "B20"):
        node, d = kb.get(code), icdkit.describe_code(kb, code)
        assert node.parent == d["parent"] == kb.ancestors(code)[0].code
        assert node.parent_key == kb.ancestors(code)[0].key
