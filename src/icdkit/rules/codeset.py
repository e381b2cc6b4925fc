"""Is each code reportable? invalid-code, non-billable, seventh-character, duplicate,
not-in-release (valid on the date, but absent from the release whose notes are checked).

>>> from icdkit import KnowledgeBase
>>> from icdkit.rules.check import Checker
>>> [f.rule for f in Checker(KnowledgeBase.open()).check(["S13.4A"]).findings]
['seventh-character']
"""

from __future__ import annotations

from collections.abc import Iterator

from icdkit import codes
from icdkit.rules.catalogue import severity
from icdkit.rules.context import Context, Item
from icdkit.rules.finding_templates import Template
from icdkit.rules.findings import Finding, Source
from icdkit.rules.rule_cache import RuleCache

_VALIDITY = "valid-code set by date ({table})"
_SEVENTH = ("Codes that take a 7th character must have one; codes shorter than six characters are "
            "padded with the placeholder X (ICD-10-CM conventions, '7th characters and placeholder X')")


def _table(ctx: Context) -> str:
    return ctx.kb.meta.get("mce_source", "MCE table")


def _validity_source(ctx: Context) -> Source:
    table = _table(ctx)
    return Source("table", _VALIDITY.format(table=table), table=table)


def code_findings(ctx: Context, cache: RuleCache) -> Iterator[tuple[Item, Finding | tuple[Template, ...]]]:
    """What is said of each code of the encounter that is not reportable (a finding, or
    templates without placeholders), in the order of the codes."""
    valid = ctx.valid
    if len(valid) == len(ctx.items) and len({i.key for i in valid}) == len(valid):
        return  # the common case: every code reportable, none twice; nothing to say
    seen: dict[str, int] = {}
    for item in ctx.items:
        if item.key is not None and item.key in seen:
            yield item, duplicate(item.shown, seen[item.key], item.position)
            continue
        if item.key is not None:
            seen[item.key] = item.position
        if item.valid and item.node is not None:
            continue  # the common case: a reportable code of this release, nothing to say
        yield item, cache.memo(("codes", item.key or item.raw, ctx.day), _one, ctx, item)


def duplicate(shown: str, first: int, position: int) -> Finding:
    """A code listed again at *position* (0-based), first listed at *first*."""
    return Finding("duplicate", severity("duplicate"), (shown,),
                   f"{shown} is listed more than once (positions {first + 1} and {position + 1}); "
                   "report it once",
                   Source("convention", "each diagnosis is reported once per claim"))


def _one(ctx: Context, item: Item) -> Iterator[Finding]:
    """Findings that depend only on the code and the date (memoised per code and date)."""
    if item.key is None:
        yield Finding("invalid-code", severity("invalid-code"), (item.raw,), item.problem or "malformed code",
                      Source("input", "code syntax"))
        return
    if item.valid:
        if item.node is None:
            yield Finding("not-in-release", severity("not-in-release"), (item.shown,),
                          f"{item.shown} was valid on {ctx.day} but is not in the {ctx.kb.release} "
                          "Tabular List, so its notes were not checked", _validity_source(ctx))
        return
    yield from _not_valid(ctx, item)


def _not_valid(ctx: Context, item: Item) -> Iterator[Finding]:
    kb, key, shown = ctx.kb, item.key or "", item.shown
    seventh = _seventh(ctx, item)
    if seventh is not None:
        yield seventh
        return
    node = item.node
    if node is not None and node.kind in ("category", "subcategory", "code"):
        billable = [c for c in kb.descendants(key, billable_only=True) if kb.is_valid(c.key, on=ctx.day)]
        if billable:
            listed = ", ".join(c.code for c in billable[:10]) + (
                f" … ({len(billable)} in all)" if len(billable) > 10 else "")
            yield Finding("non-billable", severity("non-billable"), (shown,),
                          f"{shown} ({node.title}) is a header, not a billable code on {ctx.day}; "
                          f"choose one of: {listed}",
                          _validity_source(ctx), tuple(c.code for c in billable[:10]))
            return
    periods = kb.periods(key)
    if periods:
        first, last = periods[0].start, periods[-1].end
        when = "not yet effective" if ctx.day < first else "no longer valid"
        replaced = [c.code for c in kb.replacements(key)] if ctx.day > last else []
        more = f"; replaced by {', '.join(replaced)}" if replaced else ""
        yield Finding("invalid-code", severity("invalid-code"), (shown,),
                      f"{shown} is {when} on {ctx.day} (valid {first} to {last}){more}",
                      _validity_source(ctx), tuple(replaced))
        return
    suggestions = tuple(kb.suggest(key))
    hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
    yield Finding("invalid-code", severity("invalid-code"), (shown,),
                  f"{shown} is not an ICD-10-CM code{hint}", _validity_source(ctx), suggestions)


def _seventh(ctx: Context, item: Item) -> Finding | None:
    """A missing, misplaced or impossible 7th character, with the valid completions."""
    kb, key = ctx.kb, item.key or ""
    src = Source("convention", _SEVENTH, release=kb.release)
    # 1) a header that takes a 7th character (S72.001 → S72.001A …)
    node = item.node
    if node is not None and node.seventh_owner and not node.billable:
        defs = kb.seventh_characters(key)
        valid = _completions(ctx, key, defs)
        if valid:
            owner = codes.dotted(node.seventh_owner)
            meanings = "; ".join(f"{c} {m}" for c, m in defs.items())
            return Finding("seventh-character", severity("seventh-character"), (item.shown,),
                           f"{item.shown} needs a 7th character (defined at {owner}): {meanings}",
                           Source("note", f"7th characters of {owner}", at=owner, release=kb.release),
                           tuple(valid))
    # 2) the placeholder X is missing (S13.4A → S13.4XXA)
    if 4 <= len(key) < 7 and key[-1].isalpha():
        padded = codes.with_placeholder(key[:-1], key[-1])
        got = kb.find(padded)
        if got is not None and kb.is_valid(padded, on=ctx.day):
            return Finding("seventh-character", severity("seventh-character"), (item.shown,),
                           f"{item.shown}: the placeholder X is missing; write {got.code} ({got.title})",
                           src, (got.code,))
    # 3) a 7th character the code does not take (S06.1X7D: the valid set excludes it)
    if len(key) == 7:
        base = key[:6].rstrip("X") or key[:3]
        parent = kb.find(base)
        if parent is not None and parent.seventh_owner:
            defs = kb.seventh_characters(base)
            valid = _completions(ctx, base, defs)
            if valid:
                why = ("is not a 7th character of this code" if key[6] not in defs
                       else "does not apply to this code on this date (the valid-code set excludes it)")
                return Finding("seventh-character", severity("seventh-character"), (item.shown,),
                               f"{item.shown}: 7th character {key[6]!r} {why}; valid: {', '.join(valid)}",
                               src, tuple(valid))
    return None


def _completions(ctx: Context, base: str, defs: dict[str, str]) -> list[str]:
    """The codes *base* + each defined 7th character that are valid on the date of service."""
    done = [codes.with_placeholder(base, c) for c in defs]
    return [codes.dotted(k) for k in done if ctx.kb.find(k) is not None and ctx.kb.is_valid(k, on=ctx.day)]
