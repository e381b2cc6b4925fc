"""Common pitfalls, each derived from a rule: a non-billable ancestor, an Excludes1 partner
(with the official exception), a confusable code, a combination code the Index prescribes,
unspecified versus specific, a missing 7th character or placeholder X, a manifestation code
listed first, MCE age and sex edits, recent additions and deletions, a symptom code beside a
definitive diagnosis.

>>> from icdkit import KnowledgeBase
>>> from icdkit.guide.subject import Subject
>>> s = Subject.of(KnowledgeBase.open("FY2026"), "M54.03", None)
>>> pitfalls(s, [])[0].codes
('M54.0',)
"""

from __future__ import annotations

from collections.abc import Callable

from icdkit import codes as codelib
from icdkit.guide.facts import fiscal_year
from icdkit.guide.model import Confusable, Statement
from icdkit.guide.subject import Subject

EXCEPTION = (
    "unless the two conditions are unrelated to each other (the Excludes1 exception of the "
    "ICD-10-CM conventions)"
)
_AGE = {"newborn", "pediatric", "maternity", "adult"}
MAX_COMBINATIONS = 3


def pitfalls(s: Subject, confusable: list[Confusable]) -> list[Statement]:
    out: list[Statement] = []

    def put(text: str, codes: tuple[str, ...], sources: tuple[str, ...]) -> bool:
        if s.fresh(text) and s.fits(codes):
            out.append(Statement(text, codes, sources))
            return True
        return False

    node, kb = s.node, s.kb
    if not s.coded:
        return out
    mce = kb.meta.get("mce_source", "")
    if s.billable and s.ancestors and s.ancestors[0].kind in ("category", "subcategory", "code"):
        p = s.ancestors[0]
        if kb.period_on(p.key, s.day) is None:
            put(
                f"Reporting the parent {p.code} instead of {node.code}: {p.code} ({p.title}) is a header, "
                f"not in the valid-code set on {s.day}, and is rejected; report {node.code}.",
                (p.code,),
                (
                    s.cite.add(
                        "valid-code-set", p.code, f"{p.code} is not in the valid-code set on {s.day}", mce
                    ),
                ),
            )
    if not s.billable and s.node.kind in ("category", "subcategory", "code"):
        kids = kb.children(node.key)
        put(
            f"Reporting {node.code} itself: it is not in the valid-code set on {s.day}; report one of "
            f"its codes ({', '.join(k.code for k in kids[:5])}{'…' if len(kids) > 5 else ''}).",
            tuple(k.code for k in kids[:5]),
            (
                s.cite.add(
                    "valid-code-set", node.code, f"{node.code} is not in the valid-code set on {s.day}", mce
                ),
            ),
        )
    for n in s.excludes1:
        pats = s.narrow_patterns([n])
        if pats:
            put(
                f"Reporting {node.code} together with {', '.join(pats)}: the Excludes1 note at {n.source} "
                f"names “{n.text}” — not both, {EXCEPTION}.",
                pats,
                (s.cite.note(n),),
            )
    for n in s.reverse_notes():
        if n.kind == "excludes1" and s.billable:
            put(
                f"Reporting {node.code} together with {n.source}: the Excludes1 note at {n.source} names "
                f"“{n.text}” — not both, {EXCEPTION}.",
                (n.source,),
                (s.cite.note(n),),
            )
    for c in confusable[:2]:
        put(f"Confusing {node.code} with {c.code} ({c.title}): {c.difference}", (c.code,), c.sources)
    _combinations(s, put)
    for lv in s.levels[:1]:
        if lv.is_unspecified:
            choices = [c.code for c in lv.siblings if "unspecified" not in c.title.lower()][:4]
            if choices:
                put(
                    f"Reporting the unspecified {node.code} when the record documents the {lv.label}: "
                    f"report the specific code ({', '.join(choices)}).",
                    tuple(choices),
                    (
                        s.cite.add(
                            "tabular",
                            lv.parent.code,
                            f"{lv.parent.code} {lv.parent.title}: "
                            + "; ".join(f"{c.code} {c.title}" for c in lv.siblings[:10]),
                        ),
                    ),
                )
        elif lv.unspecified is not None:
            put(
                f"Assigning {node.code} when the record does not state “{lv.value}”: the record must support "
                f"it, else {lv.unspecified.code} is reported.",
                (lv.unspecified.code,),
                (
                    s.cite.add(
                        "tabular",
                        lv.parent.code,
                        f"{lv.parent.code} {lv.parent.title}: "
                        + "; ".join(f"{c.code} {c.title}" for c in lv.siblings[:10]),
                    ),
                ),
            )
    if node.seventh_owner:
        owner = kb.get(node.seventh_owner)
        chars = kb.seventh_characters(node.key)
        src = s.cite.add(
            "tabular-note", owner.code, "7th characters: " + "; ".join(f"{c} {m}" for c, m in chars.items())
        )
        if s.billable and len(node.key) == 7:
            base = node.key[:6].rstrip("X")
            short = codelib.dotted(base)
            text = f"Leaving out the 7th character: {short} alone is not a valid code; report {node.code}"
            if "X" in node.key[3:6]:
                text += f" (the placeholder X fills the empty places: {node.code})"
            put(text + ".", (), (src,))
        elif not s.billable:
            put(
                f"Reporting {node.code} without a 7th character: the codes of {owner.code} require one "
                f"({', '.join(chars)}), with the placeholder X where the code is shorter "
                "than six characters.",
                (),
                (src,),
            )
    period = kb.period_on(node.key, s.day)
    flags = set(period.flags) if period else set()
    msrc = s.cite.add(
        "mce", node.code, f"{node.code} on {s.day}: " + (", ".join(sorted(flags)) or "no MCE edit"), mce
    )
    if "manifestation" in flags:
        first = [n for n in s.of_kind("code_first")]
        pats = s.narrow_patterns(first)[:4]
        put(
            f"Listing {node.code} first: it is a manifestation code (MCE manifestation edit) "
            "and is never the "
            "first-listed or principal diagnosis; code first the underlying condition.",
            pats,
            (msrc, *(s.cite.note(n) for n in first[:2])),
        )
    ages = kb.age_ranges(on=s.day)
    for f in sorted(flags & _AGE):
        lo, hi = ages.get(f, (None, None))
        put(
            f"Reporting {node.code} for a patient outside the {f} age range ({lo}-{hi} years): the MCE "
            "age edit flags it.",
            (),
            (msrc,),
        )
    for f in sorted(flags & {"male", "female"}):
        put(f"Reporting {node.code} for a patient who is not {f}: the MCE sex edit flags it.", (), (msrc,))
    if "unacceptable" in flags:
        put(
            f"Reporting {node.code} as the principal diagnosis: the MCE lists it as an unacceptable "
            "principal diagnosis.",
            (),
            (msrc,),
        )
    periods = kb.periods(node.key)
    if periods and periods[0].start > kb.horizon()[0]:
        fy = fiscal_year(periods[0].start)
        put(
            f"Reporting {node.code} for a date of service before {periods[0].start}: it was added in FY{fy} "
            "and is not valid earlier.",
            (),
            (
                s.cite.add(
                    "code-history",
                    node.code,
                    f"{node.code} valid {periods[0].start} to {periods[-1].end}",
                    mce,
                ),
            ),
        )
    if periods and periods[-1].end < kb.horizon()[1]:
        repl = tuple(c.code for c in kb.replacements(node.key)[:4])
        put(
            f"Reporting {node.code} for a date of service after {periods[-1].end}: it is no longer valid"
            + (f"; its replacements: {', '.join(repl)}" if repl else "")
            + ".",
            repl,
            (
                s.cite.add(
                    "code-history",
                    node.code,
                    f"{node.code} valid {periods[0].start} to {periods[-1].end}",
                    mce,
                ),
            ),
        )
    chapter = next((a for a in s.ancestors if a.kind == "chapter"), None)
    if chapter is not None and chapter.code == "18":
        notes = [n for n in kb.notes(chapter.key, kinds={"note"})][:2]
        if notes:
            put(
                f"Reporting {node.code} when a definitive diagnosis is documented: chapter 18 codes are for "
                "symptoms and signs for which no more specific diagnosis is recorded.",
                (),
                tuple(s.cite.note(n) for n in notes),
            )
    return out


