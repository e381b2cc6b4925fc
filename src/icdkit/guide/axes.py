"""The axes that tell a code from its siblings, found by comparing titles across the tree.

Each level from a code up to its category adds words to its parent's title
(:func:`icdkit.titles.added`): M54.03 adds "cervicothoracic region" to M54.0, S72.001 adds
"right" to S72.00. Those words are matched against a small vocabulary of axis words
(``data/axes.tsv``: laterality, encounter, acuity, stage, trimester, severity, with/without,
site or region); no match means the axis is the *type* of the condition.

>>> [classify(v)[0] for v in ("cervicothoracic region", "right", "initial encounter for closed fracture")]
['region', 'laterality', 'encounter']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from icdkit.guide.model import OpenAxis
from icdkit.guide.sources import Citations
from icdkit.kb import KnowledgeBase
from icdkit.models import Code
from icdkit.titles import added

_LEVELS = ("subcategory", "code")  # kinds whose title adds an axis value to their parent's


@dataclass(frozen=True, slots=True)
class Level:
    """One step from a code to its parent: the axis it decides and this code's value there."""

    node: Code
    parent: Code
    axis: str
    label: str
    value: str
    unspecified: Code | None  # the sibling reported when this axis is not documented
    siblings: tuple[Code, ...]

    @property
    def is_unspecified(self) -> bool:
        return _unspecified(self.value)


@lru_cache(maxsize=1)
def vocabulary() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    """(axis, label, pattern of its phrases) from ``data/axes.tsv``, in the file's order."""
    text = resources.files("icdkit.guide").joinpath("data/axes.tsv").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        axis, label, phrases = line.split("\t")
        alts = sorted(phrases.split("|"), key=len, reverse=True)
        if axis == "complication":  # "with …" / "without …" only at the start of the words
            pattern = re.compile(r"^(?:{})\b".format("|".join(map(re.escape, alts))))
        else:
            pattern = re.compile(r"\b(?:{})\b".format("|".join(map(re.escape, alts))))
        out.append((axis, label, pattern))
    return tuple(out)


def classify(value: str) -> tuple[str, str]:
    """(axis, label) of the words a title adds: the first axis of the vocabulary they show."""
    for axis, label, pattern in vocabulary():
        if pattern.search(value):
            return axis, label
    return "type", "type"


def _unspecified(value: str) -> bool:
    return "unspecified" in value or value.endswith(" nos") or value == "nos"


def levels(kb: KnowledgeBase, node: Code) -> list[Level]:
    """The axes of *node*, nearest first, up to its category (a category has none)."""
    out = []
    current = node
    while current.kind in _LEVELS and current.parent_key:
        parent = kb.get(current.parent_key)
        value = added(current.title, parent.title)
        siblings = tuple(kb.siblings(current.key))
        others = {s.key: added(s.title, parent.title) for s in siblings}
        axis, label = classify(value)
        if axis == "type" and _unspecified(value):  # "unspecified": the axis its siblings show
            shown = [classify(v) for v in others.values() if not _unspecified(v)]
            shown = [a for a in shown if a[0] != "type"]
            if shown:
                axis, label = max(set(shown), key=shown.count)
        unspec = None
        if not _unspecified(value):
            unspec = next((s for s in siblings if _unspecified(others[s.key])), None)
        out.append(Level(current, parent, axis, label, value, unspec, siblings))
        current = parent
    return out


def open_axes(kb: KnowledgeBase, code: str, cite: Citations | None = None) -> list[OpenAxis]:
    """For a header or an unspecified code: the axes still to choose, each with the codes to
    choose from (M54.0 → region: M54.00 … M54.09; M54.50 → type: M54.51, M54.59).

    The note coder calls this for documentation gaps: what the note must add for a billable,
    specific code.
    """
    node = kb.get(code)
    cite = cite or Citations(kb.release)
    out: list[OpenAxis] = []
    kids = kb.children(node.key) if node.kind in ("category", "subcategory", "code") else []
    if kids and not node.billable:
        values = [classify(added(k.title, node.title)) for k in kids]
        named = [v for v in values if v[0] != "type"] or values
        axis, label = max(set(named), key=named.count)
        src = cite.add(
            "tabular",
            node.code,
            f"{node.code} {node.title}: " + "; ".join(f"{k.code} {k.title}" for k in kids[:12]),
        )
        out.append(OpenAxis(axis, label, tuple(k.code for k in kids), (src,)))
    for lv in levels(kb, node):
        if lv.is_unspecified:
            choices = tuple(s.code for s in lv.siblings if not _unspecified(added(s.title, lv.parent.title)))
            if choices:
                src = cite.add(
                    "tabular",
                    lv.parent.code,
                    f"{lv.parent.code} {lv.parent.title}: "
                    + "; ".join(f"{s.code} {s.title}" for s in lv.siblings[:12]),
                )
                out.append(OpenAxis(lv.axis, lv.label, choices, (src,)))
    return out
