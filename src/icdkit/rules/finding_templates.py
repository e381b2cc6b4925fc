"""Finding templates: a finding made once with placeholders (FIRST, SECOND) standing for one
or two codes' display forms, and its JSON text split at them.

Many codes share a finding but for their display forms (an instruction inherited from a
category, an MCE edit in force over a period), so a rule gives a :class:`Template` and the
evaluator (columnar.py) keeps its JSON pieces once (finding_text.py), filling the holes with each
row's codes as it writes the row's line.

>>> from icdkit.rules.findings import Source
>>> t = Template(Finding("unspecified", "warning", (FIRST,), f"{FIRST} is unspecified", Source("table", "t")))
>>> t.chunks[0][:2]
('{"rule": "unspecified", "severity": "warning", "codes": ["', '"], "message": "')
>>> t.json("R51.9") == finding_json(t.fill("R51.9"))
True
"""

from __future__ import annotations

import re
from json.encoder import encode_basestring_ascii

from icdkit.rules.findings import SEVERITIES, Finding
from icdkit.rules.render import finding_json

#: Stand for the first and second code's display form in a template (never in real text).
FIRST, SECOND = "\x00", "\x01"

_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_FIRST_JSON, _SECOND_JSON = "\\u0000", "\\u0001"  # how finding_json writes them
_HOLE = re.compile(f"([{FIRST}{SECOND}])")
_CODES, _MESSAGE = '"codes": [', '], "message": "'
_EMPTY = f'{_CODES}{_MESSAGE}"'  # the codes and message of a finding with none, as finding_json writes them


def json_safe(shown: str) -> bool:
    """Whether *shown* stands in a JSON string as it is (true of every code's display form)."""
    return encode_basestring_ascii(shown)[1:-1] == shown


class Template:
    """A finding with FIRST / SECOND in its codes and message, and its JSON text split at
    SECOND, then each piece at FIRST (``chunks``): joining them back with the codes is the
    fastest fill, and the evaluator's pieces (finding_text.py) are these chunks."""

    __slots__ = ("chunks", "finding", "holes", "one", "rank", "three")

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        self.rank = _RANK[finding.severity]
        self.holes = sum(s.count(FIRST) + s.count(SECOND) for s in (*finding.codes, finding.message))
        self.chunks = _split(finding)
        #: the pieces around FIRST when there is no SECOND (most findings): ``first.join(one)``
        self.one = self.chunks[0] if len(self.chunks) == 1 else None
        #: the pieces when SECOND stands twice (codes and message, as in every pair finding)
        self.three = self.chunks if len(self.chunks) == 3 else None

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
        if self.one is not None:
            return first.join(self.one)
        if self.three is not None:
            c0, c1, c2 = self.three
            return second.join((first.join(c0), first.join(c1), first.join(c2)))
        return second.join([first.join(c) for c in self.chunks])


def _split(f: Finding) -> tuple[tuple[str, ...], ...]:
    """``finding_json(f)`` cut at each FIRST and SECOND of its codes and message: split at
    SECOND, then each piece at FIRST. Cut where the codes and message stand, not where their
    escapes are found in the text, so a note quoting ``\\u0000`` (or holding a NUL) in its
    source is never cut: every template splits (``Template.fill`` fills the same places)."""
    empty = finding_json(Finding(f.rule, f.severity, (), "", f.source, f.suggestions))
    head, found, tail = empty.partition(_EMPTY)  # (a quote in a JSON string is escaped: found once)
    assert found, empty
    chunks: list[list[str]] = [[f"{head}{_CODES}"]]

    def field(text: str) -> None:
        for part in _HOLE.split(text):
            if part == FIRST:
                chunks[-1].append("")
            elif part == SECOND:
                chunks.append([""])
            else:
                chunks[-1][-1] += encode_basestring_ascii(part)[1:-1]  # (escapes are per character)

    for i, code in enumerate(f.codes):
        chunks[-1][-1] += ', "' if i else '"'
        field(code)
        chunks[-1][-1] += '"'
    chunks[-1][-1] += _MESSAGE
    field(f.message)
    chunks[-1][-1] += f'"{tail}'
    got = tuple(tuple(c) for c in chunks)
    assert _SECOND_JSON.join(_FIRST_JSON.join(c) for c in got) == finding_json(f), f
    return got