def _combinations(s: Subject, put: Callable[[str, tuple[str, ...], tuple[str, ...]], bool]) -> None:
    """ "with" subterms under the Index terms that lead here: a combination code is prescribed
    (Hypertension › with › … kidney → I12.-, not I10 plus N18.-)."""
    from icdkit.search.navigate import path_of

    con = s.kb.connection()
    found = 0
    terms = con.execute(
        "SELECT t.id FROM index_codes c JOIN index_terms t ON t.id=c.term "
        "WHERE c.code=? AND t.book='index' ORDER BY t.id LIMIT 3",
        (s.code,),
    ).fetchall()
    for (term,) in terms:
        for (wid,) in con.execute(
            "SELECT id FROM index_terms WHERE parent=? AND key='with'", (term,)
        ).fetchall():
            base = path_of(con, wid)
            for title, code, see, see_code in con.execute(
                "SELECT t.title, t.code, t.see, s.code FROM index_terms t "
                "LEFT JOIN index_terms s ON s.id = t.see_target "
                "WHERE t.parent=? AND (t.code!='' OR s.code!='') ORDER BY t.id LIMIT 8",
                (wid,),
            ).fetchall():
                # "with kidney involvement — see Hypertension, kidney": the code of the term it sends to
                code = code or see_code
                target = code.rstrip("-").rstrip(".").replace(".", "")
                if target[:3] == s.node.key[:3] or found >= MAX_COMBINATIONS:
                    continue
                path = f"{base} › {title}" + (f" (see {see})" if see and not title.endswith(see) else "")
                if put(
                    f"Coding the combination separately: the Index gives {path} → {code}; when the record "
                    f"links the conditions, {code} is reported rather than {s.code} plus another code.",
                    (code,),
                    (s.cite.add("index", path, f"{path} → {code}", "Index"),),
                ):
                    found += 1
