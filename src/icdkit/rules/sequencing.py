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

from icdkit.rules.cache import RuleCache
from icdkit.rules.context import Context, Item
from icdkit.rules.emit import Sink, Template
from icdkit.rules.findings import Finding, Source
from icdkit.rules.govern import Instruction


def _src(ctx: Context, ins: Instruction) -> Source:
    return Source("note", ins.text, at=ins.source, release=ctx.kb.release)


def _matching(ins: Instruction, items: list[Item], me: Item) -> list[Item]:
    return [i for i in items if i is not me and ins.refs.covers(i.key or "")]


def is_manifestation(item: Item) -> bool:
    """A manifestation code: MCE manifestation flag, or 'in diseases classified elsewhere'."""
    return item.elsewhere or "manifestation" in item.flags


def check_sequencing(ctx: Context, cache: RuleCache, out: Sink) -> None:
    near = cache.near(ctx)
    for item in ctx.valid:
        others = near.get(item.position)
        named = [b for b, cell in others if cell.named] if others else None  # often only Excludes name them
        if not named:  # the common case: no other code is named by any of its instructions
            gov = item.governing
            key = (item.position == 0, is_manifestation(item))
            got = gov.absent.get(key)
            if got is None:
                got = gov.absent[key] = tuple(t for ins in gov.instructions
                                              for t in _absent_templates(ctx, cache, item, ins))
            if got:
                out.put(got, item.shown)
            continue
        for ins in item.governing.instructions:
            found = _matching(ins, named, item)
            if found:
                if ins.kind == "code_first":
                    for f in _code_first(ctx, item, ins, found):
                        out.add(f)
                continue
            out.put(_absent_templates(ctx, cache, item, ins), item.shown)


def _absent_templates(ctx: Context, cache: RuleCache, item: Item, ins: Instruction) -> tuple[Template, ...]:
    """An instruction none of whose codes is on the claim: the same for every code it governs."""
    manifestation = is_manifestation(item) if ins.kind == "code_first" else None
    key = ("seq", id(ins), item.position == 0, manifestation)
    return cache.templated(key, _absent, ctx, cache, item, ins)


def _absent(ctx: Context, cache: RuleCache, item: Item, ins: Instruction) -> list[Finding]:
    if ins.kind == "code_first":
        return list(_code_first(ctx, item, ins, []))
    if ins.kind == "use_additional":
        manif = any(cache.names_manifestation(r) for r in ins.refs.refs)
        return [Finding("use-additional", "warning" if manif else "info", (item.shown,),
                        f"{item.shown}: use additional code — “{ins.text}” (at {ins.source}); "
                        "none of the codes it names is on the claim", _src(ctx, ins))]
    return [Finding("code-also", "info", (item.shown,),
                    f"{item.shown}: code also — “{ins.text}” (at {ins.source})", _src(ctx, ins))]


def _code_first(ctx: Context, item: Item, ins: Instruction, found: list[Item]) -> Iterator[Finding]:
    if any(i.position < item.position for i in found):
        return
    manifestation = is_manifestation(item)
    if found:
        yield Finding("code-first", "error", (item.shown, *(i.shown for i in found)),
                      f"{', '.join(i.shown for i in found)} must be sequenced before {item.shown}: "
                      f"Code first at {ins.source} — “{ins.text}”", _src(ctx, ins))
    elif item.position == 0 and manifestation:
        yield Finding("code-first", "error", (item.shown,),
                      f"{item.shown} is a manifestation code and cannot be listed first: code the "
                      f"underlying condition first — “{ins.text}” (at {ins.source})", _src(ctx, ins))
    else:
        yield Finding("code-first", "warning" if manifestation else "info", (item.shown,),
                      f"{item.shown}: code first the underlying condition"
                      f"{'' if manifestation else ', if it applies'} — “{ins.text}” (at {ins.source})",
                      _src(ctx, ins))
