"""A routine examination at which the provider documents a new condition is the examination
'with abnormal findings'.

Guidelines I.C.21.c.13: for a routine or administrative examination, 'should a diagnosis or
condition be discovered during the examination, it should be coded as an additional code'
beside the code of the examination with abnormal findings (Z00.01, Z00.121, Z01.411…). A
4-month well-child visit at which infantile eczema is diagnosed and treated is Z00.121 + L20.83,
not Z00.129. History, family-history and status codes (chapter 21) are no findings.

>>> from icdkit.notes import code_note
>>> code_note("A/P: 1. Routine child health exam. 2. Infantile eczema - emollients.", age=0).code_list
['Z00.121', 'L20.83']
"""

from __future__ import annotations

from icdkit.kb import KnowledgeBase
from icdkit.notes.setting import Candidate

_WITHOUT = "without abnormal findings"


def with_findings(kb: KnowledgeBase, cands: list[Candidate]) -> list[Candidate]:
    """*cands*, an examination code 'without abnormal findings' turned into its sibling 'with
    abnormal findings' when the note codes a condition (chapters 1–19) present with it."""
    found = next((c for c in cands if c.assertion == "present" and c.code[:1] not in "UVWXYZ"), None)
    if found is None:
        return cands
    for c in cands:
        if _WITHOUT not in c.title.lower():
            continue
        want = c.title.lower().replace(_WITHOUT, "with abnormal findings")
        sibling = next((s for s in kb.siblings(c.code) if s.title.lower() == want), None)
        if sibling is not None:
            c.rules.append(f"I.C.21.c.13 a condition found at the examination ({found.code}): "
                           f"{c.code} → {sibling.code}")
            c.code, c.title = sibling.code, sibling.title
    return cands
