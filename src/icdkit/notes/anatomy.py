"""Words that name a body site, read from the Neoplasm Table's site column: a mention made of
them alone ('right ankle', 'left eye', 'both eyes', 'right middle lobe') names where, not what,
and is not a diagnosis to code (the condition is coded from its own words: Guidelines I.A.12,
the Index is entered by the condition, never by the site).

>>> from icdkit import KnowledgeBase
>>> sites = site_words(KnowledgeBase.open())
>>> only_site(("right", "ankle"), sites), only_site(("ankle", "sprain"), sites)
(True, False)
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING

from icdkit.vocabulary import STOP
from icdkit.vocabulary import query_words as words

if TYPE_CHECKING:
    from icdkit.kb import KnowledgeBase

# words of the Neoplasm Table's rows that name a condition or a behaviour, not a site
_NOT_SITES = frozenset("""
lesion lesions disease neoplasm malignant benign carcinoma carcinoid sarcoma melanoma mesothelioma
hepatoma hepatoblastoma nevus kaposi scar stump retained ectopic undescended disseminated multiple
primary cleft fatty cystic diverticulum false mobile curvature nec nos specified unspecified other
overlapping see also site sites metastatic neoplasms neoplastic melanotic lipomatous immunoproliferative
hematopoietic hemopoietic generalized transplanted mastectomy fetal female male unknown type types
morphological alphabetic appear associated book categories defined ill index indicate instruction
meaning note place their whether fixed free descended main non lipstick c77
""".split())  # noqa: SIM905
# where on a site: side, level, surface (they qualify a site, never name a condition)
_WHERE = frozenset("""
left right both bilateral bilat lt rt upper lower middle mid anterior posterior medial lateral
proximal distal superior inferior dorsal volar plantar palmar great little
""".split())  # noqa: SIM905
_SIDE = frozenset({"affecting", "dominant", "nondominant", "non-dominant", "side", "sided"})
_cache: weakref.WeakKeyDictionary[KnowledgeBase, frozenset[str]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def site_words(kb: KnowledgeBase) -> frozenset[str]:
    """The site words of *kb*'s Neoplasm Table (read once per knowledge base)."""
    with _lock:
        got = _cache.get(kb)
        if got is None:
            rows = kb.connection().execute("SELECT title FROM index_terms WHERE book='neoplasm'").fetchall()
            got = frozenset(w for (t,) in rows for w in words(t) if w.isalpha()) - _NOT_SITES - STOP
            _cache[kb] = got
        return got


def only_site(ws: Iterable[str], sites: frozenset[str]) -> bool:
    """Do the words name a body site (and where on it), or only which side ('affecting right
    dominant'), and nothing else?"""
    named = False
    for w in ws:
        if w in STOP or w in _WHERE:
            continue
        if w in _SIDE:
            named = True
            continue
        if w in sites or (w.endswith("s") and w[:-1] in sites):
            named = True
            continue
        return False
    return named
