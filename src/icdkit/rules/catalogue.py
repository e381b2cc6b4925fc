"""The rule catalogue: one validated record per rule id (``data/rules.json``).

Each record says which family module applies the rule, its severity — fixed, by setting
(inpatient / unknown / outpatient) or by case — the kinds of source its findings cite, what it
reads (an MCE flag, a note kind, a table) and a one-line summary. The rules take their
severities from here, and the README's rule table is generated from it
(``python -m icdkit.rules.catalogue``), so a rule is described in one place.

>>> severity("questionable-admission", inpatient=True), severity("questionable-admission")
('warning', 'info')
>>> severity("code-first", case="manifestation-first")
'error'
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from icdkit.errors import IcdkitError
from icdkit.rules.findings import SEVERITIES

FAMILIES = ("codeset", "excludes", "sequencing", "mce", "info", "input")
SOURCE_KINDS = ("note", "table", "convention", "input")
SETTINGS = {True: "inpatient", None: "unknown", False: "outpatient"}
_REQUIRED = ("id", "family", "severity", "source_kinds", "reads", "summary")
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class CatalogueError(IcdkitError):
    """A rule catalogue that does not validate (a packaging error, named precisely)."""

    code = "catalogue-error"


@dataclass(frozen=True, slots=True)
class RuleRecord:
    """One rule: ``severity`` is a str, or a mapping (by setting or by case) of str."""

    id: str
    family: str
    severity: str | Mapping[str, str]
    by: str  # "" for a fixed severity, "setting" or "case"
    source_kinds: tuple[str, ...]
    reads: str
    summary: str

    def severities(self) -> tuple[str, ...]:
        """Every severity the rule can give, most severe first."""
        given = {self.severity} if isinstance(self.severity, str) else set(self.severity.values())
        return tuple(s for s in SEVERITIES if s in given)


def load(data: Mapping[str, Any]) -> dict[str, RuleRecord]:
    """Validate a catalogue (the parsed JSON) and index it by rule id: unknown keys, missing
    fields, unknown families, severities or source kinds and repeated ids are errors."""
    if set(data) - {"about", "rules"} or not isinstance(data.get("rules"), list):
        raise CatalogueError("rule catalogue: expected {'about', 'rules': [...]}")
    out: dict[str, RuleRecord] = {}
    for i, rec in enumerate(data["rules"]):
        where = f"rule catalogue, record {i + 1}"
        if not isinstance(rec, dict):
            raise CatalogueError(f"{where}: not an object")
        missing = [k for k in _REQUIRED if k not in rec]
        unknown = sorted(set(rec) - set(_REQUIRED))
        if missing or unknown:
            raise CatalogueError(f"{where} ({rec.get('id', '?')}): missing {missing}, unknown {unknown}")
        rid = rec["id"]
        if not isinstance(rid, str) or not _ID.fullmatch(rid) or rid in out:
            raise CatalogueError(f"{where}: id {rid!r} is not a new kebab-case rule id")
        if rec["family"] not in FAMILIES:
            raise CatalogueError(f"{where} ({rid}): family {rec['family']!r} is not one of {FAMILIES}")
        kinds = rec["source_kinds"]
        if not isinstance(kinds, list) or not kinds or any(k not in SOURCE_KINDS for k in kinds):
            raise CatalogueError(f"{where} ({rid}): source_kinds must list some of {SOURCE_KINDS}")
        for text in ("reads", "summary"):
            if not isinstance(rec[text], str) or not rec[text].strip():
                raise CatalogueError(f"{where} ({rid}): {text} must be a sentence")
        sev, by = _severity(where, rid, rec["severity"])
        out[rid] = RuleRecord(rid, rec["family"], sev, by, tuple(kinds), rec["reads"], rec["summary"])
    return out


def _severity(where: str, rid: str, sev: Any) -> tuple[str | Mapping[str, str], str]:
    if isinstance(sev, str) and sev in SEVERITIES:
        return sev, ""
    if isinstance(sev, dict) and len(sev) == 1:
        (by, table), = sev.items()
        ok_keys = by == "by_case" or (by == "by_setting" and set(table) == set(SETTINGS.values()))
        if ok_keys and isinstance(table, dict) and table and all(v in SEVERITIES for v in table.values()):
            return dict(table), by.removeprefix("by_")
    raise CatalogueError(f"{where} ({rid}): severity must be one of {SEVERITIES}, "
                         "{'by_setting': {inpatient, unknown, outpatient}} or {'by_case': {...}}")


@cache
def catalogue() -> dict[str, RuleRecord]:
    """The bundled catalogue, read and validated once."""
    text = files("icdkit").joinpath("data/rules.json").read_text(encoding="utf-8")
    return load(json.loads(text))


def severity(rule: str, *, inpatient: bool | None = None, case: str | None = None) -> str:
    """The severity of *rule*: fixed, for the setting (``inpatient`` True / None unknown /
    False outpatient) or for the named *case*."""
    rec = catalogue()[rule]
    if isinstance(rec.severity, str):
        return rec.severity
    key = SETTINGS[inpatient] if rec.by == "setting" else case or ""
    if key not in rec.severity:
        raise KeyError(f"{rule}: no severity for {key!r} (catalogue: {sorted(rec.severity)})")
    return rec.severity[key]


def markdown() -> str:
    """The README's rule table: rule, severity, what it stands on."""
    rows = ["| rule | severity | source |", "|---|---|---|"]
    for rec in catalogue().values():
        if isinstance(rec.severity, str):
            sev = rec.severity
        elif rec.by == "setting":
            sev = " / ".join(f"{s} {where}" for where, s in rec.severity.items())
        else:
            sev = " / ".join(rec.severities())
        rows.append(f"| `{rec.id}` | {sev} | {rec.summary} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover - prints the README table
    print(markdown(), end="")
