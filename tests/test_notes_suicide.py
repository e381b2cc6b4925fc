"""A suicide attempt by a coded means (Index: Suicide, suicidal (attempted) T14.91 › by
poisoning — see Table of Drugs and Chemicals; › trauma — see nature of injury by site): the
poisoning or the injury is the attempt, T14.91 is not coded beside it. Notes written for
these tests."""

from __future__ import annotations

from icdkit import KnowledgeBase
from icdkit.notes import code_note


def test_a_self_harm_poisoning_is_the_attempt(kb: KnowledgeBase) -> None:
    r = code_note("ED note: 22M swallowed a bottle of ibuprofen tablets in a suicide attempt after an "
                  "argument.\nImpression: Intentional ibuprofen overdose; suicide attempt.", kb=kb)
    assert "T39.312A" in r.code_list and not any(c.startswith("T14.91") for c in r.code_list)
    assert any(n.code == "T14.91XA" and "Table of Drugs" in n.reason for n in r.not_coded)


def test_an_injury_by_site_is_the_attempt(kb: KnowledgeBase) -> None:
    r = code_note("ED: 30F cut her left wrist in a suicide attempt.\nImpression: Laceration of left wrist "
                  "without foreign body, self-inflicted; suicide attempt.", kb=kb)
    assert "S61.512A" in r.code_list and not any(c.startswith("T14.91") for c in r.code_list)


def test_an_attempt_by_unstated_means_keeps_t14_91(kb: KnowledgeBase) -> None:
    r = code_note("ED: 19F, suicide attempt this evening, means not disclosed; medically clear.\n"
                  "Impression: Suicide attempt.", kb=kb)
    assert "T14.91XA" in r.code_list
