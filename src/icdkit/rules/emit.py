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

from json.encoder import encode_basestring_ascii
from typing import Generic, TypeVar

from icdkit.rules.findings import SEVERITIES, Finding
from icdkit.rules.render import finding_json

#: Stand for the first and second code's display form in a template (never in real text).
FIRST, SECOND = "\x00", "\x01"

T = TypeVar("T")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_FIRST_JSON, _SECOND_JSON = "\\u0000", "\\u0001"  # how finding_json writes them


def json_safe(shown: str) -> bool:
    """Whether *shown* stands in a JSON string as it is (true of every code's display form)."""
    return encode_basestring_ascii(shown)[1:-1] == shown


class Template:
    """A finding with FIRST / SECOND in its codes and message, and its JSON text split at
    SECOND, then each piece at FIRST: joining them back with the codes is the fastest fill."""

    __slots__ = ("chunks", "finding", "holes", "one", "rank", "three")

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        self.rank = _RANK[finding.severity]
        plain = "".join((*finding.codes, finding.message))
        firsts, seconds = plain.count(FIRST), plain.count(SECOND)
        self.holes = firsts + seconds
        text = finding_json(finding)
        # a note quoting "\u0000" literally would split wrongly: such templates render in full
        exact = text.count(_FIRST_JSON) == firsts and text.count(_SECOND_JSON) == seconds
        self.chunks = tuple(tuple(c.split(_FIRST_JSON)) for c in text.split(_SECOND_JSON)) if exact else None
        #: the pieces around FIRST when there is no SECOND (most findings): ``first.join(one)``
        self.one = self.chunks[0] if self.chunks is not None and len(self.chunks) == 1 else None
        #: the pieces when SECOND stands twice (codes and message, as in every pair finding)
        self.three = self.chunks if self.chunks is not None and len(self.chunks) == 3 else None

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
        chunks = self.chunks
        if chunks is None:
            return finding_json(self.fill(first, second))
        if self.one is not None:
            return first.join(self.one)
        if self.three is not None:
            c0, c1, c2 = self.three
            return second.join((first.join(c0), first.join(c1), first.join(c2)))
        return second.join([first.join(c) for c in chunks])


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
            one = t.one
            ranks[t.rank].append(first.join(one) if one is not None else t.json(first, second))

    def body(self) -> str:
        """The findings' JSON texts, as the items of a JSON array."""
        errors, warnings, infos = self.ranks
        return ", ".join(errors + warnings + infos if errors or warnings else infos)


Sink = FindingSink | JsonSink
