"""The code guide: the two seed pages' facts, the JSON contract, citations, focus."""

from __future__ import annotations

import json

import pytest

from icdkit.errors import MalformedCode, UnknownCode
from icdkit.guide import MAX_CODES, elements, guide, open_axes

KEYS = [
    "code",
    "title",
    "release",
    "summary",
    "facts",
    "documentation",
    "pitfalls",
    "confusable",
    "related",
    "faq",
    "context",
    "siblings",
    "children",
    "history",
    "elements",
    "sources",
]


def _all_codes(g):  # type: ignore[no-untyped-def]
    j = g.to_json()
    return (
        {c for s in j["documentation"] + j["pitfalls"] for c in s["codes"]}
        | {c["code"] for c in j["confusable"]}
        | {r["code"] for r in j["related"]}
    )


def test_contract(kb) -> None:  # type: ignore[no-untyped-def]
    j = guide(kb, "M54.03").to_json()
    assert list(j) == KEYS
    assert set(j["documentation"][0]) == {"text", "codes", "sources"}
    assert set(j["pitfalls"][0]) == {"text", "codes", "sources"}
    assert set(j["confusable"][0]) == {"code", "title", "difference", "sources"}
    assert set(j["related"][0]) == {"code", "title", "relation", "sources"}
    assert set(j["faq"][0]) == {"question", "answer", "codes", "sources"}
    assert set(j["sources"][0]) == {"id", "kind", "release", "at", "text"}
    json.dumps(j)


def test_seed_m5403(kb) -> None:  # type: ignore[no-untyped-def]
    g = guide(kb, "M54.03")
    f = g.facts
    assert f["status"] == "billable" and f["billable"]
    assert f["chapter"]["number"] == "13"
    assert f["region"]["name"] == "Spine"
    assert f["parent"] == {
        "code": "M54.0",
        "title": "Panniculitis affecting regions of neck and back",
        "billable": False,
    }
    assert f["seventh_character"]["required"] is False
    docs = {c for s in g.documentation for c in s.codes}
    assert {"L93.2", "M79.3", "M35.6", "F45.41"} <= docs
    traps = {c for s in g.pitfalls for c in s.codes}
    assert {"M54.0", "L93.2", "M79.3", "M54.13"} <= traps
    assert g.confusable[0].code == "M54.13" and "cervicothoracic region" in g.confusable[0].difference
    assert {s["code"] for s in g.siblings} == {f"M54.0{i}" for i in (0, 1, 2, 4, 5, 6, 7, 8, 9)}
    assert all(s["billable"] for s in g.siblings)
    qs = {q.question: q.answer for q in g.faq}
    assert qs["Is M54.0 billable on its own?"].startswith("No")
    assert qs["Does M54.03 require a 7th character?"].startswith("No")
    assert qs["Can I report M54.03 with M79.3?"].startswith("No")
    assert "What is the difference between M54.03 and M54.13?" in qs
    assert [e.name for e in elements(kb, "M54.03")] == ["condition", "region"]


def test_seed_m542(kb) -> None:  # type: ignore[no-untyped-def]
    g = guide(kb, "M54.2")
    assert g.facts["status"] == "billable" and g.facts["chapter"]["number"] == "13"
    docs = {c for s in g.documentation for c in s.codes}
    assert {"M50.-", "F45.41"} <= docs
    assert "G89.-" in {r.code for r in g.related}  # a header: any code under it
    g89 = next(r for r in g.related if r.code == "G89.-")
    assert "Excludes2" in g89.relation
    assert "G89.29" in {r.code for r in g.related}  # the Index: Pain, chronic
    assert "Pain › neck NEC" in g.summary


def test_header_and_open_axes(kb) -> None:  # type: ignore[no-untyped-def]
    g = guide(kb, "M54.0")
    assert g.facts["status"] == "header" and not g.facts["billable"]
    assert g.faq[0].answer.startswith("No")
    axes = open_axes(kb, "M54.0")
    assert axes[0].axis == "region"
    assert axes[0].candidates == tuple(f"M54.0{i}" for i in range(10) if i != 3) or set(
        axes[0].candidates
    ) == {c["code"] for c in g.children}
    assert "M54.09" in axes[0].candidates and "M54.00" in axes[0].candidates
    unspecified = open_axes(kb, "M54.50")
    assert set(unspecified[-1].candidates) == {"M54.51", "M54.59"}


