"""Documentation tips and documentation elements: what the record must show to support this
code rather than its neighbours.

* the condition named explicitly (its title, or an Index entry or inclusion term leading here);
* each axis that tells it from its siblings, with this code's value and what is reported when
  the record is silent (the unspecified sibling);
* what must be ruled out (its Excludes1 conditions);
* what the instructions ask the record to name (Code first / Use additional / Code also).

>>> from icdkit import KnowledgeBase
>>> from icdkit.guide.subject import Subject
>>> s = Subject.of(KnowledgeBase.open("FY2026"), "M54.03", None)
>>> [e.name for e in elements_of(s)]
['condition', 'region']
"""

from __future__ import annotations

from icdkit.guide.model import Element, Statement
from icdkit.guide.subject import Subject
from icdkit.titles import segments

_INSTRUCTION = {"code_first": "Code first", "use_additional": "Use additional code", "code_also": "Code also"}
MAX_EXCLUDES = 6  # Excludes1 notes turned into "rule out" tips


def documentation(s: Subject) -> list[Statement]:
    out: list[Statement] = []

    def put(text: str, codes: tuple[str, ...], sources: tuple[str, ...]) -> None:
        if s.fresh(text) and s.fits(codes):
            out.append(Statement(text, codes, sources))

    node = s.node
    if not s.coded:
        kids = s.kb.children(node.key)
        put(
            f"{node.code} is a {node.kind} ({node.title}); the record supports one of its codes, never "
            f"the {node.kind} itself.",
            (),
            (s.cite.add("tabular", node.code, node.title),),
        )
        return out
    tab = s.cite.add("tabular", node.code, f"{node.code} {node.title}")
    also = [e["path"] for e in s.entries if e["book"] == "index"][:3]
    terms = [n.text for n in s.of_kind("inclusion_term") if n.source == node.code][:3]
    led = "; ".join(dict.fromkeys([*also, *terms]))
    srcs = [
        tab,
        *(s.cite.add("index", p, f"{p} → {node.code}", _index_release(s)) for p in also),
        *(s.cite.note(n) for n in s.of_kind("inclusion_term") if n.source == node.code and n.text in terms),
    ]
    if not s.billable:
        kids = s.kb.children(node.key)
        put(
            f"{node.code} is not billable on {s.day}: the record must support one of its "
            f"{len(kids)} child codes ({', '.join(k.code for k in kids[:6])}{'…' if len(kids) > 6 else ''}).",
            tuple(k.code for k in kids[:6]),
            (
                tab,
                s.cite.add(
                    "valid-code-set",
                    node.code,
                    f"{node.code} is not in the valid-code set on {s.day}",
                    s.kb.meta.get("mce_source", ""),
                ),
            ),
        )
    put(
        f"The provider must name the condition: “{node.title}”"
        + (f" (or as indexed: {led})" if led else "")
        + ".",
        (),
        tuple(srcs),
    )
    for lv in s.levels:
        if lv.axis == "type" and lv.node.key != node.key:
            continue  # the condition's type above this code is already named by its title
        parent = s.cite.add(
            "tabular",
            lv.parent.code,
            f"{lv.parent.code} {lv.parent.title}: "
            + "; ".join(f"{c.code} {c.title}" for c in lv.siblings[:10]),
        )
        if lv.is_unspecified:
            choices = [c for c in lv.siblings if "unspecified" not in c.title.lower()][:5]
            put(
                f"Document the {lv.label}: {lv.node.code}{'' if lv.node.billable else '-'} (“{lv.value}”) "
                "is coded when it is not documented; "
                f"a documented {lv.label} leads to {', '.join(c.code for c in choices)}.",
                tuple(c.code for c in choices),
                (parent,),
            )
        else:
            text = f"Document the {lv.label}: {lv.node.code} is “{lv.value}”"
            codes: tuple[str, ...] = ()
            if lv.unspecified is not None:
                text += f"; without it, {lv.unspecified.code} ({lv.unspecified.title}) is reported"
                codes = (lv.unspecified.code,)
            put(text + ".", codes, (parent,))
    for n in s.excludes1[: MAX_EXCLUDES * 2]:
        pats = s.narrow_patterns([n])
        if not pats:
            continue
        put(
            f"Rule out {n.text}: Excludes1 at {n.source} — if the record shows it, {', '.join(pats)} "
            f"is reported instead of {node.code}.",
            pats,
            (s.cite.note(n),),
        )
    for ins in s.instructions():
        pats = s.narrow_patterns(ins.notes, focus=True)  # focus: the first ones named
        put(
            f"{_INSTRUCTION[ins.kind]} (at {ins.source}): the record should name {ins.text}.",
            pats,
            tuple(s.cite.note(n) for n in ins.notes),
        )
    if node.seventh_owner and not s.billable:
        chars = s.kb.seventh_characters(node.key)
        put(
            f"Document the encounter: {node.code} takes a 7th character ("
            + "; ".join(f"{c} {m}" for c, m in chars.items())
            + ").",
            (),
            (
                s.cite.add(
                    "tabular-note",
                    s.kb.get(node.seventh_owner).code,
                    "7th characters: " + "; ".join(f"{c} {m}" for c, m in chars.items()),
                ),
            ),
        )
    return out


def elements_of(s: Subject) -> list[Element]:
    """What a note must state for this code: the condition, then each axis value."""
    if not s.coded:
        return []
    node = s.node
    tab = s.cite.add("tabular", node.code, f"{node.code} {node.title}")
    parts = segments(node.title)
    out = [Element("condition", parts[0] if parts else node.title, (tab,))]
    seen = {"condition"}
    for lv in s.levels:
        if lv.axis == "type" or lv.axis in seen:
            continue
        seen.add(lv.axis)
        src = s.cite.add(
            "tabular",
            lv.parent.code,
            f"{lv.parent.code} {lv.parent.title}: "
            + "; ".join(f"{c.code} {c.title}" for c in lv.siblings[:10]),
        )
        out.append(Element(lv.axis, lv.value, (src,)))
    for ins in s.instructions():
        if ins.kind == "code_first":
            out.append(Element("underlying condition", ins.text, tuple(s.cite.note(n) for n in ins.notes)))
    return out


def _index_release(s: Subject) -> str:
    import json

    return str(json.loads(s.kb.meta.get("index_source", "{}")).get("release", "Index"))
