"""Numbers in queries and titles: Roman numerals as digits, and a number inside a printed range.

A coder types "stage V", "type II", "bmi 41"; the Index prints "stage 5", "type 2", and the
Tabular "Body mass index [BMI] 40.0-44.9, adult". The query's numbers choose, among sibling
codes, the one whose title holds them.

>>> digits(["ckd", "stage", "v"])
['ckd', 'stage', '5']
>>> fits("Body mass index [BMI] 40.0-44.9, adult", [41.0]), fits("BMI 19.9 or less, adult", [41.0])
(True, False)
>>> fit("Hypertensive chronic kidney disease with stage 1 through stage 4", [3.0])
1.0
"""

from __future__ import annotations

import re

_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8"}
_COUNTED = frozenset({"stage", "grade", "type", "class", "degree", "phase", "level", "tier", "cranial",
                      "nerve", "factor", "mobitz", "hyperlipoproteinemia", "ehlers", "danlos"})
_NUMBER = re.compile(r"(?<![A-Za-z0-9.])\d+(?:\.\d+)?(?![A-Za-z0-9])")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:-|through|to)\s*(?:[a-z]+ )?(\d+(?:\.\d+)?)")
_BELOW = re.compile(r"(\d+(?:\.\d+)?) or (?:less|fewer|under|below)")
_ABOVE = re.compile(r"(\d+(?:\.\d+)?)(?: or (?:greater|more|over|above)| and (?:over|above))")


def digits(tokens: list[str]) -> list[str]:
    """Roman numerals after a word that counts (stage, grade, type, class...) as digits."""
    return [_ROMAN.get(t, t) if i and tokens[i - 1] in _COUNTED else t for i, t in enumerate(tokens)]


def numbers(text: str) -> list[float]:
    """The numbers a query states ('bmi 41' -> [41.0]; a code's digits are not numbers)."""
    return [float(m) for m in _NUMBER.findall(text)]


def fits(title: str, wanted: list[float]) -> bool:
    """True when a number of *wanted* is printed in *title* or lies in a range it prints."""
    if not wanted:
        return False
    for lo, hi in _RANGE.findall(title):
        if any(float(lo) <= n <= float(hi) for n in wanted):
            return True
    for m in _BELOW.findall(title):
        if any(n <= float(m) for n in wanted):
            return True
    for m in _ABOVE.findall(title):
        if any(n >= float(m) for n in wanted):
            return True
    return any(n in wanted for n in numbers(title)) if not _RANGE.search(title) else False


def fit(title: str, wanted: list[float]) -> float:
    """+1 when the title holds a number the query states, -1 when it prints numbers but none
    of them (BMI 19.9 or less, for bmi 41), 0 when the query or the title has none."""
    if not wanted or not numbers(title):
        return 0.0
    return 1.0 if fits(title, wanted) else -1.0
