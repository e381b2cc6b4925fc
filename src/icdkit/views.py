"""Rich renderings of lookup records for people (the JSON is the contract; this is its face)."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

_NOTE_TITLES = {
    "includes": "Includes",
    "inclusion_terms": "Inclusion terms",
    "excludes1": "Excludes1 — not coded here; never report together (unless unrelated)",
    "excludes2": "Excludes2 — not included here; both may be reported",
    "code_first": "Code first",
    "use_additional": "Use additional code",
    "code_also": "Code also",
    "notes": "Notes",
    "seventh_character_note": "7th character note",
}


def render_code(d: dict[str, Any], console: Console) -> None:
    status = (Text("billable", style="bold green") if d["billable"]
              else Text("not billable (header)", style="bold yellow"))
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim")
    facts.add_column()
    facts.add_row("Status", status)
    if d.get("chapter"):
        facts.add_row("Chapter", f"{d['chapter']['number']} · {d['chapter']['title']}")
    if d.get("block"):
        facts.add_row("Block", f"{d['block']['range']} · {d['block']['title']}")
    path = " › ".join(a["code"] for a in reversed(d["ancestors"]))
    facts.add_row("Hierarchy", f"{path} › [bold]{d['code']}[/]" if path else d["code"])
    valid_to = d["valid_to"] or "still valid"
    facts.add_row("Valid", f"{d['valid_from'] or '—'} → {valid_to}")
    if "on_date" in d:
        od = d["on_date"]
        facts.add_row("On " + od["date"], Text("valid", style="green") if od["valid"]
                      else Text("NOT valid", style="bold red"))
    if d.get("replacements"):
        facts.add_row("Replaced by", ", ".join(r["code"] for r in d["replacements"]))
    if d.get("cc_mcc"):
        facts.add_row("MS-DRG", f"{d['cc_mcc']} (PDX exclusion collection "
                      f"{d['cc_mcc_pdx_exclusion_collection']})")
    v28 = sorted({f"{h['hcc']} {h['label'] or ''}".strip() for h in d["hcc"]
                  if h["model"] == "CMS-HCC Model V28"})
    if v28:
        facts.add_row("HCC V28", "; ".join(v28))
    if d["mce"]["flags"]:
        facts.add_row("MCE edits", ", ".join(d["mce"]["flags"]))
    parts: list[Any] = [facts]
    if d.get("billable_descendants"):
        shown = d["billable_descendants"][:12]
        more = len(d["billable_descendants"]) - len(shown)
        tail = f" … +{more}" if more > 0 else ""
        parts.append(Text(f"\nBillable codes beneath: {', '.join(shown)}{tail}", style="yellow"))
    if d["children"]:
        kids = Table(title="Children", title_justify="left", show_header=False, box=None)
        for c in d["children"][:40]:
            kids.add_row(c["code"], c["title"], "" if c["billable"] else "[dim]header[/]")
        parts.append(kids)
    for key, label in _NOTE_TITLES.items():
        notes = d["notes"].get(key) or []
        if not notes:
            continue
        t = Table(title=label, title_justify="left", show_header=False, box=None, padding=(0, 1))
        t.add_column(ratio=4)
        t.add_column(style="dim", ratio=1)
        for n in notes:
            t.add_row(n["text"], f"at {n['source']}" + (" (inherited)" if n["inherited"] else ""))
        parts.append(t)
    if d["seventh_characters"]:
        t = Table(title="7th characters", title_justify="left", show_header=False, box=None)
        for ch, meaning in d["seventh_characters"].items():
            t.add_row(ch, meaning)
        parts.append(t)
    parts.append(Text(f"\nSource: {d['sources']['tabular']}; billable per {d['sources']['billable']}",
                      style="dim"))
    console.print(Panel(Group(*parts), title=f"[bold]{d['code']}[/] {d['title']}",
                        subtitle=d["release_label"]))


_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render_report(d: dict[str, Any], console: Console) -> None:
    """A check report: one row per finding, most severe first, each with its source."""
    verdict = Text("OK — no error-level findings", style="bold green") if d["ok"] else Text(
        "NOT OK — error-level findings", style="bold red")
    t = Table(show_lines=True, expand=True)
    t.add_column("severity", no_wrap=True)
    t.add_column("rule", no_wrap=True)
    t.add_column("codes", no_wrap=True)
    t.add_column("finding", ratio=3)
    t.add_column("source", ratio=1, style="dim")
    for f in d["findings"]:
        src = f["source"]
        where = f" at {src['at']}" if src.get("at") else ""
        release = f", {src['release']}" if src.get("release") else ""
        cited = f"{src['kind']}{where}{release}" if src["kind"] == "note" else src.get("table") or src["text"]
        t.add_row(Text(f["severity"], style=_SEVERITY_STYLE[f["severity"]]), f["rule"], " ".join(f["codes"]),
                  f["message"], cited)
    console.print(verdict, f"[dim]{d['release']}, date of service {d['date']}[/]")
    if d["findings"]:
        console.print(t)
