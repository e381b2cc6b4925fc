"""The Index and Tables in the knowledge base, checked against an independent reading of the files."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from icdkit import KnowledgeBase
from icdkit.build.index import read_csv, read_xml
from icdkit.build.sources import discover

DATA = Path(__file__).resolve().parent.parent / "src" / "icdkit" / "data"
INDEX = DATA / "index" / "FY2025-April"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _xml(name: str) -> ET.Element:
    with gzip.open(INDEX / name) as fh:
        return ET.parse(fh).getroot()


def _csv_rows() -> list[dict[str, str]]:
    with gzip.open(INDEX / "ICD10CM_2025_Index.csv.gz", "rt", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _db(kb: KnowledgeBase) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{kb.path}?mode=ro", uri=True)


def test_every_index_row_is_stored_with_its_code(kb: KnowledgeBase) -> None:
    rows = _csv_rows()
    terms = [r for r in rows if not r["Term"].startswith("Note:")]
    with _db(kb) as con:
        stored = con.execute("SELECT title, code, see, see_also FROM index_terms WHERE book='index' "
                             "ORDER BY id").fetchall()
        notes = " ".join(n for (n,) in con.execute("SELECT note FROM index_terms WHERE book='index'"))
    assert len(stored) == len(terms) == 81_020
    assert [(" ".join(r["Term"].split()), r["Code"], " ".join(r["See"].split())) for r in terms] == \
        [(t, c, s) for t, c, s, _ in stored]
    for r in rows:  # the 4 'Note:' rows are kept as notes of their term
        if r["Term"].startswith("Note:"):
            assert " ".join(r["Term"].split()) in notes


def test_note_rows_do_not_swallow_the_terms_after_them(kb: KnowledgeBase) -> None:
    """The flattened CSV prints 'Note:' rows a level too high; systolic heart failure stays under heart."""
    tree = kb.search("systolic heart failure", limit=3)
    assert tree[0].code == "I50.20"
    assert tree[0].matched.path.startswith("Failure, failed › heart › systolic")


@pytest.mark.parametrize(("name", "book"), [("icd-10-cm-drug-2025.xml.gz", "drug"),
                                              ("icd-10-cm-neoplasm-2025.xml.gz", "neoplasm"),
                                              ("icd-10-cm-eindex-2025.xml.gz", "eindex")])
def test_tables_and_external_cause_index_match_their_xml(kb: KnowledgeBase, name: str, book: str) -> None:
    root = _xml(name)
    elements = root.findall(".//mainTerm") + root.findall(".//term")
    cells = root.findall(".//cell")
    codes = root.findall(".//code")
    with _db(kb) as con:
        n, coded = con.execute("SELECT count(*), sum(code != '') FROM index_terms WHERE book=?",
                               (book,)).fetchone()
        stored_cells = [c for (js,) in con.execute("SELECT cells FROM index_terms WHERE book=? AND cells "
                                                   "IS NOT NULL", (book,)) for c in json.loads(js)]
    assert n == len(elements)
    assert (coded or 0) == len(codes)
    printed = [" ".join("".join(c.itertext()).split()) for c in cells]
    assert len(stored_cells) >= len(printed)  # six columns per row; a column the table leaves out is ''
    assert sorted(c for c in stored_cells if c) == sorted(p for p in printed if p.strip("-"))


def test_external_cause_index_keeps_subcategory_and_category_references() -> None:
    with gzip.open(INDEX / "icd-10-cm-eindex-2025.xml.gz") as fh:
        terms = read_xml(fh, "eindex")
    root = _xml("icd-10-cm-eindex-2025.xml.gz")
    assert sorted(t.subcat for t in terms if t.subcat) == sorted(e.text or "" for e in root.iter("subcat"))
    assert sorted(t.seecat for t in terms if t.seecat) == sorted(e.text or "" for e in root.iter("seecat"))
    nemods = [t for t in terms if t.nemod]
    assert len(nemods) == sum(1 for _ in root.iter("nemod"))
    abandonment = terms[0]
    assert (abandonment.title, abandonment.code) == ("Abandonment NEC", "X58")
    assert abandonment.nemod.startswith("(causing exposure to weather conditions)")


def test_see_references_resolve_to_the_terms_they_name(kb: KnowledgeBase) -> None:
    """Independent check: a resolved reference's last part names the target term (or its first form)."""
    with _db(kb) as con:
        rows = con.execute("SELECT s.see, t.title, t.book FROM index_terms s "
                           "JOIN index_terms t ON t.id = s.see_target "
                           "WHERE s.book='index' AND s.see_complete=1").fetchall()
        total = con.execute("SELECT count(*) FROM index_terms WHERE book='index' AND see != ''").fetchone()[0]
    assert len(rows) > 0.75 * total
    for see, title, book in rows:
        last = see.split(",")[-1].strip().lower()
        target = title.lower()
        if book == "neoplasm":  # 'Neoplasm, skin, benign': the column is the last part
            continue
        named = last.split(" (")[0].rstrip(" nec")
        assert named in target or target.split(",")[0] in see.lower(), (see, title)


