"""Code references inside instructional notes.

Notes cite codes in parentheses, in several shapes:

============================  ==========================================
``(L93.2)``                   one code (and everything beneath it)
``(M50.-)``, ``(M51.1-)``     a code whose further characters are open
``(S00-T88)``, ``(A04.0-A04.4)``  a range, both ends inclusive
``(F10.-, F11.-)``            a list of any of the above
``(E08-E13 with .44)``        a range narrowed by a qualifier
``(T36-T50 with fifth or sixth character 5)``
============================  ==========================================

Each reference becomes a :class:`Ref`: a closed interval of code keys ``[lo, hi]`` (a code
covers its descendants, so ``L93.2`` is ``L932 .. L932~``) plus an optional positional filter.
Qualifiers we cannot read are kept as text and the reference is marked ``approximate``.

>>> [r.pattern for r in parse_refs("lupus panniculitis (L93.2)")]
['L93.2']
>>> r = parse_refs("injuries (S00-T88)")[0]; (r.lo, r.hi)
('S00', 'T88~')
>>> r = parse_refs("diabetes with neuropathy (E08-E13 with .40)")[0]; r.matches("E1140")
True
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?"
# A wildcard dash is one not followed by another code (else it is a range separator).
_WILD = r"(?:\.?-(?!\s*-?\s*[A-Z][0-9]))"
_REF_RE = re.compile(
    rf"(?<![A-Za-z0-9])(?P<a>{_CODE})(?P<aw>{_WILD})?"
    rf"(?:\s*(?:-\s*-?|to)\s*(?P<b>{_CODE})(?P<bw>{_WILD})?)?(?![A-Za-z0-9])"
)
_PAREN_RE = re.compile(r"\(([^()]*)\)")
_ORDINALS = {
    "fourth": 3, "4th": 3, "fifth": 4, "5th": 4, "sixth": 5, "six": 5, "6th": 5,
    "seventh": 6, "7th": 6,
}
_POSITION_RE = re.compile(
    r"with\s+(?P<pos>(?:(?:fourth|fifth|sixth|six|seventh|4th|5th|6th|7th)(?:\s*(?:or|to)\s*)?)+)"
    r"[\s-]*characters?\s+(?P<chars>[.0-9A-Z](?:[0-9A-Z,\s-]|or\b)*)",
)
_SUFFIX_RE = re.compile(r"with\s+(?:final\s+characters?\s+)?\.[0-9A-Z]")


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a set of codes, as written in a note and as a key interval."""

    pattern: str
    lo: str
    hi: str
    positions: tuple[tuple[int, str], ...] = field(default=())
    suffixes: tuple[str, ...] = field(default=())
    qualifier: str = ""
    approximate: bool = False

    def matches(self, k: str) -> bool:
        """True when code key *k* lies in this reference's set."""
        if not (self.lo <= k <= self.hi):
            return False
        if self.positions and not any(len(k) > p and k[p] in chars for p, chars in self.positions):
            return False
        return not self.suffixes or any(k[3:].startswith(s) for s in self.suffixes)


def _bound(code: str) -> str:
    return code.replace(".", "").rstrip("-")


def _chars(spec: str) -> str:
    out: set[str] = set()
    for part in re.split(r",|\bor\b", spec):
        part = part.strip().strip(".")
        m = re.fullmatch(r"([0-9A-Z])\s*-\s*([0-9A-Z])", part)
        if m:
            out.update(chr(c) for c in range(ord(m[1]), ord(m[2]) + 1))
        elif re.fullmatch(r"[0-9A-Z]", part):
            out.add(part)
    return "".join(sorted(out))


def _qualify(text: str) -> tuple[tuple[tuple[int, str], ...], tuple[str, ...], bool]:
    """Read a trailing qualifier; return (positions, suffixes, understood)."""
    m = _POSITION_RE.search(text)
    if m:
        chars = _chars(m["chars"])
        positions = tuple(
            (_ORDINALS[w], chars) for w in re.findall(r"[a-z0-9]+", m["pos"]) if w in _ORDINALS
        )
        return positions, (), bool(chars and positions)
    if _SUFFIX_RE.match(text):
        parts = tuple(re.findall(r"\.([0-9A-Z]+)", text))
        return (), parts, bool(parts)
    return (), (), False


def _pattern(a: str, aw: str | None, b: str | None, bw: str | None) -> str:
    """Normalised display of a reference: ``M50.-``, ``M51.1-``, ``S00-T88``."""

    def one(c: str, wild: str | None) -> str:
        c = c.rstrip(".")
        if not wild:
            return c
        return f"{c}.-" if len(c) == 3 else f"{c}-"

    if not b:
        return one(a, aw)
    return f"{one(a, aw)} to {one(b, bw)}" if aw else f"{one(a, aw)}-{one(b, bw)}"


#: note kinds whose references may stand outside parentheses ("hearing loss as classified in H90.-")
BARE_KINDS = frozenset({"excludes1", "excludes2"})


