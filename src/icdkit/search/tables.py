"""From a code printed in the Drug or Neoplasm Table to a reportable code.

* :func:`column_for` — the column a coder's word names (``overdose`` → accidental poisoning,
  ``side effect`` → adverse effect, ``metastatic`` → malignant secondary);
* :func:`complete` — what a printed code still needs: the 7th character for the encounter
  (``T39.1X2`` + initial → ``T39.1X2A``), or the codes under a category the table prints with
  a dash (``C50.9-``) and what chooses between them (laterality, sex).

>>> from icdkit.search.tables import column_for
>>> column_for("drug", "suicide attempt"), column_for("neoplasm", "metastatic")
('self-harm', 'secondary')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from icdkit import codes
from icdkit.errors import InvalidInput
from icdkit.search.synonyms import Synonyms
from icdkit.vocabulary import TABLE_COLUMNS, content, query_words, words

if TYPE_CHECKING:
    from icdkit.kb import KnowledgeBase

ENCOUNTERS = ("initial", "subsequent", "sequela")
_DEFAULT_COLUMN = {"drug": "accidental", "neoplasm": "malignant"}
_CUE_KIND = {"drug": "intent", "neoplasm": "behavior"}
_OPTION = {"drug": "--intent", "neoplasm": "--behavior"}
MAX_UNDER = 60  # codes listed under one dashed category
_CHOOSERS = (("laterality", frozenset({"right", "left", "bilateral"})),
             ("sex", frozenset({"female", "male"})))


def column_for(book: str, text: str | None) -> str | None:
    """The table column *text* names: its short name, or the words coders use for it.

    A word that only says "a drug" or "a neoplasm" (``poisoning``, ``tumor``) gives the
    table's default column (accidental poisoning; malignant primary).
    """
    if text is None or not text.strip():
        return None
    folded = " ".join(query_words(text))
    for col in TABLE_COLUMNS[book]:
        if folded == " ".join(words(col)):
            return col
    found = Synonyms.bundled().cues(content(query_words(text)), _CUE_KIND[book])
    named = [c for c, _ in found if c in TABLE_COLUMNS[book]]
    if named:
        return named[0]
    if found:
        return _DEFAULT_COLUMN[book]
    example = "overdose, side effect, suicide attempt" if book == "drug" else "metastatic, cancer"
    raise InvalidInput(f"invalid choice {text!r} for {_OPTION[book]}: use one of "
                       f"{', '.join(TABLE_COLUMNS[book])} (or a word such as {example})")


def encounter_for(text: str | None) -> str | None:
    """``initial`` / ``subsequent`` / ``sequela`` from what a coder types (``sequelae``, ``late``)."""
    if text is None or not text.strip():
        return None
    w = " ".join(query_words(text))
    for name, forms in (("initial", ("initial", "first", "a")),
                        ("subsequent", ("subsequent", "follow up", "d")),
                        ("sequela", ("sequela", "sequelae", "late effect", "s"))):
        if w in forms:
            return name
    raise InvalidInput(f"invalid encounter {text!r}: use one of {', '.join(ENCOUNTERS)}")


def next_step(kb: KnowledgeBase, code: str) -> tuple[tuple[str, ...], bool]:
    """A non-billable code's child codes, and whether they are its 7th-character completions."""
    kids = tuple(k.code for k in kb.children(code))
    seventh = bool(kids) and all(len(k.replace(".", "")) == 7 for k in kids) \
        and len(code.replace(".", "")) < 7 and bool(kb.seventh_characters(code))
    return kids, seventh


def seventh_for(meanings: dict[str, str], encounter: str) -> str | None:
    """The first 7th character whose meaning begins with the encounter (A for initial)."""
    for char, meaning in meanings.items():
        if meaning.lower().startswith(encounter):
            return char
    return None


def complete(kb: KnowledgeBase, printed: str, encounter: str | None = None) -> dict[str, Any]:
    """What a printed table code still needs, and the complete code when it can be said.

    ``T39.1X2`` (self-harm, acetaminophen) needs a 7th character: with *encounter* ``initial``
    the answer is ``T39.1X2A``; without one, ``encounter_codes`` lists each encounter's code.
    ``C50.9-`` lists the codes beneath with ``chosen_by`` naming what separates them.
    """
    if not printed:
        return {"code": None, "note": "no code in this column (the table prints '--')"}
    base = codes.without_dash(printed)
    c = kb.find(base)
    out: dict[str, Any] = {"code": base, "title": c.title if c else None, "billable": bool(c and c.billable)}
    if c is None:
        out["note"] = f"{base} is not a code of {kb.release}"
        return out
    if c.billable:
        return out
    kids, seventh = next_step(kb, base)
    out["children"] = list(kids)
    if seventh:
        meanings = kb.seventh_characters(base)
        out["seventh_characters"] = meanings
        by_encounter = {e: f"{c.code}{ch}" for e in ENCOUNTERS
                        if (ch := seventh_for(meanings, e)) and f"{c.code}{ch}" in kids}
        out["encounter_codes"] = by_encounter
        if encounter and encounter in by_encounter:
            full = kb.get(by_encounter[encounter])
            out.update(complete_code=full.code, complete_title=full.title, encounter=encounter)
            out["note"] = f"{full.code}: 7th character {full.code[-1]} ({meanings[full.code[-1]]})"
        else:
            out["note"] = ("a 7th character is needed (give the encounter): " + ", ".join(
                f"{k} {v}" for k, v in meanings.items()))
    else:
        under = kb.descendants(base, billable_only=True)
        out["codes_under"] = [{"code": k.code, "title": k.title} for k in under[:MAX_UNDER]]
        out["chosen_by"] = chosen_by([k.title for k in under])
        out["note"] = "more characters needed: choose one of its codes" + (
            f" (by {', '.join(out['chosen_by'])})" if out["chosen_by"] else "")
    return out


def chosen_by(titles: list[str]) -> list[str]:
    """What separates sibling codes: laterality, sex, else the words that differ.

    >>> chosen_by(["Malignant neoplasm of unspecified site of right female breast",
    ...            "Malignant neoplasm of unspecified site of left male breast"])
    ['laterality', 'sex']
    """
    if len(titles) < 2:
        return []
    sets = [set(words(t)) for t in titles]
    common = set.intersection(*sets)
    differing = set().union(*sets) - common
    out = [name for name, ws in _CHOOSERS if differing & ws]
    rest = sorted(differing - set().union(*(ws for _, ws in _CHOOSERS)) - {"unspecified", "side", "of"})
    if rest and not out:
        out.append("site or type (" + ", ".join(rest[:6]) + (" …" if len(rest) > 6 else "") + ")")
    return out
