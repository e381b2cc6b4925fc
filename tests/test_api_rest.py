"""The REST JSON API: every capability, every release per request, browse, check, store swaps."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from icdkit import KnowledgeBase
from icdkit.api.app import create_app
from icdkit.lookup import describe_code
from icdkit.rules.check import Checker
from icdkit.search.navigate import index_tree, table_rows


@pytest.fixture(scope="module")
def client(api_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(api_app) as c:
        yield c


def test_code_record_is_the_lookup_contract_in_each_release(client: TestClient, kb: KnowledgeBase,
                                                            kb25: KnowledgeBase) -> None:
    assert client.get("/api/codes/m5403").json() == describe_code(kb, "M54.03")
    old = client.get("/api/codes/M54.03", params={"release": "2025"}).json()
    assert old == describe_code(kb25, "M54.03") and old["release"] == "FY2025"
    dated = client.get("/api/codes/M54.5", params={"date": "2021-06-01", "release": "FY2025"}).json()
    assert dated["on_date"] == describe_code(kb25, "M54.5", on="2021-06-01")["on_date"]
    # a code new in FY2026 is unknown in FY2025: the release asked for is really used
    new = next(c.code for c in kb.iter_codes(billable_only=True) if kb25.find(c.code) is None)
    assert client.get(f"/api/codes/{new}").json()["status"] == "billable"
    as_of_25 = client.get(f"/api/codes/{new}", params={"release": "FY2025"}).json()
    assert as_of_25 == describe_code(kb25, new) and as_of_25["status"] == "not-yet-valid"


def test_releases_lists_each_with_label_and_effective_date(client: TestClient, kb: KnowledgeBase,
                                                           kb25: KnowledgeBase) -> None:
    d = client.get("/api/releases").json()
    assert d["serving"] == "FY2026"
    by_id = {r["id"]: r for r in d["releases"]}
    assert by_id["FY2026"]["effective"] == kb.effective and by_id["FY2025"]["effective"] == kb25.effective
    assert by_id["FY2025"]["label"] == kb25.label and by_id["FY2026"]["serving"] is True
    assert all(r["bundled"] and r["built"] for r in by_id.values())


def test_search_autocomplete_index_tables_match_the_library(client: TestClient, kb: KnowledgeBase,
                                                            kb25: KnowledgeBase) -> None:
    s = client.get("/api/search", params={"q": "neck pain", "limit": 3}).json()
    assert [r["code"] for r in s["results"]] == [r.code for r in kb.search("neck pain", limit=3)]
    s25 = client.get("/api/search", params={"q": "neck pain", "release": "FY2025"}).json()
    assert s25["release"] == "FY2025" and s25["results"][0]["code"] == "M54.2"
    a = client.get("/api/autocomplete", params={"q": "cervicalg"}).json()
    assert [r["code"] for r in a["results"]] == [r.code for r in kb.autocomplete("cervicalg")]
    assert client.get("/api/index", params={"term": "Pain, neck"}).json() == index_tree(kb, "Pain, neck")
    ext = client.get("/api/index", params={"term": "Fall", "external": True, "depth": 1}).json()
    assert ext["book"] == "eindex" and ext["entries"]
    drug = client.get("/api/drug", params={"substance": "aspirin", "intent": "adverse"}).json()
    assert drug == table_rows(kb, "drug", "aspirin", "adverse")
    site = client.get("/api/neoplasm", params={"site": "liver"}).json()
    assert site == table_rows(kb, "neoplasm", "liver")


def test_browse_chapters_blocks_categories_codes(client: TestClient, kb: KnowledgeBase) -> None:
    chapters = client.get("/api/chapters").json()["chapters"]
    assert [c["code"] for c in chapters] == [c.code for c in kb.chapters()]
    ch13 = client.get("/api/chapters/13").json()
    assert ch13["kind"] == "chapter" and "M50-M54" in [b["code"] for b in ch13["children"]]
    block = client.get("/api/codes/M50-M54/children").json()
    assert block["kind"] == "block" and "M54" in [c["code"] for c in block["children"]]
    cat = client.get("/api/codes/M54.0/children").json()
    assert [c["code"] for c in cat["children"]] == [c.code for c in kb.children("M54.0")]
    assert client.get("/api/chapters/99").status_code == 404
    assert client.get("/api/chapters/13", params={"release": "FY2025"}).json()["release"] == "FY2025"


def test_check_is_the_cli_json_for_one_and_for_many(client: TestClient, kb: KnowledgeBase) -> None:
    one = {"codes": ["M54.2", "M50.20"], "age": 54, "sex": "F", "date": "2026-05-01"}
    got = client.post("/api/check", json=one)
    assert got.status_code == 200
    cli = subprocess.run([sys.executable, "-m", "icdkit.cli", "check", "M54.2", "M50.20", "--age", "54",
                          "--sex", "F", "--date", "2026-05-01", "--json"],
                         capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert got.json() == json.loads(cli.stdout)
    assert got.json()["findings"][0]["rule"] == "excludes1"
    many = client.post("/api/check", json=[one, {"codes": "I10 E11.9"}, {"codes": ["M54.0"]}]).json()
    checker = Checker(kb)
    assert many == [checker.check(["M54.2", "M50.20"], age=54, sex="F", date="2026-05-01").to_dict(),
                    checker.check(["I10", "E11.9"]).to_dict(), checker.check(["M54.0"]).to_dict()]
    assert many[2]["ok"] is False  # a header code is not billable
    old = client.post("/api/check", params={"release": "FY2025"}, json={"codes": ["M54.2"]}).json()
    assert old["release"] == "FY2025"
    bad = client.post("/api/check", json={"codes": ["M54.2"], "sex": "X"})
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid-input"


def test_html_pages_still_served_with_local_assets(client: TestClient) -> None:
    home = client.get("/")
    assert '<script src="/static/search.js" defer>' in home.text and "<script>" not in home.text
    assert "<style" not in home.text and " style=" not in home.text  # the CSP allows no inline style
    assert client.get("/static/search.js").headers["content-type"].startswith("text/javascript")
    assert "font" in client.get("/static/site.css").text


def test_a_server_opens_the_releases_a_code_consults_at_start_not_in_a_request(
        kb: KnowledgeBase, tmp_path: Path) -> None:
    """An unknown code's answer consults every bundled release (which held it, and when): the
    server opens every other release at start (``KnowledgeBase.other``, which builds a bundled
    one not built yet); a request used to open — even build — FY2025 within its 5 s budget and
    answer 503 instead of the 404 with suggestions."""
    from icdkit import store

    for built in (kb, kb.other("FY2025")):  # both built in the run's store (once per run)
        copy = store.db_path(built.release, tmp_path)
        shutil.copyfile(built.path, copy)
        shutil.copyfile(f"{built.path}.sha256", f"{copy}.sha256")  # the build's checksum
    alone = KnowledgeBase(store.db_path("FY2026", tmp_path))
    assert "FY2025" not in alone._others
    app = create_app(alone)
    assert "FY2025" in alone._others, "the other release was not opened at start"
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/codes/W21.89A")
    assert r.status_code == 404 and "W21.89XA" in r.json()["error"]["suggestions"]
    alone.close()


def test_replacing_the_store_while_serving_never_gives_a_500(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / kb.path.name
    shutil.copyfile(kb.path, path)
    app = create_app(KnowledgeBase(path, cache_dir=kb.cache_dir))  # the other releases: the shared ones
    served = app.state.releases.served(None)
    first = served.kb
    statuses: list[int] = []
    done = threading.Event()

    def hammer() -> None:
        with TestClient(app, raise_server_exceptions=False) as c:
            n = 0
            while not done.is_set():
                n += 1
                statuses.append(c.get("/api/codes/M54.03").status_code)
                statuses.append(c.get("/api/search", params={"q": f"neck pain {n % 7}"}).status_code)

    worker = threading.Thread(target=hammer)
    worker.start()
    try:
        time.sleep(0.5)
        fresh = tmp_path / "fresh.sqlite"  # a rebuild: a new file renamed over the old one
        shutil.copyfile(kb.path, fresh)
        os.replace(fresh, path)
        deadline = time.monotonic() + 60
        while served.kb is first and time.monotonic() < deadline:
            time.sleep(0.2)
        assert served.kb is not first, "the replaced store was not reopened"
        original = path.read_bytes()  # a file overwritten in place, garbage for a moment
        with open(path, "r+b") as f:
            f.write(b"\0" * 65536)
        time.sleep(1.5)
        with open(path, "r+b") as f:
            f.write(original[:65536])
        time.sleep(1.5)
    finally:
        done.set()
        worker.join()
    assert statuses and set(statuses) <= {200, 503}, sorted(set(statuses))
    assert statuses.count(200) > len(statuses) // 2


def test_a_real_server_under_concurrent_mixed_load_keeps_answering(server: str) -> None:
    """Lookups on the event loop and searches / Index walks in threads share one SQLite
    connection: they must never lock each other up (an SQLite progress handler once did)."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    paths = ["/api/codes/Z99.999", "/api/codes/M54.03", "/api/search?q=neck+pain",
             "/api/index?term=Fracture,+femur", "/api/autocomplete?q=pneumo", "/api/codes/X12.3456",
             "/fhir/ValueSet/$expand?url=http://hl7.org/fhir/sid/icd-10-cm?fhir_vs%26filter=pain"]

    def hammer(n: int) -> list[int]:
        with httpx.Client(base_url=server, timeout=15) as c:
            return [c.get(paths[(n + i) % len(paths)]).status_code for i in range(40)]

    with ThreadPoolExecutor(8) as pool:
        statuses = [s for got in pool.map(hammer, range(8)) for s in got]
    assert len(statuses) == 320 and set(statuses) <= {200, 404}, sorted(set(statuses))
    assert httpx.get(f"{server}/health", timeout=5).status_code == 200
