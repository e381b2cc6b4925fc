"""Information flags per code: MS-DRG CC/MCC (with the principal's CC exclusion) and CMS-HCC V28."""

from __future__ import annotations

from collections.abc import Iterator

from icdkit.rules.context import Context
from icdkit.rules.findings import Finding, Source

HCC_MODEL = "CMS-HCC Model V28"


def check_info(ctx: Context) -> Iterator[Finding]:
    kb = ctx.kb
    first = ctx.principal
    table = kb.meta.get("severity_source", "MS-DRG")
    for item in ctx.valid_items():
        key = item.key or ""
        sev = kb.severity(key)
        if sev is not None:
            level, collection = sev
            what = f"{item.shown} is {'an' if level == 'MCC' else 'a'} {level}"
            if item is first:
                msg = f"{what} when secondary; as principal it does not count"
            elif first is not None and first.key and collection and kb.pdx_excludes(collection, first.key):
                msg = (f"{what}, but principal {first.shown} excludes it (CC exclusion list "
                       f"{collection:04d}): it counts as a non-CC")
            else:
                msg = f"{what} as a secondary diagnosis"
            yield Finding("cc-mcc", "info", (item.shown,), msg,
                          Source("table", "MS-DRG CC/MCC lists and CC exclusions", table=table))
        year = int(ctx.day[:4]) + 1
        hccs = [h for h in kb.hcc(key) if h["model"] == HCC_MODEL]
        years = sorted({int(str(h["year"])) for h in hccs})
        if years:
            pick = min(years, key=lambda y: (abs(y - year), -y))
            cats = sorted({f"HCC {h['hcc']} {h['label'] or ''}".strip() for h in hccs if h["year"] == pick})
            yield Finding("hcc", "info", (item.shown,),
                          f"{item.shown} maps to {'; '.join(cats)} (CMS-HCC V28, payment year {pick})",
                          Source("table", f"CMS-HCC V28 mapping, payment year {pick}",
                                 table=kb.meta.get("hcc_source")))
