"""Where rules put their findings: as Finding objects (``check()``), or straight as JSON (batch).

A rule hands over either a complete :class:`Finding` or a :class:`Template`: a finding made
once with placeholders standing for one or two codes' display forms, and its JSON text split
at them. A batch writes ~20 findings per encounter, so its sink joins pre-rendered fragments
instead of building a Finding and rendering it; both sinks keep the order of ``check()``
(findings sorted by severity, stably).

>>> from icdkit.rules.findings import Source
>>> t = Template(Finding("unspecified", "warning", (FIRST,), f"{FIRST} is unspecified", Source("table", "t")))
>>> sink = JsonSink(); sink.put((t,), "R51.9"); sink.body() == finding_json(t.fill("R51.9"))
True
"""

from __future__ import annotations

import re
from json.encoder import encode_basestring
from typing import Generic, TypeVar

from icdkit.rules.findings import SEVERITIES, Finding
from icdkit.rules.render import finding_json

#: Stand for the first and second code's display form in a template (never in real text).
FIRST, SECOND = "\x00", "\x01"

T = TypeVar("T")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_HOLE = re.compile(r"\\u000([01])")  # how finding_json writes FIRST and SECOND


def json_safe(shown: str) -> bool:
    """Whether *shown* stands in a JSON string as it is (true of every code's display form)."""
    return encode_basestring(shown)[1:-1] == shown


class Template:
    """A finding with FIRST / SECOND in its codes and message, and its JSON as a format string
    with ``{0}`` / ``{1}`` in their place (the JSON itself when it has none)."""

    __slots__ = ("finding", "fmt", "holes", "rank")

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        self.rank = _RANK[finding.severity]
        text = "".join((*finding.codes, finding.message))
        self.holes = text.count(FIRST) + text.count(SECOND)
        text = finding_json(finding)
        pieces = _HOLE.split(text)
        fmt = "".join(p.replace("{", "{{").replace("}", "}}") if i % 2 == 0 else f"{{{p}}}"
                      for i, p in enumerate(pieces))
        # a note quoting "\u0000" literally would split wrongly: such templates render in full
        self.fmt: str | None = (fmt if self.holes else text) if len(pieces) // 2 == self.holes else None

    def fill(self, first: str = "", second: str = "") -> Finding:
        """The finding for these codes' display forms."""
        f = self.finding
        if not self.holes:
            return f
        codes = tuple(first if c == FIRST else second if c == SECOND else c for c in f.codes)
        message = f.message.replace(FIRST, first)
        if SECOND in message:
            message = message.replace(SECOND, second)
        return Finding(f.rule, f.severity, codes, message, f.source, f.suggestions)

    def json(self, first: str = "", second: str = "") -> str:
        """``finding_json(self.fill(first, second))``, from the pre-rendered text; *first*
        and *second* must be :func:`json_safe` (the display forms of codes are)."""
        fmt = self.fmt
        if fmt is None:
            return finding_json(self.fill(first, second))
        return fmt.format(first, second) if self.holes else fmt


class _Ranked(Generic[T]):
    """What a sink holds: one list per severity, in the order the rules put them."""

    __slots__ = ("ranks",)

    def __init__(self) -> None:
        self.ranks: tuple[list[T], ...] = tuple([] for _ in SEVERITIES)

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not self.ranks[0]


class FindingSink(_Ranked[Finding]):
    """Collects Finding objects, by severity (what ``check()`` returns)."""

    __slots__ = ()

    def add(self, finding: Finding) -> None:
        self.ranks[_RANK[finding.severity]].append(finding)

    def put(self, templates: tuple[Template, ...], first: str = "", second: str = "") -> None:
        ranks = self.ranks
        for t in templates:
            ranks[t.rank].append(t.fill(first, second))

    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for rank in self.ranks for f in rank)


class JsonSink(_Ranked[str]):
    """Collects the JSON text of each finding, by severity (what a batch writes)."""

    __slots__ = ()

    def add(self, finding: Finding) -> None:
        self.ranks[_RANK[finding.severity]].append(finding_json(finding))

    def put(self, templates: tuple[Template, ...], first: str = "", second: str = "") -> None:
        ranks = self.ranks
        for t in templates:
            ranks[t.rank].append(t.json(first, second))

    def body(self) -> str:
        """The findings' JSON texts, as the items of a JSON array."""
        return ", ".join(j for rank in self.ranks for j in rank)


Sink = FindingSink | JsonSink