def test_seventh_character(kb) -> None:  # type: ignore[no-untyped-def]
    g = guide(kb, "S72.001A")
    assert g.facts["seventh_character"]["required"]
    assert "A" in g.facts["seventh_character"]["characters"]
    assert any(e.name == "encounter" for e in g.elements)
    assert any(e.name == "laterality" and e.value == "right" for e in g.elements)
    assert "S72.002A" in {c.code for c in g.confusable}


def test_drug_table_columns(kb) -> None:  # type: ignore[no-untyped-def]
    g = guide(kb, "T39.1X1A")
    assert "T39.1X5A" in {c.code for c in g.confusable}


def test_sources_resolve_and_no_repeats(kb) -> None:  # type: ignore[no-untyped-def]
    for code in ("M54.03", "M54.2", "I10", "E11.65", "S72.001A", "O24.011", "M54", "R10.9", "13", "M50-M54"):
        g = guide(kb, code)
        ids = {s.id for s in g.sources}
        statements = [*g.documentation, *g.pitfalls, *g.confusable, *g.related, *g.faq]
        for st in statements:
            assert st.sources and set(st.sources) <= ids, (code, st)
        texts = [json.dumps(s.to_json(), sort_keys=True) for s in statements]
        texts += [s.text for s in (*g.documentation, *g.pitfalls)]
        assert len(texts) == len(set(texts)), code
        assert len(g.codes()) <= MAX_CODES


def test_unknown_and_malformed(kb) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownCode) as exc:
        guide(kb, "M54.99")
    assert exc.value.suggestions
    with pytest.raises(MalformedCode):
        guide(kb, "M5$.03")


def test_on_date(kb) -> None:  # type: ignore[no-untyped-def]
    g = guide(kb, "M54.50", on="2020-06-01")  # added in FY2022
    assert g.facts["status"] == "not yet valid"
    assert any("added in FY2022" in h["event"] for h in g.history)


def test_title_revised_between_releases(kb, kb25) -> None:  # type: ignore[no-untyped-def]
    """Every title the two tabulars print differently is in both releases' guides, with both
    titles cited in their own release; an unchanged title gives no revision."""
    old = dict(kb25.connection().execute("SELECT key, title FROM nodes WHERE synthesized=0"))
    changed = [
        (k, old[k], t)
        for k, t in kb.connection().execute("SELECT key, title FROM nodes WHERE synthesized=0")
        if k in old and old[k] != t
    ]
    assert changed
    for key, before, after in changed:
        for release in (kb, kb25):
            g = guide(release, key)
            by_id = {s.id: s for s in g.sources}
            [event] = [h for h in g.history if h["event"].startswith("title revised")]
            assert before in event["event"] and after in event["event"]
            cited = {(by_id[i].release, by_id[i].text.split(" ", 1)[1]) for i in event["sources"]}
            assert cited == {(kb25.release, before), (kb.release, after)}
            assert g.facts["title_revisions"][0]["title"] == after
    assert "title_revisions" not in guide(kb, "M54.03").facts


def test_confusable_kinds(kb) -> None:  # type: ignore[no-untyped-def]
    """Each kind of confusable reaches the guide: other subterms of the same Index term
    ("Hypertension, crisis" → I16.9 for I10), a header sibling shown by the code reported under
    it (I50.2 → I50.20), a 7th-character code's base cousins (S72.011A), and the same drug
    column under a sibling category of a wide group (T36.1X5A for T36.0X5A)."""
    by_code = {c.code: c for c in guide(kb, "I10").confusable}
    assert "I16.9" in by_code and "the same Index term" in by_code["I16.9"].difference
    g = guide(kb, "I10")
    kinds = {s.kind for s in g.sources if s.id in by_code["I16.9"].sources}
    assert kinds == {"index"}
    heart = {c.code for c in guide(kb, "I50.9").confusable}
    assert "I50.20" in heart and "I50.2" not in heart
    assert "S72.011A" in {c.code for c in guide(kb, "S72.001A").confusable}
    assert "T36.1X5A" in {c.code for c in guide(kb, "T36.0X5A").confusable}
    rows = kb.connection().execute("SELECT count(DISTINCT key) FROM rel_subterms").fetchone()[0]
    assert rows > 10_000
