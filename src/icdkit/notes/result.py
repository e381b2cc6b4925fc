"""What note coding returns: frozen records with ``to_json()`` in the CLI's and API's shape.

>>> Evidence(10, 22, "hypertension").to_json()
{'start': 10, 'end': 22, 'text': 'hypertension'}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Evidence:
    start: int  # character offsets into the note
    end: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True, slots=True)
class SuggestedCode:
    """A code a coder would assign, with the words that support it and how it was reached."""

    code: str
    title: str
    evidence: tuple[Evidence, ...]
    assertion: str  # present | uncertain (inpatient, coded as established) | historical | family
    why: str  # the Index path, Table cell or rule that produced it
    trigger: str | None = None  # the ConText trigger that decided the assertion
    section: str = ""
    rules: tuple[str, ...] = field(default=())  # guideline sections applied

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "title": self.title, "evidence": [e.to_json() for e in self.evidence],
                "assertion": self.assertion, "trigger": self.trigger, "section": self.section,
                "why": self.why, "rules": list(self.rules)}


@dataclass(frozen=True, slots=True)
class NotCoded:
    """A mention deliberately left out, and why (negated, family, uncertain outpatient…)."""

    text: str
    start: int
    end: int
    reason: str
    code: str | None = None  # the code the words would have had
    trigger: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end, "reason": self.reason,
                "code": self.code, "trigger": self.trigger}


@dataclass(frozen=True, slots=True)
class Choice:
    code: str
    title: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "title": self.title}


@dataclass(frozen=True, slots=True)
class Gap:
    """What the note does not say for a specific or billable code, and the codes to choose from."""

    text: str  # the question for the provider: 'which side? (right, left, bilateral)'
    code: str  # the code assigned (or the header reached)
    axis: str  # side | region | acuity | type | stage | encounter | …
    choices: tuple[Choice, ...]
    start: int | None = None
    end: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "code": self.code, "axis": self.axis,
                "choices": [c.to_json() for c in self.choices], "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class CodingResult:
    codes: tuple[SuggestedCode, ...]
    not_coded: tuple[NotCoded, ...]
    gaps: tuple[Gap, ...]
    findings: tuple[dict[str, Any], ...]  # the validator's findings on the codes, as check --json
    release: str
    setting: str

    @property
    def code_list(self) -> list[str]:
        return [c.code for c in self.codes]

    def to_json(self) -> dict[str, Any]:
        return {"release": self.release, "setting": self.setting,
                "codes": [c.to_json() for c in self.codes],
                "not_coded": [n.to_json() for n in self.not_coded],
                "gaps": [g.to_json() for g in self.gaps], "findings": list(self.findings)}
