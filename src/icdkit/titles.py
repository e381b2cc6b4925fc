"""What a code's title adds to its parent's: the value of the axis that tells it from its siblings.

A neutral module (imports nothing of icdkit): the build works out relations across the whole
classification with it (codes of sibling categories sharing an axis value), the guide reads the
axes of one code with it, and both must cut titles the same way.

>>> added("Panniculitis affecting regions of neck and back, cervicothoracic region",
...       "Panniculitis affecting regions of neck and back")
'cervicothoracic region'
>>> added("Radiculopathy, cervicothoracic region", "Radiculopathy")
'cervicothoracic region'
>>> added("Fracture of unspecified part of neck of right femur",
...       "Fracture of unspecified part of neck of femur")
'right'
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_FILLER = frozenset({"of", "and", "the", "in", "a", "an", "or", "to", "for", "with", "by", "on"})


def segments(title: str) -> list[str]:
    """A title's comma-separated parts (commas inside brackets or parentheses do not cut)."""
    if "(" not in title and "[" not in title:
        return [p for p in (part.strip() for part in title.split(",")) if p]
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in title:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return [s for s in out if s]


@lru_cache(maxsize=1 << 16)
def added(title: str, parent_title: str) -> str:
    """The words of *title* its parent's title does not have (lower case): the parts after
    the shared comma parts, else the words the parent lacks, else the whole title."""
    mine = [s.lower() for s in segments(title)]
    theirs = {s.lower() for s in segments(parent_title)}
    extra = [s for s in mine if s not in theirs]
    if extra and len(extra) < len(mine):
        return ", ".join(extra)
    have = set(_WORD.findall(parent_title.lower()))
    words = [w for w in _WORD.findall(title.lower()) if w not in have]
    while words and words[0] in _FILLER:
        words.pop(0)
    while words and words[-1] in _FILLER:
        words.pop()
    return " ".join(words) if words else title.lower()
