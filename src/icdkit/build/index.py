"""Read the Alphabetic Index, the External Cause Index and the Drug and Neoplasm Tables.

Four books share one shape, a tree of terms in document order:

* ``index`` — Alphabetic Index to Diseases and Injuries: from the official XML
  (``ICD10CM.index``, with bracketed manifestation codes, ``subcat`` and ``seecat``) or from the
  flattened CSV bundled with icdkit (RowID, Letter, Level, Term, See, SeeAlso, NonEssModif,
  Code), which lost those three;
* ``eindex`` — External Cause of Injuries Index (same XML shape);
* ``drug`` — Table of Drugs and Chemicals: each row has cells for columns 2-7 (poisoning
  accidental, intentional self-harm, assault, undetermined; adverse effect; underdosing);
* ``neoplasm`` — Neoplasm Table: cells 2-7 (malignant primary, secondary, in situ, benign,
  uncertain behavior, unspecified behavior).

A term keeps its printed parts apart: the title, its nonessential modifiers (``nemod``, the
words in parentheses that do not change the code), the code as printed (a trailing ``-`` means
more characters are needed), the manifestation code printed in brackets, and the ``see`` /
``see also`` cross-references as text (:mod:`icdkit.build.xref` resolves them).
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

BOOKS = ("index", "eindex", "drug", "neoplasm")
CSV_HEADER = ["RowID", "Letter", "Level", "Term", "See", "SeeAlso", "NonEssModif", "Code"]
_SPACE = re.compile(r"\s+")


@dataclass(slots=True)
class Term:
    """One line of an index or table, ``parent`` being the position of its parent term."""

    book: str
    level: int  # 0 = main term
    parent: int | None
    title: str
    nemod: str = ""
    code: str = ""  # as printed: 'M54.2', 'S52.5-', '' when none
    manif: str = ""  # bracketed manifestation code (official XML only)
    see: str = ""
    see_also: str = ""
    subcat: str = ""  # 'see subcategory' target (external cause index)
    seecat: str = ""  # 'see category' target
    cells: tuple[str, ...] = field(default=())  # tables: columns 2-7, '' where none applies
    note: str = ""  # an instructional note printed under the term

    @property
    def printed_code(self) -> str:
        """The code the term leads to: its own, else its 'see subcategory' / 'see category'."""
        return self.code or self.subcat or self.seecat


def clean(text: str | None) -> str:
    """Collapse whitespace.

    >>> clean("  Hypertension,  cardiorenal ")
    'Hypertension, cardiorenal'
    """
    return _SPACE.sub(" ", text or "").strip()


def _cell(text: str) -> str:
    text = clean(text)
    return "" if text.strip("-") == "" else text


def _title(el: ET.Element | None) -> tuple[str, str]:
    """A <title>'s own words and its nonessential modifiers (``<nemod>``)."""
    if el is None:
        return "", ""
    words = [el.text or ""]
    nemods = []
    for child in el:
        if child.tag == "nemod":
            nemods.append(clean("".join(child.itertext())))
        else:  # <diff>/<new>/<unc> in addenda files: keep the text
            words.append("".join(child.itertext()))
        words.append(child.tail or "")
    return clean(" ".join(words)), " ".join(n for n in nemods if n)


def _text(el: ET.Element, tag: str) -> str:
    found = el.find(tag)
    return clean("".join(found.itertext())) if found is not None else ""


def read_xml(fh: IO[bytes], book: str) -> list[Term]:
    """Read an official index or table XML (root ``ICD10CM.index``) as terms of *book*."""
    root = ET.parse(fh).getroot()
    terms: list[Term] = []

    def walk(el: ET.Element, level: int, parent: int | None) -> None:
        title, nemod = _title(el.find("title"))
        cells = {int(c.get("col", "0")): _cell("".join(c.itertext())) for c in el.findall("cell")}
        terms.append(Term(
            book=book, level=level, parent=parent, title=title, nemod=nemod,
            code=_text(el, "code"), manif=_text(el, "manif"), see=_text(el, "see"),
            see_also=_text(el, "seeAlso"), subcat=_text(el, "subcat"), seecat=_text(el, "seecat"),
            cells=tuple(cells.get(c, "") for c in range(2, 8)) if cells else (),
        ))
        me = len(terms) - 1
        for child in el.findall("term"):
            walk(child, level + 1, me)

    for letter in root.findall("letter"):
        for main in letter.findall("mainTerm"):
            walk(main, 0, None)
    return terms


def read_csv(lines: Iterable[str]) -> list[Term]:
    """Read the flattened Alphabetic Index CSV (tree rebuilt from Level and row order)."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header != CSV_HEADER:
        raise ValueError(f"not a flattened index CSV: header {header!r}, expected {CSV_HEADER!r}")
    terms: list[Term] = []
    stack: list[int] = []  # positions of the open ancestors, by level
    for row in reader:
        if len(row) != len(CSV_HEADER):
            continue
        level = int(row[2])
        if row[3].startswith("Note:"):  # printed one level too high: it belongs to the open term
            owner = terms[stack[min(level, len(stack) - 1)]] if stack else None
            if owner is not None:
                owner.note = clean(" ".join(x for x in (owner.note, row[3], row[6]) if x))
            continue
        del stack[level:]
        parent = stack[-1] if stack and level > 0 else None
        terms.append(Term(book="index", level=level, parent=parent, title=clean(row[3]),
                          nemod=clean(row[6]), code=clean(row[7]), see=clean(row[4]),
                          see_also=clean(row[5])))
        stack.append(len(terms) - 1)
    return terms


def sniff_book(head: str, name: str) -> str | None:
    """Which book an ``ICD10CM.index`` XML holds, from its first bytes (or its file name).

    >>> sniff_book('<ICD10CM.index><indexHeading><head col="1">Substance</head>', "x.xml")
    'drug'
    >>> sniff_book('<ICD10CM.index><title>ICD-10-CM EXTERNAL CAUSE of INJURIES INDEX</title>', "y")
    'eindex'
    """
    if "<ICD10CM.index" not in head:
        return None
    low, name = head.lower(), name.lower()
    if re.search(r'<head col="1">\s*substance', low) or "drug" in name:
        return "drug"
    if re.search(r'<head col="1">\s*neoplasm', low) or "neoplasm" in name:
        return "neoplasm"
    if "external cause" in low or "eindex" in name:
        return "eindex"
    return "index"


def main_terms(terms: list[Term]) -> Iterator[int]:
    return (i for i, t in enumerate(terms) if t.parent is None)
