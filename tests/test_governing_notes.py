"""The pair screen (rules/governing_notes.py) against the references it stands for.

For the Governing of real FY2026 codes, every cell of the screen must say what the references
themselves say of any code in it: which Excludes references cover it (``RefSet.hits``, with
qualifiers) and whether an instruction's reference may name it (``RefSet.may_cover``).
Keys are drawn from every code of the release and from the cuts themselves, where an
off-by-one would show.
"""

from __future__ import annotations

import random

from icdkit import KnowledgeBase
from icdkit.refs import RefSet
from icdkit.rules.governing_notes import Governing, one_per_note
from icdkit.rules.rule_cache import RuleCache


def _governings(kb: KnowledgeBase, cache: RuleCache, n: int, seed: int) -> list[Governing]:
    rnd = random.Random(seed)
    keys = [c.key for c in kb.iter_codes(billable_only=True)]
    found: dict[int, Governing] = {}
    for k in rnd.sample(keys, n):
        g = cache.governing(k)
        if g.bounds:
            found[id(g)] = g
    return list(found.values())


def _probe_keys(keys: list[str], g: Governing, rnd: random.Random) -> list[str]:
    """Codes of the release, plus keys sitting on and just beside each cut."""
    probes = rnd.sample(keys, 150)
    for b in rnd.sample(g.bounds, min(40, len(g.bounds))):
        plain = b.rstrip("\0").rstrip("~")
        probes += [plain, f"{plain}0", f"{plain}Z", plain[:-1] if len(plain) > 3 else plain]
    return [p for p in probes if p]


def test_cells_agree_with_the_references(kb: KnowledgeBase) -> None:
    cache = RuleCache(kb)
    rnd = random.Random(3)
    checked = hits = named_hits = 0
    keys = [c.key for c in kb.iter_codes()]
    for g in _governings(kb, cache, 400, seed=5):
        excl = g.excludes
        named = RefSet([r for i in g.instructions for r in i.refs.refs])
        for k in _probe_keys(keys, g, rnd):
            cell = g.cell(k)
            expect = one_per_note(excl.refs.hits(k), excl.notes)
            may_name = named.may_cover(k)
            if cell is None:
                assert not expect and not may_name, (g.owner, k)
                continue
            got = cell.found if cell.exact else one_per_note(
                [i for i in cell.excludes if excl.refs.refs[i].matches(k)], excl.notes)
            assert got == expect, (g.owner, k)
            assert cell.named == may_name, (g.owner, k)
            checked += 1
            hits += bool(expect)
            named_hits += may_name
    # the sample really reached covered cells of both kinds, not only empty ones
    assert checked > 1000 and hits > 500 and named_hits > 100, (checked, hits, named_hits)


def test_a_code_without_notes_shares_its_parents_governing(kb: KnowledgeBase) -> None:
    cache = RuleCache(kb)
    # M54.50 carries only inclusion terms: it is governed by M54.5's notes and above, shared
    assert not [n for n in kb.notes("M54.50") if n.kind.startswith("excludes")]
    assert cache.governing("M5450") is cache.governing("M545")
    # M54.2 carries its own Excludes1 (M50.-): M50.20 falls in a cell holding that note, first
    own = cache.governing("M542")
    assert own.owner == "M54.2"
    cell = own.cell("M5020")
    assert cell is not None and cell.exact
    notes = [own.excludes.notes[i] for i in cell.found]
    assert [(n.source, n.kind) for n in notes] == [("M54.2", "excludes1")]
    assert "(M50.-)" in notes[0].text
    assert own.cell("M5403") is None  # nothing governing M54.2 names M54.03
