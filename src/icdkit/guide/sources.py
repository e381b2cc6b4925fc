"""The sources of one guide: each cited thing registered once, with a stable id in order.

>>> c = Citations("FY2026")
>>> title = "Panniculitis affecting regions of neck and back, cervicothoracic region"
>>> c.add("tabular", "M54.03", title), c.add("tabular", "M54.03", title)
('s1', 's1')
"""

from __future__ import annotations

from icdkit.guide.model import Source
from icdkit.models import Note

#: How each kind of source is named on a page.
KIND_LABELS = {
    "tabular": "Tabular List",
    "tabular-note": "Tabular List note",
    "valid-code-set": "Valid-code set (MCE table)",
    "index": "Alphabetic Index",
    "drug-table": "Table of Drugs and Chemicals",
    "neoplasm-table": "Neoplasm Table",
    "mce": "Medicare Code Editor",
    "ms-drg": "MS-DRG v43 CC/MCC tables",
    "cms-hcc": "CMS-HCC mapping",
    "gem": "General Equivalence Mappings",
    "code-history": "Code history (valid-code set by date)",
    "convention": "ICD-10-CM conventions",
    "region-map": "icdkit region map",
}


class Citations:
    """Registers sources for one guide; ``add`` returns the id of an equal source if any."""

    def __init__(self, release: str) -> None:
        self.release = release
        self._ids: dict[tuple[str, str, str, str], str] = {}
        self._all: list[Source] = []

    def add(self, kind: str, at: str, text: str, release: str | None = None) -> str:
        rel = release or self.release
        k = (kind, rel, at, text)
        got = self._ids.get(k)
        if got is None:
            got = self._ids[k] = f"s{len(self._all) + 1}"
            self._all.append(Source(got, kind, rel, at, text))
        return got

    def note(self, n: Note) -> str:
        """Cite a tabular note where it stands (``Excludes1: lupus panniculitis (L93.2)``)."""
        return self.add("tabular-note", n.source, f"{_LABEL.get(n.kind, n.kind)}: {n.text}")

    def all(self) -> tuple[Source, ...]:
        return tuple(self._all)


_LABEL = {
    "includes": "Includes",
    "inclusion_term": "Inclusion term",
    "excludes1": "Excludes1",
    "excludes2": "Excludes2",
    "code_first": "Code first",
    "use_additional": "Use additional code",
    "code_also": "Code also",
    "note": "Note",
    "seventh_note": "7th character note",
}
