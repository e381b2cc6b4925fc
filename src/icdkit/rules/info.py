"""Information flags per code: MS-DRG CC/MCC (with the principal's CC exclusion) and CMS-HCC V28."""

from __future__ import annotations

from icdkit.kb import KnowledgeBase
from icdkit.rules.catalogue import severity
from icdkit.rules.finding_templates import FIRST, Template
from icdkit.rules.findings import Finding, Source
from icdkit.rules.rule_cache import HCC_MODEL, RuleCache


def hcc_year(day: str) -> int:
    """The CMS-HCC payment year a date of service counts toward."""
    return int(day[:4]) + 1


def cc_role(kb: KnowledgeBase, sev: tuple[str, int | None], principal: str | None, shown: str) -> str:
    """A secondary CC/MCC's role: 'secondary', or the principal's display form (*shown*) when
    the principal (its key) is in the CC's exclusion collection."""
    excluded = principal is not None and sev[1] is not None and kb.pdx_excludes(sev[1], principal)
    return shown if excluded else "secondary"


def cc_templates(cache: RuleCache, sev: tuple[str, int | None], role: str) -> tuple[Template, ...]:
    """The CC/MCC finding of a code of this severity in this role (see :func:`cc_role`), with
    FIRST for the code."""
    return cache.templated(("cc", sev, role), _severity, cache.kb, FIRST, sev, role)


def hcc_findings(cache: RuleCache, key: str, shown: str, year: int) -> tuple[Template, ...]:
    """The HCC finding of a code (its *key* and display form) for the payment *year*."""
    return cache.memo(("hcc", key, year), _hcc, cache.kb, shown, key, year)


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
    return [Finding("cc-mcc", severity("cc-mcc"), (shown,), msg,
                    Source("table", "MS-DRG CC/MCC lists and CC exclusions", table=table))]


def _hcc(kb: KnowledgeBase, shown: str, key: str, year: int) -> list[Finding]:
    hccs = kb.hcc(key, model=HCC_MODEL)
    years = sorted({int(str(h["year"])) for h in hccs})
    if not years:
        return []
    pick = min(years, key=lambda y: (abs(y - year), -y))
    cats = sorted({f"HCC {h['hcc']} {h['label'] or ''}".strip() for h in hccs if h["year"] == pick})
    return [Finding("hcc", severity("hcc"), (shown,),
                    f"{shown} maps to {'; '.join(cats)} (CMS-HCC V28, payment year {pick})",
                    Source("table", f"CMS-HCC V28 mapping, payment year {pick}",
                           table=kb.meta.get("hcc_source")))]
