"""Etiology / manifestation order and paired-code advice: code-first, use-additional, code-also.

A *Code first* note at a manifestation code (often titled "… in diseases classified
elsewhere") says the underlying condition is sequenced before it; the matching *Use additional
code* note stands at the etiology. *Code also* notes advise a second code, in either order.

=====================================================  ==========================================
situation                                              finding
=====================================================  ==========================================
a code named by a Code first note is listed after it   code-first, error
manifestation code listed first, its etiology absent   code-first, error
manifestation code whose etiology is absent            code-first, warning
other Code first note, none of its codes present       code-first, info (it applies only if so)
Use additional note naming a manifestation, absent     use-additional, warning
other Use additional note, none of its codes present   use-additional, info
Code also note, none of its codes present              code-also, info
=====================================================  ==========================================

>>> from icdkit import KnowledgeBase
>>> from icdkit.rules.check import Checker
>>> r = Checker(KnowledgeBase.open()).check(["G63", "E11.40"])
>>> [f.rule for f in r.findings if f.severity == "error"]
['code-first', 'manifestation-principal']
"""

from __future__ import annotations

from collections.abc import Iterator

from icdkit.rules.catalogue import severity
from icdkit.rules.finding_templates import FIRST, Template
from icdkit.rules.findings import Finding, Source
from icdkit.rules.governing_notes import Governing, Instruction
from icdkit.rules.rule_cache import RuleCache


def _src(cache: RuleCache, ins: Instruction) -> Source:
    return Source("note", ins.text, at=ins.source, release=cache.kb.release)


def instructed(cache: RuleCache, gov: Governing, shown: str, position: int, manifestation: bool,
               named: list[tuple[str, int, str]]) -> Iterator[Finding | tuple[Template, ...]]:
    """What each instruction governing a code (its display form *shown*, at *position*) says
    when its notes may name other codes of the claim (*named*: their key, position and display
    form): a code-first error naming the codes listed after it, or, for an instruction naming
    none of them, its templates with FIRST for the code."""
    for ins in gov.instructions:
        found = [(p, s) for k, p, s in named if ins.refs.covers(k)]
        if not found:
            yield instruction_templates(cache, ins, position == 0, manifestation)
        elif ins.kind == "code_first" and not any(p < position for p, _ in found):
            codes = tuple(s for _, s in found)
            yield Finding("code-first", severity("code-first", case="listed-after"), (shown, *codes),
                          f"{', '.join(codes)} must be sequenced before {shown}: Code first at "
                          f"{ins.source} — “{ins.text}”", _src(cache, ins))


def absent_templates(cache: RuleCache, gov: Governing, first: bool, manifestation: bool
                     ) -> tuple[Template, ...]:
    """The findings of a code's instructions when none of their codes is on the claim (the
    common case), with FIRST for the code: the same for every code *gov* governs, kept in
    ``gov.absent``."""
    key = (first, manifestation)
    got = gov.absent.get(key)
    if got is None:
        got = gov.absent[key] = tuple(t for ins in gov.instructions
                                      for t in instruction_templates(cache, ins, first, manifestation))
    return got


def instruction_templates(cache: RuleCache, ins: Instruction, first: bool, manifestation: bool
                          ) -> tuple[Template, ...]:
    """An instruction none of whose codes is on the claim: the same for every code it governs."""
    manif = manifestation if ins.kind == "code_first" else None
    return cache.templated(("seq", id(ins), first, manif), _absent, cache, ins, first, manifestation)


def _absent(cache: RuleCache, ins: Instruction, first: bool, manifestation: bool) -> list[Finding]:
    src = _src(cache, ins)
    if ins.kind == "code_first":
        if first and manifestation:
            return [Finding("code-first", severity("code-first", case="manifestation-first"), (FIRST,),
                            f"{FIRST} is a manifestation code and cannot be listed first: code the "
                            f"underlying condition first — “{ins.text}” (at {ins.source})", src)]
        case = "manifestation-etiology-absent" if manifestation else "etiology-absent"
        return [Finding("code-first", severity("code-first", case=case), (FIRST,),
                        f"{FIRST}: code first the underlying condition"
                        f"{'' if manifestation else ', if it applies'} — “{ins.text}” (at {ins.source})",
                        src)]
    if ins.kind == "use_additional":
        manif = any(cache.names_manifestation(r) for r in ins.refs.refs)
        case = "names-manifestation" if manif else "absent"
        return [Finding("use-additional", severity("use-additional", case=case), (FIRST,),
                        f"{FIRST}: use additional code — “{ins.text}” (at {ins.source}); "
                        "none of the codes it names is on the claim", src)]
    return [Finding("code-also", severity("code-also"), (FIRST,),
                    f"{FIRST}: code also — “{ins.text}” (at {ins.source})", src)]
