"""Read the official Tabular List XML (``ICD10CM.tabular``) into rows.

The XML nests ``chapter → section → diag → diag …``; each element may carry instructional
notes. We flatten it into :class:`Node` rows (chapter, block, category, subcategory, code)
and :class:`NoteRow` rows (each note kept with the node it stands on), and expand
7th characters: a leaf ``diag`` under a ``sevenChrDef`` (its own or an ancestor's) becomes
one code per 7th character, padded with the placeholder ``X`` (``S13.4`` → ``S13.4XXA``).
Which of those expansions are *valid* is decided later by the valid-code set.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import IO

from icdkit.codes import dotted, with_placeholder

NOTE_KINDS = {
    "includes": "includes",
    "inclusionTerm": "inclusion_term",
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "codeFirst": "code_first",
    "useAdditionalCode": "use_additional",
    "codeAlso": "code_also",
    "notes": "note",
    "sevenChrNote": "seventh_note",
}
_RANGE_SUFFIX = re.compile(r"\s*\(([A-Z][0-9A-Z.]*(?:-[A-Z][0-9A-Z.]*)?)\)\s*$")


@dataclass(slots=True)
class Node:
    key: str
    code: str
    kind: str  # chapter | block | category | subcategory | code
    title: str
    parent: str | None
    chapter: str
    block: str | None
    depth: int
    seq: int
    leaf: bool = False
    seventh_owner: str | None = None  # node whose sevenChrDef governs this one
    synthesized: bool = False  # made by 7th-character expansion
    first: str | None = None  # chapters and blocks: first and last category
    last: str | None = None


@dataclass(slots=True)
class NoteRow:
    owner: str
    kind: str
    text: str
    seq: int


@dataclass(slots=True)
class Tabular:
    version: str
    nodes: list[Node] = field(default_factory=list)
    notes: list[NoteRow] = field(default_factory=list)
    # owner, char, meaning, terms: the JSON list of the lines the Tabular prints under a
    # character ('initial encounter for open fracture NOS' under S72's B)
    seventh: list[tuple[str, str, str, str]] = field(default_factory=list)


def _text(el: ET.Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _split_range(desc: str) -> tuple[str, str | None]:
    m = _RANGE_SUFFIX.search(desc)
    return (desc[: m.start()], m[1]) if m else (desc, None)


class _Reader:
    def __init__(self) -> None:
        self.out = Tabular(version="")
        self.seq = 0
        self.seventh_defs: dict[str, list[tuple[str, str]]] = {}

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def notes(self, owner: str, el: ET.Element) -> None:
        for child in el:
            kind = NOTE_KINDS.get(child.tag)
            if kind:
                for n in child.findall("note"):
                    self.out.notes.append(NoteRow(owner, kind, _text(n), self._next()))
            elif child.tag == "sevenChrDef":
                self.seventh_def(owner, child)

    def seventh_def(self, owner: str, el: ET.Element) -> None:
        """A ``sevenChrDef``: its characters, each with the ``<note>`` lines printed under it.

        A note inside the definition belongs to the character before it (S72: B "initial
        encounter for open fracture type I or II", then "initial encounter for open fracture
        NOS" — the book's indented line under B); one before any character stands on the
        definition as a whole and is kept as a 7th-character note.
        """
        defs: list[tuple[str, str, list[str]]] = []
        for item in el:
            if item.tag == "extension":
                defs.append((item.get("char", ""), _text(item), []))
            elif item.tag == "note" and defs:
                defs[-1][2].append(_text(item))
            elif item.tag == "note":
                self.out.notes.append(NoteRow(owner, "seventh_note", _text(item), self._next()))
        self.seventh_defs[owner] = [(c, m) for c, m, _ in defs]
        self.out.seventh.extend((owner, c, m, json.dumps(t)) for c, m, t in defs)

    def chapter(self, el: ET.Element) -> None:
        num = _text(el.find("name"))
        title, rng = _split_range(_text(el.find("desc")))
        first, _, last = (rng or "-").partition("-")
        self.out.nodes.append(
            Node(num, num, "chapter", title, None, num, None, 0, self._next(), first=first, last=last)
        )
        self.notes(num, el)
        for sec in el.findall("section"):
            self.section(sec, num)

    def section(self, el: ET.Element, chapter: str) -> None:
        shown = el.get("id", "")
        title, _ = _split_range(_text(el.find("desc")))
        first, _, last = shown.partition("-")
        # A one-category section ("B20") shares its id with its category: key every block as
        # first-last ("B20-B20") so the two stay distinct; it is still shown as the official id.
        block = f"{first}-{last or first}"
        self.out.nodes.append(
            Node(block, shown, "block", title, chapter, chapter, shown, 1, self._next(),
                 first=first, last=last or first)
        )
        self.notes(block, el)
        for diag in el.findall("diag"):
            self.diag(diag, block, chapter, shown, 2, None)

    def diag(self, el: ET.Element, parent: str, chapter: str, block: str, depth: int,
             seventh: str | None) -> None:
        k = _text(el.find("name")).replace(".", "")
        title = _text(el.find("desc"))
        kids = el.findall("diag")
        if el.find("sevenChrDef") is not None:
            seventh = k
        kind = "category" if len(k) == 3 else ("subcategory" if kids else "code")
        node = Node(k, dotted(k), kind, title, parent, chapter, block, depth, self._next(),
                    leaf=not kids, seventh_owner=seventh)
        self.out.nodes.append(node)
        self.notes(k, el)
        for kid in kids:
            self.diag(kid, k, chapter, block, depth + 1, seventh)
        if not kids and seventh:
            node.kind = "subcategory" if len(k) > 3 else "category"
            for char, meaning in self.seventh_defs[seventh]:
                ck = with_placeholder(k, char)
                self.out.nodes.append(
                    Node(ck, dotted(ck), "code", f"{title}, {meaning}", k, chapter, block,
                         depth + 1, self._next(), leaf=True, seventh_owner=seventh,
                         synthesized=True)
                )


def read_tabular(stream: IO[bytes]) -> Tabular:
    """Parse a Tabular List XML stream into nodes, notes and 7th-character definitions."""
    root = ET.parse(stream).getroot()
    if root.tag != "ICD10CM.tabular":
        raise ValueError(f"not a Tabular List XML (root element {root.tag!r})")
    reader = _Reader()
    reader.out.version = _text(root.find("version"))
    for ch in root.findall("chapter"):
        reader.chapter(ch)
    return reader.out
