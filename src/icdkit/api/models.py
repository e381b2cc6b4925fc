"""Pydantic models of the REST API's bodies: the OpenAPI schema of each request and answer.

Answers are built by the library (:func:`icdkit.lookup.describe_code`, ``Result.to_json``,
``Report.to_dict`` …) and sent as they are — these models document them (and the test suite
checks every answer against them); requests are parsed through them.

>>> EncounterIn(codes=["M54.2", "M50.20"], age=54, sex="F").codes
['M54.2', 'M50.20']
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    """An answer object: the fields listed are always there; later versions may add more."""

    model_config = ConfigDict(extra="allow")


class CodeBrief(_Open):
    code: str = Field(examples=["M54.03"])
    title: str
    billable: bool
    kind: str = Field(description="chapter, block, category, subcategory or code")


class ChapterRef(_Open):
    number: str
    title: str


class BlockRef(_Open):
    range: str = Field(examples=["M50-M54"])
    title: str


class NoteOut(_Open):
    text: str
    source: str = Field(description="the code, block or chapter the note stands on")
    source_kind: str
    inherited: bool
    refs: list[dict[str, Any]] = Field(description="the code references inside the note, parsed")


class Period(_Open):
    from_: str = Field(alias="from")
    to: str


class Mce(_Open):
    date: str
    flags: list[str]
    age_ranges: dict[str, dict[str, int]]


class OnDate(_Open):
    date: str
    valid: bool
    mce_flags: list[str]


class CodeRecord(_Open):
    """Everything known about one code (the ``icdkit lookup --json`` contract)."""

    code: str
    title: str | None = Field(description="null only when no bundled file holds the code's title")
    kind: str
    billable: bool
    release: str
    release_label: str
    chapter: ChapterRef | None
    block: BlockRef | None
    parent: str | None
    ancestors: list[CodeBrief]
    children: list[CodeBrief]
    siblings: list[CodeBrief]
    notes: dict[str, list[NoteOut]] = Field(
        description="includes, inclusion_terms, excludes1, excludes2, code_first, use_additional, "
                    "code_also, notes, seventh_character_note: own and inherited, each citing its source")
    seventh_characters: dict[str, str]
    valid_from: str | None
    valid_to: str | None
    validity: list[Period]
    cc_mcc: str | None
    cc_mcc_pdx_exclusion_collection: int | None
    hcc: list[dict[str, Any]]
    mce: Mce
    index_entries: list[dict[str, Any]]
    sources: dict[str, Any]
    status: str = Field(description="billable, header, deleted, not-yet-valid or not-in-tabular")
    status_date: str = Field(description="the date status is for (?date=, else the release's effective date)")
    title_source: dict[str, Any] = Field(description="kind tabular, composed or unknown, and where from")
    nearest_ancestor: dict[str, Any] | None = Field(
        default=None, description="for a code no bundled tabular holds: the ancestor its facts come from")
    short_title: str | None = None
    billable_descendants: list[str] | None = None
    seventh_character_required: bool | None = None
    on_date: OnDate | None = None
    replacements: list[CodeBrief] | None = None


class Matched(_Open):
    via: str = Field(description="index, eindex, drug, neoplasm, title, inclusion or code")
    path: str


class SearchResult(_Open):
    code: str
    title: str
    billable: bool
    score: float
    matched: Matched


class SearchAnswer(_Open):
    query: str
    release: str
    results: list[SearchResult]


class IndexAnswer(_Open):
    term: str
    book: str = Field(description="index (Alphabetic Index) or eindex (External Cause Index)")
    release: str
    entries: list[dict[str, Any]] = Field(description="each matching term with its subterms, codes, "
                                                      "see / see also")


class TableAnswer(_Open):
    query: str
    table: str
    column: str | None
    release: str
    rows: list[dict[str, Any]]


class ReleaseOut(_Open):
    id: str = Field(examples=["FY2026"])
    label: str
    bundled: bool
    built: bool
    effective: str | None = Field(description="date the release takes effect (YYYY-MM-DD), when built")
    serving: bool = Field(description="the server's default release")


class ReleasesAnswer(_Open):
    releases: list[ReleaseOut]
    serving: str


class Health(_Open):
    status: str
    release: str
    label: str
    version: str


class Browse(_Open):
    """A node of the classification and the nodes one step beneath it."""

    code: str
    title: str
    kind: str
    release: str
    children: list[CodeBrief]


class ChaptersAnswer(_Open):
    release: str
    chapters: list[CodeBrief]


class EncounterIn(BaseModel):
    """One encounter: its diagnosis codes (principal / first-listed first) and context."""

    model_config = ConfigDict(extra="forbid")

    codes: list[str] | str = Field(description="codes, principal first (a list, or text separated by "
                                               "spaces or commas); at most 100",
                                   examples=[["M54.2", "M50.20"]])
    age: int | str | None = Field(default=None, description="age in whole years, 0-124")
    sex: str | None = Field(default=None, description="F or M")
    date: str | None = Field(default=None, description="date of service, YYYY-MM-DD")
    setting: str | None = Field(default=None, description="inpatient or outpatient")


class FindingOut(_Open):
    rule: str
    severity: str = Field(description="error, warning or info")
    codes: list[str]
    message: str
    source: dict[str, str] = Field(description="kind, text, and at / release / table when given")
    suggestions: list[str]


class ReportOut(_Open):
    """The ``icdkit check --json`` contract."""

    ok: bool
    release: str
    date: str | None
    findings: list[FindingOut]
