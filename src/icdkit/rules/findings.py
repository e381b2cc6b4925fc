"""What a check returns: findings that each cite the rule they come from.

>>> f = Finding("non-billable", "error", ("M54.0",), "M54.0 is a header", Source("convention", "x"))
>>> Report((f,)).ok
False
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a rule comes from: a note (text + the node it stands on), a table, a convention."""

    kind: str  # note | table | convention | input
    text: str  # the note's text, the edit's name, or the convention in a sentence
    at: str | None = None  # code, block or chapter the note stands on
    release: str | None = None  # tabular release of a note
    table: str | None = None  # edit table (MCE, MS-DRG, CMS-HCC) and its version

    def to_dict(self) -> dict[str, str]:
        """kind and text, then whichever of at, release and table are given."""
        d = {"kind": self.kind, "text": self.text}
        for name in ("at", "release", "table"):
            value = getattr(self, name)
            if value is not None:
                d[name] = value
        return d


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str  # stable id: invalid-code, non-billable, excludes1, …
    severity: str  # error | warning | info
    codes: tuple[str, ...]
    message: str
    source: Source
    suggestions: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "codes": list(self.codes),
                "message": self.message, "source": self.source.to_dict(),
                "suggestions": list(self.suggestions)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        """The finding :meth:`to_dict` gave *d* for (as JSON reads it back)."""
        return cls(d["rule"], d["severity"], tuple(d["codes"]), d["message"], Source(**d["source"]),
                   tuple(d["suggestions"]))


@dataclass(frozen=True, slots=True)
class Encounter:
    """One encounter's diagnosis codes (principal / first-listed first) and context."""

    codes: tuple[str, ...]
    age: int | None = None
    sex: str | None = None  # 'F' or 'M'
    date: dt.date | None = None
    setting: str | None = None  # 'inpatient' or 'outpatient'


@dataclass(frozen=True, slots=True)
class Report:
    findings: tuple[Finding, ...]
    release: str = ""
    date: str | None = None
    date_source: str = "default"  # "given", or "default": the release's effective date
    release_label: str = ""  # 'FY2026 (April 1, 2026 update)'

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not any(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "release": self.release, "release_label": self.release_label or self.release,
                "date": self.date, "date_source": self.date_source,
                "findings": [f.to_dict() for f in self.findings]}
