"""Building knowledge bases: bundled releases, CMS zips of any year, stale stores, provenance."""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from icdkit import BuildError, IncompatibleStore, KnowledgeBase, store
from icdkit.build.compile import STEPS, build_release
from icdkit.build.sources import discover

DATA = Path(__file__).resolve().parents[1] / "src" / "icdkit" / "data"
TAB25 = DATA / "releases" / "FY2025" / "icd10cm-tabular-April-2025.xml.gz"
ORDER25 = DATA / "releases" / "FY2025" / "icd10cm_order_2025.txt.gz"


def gunzip(path: Path) -> bytes:
    with gzip.open(path) as fh:
        return fh.read()


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_bundled_meta_records_sources_and_counts(kb: KnowledgeBase) -> None:
    meta = kb.meta
    assert meta["release"] == "FY2026" and meta["effective"] == "2026-04-01"
    assert meta["schema_version"] == str(store.SCHEMA_VERSION)
    sources = {Path(s["file"]).name: s["sha256"] for s in json.loads(meta["sources"])}
    for rel in ("releases/FY2026/icd10cm-tabular-April-1-2026.xml.gz",
                "index/FY2025-April/ICD10CM_2025_Index.csv.gz",
                "index/FY2025-April/icd-10-cm-drug-2025.xml.gz"):
        assert sources[Path(rel).name[:-3]] == hashlib.sha256(gunzip(DATA / rel)).hexdigest()
    assert len(sources) == 5  # the tabular and the four index books it was built with
    billable = kb._con.execute("SELECT count(*) FROM nodes WHERE billable").fetchone()[0]
    assert int(meta["billable_count"]) == billable == 74719  # CMS: 74,719 codes valid for FY2026
    assert meta["billable_source"] == "MCE valid-code table on 2026-04-01"


def test_cms_zips_of_another_year_build_without_code_changes(tmp_path: Path) -> None:
    """A user's CMS files: the year comes from the XML, the date from the file names."""
    xml = gunzip(TAB25)
    tab_zip = _zip(tmp_path / "icd10cm-table-index-2025.zip", {"icd10cm-tabular-2025.xml": xml})
    order_zip = _zip(tmp_path / "icd10cm-order-2025.zip",
                     {"Code Descriptions/icd10cm-order-2025.txt": gunzip(ORDER25)})
    src = discover([tab_zip, order_zip])
    assert (src.release, src.effective) == ("FY2025", "2024-10-01")
    assert src.order is not None and src.order.name.endswith("icd10cm-order-2025.txt")
    steps: list[str] = []
    meta = build_release(src, tmp_path / "icdkit-FY2025.sqlite", lambda s, f: steps.append(s))
    assert [s for s in dict.fromkeys(steps)] == list(STEPS)
    assert meta["label"] == "FY2025 (October 1, 2024)"
    kb = KnowledgeBase.open("FY2025", cache_dir=tmp_path)
    assert kb.effective == "2024-10-01" and kb.get("M54.50").billable


def test_future_year_beyond_the_validity_table_uses_the_order_file(tmp_path: Path) -> None:
    xml = gunzip(TAB25).replace(b"<version>2025</version>", b"<version>2031</version>")
    folder = tmp_path / "cms"
    folder.mkdir()
    (folder / "icd10cm-tabular-2031.xml").write_bytes(xml)
    (folder / "icd10cm_order_2031.txt").write_bytes(gunzip(ORDER25))
    out = tmp_path / "store"
    meta = build_release(discover([folder]), store.db_path("FY2031", out))
    assert meta["effective"] == "2030-10-01"
    assert meta["billable_source"] == "order file icd10cm_order_2031.txt"
    assert int(meta["billable_count"]) == 74260
    assert [r.release for r in store.releases(out) if not r.bundled] == ["FY2031"]
    assert store.resolve(None, out) == "FY2031"  # newest is the default


def test_without_order_file_or_table_the_tabular_structure_decides(tmp_path: Path) -> None:
    xml = gunzip(TAB25).replace(b"<version>2025</version>", b"<version>2031</version>")
    (tmp_path / "tabular.xml").write_bytes(xml)
    meta = build_release(discover([tmp_path / "tabular.xml"]), tmp_path / "kb.sqlite")
    assert meta["billable_source"].startswith("tabular structure")
    kb = KnowledgeBase(tmp_path / "kb.sqlite")
    assert kb.get("M54.03").billable and not kb.get("M54.0").billable


def test_missing_or_ambiguous_sources_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="source not found"):
        discover([tmp_path / "nope.zip"])
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(BuildError, match="no Tabular List XML"):
        discover([tmp_path])
    xml = gunzip(TAB25)
    (tmp_path / "a.xml").write_bytes(xml)
    (tmp_path / "b.xml").write_bytes(xml)
    with pytest.raises(BuildError, match="more than one Tabular List XML"):
        discover([tmp_path])


def test_stale_store_is_rebuilt_on_open(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = store.db_path("FY2026", tmp_path)
    path.write_bytes(kb.path.read_bytes())
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value='0' WHERE key='schema_version'")
    con.commit()
    con.close()
    with pytest.raises(IncompatibleStore, match="rebuild"):
        KnowledgeBase(path)
    reopened = KnowledgeBase.open("FY2026", cache_dir=tmp_path)
    assert reopened.meta["schema_version"] == str(store.SCHEMA_VERSION)


def test_stale_user_release_without_its_sources_says_how_to_rebuild(tmp_path: Path) -> None:
    xml = gunzip(TAB25).replace(b"<version>2025</version>", b"<version>2031</version>")
    src_file = tmp_path / "icd10cm-tabular-2031.xml"
    src_file.write_bytes(xml)
    path = store.db_path("FY2031", tmp_path / "store")
    build_release(discover([src_file]), path)
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value='0' WHERE key='schema_version'")
    con.commit()
    con.close()
    src_file.unlink()
    with pytest.raises(IncompatibleStore, match="icdkit build --release FY2031 --source"):
        store.ensure("FY2031", tmp_path / "store")