def parse_refs(text: str, *, bare: bool = False) -> tuple[Ref, ...]:
    """Parse every code reference inside the parentheses of *text*.

    With *bare* (Excludes notes: :data:`BARE_KINDS`), a note that has no reference in
    parentheses is read whole, for the few the Tabular prints without them:

    >>> [r.pattern for r in parse_refs("hearing loss as classified in H90.-", bare=True)]
    ['H90.-']
    >>> [r.pattern for r in parse_refs("conditions classifiable to S06.0- to S06.8-code to ...", bare=True)]
    ['S06.0- to S06.8']

    A note with references in parentheses is never read outside them: there the bare codes
    describe the condition ("pneumoconiosis with tuberculosis, any type in A15 (J65)") and
    words such as "vitamin B12" are not codes.
    """
    refs = _parse_groups(_PAREN_RE.findall(text))
    if refs or not bare:
        return refs
    first = _REF_RE.search(text)  # bare: a "with" before the first code is the condition's own
    return _parse_groups([text[first.start():]]) if first else ()


def _parse_groups(groups: list[str]) -> tuple[Ref, ...]:
    refs: list[Ref] = []
    for group in groups:
        # "with ..." qualifiers apply to the references before them in the same group.
        head, sep, tail = group.partition(" with")
        qualifier = f"with{tail}".strip() if sep else ""
        positions: tuple[tuple[int, str], ...] = ()
        suffixes: tuple[str, ...] = ()
        approximate = False
        if qualifier:
            positions, suffixes, understood = _qualify(qualifier)
            approximate = not understood
        for m in _REF_RE.finditer(head):
            a, b = _bound(m["a"]), _bound(m["b"]) if m["b"] else None
            lo, hi = a, (b or a) + "~"
            refs.append(
                Ref(
                    pattern=_pattern(m["a"], m["aw"], m["b"], m["bw"]),
                    lo=lo,
                    hi=hi,
                    positions=positions,
                    suffixes=suffixes,
                    qualifier=qualifier,
                    approximate=approximate,
                )
            )
    return tuple(refs)


def describe(ref: Ref) -> str:
    """The reference as a user would write it, with its qualifier."""
    return f"{ref.pattern} {ref.qualifier}".strip()




class RefSet:
    """Many references, answering "which of them cover this key?" quickly.

    Their intervals are merged and bisected, so a key no reference can cover is rejected
    in one lookup; only keys inside a merged interval are tested against each reference.

    >>> s = RefSet(parse_refs("(M50.-) (S00-T88)"))
    >>> s.hits("M5020"), s.hits("M5403")
    ([0], [])
    """

    __slots__ = ("_ends", "_members", "_starts", "_sure", "edges", "refs")

    def __init__(self, refs: tuple[Ref, ...] | list[Ref]) -> None:
        self.refs = tuple(refs)
        merged: list[tuple[str, str, list[int]]] = []  # (lo, hi, indexes of its references)
        for lo, hi, i in sorted((r.lo, r.hi, i) for i, r in enumerate(self.refs)):
            if merged and lo <= merged[-1][1]:
                last = merged[-1]
                merged[-1] = (last[0], max(last[1], hi), [*last[2], i])
            else:
                merged.append((lo, hi, [i]))
        self._starts = [m[0] for m in merged]
        self._ends = [m[1] for m in merged]
        self._members = [tuple(sorted(m[2])) for m in merged]
        # a merged interval that is one reference without qualifier: a key inside it is covered
        self._sure = [len(m[2]) == 1 and not (self.refs[m[2][0]].positions or self.refs[m[2][0]].suffixes)
                      for m in merged]
        #: The merged intervals as one sorted list: start, end + NUL, start, …; a key (never
        #: holding NUL) lies in one of them iff ``bisect_right(edges, key)`` is odd. A key
        #: outside them all is never covered.
        self.edges = [e for m in merged for e in (m[0], m[1] + "\0")]

    def _near(self, key: str) -> tuple[int, ...]:
        """Indexes of the references whose merged interval holds *key* (none: no reference can)."""
        i = bisect_right(self._starts, key) - 1
        return self._members[i] if i >= 0 and key <= self._ends[i] else ()

    def _sure_or_near(self, key: str) -> tuple[bool, tuple[int, ...]]:
        """:meth:`_near`, and whether its one reference surely covers *key*."""
        i = bisect_right(self._starts, key) - 1
        return (self._sure[i], self._members[i]) if i >= 0 and key <= self._ends[i] else (False, ())

    def may_cover(self, key: str) -> bool:
        return bool(self._near(key))

    def hits(self, key: str) -> list[int]:
        """Indexes of the references covering *key*, in order."""
        sure, near = self._sure_or_near(key)
        if sure:
            return list(near)
        refs = self.refs
        return [i for i in near if refs[i].matches(key)]

    def covers(self, key: str) -> bool:
        sure, near = self._sure_or_near(key)
        if sure:
            return True
        refs = self.refs
        return any(refs[i].matches(key) for i in near)


__all__ = ["Ref", "RefSet", "describe", "parse_refs"]
