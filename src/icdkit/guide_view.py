"""The Rich view of a code guide (``icdkit guide CODE``), laid out like the seed page:
facts, documentation tips, pitfalls, confusable and related codes, context, siblings, FAQ,
history (added, title revised, deleted), sources — each statement followed by its source numbers.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text


def _cites(ids: list[str]) -> str:
    return f" [dim][{', '.join(i[1:] for i in ids)}][/]" if ids else ""


def render_guide(g: dict[str, Any], console: Console) -> None:
    f = g["facts"]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    status = (
        Text("Billable", style="bold green")
        if f["billable"]
        else Text(f"Not billable ({f['status']})", style="bold yellow")
    )
    grid.add_row("Status", status)
    if f.get("chapter"):
        grid.add_row("Chapter", f"{f['chapter']['number']} · {f['chapter']['title']}")
    if f.get("block"):
        grid.add_row("Block", f"{f['block']['range']} · {f['block']['title']}")
    if f.get("region"):
        grid.add_row("Region", f["region"]["name"])
    if "seventh_character" in f:
        grid.add_row("7th character", "required" if f["seventh_character"]["required"] else "none")
    if "cc_mcc" in f:
        grid.add_row("CC/MCC", f["cc_mcc"]["level"] if f["cc_mcc"] else "no")
    if "hcc" in f:
        grid.add_row("HCC V28", ", ".join(h["hcc"] for h in f["hcc"]["V28"]) or "none")
    if f.get("icd9_gem"):
        grid.add_row("ICD-9-CM (GEM)", ", ".join(h["code"] for h in f["icd9_gem"]))
    console.print(
        Panel(
            Group(Text(g["summary"]), Text(""), grid),
            title=f"[bold]{g['code']}[/] {escape(g['title'])}",
            subtitle=g["release"],
        )
    )
    e = escape
    sections = [
        ("Documentation tips", [(e(s["text"]), s["sources"]) for s in g["documentation"]]),
        ("Common coding pitfalls", [(e(s["text"]), s["sources"]) for s in g["pitfalls"]]),
        (
            "Confusable codes",
            [
                (f"[bold]{c['code']}[/] {e(c['title'])} — {e(c['difference'])}", c["sources"])
                for c in g["confusable"]
            ],
        ),
        (
            "Related codes",
            [
                (f"[bold]{r['code']}[/] {e(r['title'])} — {e(r['relation'])}", r["sources"])
                for r in g["related"]
            ],
        ),
    ]
    for title, items in sections:
        if items:
            console.rule(f"[bold]{title}")
            for text, ids in items:
                console.print(f" • {text}{_cites(ids)}", highlight=False)  # texts escaped below
    console.rule("[bold]Clinical context")
    console.print(escape(g["context"]), highlight=False)
    for title, rows in (("Sibling codes", g["siblings"]), (f"Codes under {g['code']}", g["children"])):
        if rows:
            console.rule(f"[bold]{title}")
            t = Table.grid(padding=(0, 2))
            for c in rows[:60]:
                t.add_row(
                    c["code"],
                    escape(c["title"]),
                    "[green]billable[/]" if c["billable"] else "[yellow]header[/]",
                )
            console.print(t)
    if g["faq"]:
        console.rule("[bold]Frequently asked questions")
        for i, q in enumerate(g["faq"], 1):
            console.print(f"[bold]{i:02d} {escape(q['question'])}[/]", highlight=False)
            console.print(f"   {escape(q['answer'])}{_cites(q['sources'])}", highlight=False)
    if g["history"]:
        console.rule("[bold]History")
        for h in g["history"]:
            console.print(f" • {h['date']} — {escape(h['event'])}{_cites(h['sources'])}", highlight=False)
    console.rule("[bold]Sources")
    for s in g["sources"]:
        console.print(
            f"[dim]{s['id'][1:]:>3}[/] {s['kind']} · {s['release']} · at {e(s['at'])} — {e(s['text'])}",
            highlight=False,
        )
