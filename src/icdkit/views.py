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


_STATUS = {  # status -> (words, style); {from}/{to}/{date} filled from the record
    "billable": ("billable", "bold green"),
    "header": ("not billable (header)", "bold yellow"),
    "deleted": ("deleted: not valid after {to}", "bold red"),
    "not-yet-valid": ("not valid yet: valid from {from}", "bold red"),
    "not-in-tabular": ("billable, but not in the bundled tabular ({release})", "bold green"),
}


def _status_text(d: dict[str, Any]) -> Text:
    """The status on the status date (the valid-code set by date decides, not the tree)."""
    words, style = _STATUS[d["status"]]
    text = Text(words.format(**{"from": d["valid_from"], "to": d["valid_to"], "release": d["release"]}),
                style=style)
    text.append(f"  (as of {d['status_date']})", style="dim")
    return text


def render_code(d: dict[str, Any], console: Console) -> None:
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim")
    facts.add_column()
    facts.add_row("Status", _status_text(d))
    source = d["title_source"]
    if source["kind"] == "composed":
        facts.add_row("Title", f"composed from {source['from']} and 7th character "
                      f"{source['seventh_character']} ({source['release']}): "
                      "no bundled tabular holds the code")
    elif source["kind"] == "unknown":
        facts.add_row("Title", Text("unknown: no bundled file holds this code's title", style="yellow"))
    elif source["release"] != d["release"]:
        facts.add_row("Title", f"from {source['release']}")
    if d.get("nearest_ancestor"):
        anc = d["nearest_ancestor"]
        facts.add_row("Nearest code", f"{anc['code']} {anc['title']} ({anc['release']}): "
                      "the notes below are inherited from it")
    if d.get("chapter"):
        facts.add_row("Chapter", f"{d['chapter']['number']} · {d['chapter']['title']}")
    if d.get("block"):
        facts.add_row("Block", f"{d['block']['range']} · {d['block']['title']}")
    path = " › ".join(a["code"] for a in reversed(d["ancestors"]))
    facts.add_row("Hierarchy", f"{path} › [bold]{d['code']}[/]" if path else d["code"])
    spans = [f"{p['from']} → {p['to']}" for p in d["validity"]]
    if spans and d["valid_to"] is None:  # the last period runs to the table's end, not to a deletion
        spans[-1] = f"{d['validity'][-1]['from']} → still valid (the table ends {d['validity'][-1]['to']})"
    facts.add_row("Valid", "; ".join(spans) or "—")
    if "on_date" in d:
        od = d["on_date"]
        facts.add_row("On " + od["date"], Text("valid and billable", style="green") if od["valid"]
                      else Text("NOT valid", style="bold red"))
        facts.add_row("", Text(od["note"], style="dim"))
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
        terms = d.get("seventh_character_terms", {})
        for ch, meaning in d["seventh_characters"].items():
            t.add_row(ch, meaning)
            for term in terms.get(ch, ()):
                t.add_row("", f"  {term}")
        parts.append(t)
    if d.get("index_entries"):
        t = Table(title=f"Index entries leading here — {d['sources'].get('index')}", title_justify="left",
                  show_header=False, box=None)
        for e in d["index_entries"]:
            t.add_row(e["book"], e["path"] + (f" › {e['column']}" if e.get("column") else ""))
        parts.append(t)
    parts.append(Text(f"\nSource: {d['sources']['tabular']}; billable per {d['sources']['billable']}",
                      style="dim"))
    title = d["title"] if d["title"] is not None else "(title unknown)"
    console.print(Panel(Group(*parts), title=f"[bold]{d['code']}[/] {title}",
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
    default = " (by default: the release's effective date)" if d.get("date_source") == "default" else ""
    console.print(verdict, f"[dim]{d['release']}, date of service {d['date']}{default}[/]")
    if d["findings"]:
        console.print(t)


def render_search(d: dict[str, Any], console: Console) -> None:
    """Results with why each matched; a completed code shows its header and 7th character, a
    code that needs a partner shows it, a weak match says so."""
    if not d["results"]:
        console.print(f"[yellow]no code found for {d['query']!r}[/]")
        return
    if all(r.get("weak") for r in d["results"]):
        console.print(f"[yellow]no real match for {d['query']!r}: a word matched nothing; "
                      "these are weak guesses[/]")
    table = Table(title=f"{d['query']} — {d['release']}", title_justify="left", show_lines=False)
    table.add_column("code", no_wrap=True, min_width=8)
    for col in ("title", "why it matched", "score"):
        table.add_column(col, justify="right" if col == "score" else "left")
    for r in d["results"]:
        code = Text(r["code"], style="bold green" if r["billable"] else "bold yellow")
        title = Text(r["title"])
        if not r["billable"]:
            need = ("needs a 7th character" if r.get("seventh_character_required")
                    else f"header: choose one of {', '.join(r.get('children', [])[:6])}"
                    + (" …" if len(r.get("children", [])) > 6 else ""))
            title.append(f"\n{need}", style="yellow")
        if r.get("header"):
            title.append(f"\nheader {r['header']} + 7th character {r['code'][-1]} "
                         f"(other encounters: icdkit lookup {r['header']})", style="dim")
        for also in r.get("also", []):
            title.append(f"\n+ {also['code']} {also['title']}", style="cyan")
            title.append(f" ({also['note']}, at {also['at']})", style="dim")
        if r.get("weak"):
            title.append("\nweak match", style="yellow")
        why = Text(f"{r['matched']['via']}: ", style="dim")
        why.append(r["matched"]["path"])
        table.add_row(code, title, why, f"{r['score']:.2f}")
    console.print(table)


def render_index(d: dict[str, Any], console: Console) -> None:
    from rich.tree import Tree

    book = "External Cause Index" if d["book"] == "eindex" else "Alphabetic Index"
    for entry in d["entries"]:
        root = Tree(_term_text(entry, entry["path"]))
        _grow(root, entry.get("children", []))
        console.print(root)
    console.print(f"[dim]{book}, {d.get('index_release_label', d['release'])}[/]")


def _term_text(node: dict[str, Any], title: str | None = None) -> Text:
    t = Text(title or node["title"], style="bold" if node["level"] == 0 else "")
    if node.get("nemod"):
        t.append(f" {node['nemod']}", style="dim")
    for key, style in (("code", "green"), ("subcat", "green"), ("seecat", "green")):
        if node.get(key):
            t.append(f"  {node[key]}", style=f"bold {style}")
    if node.get("manif"):
        t.append(f" [{node['manif']}]", style="bold green")
    if node.get("see"):
        t.append(f"  — see {node['see']}", style="italic cyan")
    if node.get("see_also"):
        t.append(f"  — see also {node['see_also']}", style="italic cyan")
    if node.get("cells"):
        t.append("  " + " | ".join(f"{k} {v or '—'}" for k, v in node["cells"].items()), style="green")
    if node.get("note"):
        t.append(f"\n{node['note']}", style="italic dim")
    if node.get("more"):
        t.append(f"  (+{node['more']} subterms)", style="dim")
    return t


def _grow(tree: Any, children: list[dict[str, Any]]) -> None:
    for child in children:
        _grow(tree.add(_term_text(child)), child.get("children", []))


def render_table(d: dict[str, Any], console: Console) -> None:
    """A Table's rows with their subsites, then what the asked column's code still needs."""
    from icdkit.vocabulary import TABLE_COLUMNS

    book = "drug" if d["table"].startswith("Table of Drugs") else "neoplasm"
    table = Table(title=f"{d['table']}: {d['query']} — {d.get('index_release_label', d['release'])}",
                  title_justify="left")
    table.add_column("drug" if book == "drug" else "site")
    for col in TABLE_COLUMNS[book]:
        table.add_column(col, style="bold green" if col == d["column"] else "")
    for row in d["rows"]:
        table.add_row(Text(row["path"], style="bold"), *(row["codes"][c] or "—" for c in TABLE_COLUMNS[book]))
        for sub in row.get("subsites", row.get("subterms", [])):
            name = "  › " + sub["path"][len(row["path"]) + 3:] if sub["path"].startswith(row["path"]) \
                else sub["path"]
            table.add_row(Text(name, style="dim"), *(sub["codes"][c] or "—" for c in TABLE_COLUMNS[book]))
    if d.get("synonym"):
        console.print(f"[dim]{d['query']!r} is listed as {d['synonym']!r}[/]")
    console.print(table)
    for row in d["rows"]:
        if d["column"] and row.get("note"):
            code = row.get("complete_code") or row.get("code") or "—"
            title = row.get("complete_title") or row.get("title") or ""
            console.print(f"{row['path']}: [bold]{code}[/] {title} — {row['note']}")
            _codes_under(row, console)
        for col, cat in row.get("categories", {}).items():
            console.print(f"{row['path']} · {col} {cat['code']}-: {cat['note']}")
            _codes_under(cat, console)


def _codes_under(d: dict[str, Any], console: Console) -> None:
    for k in d.get("codes_under", [])[:12]:
        console.print(f"    [green]{k['code']}[/] {k['title']}")
    if len(d.get("codes_under", [])) > 12:
        console.print(f"    [dim]… {len(d['codes_under']) - 12} more[/]")
    for enc, code in d.get("encounter_codes", {}).items() if not d.get("complete_code") else ():
        console.print(f"    [green]{code}[/] {enc} encounter")