def test_attack_heart_leads_to_myocardial_infarction(kb: KnowledgeBase) -> None:
    from icdkit.search.navigate import index_tree

    tree = index_tree(kb, "Attack, heart")
    entry = tree["entries"][0]
    assert entry["see"].lower() == "infarct, myocardium"
    assert entry["see_path"] == "Infarct, infarction › myocardium, myocardial"
    assert tree["release"] == "FY2026" and tree["index_release"] == "FY2025"  # the Index bundled is older


def test_meta_says_which_index_the_release_carries(kb: KnowledgeBase) -> None:
    src = json.loads(kb.meta["index_source"])
    assert src["bundled"] is True and src["release"].startswith("FY2025")
    assert set(src["files"]) == {"index-csv", "eindex", "drug", "neoplasm"}
    sources = {s["file"].split("/")[-1] for s in json.loads(kb.meta["sources"])}
    assert {"ICD10CM_2025_Index.csv", "icd-10-cm-drug-2025.xml"} <= sources
    missing = json.loads(kb.meta["disagreements"])["index_codes_not_in_tabular"]
    with _db(kb) as con:
        for printed in missing:  # each is truly absent from the release as a code
            key = printed.replace(".", "").rstrip("-")
            assert con.execute("SELECT 1 FROM nodes WHERE key=? AND kind IN "
                               "('category','subcategory','code')", (key,)).fetchone() is None


def test_csv_reader_rejects_other_files() -> None:
    with pytest.raises(ValueError, match="not a flattened index CSV"):
        read_csv(["a,b,c\n"])


@pytest.mark.slow
def test_official_index_xml_wins_over_the_flattened_csv(tmp_path: Path) -> None:
    """A user holding the CMS table-and-index files gets manifestation codes; the CSV is not used."""
    src = tmp_path / "fy2025"
    src.mkdir()
    for f in (DATA / "releases" / "FY2025").iterdir():
        shutil.copy(f, src / f.name)
    for f in INDEX.glob("icd-10-cm-*.xml.gz"):
        shutil.copy(f, src / f.name)
    shutil.copy(FIXTURES / "icd10cm-index-slice.xml", src / "icd10cm-index-2025.xml")
    release = discover([src])
    assert dict(release.index).keys() == {"index", "eindex", "drug", "neoplasm"}

    from icdkit.build.compile import build_release

    path = tmp_path / "store" / "icdkit-FY2025.sqlite"
    meta = build_release(release, path)
    index_source = json.loads(meta["index_source"])
    assert index_source["bundled"] is False and index_source["files"]["index"] == "icd10cm-index-2025.xml"
    kb = KnowledgeBase(path)
    node = kb.connection().execute("SELECT code, manif FROM index_terms WHERE book='index' AND title=?",
                                   ("Alzheimer's",)).fetchone()
    assert node == ("G30.9", "F02.80")
    hit = kb.search("alzheimers disease", limit=1)[0]
    assert hit.code == "G30.9" and "[F02.80]" in hit.matched.path
    assert kb.search("diabetes with amyotrophy", limit=1)[0].code == "E11.44"
    kb.close()


@pytest.mark.slow
def test_search_tables_are_the_same_whatever_the_hash_seed(kb: KnowledgeBase, tmp_path: Path) -> None:
    """Ranking ties must not depend on the process that built the store."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONHASHSEED="7", ICDKIT_CACHE_DIR=str(tmp_path))
    subprocess.run([sys.executable, "-m", "icdkit.cli", "build", "--release", "FY2026"], env=env,
                   check=True, capture_output=True)
    queries = ("SELECT stem, idf, req, opt FROM search_terms ORDER BY stem",
               "SELECT * FROM search_docs ORDER BY id", "SELECT name, data FROM search_arrays ORDER BY name")
    other = sqlite3.connect(tmp_path / "icdkit-FY2026.sqlite")
    with _db(kb) as mine:
        for q in queries:
            assert mine.execute(q).fetchall() == other.execute(q).fetchall(), q
    other.close()


def test_a_code_lists_the_index_entries_that_print_it(kb: KnowledgeBase) -> None:
    """Checked against paths rebuilt independently from the CSV's levels."""
    import random

    from icdkit.search.navigate import MAX_ENTRIES, entries_for

    paths: dict[str, list[str]] = {}
    stack: list[str] = []
    for r in _csv_rows():
        if r["Term"].startswith("Note:"):
            continue
        level = int(r["Level"])
        stack[level:] = [" ".join(r["Term"].split())]
        if r["Code"]:
            paths.setdefault(r["Code"].rstrip("-").rstrip("."), []).append(" › ".join(stack))
    sample = random.Random(3).sample(sorted(c for c, p in paths.items() if len(p) <= MAX_ENTRIES), 300)
    for code in sample:
        mine = [e["path"] for e in entries_for(kb, code) if e["book"] == "index"]
        assert mine == paths[code], code
    from icdkit.lookup import describe_code  # and the lookup record carries them

    entries = describe_code(kb, "M54.2")["index_entries"]
    assert {"book": "index", "path": "Pain › neck NEC"} in entries
