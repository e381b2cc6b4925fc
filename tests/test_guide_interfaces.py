"""The guide's adapters: CLI (exit codes, JSON contract), HTTP (JSON and the seed page),
and the static export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from icdkit import KnowledgeBase
from icdkit.api.app import create_app
from icdkit.api.static_site import export_site


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "icdkit.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)


def test_cli_guide_json_and_view(kb: KnowledgeBase) -> None:
    r = _cli("guide", "m5403", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d == kb.guide("M54.03").to_json()
    view = _cli("guide", "M54.03")
    assert view.returncode == 0 and "Documentation tips" in view.stdout and "M54.13" in view.stdout
    revised = _cli("guide", "L02.212")  # its title was revised in FY2026: the view's history says so
    assert revised.returncode == 0 and "History" in revised.stdout and "title revised" in revised.stdout


def test_cli_guide_errors_exit_2_with_suggestions() -> None:
    r = _cli("guide", "M54.99")
    assert r.returncode == 2 and "did you mean" in r.stderr and "Traceback" not in r.stderr
    bad = _cli("guide", "M5$.03", "--json")
    assert bad.returncode == 2 and json.loads(bad.stderr)["error"]["type"] == "malformed-code"


def test_http_guide(kb: KnowledgeBase) -> None:
    with TestClient(create_app(KnowledgeBase(kb.path))) as c:
        r = c.get("/api/codes/M54.2/guide")
        assert r.status_code == 200 and r.json()["code"] == "M54.2"
        assert c.get("/api/codes/M54.99/guide").status_code == 404
        assert c.get("/api/codes/M5$4/guide").json()["error"]["type"] == "malformed-code"
        page = c.get("/codes/M54.03").text
        for section in ("Documentation tips", "Common coding pitfalls", "Clinical context", "Sibling codes",
                        "Frequently asked questions", "Sources"):
            assert section in page
        assert 'href="/codes/M54.13"' in page and 'href="/codes/L93.2"' in page
        assert "http://" not in page and "https://" not in page  # no external request


def test_export_site(kb: KnowledgeBase, tmp_path: Path) -> None:
    n = export_site(kb, tmp_path, jobs=1, only=["M54.03", "M54.0", "M54"])
    assert n == 3
    assert json.loads((tmp_path / "M54.03.json").read_text())["code"] == "M54.03"
    html = (tmp_path / "M54.0.html").read_text()
    assert 'href="M54.03.html"' in html and (tmp_path / "index.html").exists()
