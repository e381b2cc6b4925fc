"""Information flags per code: MS-DRG CC/MCC (with the principal's CC exclusion) and CMS-HCC V28."""

from __future__ import annotations

from icdkit.kb import KnowledgeBase
from icdkit.rules.cache import HCC_MODEL, RuleCache
from icdkit.rules.context import Context
from icdkit.rules.emit import FIRST, Sink
from icdkit.rules.findings import Finding, Source


def check_info(ctx: Context, cache: RuleCache, out: Sink) -> None:
    kb = ctx.kb
    first = ctx.principal
    year = int(ctx.day[:4]) + 1
    for item in ctx.valid:
        key = item.key or ""
        sev, hcc = item.info
        if sev is not None:
            excluded = (item is not first and first is not None and first.key is not None
                        and sev[1] is not None and kb.pdx_excludes(sev[1], first.key))
            role = "principal" if item is first else (first.shown if excluded and first else "secondary")
            out.put(cache.templated(("cc", sev, role), _severity, kb, FIRST, sev, role), item.shown)
        if hcc:
            out.put(cache.memo(("hcc", key, year), _hcc, kb, item.shown, key, year))


def _severity(kb: KnowledgeBase, shown: str, sev: tuple[str, int | None], role: str) -> list[Finding]:
    """role: 'principal', 'secondary', or the principal's code when it excludes this CC."""
    level, collection = sev
    what = f"{shown} is {'an' if level == 'MCC' else 'a'} {level}"
    if role == "principal":
        msg = f"{what} when secondary; as principal it does not count"
    elif role != "secondary":
        msg = (f"{what}, but principal {role} excludes it (CC exclusion list {collection or 0:04d}): "
               "it counts as a non-CC")
    else:
        msg = f"{what} as a secondary diagnosis"
    table = kb.meta.get("severity_source", "MS-DRG")
    return [Finding("cc-mcc", "info", (shown,), msg,
                    Source("table", "MS-DRG CC/MCC lists and CC exclusions", table=table))]


def _hcc(kb: KnowledgeBase, shown: str, key: str, year: int) -> list[Finding]:
    hccs = kb.hcc(key, model=HCC_MODEL)
    years = sorted({int(str(h["year"])) for h in hccs})
    if not years:
        return []
    pick = min(years, key=lambda y: (abs(y - year), -y))
    cats = sorted({f"HCC {h['hcc']} {h['label'] or ''}".strip() for h in hccs if h["year"] == pick})
    return [Finding("hcc", "info", (shown,),
                    f"{shown} maps to {'; '.join(cats)} (CMS-HCC V28, payment year {pick})",
                    Source("table", f"CMS-HCC V28 mapping, payment year {pick}",
                           table=kb.meta.get("hcc_source")))]
