"""Codes a coder mixes up with this one, each with how to tell them apart.

Five kinds, each a ranked list of candidates; the guide takes the best of every kind first
(:data:`QUOTA`), then fills up to :data:`MAX_CONFUSABLE` in the same order, so no kind crowds
the others out:

* the same axis value under a sibling category (M54.03 and M54.13, both "cervicothoracic
  region"), worked out at build time (``rel_cousins``, see :mod:`icdkit.build.relations`); a
  code with a 7th character takes its base's cousins with the same 7th character
  (S72.001A → S72.011A);
* the other columns of the same Drug Table or Neoplasm Table row (T39.1X1A and T39.1X5A);
* siblings that differ on one axis (laterality, encounter, acuity, stage, type…); a sibling
  that is a header is shown by the code reported under it (I50.2 → I50.20, its unspecified
  code; D69.4 → D69.49, its "other" code);
* the codes the other subterms of the same Alphabetic Index term lead to ("Hypertension" → I10
  beside "Hypertension, crisis" → I16.9), worked out at build time (``rel_subterms``);
* Excludes1 targets whose words are near this code's title (M54.03 and M79.3, panniculitis).

>>> from icdkit import KnowledgeBase
>>> from icdkit.guide.subject import Subject
>>> s = Subject.of(KnowledgeBase.open("FY2026"), "M54.03", None)
>>> [c.code for c in confusable(s)][:1]
['M54.13']
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from icdkit import codes as codelib
from icdkit.guide.model import Confusable
from icdkit.guide.subject import Subject
from icdkit.models import Code
from icdkit.titles import added
from icdkit.vocabulary import TABLE_HEADINGS, content, words

MAX_CONFUSABLE = 12
MAX_SIBLINGS = 4  # siblings differing on one axis, nearest in the list first
MAX_ENCOUNTER = 3  # 7th-character siblings (initial, subsequent, sequela …) of one code
MAX_TWINS = 2  # the same place under the nearest sibling categories on a type axis
#: candidates of each kind taken before any kind gets more (cousins, table columns, siblings,
#: Index subterms, Excludes1 targets)
QUOTA = {"cousin": 3, "table": 3, "sibling": 3, "subterm": 2, "excludes": 2}
_NEAR_AXES = {"laterality", "encounter", "acuity", "stage", "trimester", "severity", "complication", "region"}


@dataclass(frozen=True, slots=True)
class _Candidate:
    key: str  # the node to show
    difference: str
    cite: Callable[[], tuple[str, ...]]  # registers the sources when the candidate is taken
    shown: str | None = None  # printed form when it is not the node's own (C50.9-)


def confusable(s: Subject) -> list[Confusable]:
    if not s.coded:
        return []
    kinds = {
        "cousin": _cousins(s),
        "table": _table_rows(s),
        "sibling": _siblings(s),
        "subterm": _subterms(s),
        "excludes": _excludes(s),
    }
    out: list[Confusable] = []
    seen = {s.node.key}
    pending = {k: iter(v) for k, v in kinds.items()}
    for rounds in (QUOTA, None):
        for kind, it in pending.items():
            taken = 0
            while len(out) < MAX_CONFUSABLE and (rounds is None or taken < rounds[kind]):
                c = next(it, None)
                if c is None:
                    break
                if _take(s, c, seen, out):
                    taken += 1
    return out


def _take(s: Subject, c: _Candidate, seen: set[str], out: list[Confusable]) -> bool:
    if c.key in seen:
        return False
    other = s.kb.find(c.key)
    if other is None:
        return False
    code = c.shown or other.code
    if not s.fits((code,)):
        return False
    seen.add(c.key)
    out.append(Confusable(code, other.title, c.difference, c.cite()))
    return True


def _cousins(s: Subject) -> Iterator[_Candidate]:
    kb, node = s.kb, s.node
    base, seventh = node, ""
    if len(node.key) == 7 and node.seventh_owner and node.parent_key:  # S72.001A: S72.001's cousins
        up = kb.find(node.parent_key)
        if up is None:
            return
        base, seventh = up, node.key[6]
    mine = kb.find(base.parent_key) if base.parent_key else None
    if mine is None:
        return
    grand = kb.find(mine.parent_key) if mine.parent_key else None
    grand = grand or mine
    for other, value in (
        kb.connection()
        .execute("SELECT other, value FROM rel_cousins WHERE key=? ORDER BY other", (base.key,))
        .fetchall()
    ):
        cousin = kb.find(other)
        if cousin is None or cousin.parent_key is None:
            continue
        theirs = kb.find(cousin.parent_key)
        o = kb.find(other + "X" * (6 - len(other)) + seventh) if seventh else cousin
        if o is None or theirs is None:
            continue
        a, b = added(mine.title, grand.title), added(theirs.title, grand.title)

        def cite(o: Code = o) -> tuple[str, ...]:
            return (
                s.cite.add("tabular", node.code, f"{node.code} {node.title}"),
                s.cite.add("tabular", o.code, f"{o.code} {o.title}"),
            )

        yield _Candidate(
            o.key,
            f"both name the {value}; {node.code} is {a} ({mine.code}), {o.code} is {b} ({theirs.code}).",
            cite,
        )


def _siblings(s: Subject) -> Iterator[_Candidate]:
    kb, node = s.kb, s.node
    mine_words = set(content(words(node.title)))
    # own level, then up to two above (the encounter level of a 7th-character code does not count):
    # T36.0X5A: A, then X5, then .0 (T36.1X5A); I69.351: 1, then .35, then .3 (I69.251)
    steps = 4 if s.levels and s.levels[0].axis == "encounter" else 3
    useful = [lv for lv in s.levels if lv.siblings]  # not a placeholder step (T36.0X)
    for depth, lv in enumerate(useful[:steps]):
        far = depth > 0 and lv.axis not in _NEAR_AXES  # T36.1X5A for T36.0X5A: the nearest twins only
        here = sorted([c.key for c in lv.siblings] + [lv.node.key])
        at = here.index(lv.node.key)

        def rank(c: Code, at: int = at, here: list[str] = here) -> tuple[int, int]:
            shared = len(mine_words & set(content(words(c.title))))
            return (-shared, abs(here.index(c.key) - at))

        most = MAX_ENCOUNTER if lv.axis == "encounter" else MAX_TWINS if far else MAX_SIBLINGS
        if far:
            rank = lambda c, at=at, here=here: (0, abs(here.index(c.key) - at))  # noqa: E731
        parent, listed = lv.parent, lv.siblings

        def cite(parent: Code = parent, listed: tuple[Code, ...] = listed) -> tuple[str, ...]:
            return (
                s.cite.add(
                    "tabular",
                    parent.code,
                    f"{parent.code} {parent.title}: " + "; ".join(f"{c.code} {c.title}" for c in listed[:10]),
                ),
            )

        for sib in sorted(lv.siblings, key=rank)[:most]:
            v = added(sib.title, lv.parent.title)
            if lv.node.key == node.key:
                shown = _reported(s, sib)
                via = f" ({shown.code} is the code reported under {sib.code})" if shown is not sib else ""
                yield _Candidate(
                    shown.key, f"{lv.label}: {node.code} is “{lv.value}”, {sib.code} is “{v}”{via}.", cite
                )
            else:  # the same place under a sibling of an ancestor: the matching code there
                twin = kb.find(sib.key + node.key[len(lv.node.key) :])
                if twin is not None:
                    yield _Candidate(
                        twin.key, f"{lv.label}: {node.code} is “{lv.value}”, {twin.code} is “{v}”.", cite
                    )


def _reported(s: Subject, sib: Code) -> Code:
    """The code reported under a header sibling: its unspecified code, else its "other" code,
    else its first (I50.2 → I50.20 "Unspecified systolic heart failure"); *sib* itself when it
    is reportable or needs a 7th character."""
    if sib.billable or sib.seventh_owner:
        return sib
    kids = [c for c in s.kb.children(sib.key) if c.billable]
    if not kids:
        return sib
    for test in (lambda c: "unspecified" in c.title.lower(), lambda c: c.title.lower().startswith("other")):
        hit = next((c for c in kids if test(c)), None)
        if hit is not None:
            return hit
    return kids[0]


def _subterms(s: Subject) -> Iterator[_Candidate]:
    from icdkit.search.navigate import path_of

    con = s.kb.connection()
    node = s.node
    release = s.index_release
    for other, code, term, other_term in con.execute(
        "SELECT other, code, term, other_term FROM rel_subterms WHERE key=? ORDER BY rank", (node.key,)
    ).fetchall():
        mine, theirs = path_of(con, term), path_of(con, other_term)
        o = s.kb.find(other)
        if o is None:
            continue

        def cite(mine: str = mine, theirs: str = theirs, code: str = code) -> tuple[str, ...]:
            return (
                s.cite.add("index", mine, f"{mine} → {node.code}", release),
                s.cite.add("index", theirs, f"{theirs} → {code}", release),
            )

        a, b = mine.split(" › "), theirs.split(" › ")
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        words_a, words_b = " › ".join(a[n:]) or "no subterm", " › ".join(b[n:]) or "no subterm"
        yield _Candidate(
            o.key,
            f"the same Index term: “{mine}” leads to {node.code}, “{theirs}” to {code} — "
            f"the subterm tells them apart ({words_a} / {words_b}).",
            cite,
            code if code.endswith("-") else None,
        )


def _excludes(s: Subject) -> Iterator[_Candidate]:
    kb, node = s.kb, s.node
    own = set(content(words(node.title)))
    for n in s.excludes1:
        near = own & set(content(words(n.text)))
        if not near:
            continue
        shared = ", ".join(sorted(near))

        def cite(n: object = n) -> tuple[str, ...]:
            return (s.cite.note(n),)  # type: ignore[arg-type]

        for r in n.refs:
            if not (codelib.is_code_key(r.lo) and s.narrow(r)) or r.lo != r.hi.rstrip("~"):
                continue
            twin = kb.find(r.lo + node.key[len(r.lo) :]) if len(r.lo) < len(node.key) else None
            if twin is not None and twin.key[:3] != node.key[:3] and twin.title != node.title:
                # the same place under the excluded category: E10.10 -> E13.10 for "(E13.-)"
                yield _Candidate(
                    twin.key,
                    f"Excludes1 at {n.source}: {n.text} is {r.pattern}; the code there that "
                    f"matches {node.code} is {twin.code}. They share “{shared}”.",
                    cite,
                )
                continue
            yield _Candidate(
                r.lo,
                f"Excludes1 at {n.source}: {n.text} is {r.pattern}, not {node.code}; they share “{shared}”.",
                cite,
            )


def _table_rows(s: Subject) -> Iterator[_Candidate]:
    """The other columns of the Drug or Neoplasm Table rows that print this code."""
    con = s.kb.connection()
    key = s.node.key
    printed = [s.code, *(codelib.dotted(key[:n]) for n in (6,) if len(key) == 7)]
    printed += [codelib.dotted(key[:n]) for n in range(min(len(key), 6), 3, -1)]  # printed "C50.9-"
    rows = 0
    for code in dict.fromkeys(printed):
        if rows >= 2:
            break
        for _term, col, book, cells, title in con.execute(
            "SELECT c.term, c.col, t.book, t.cells, t.title FROM index_codes c JOIN index_terms t "
            "ON t.id=c.term WHERE c.code=? AND t.book IN ('drug','neoplasm') LIMIT 2",
            (code,),
        ).fetchall():
            rows += 1
            heads = TABLE_HEADINGS[book]
            short = len(code.replace(".", "")) < len(s.node.key) - (1 if s.node.seventh_owner else 0)
            mine = f"{code}- (here {s.code})" if short else s.code
            row = json.loads(cells or "[]")
            kind = "drug-table" if book == "drug" else "neoplasm-table"
            text = f"{title}: " + " | ".join(
                f"{heads[j]} {c}" for j, c in enumerate(row) if c and c not in ("--", "-")
            )

            def cite(kind: str = kind, title: str = title, text: str = text) -> tuple[str, ...]:
                return (s.cite.add(kind, title, text, "Index"),)

            for i, other in enumerate(row):
                if i == col or not other or other in ("--", "-"):
                    continue
                k = codelib.without_dash(other).replace(".", "")
                shown = other if other.endswith("-") else None
                if len(s.node.key) == 7 and len(k) == 6:
                    k += s.node.key[6]
                    shown = None
                yield _Candidate(
                    k,
                    f"the same {'substance' if book == 'drug' else 'site'} ({title}) in another column: "
                    f"{heads[col] if col is not None else ''} is {mine}, {heads[i]} is {other}.",
                    cite,
                    shown,
                )
