"""The HTML pages of the server: a code page, search with autocomplete, errors.

Plain server-rendered HTML (every page works without JavaScript); the search box adds
suggestions as you type from ``/api/autocomplete``.
"""

from __future__ import annotations

import html
from typing import Any

from icdkit.errors import IcdkitError

_STYLE = ("body{font:16px system-ui;max-width:60rem;margin:2rem auto;padding:0 1rem}"
          ".src{color:#666;font-size:.85em}.bill{color:#060}.hdr{color:#a60}"
          "#suggest{list-style:none;padding:0;margin:.2rem 0;border:1px solid #ccc;max-width:40rem}"
          "#suggest:empty{display:none}#suggest li{padding:.2rem .4rem}#suggest li a{text-decoration:none}"
          "#results li{margin:.4rem 0}.why{color:#555;font-size:.9em}")

_SCRIPT = """<script>
const box = document.getElementById('q'), list = document.getElementById('suggest');
let seq = 0;
box.addEventListener('input', async () => {
  const text = box.value.trim(), mine = ++seq;
  if (text.length < 2) { list.replaceChildren(); return; }
  const r = await fetch('/api/autocomplete?limit=8&q=' + encodeURIComponent(text));
  if (mine !== seq || !r.ok) return;
  const data = await r.json();
  list.replaceChildren(...data.results.map(x => {
    const li = document.createElement('li'), a = document.createElement('a');
    a.href = '/codes/' + encodeURIComponent(x.code);
    a.textContent = x.code + ' ' + x.title;
    const why = document.createElement('span');
    why.className = 'why';
    why.textContent = ' — ' + x.matched.via + ': ' + x.matched.path;
    li.append(a, why);
    return li;
  }));
});
</script>"""


def home_html(query: str = "") -> str:
    """The search box (with suggestions as you type) and the code lookup box."""
    return (f'<form action="/search" role=search><label>Search <input id=q name=q value="{_e(query)}" '
            'autocomplete=off autofocus placeholder="neck pain, CHF, acetaminophen overdose" size=40>'
            '</label> <button>Search</button></form><ul id=suggest aria-label=Suggestions></ul>'
            '<form action="/go"><label>Code <input name="code" placeholder="M54.03"></label> '
            f'<button>Look up</button></form>{_SCRIPT}')


def results_html(query: str, results: list[dict[str, Any]]) -> str:
    if not results:
        return f"<p id=results>No code found for {_e(query)}.</p>"
    items = []
    for r in results:
        status = "bill" if r["billable"] else "hdr"
        need = ""
        if not r["billable"]:
            need = (" · needs a 7th character" if r.get("seventh_character_required")
                    else " · header: choose a child code")
        if r.get("header"):  # completed with the encounter's 7th character
            need = f" · 7th character {r['code'][-1]} of {r['header']}"
        for also in r.get("also", []):  # a partner a "use additional code" note asks for
            need += f" · with {also['code']} {also['title']}"
        if r.get("weak"):
            need += " · weak match"
        items.append(f'<li><a href="/codes/{_e(r["code"])}" class={status}>{_e(r["code"])}</a> '
                     f'{_e(r["title"])}<span class=hdr>{need}</span><br>'
                     f'<span class=why>{_e(r["matched"]["via"])}: {_e(r["matched"]["path"])}</span></li>')
    return f"<ol id=results>{''.join(items)}</ol>"


def _e(text: object) -> str:
    return html.escape(str(text))


def page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{_e(title)}</title>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<style>{_STYLE}</style></head>"
            f"<body><h1>{_e(title)}</h1>{body}</body></html>")


def error_html(exc: IcdkitError) -> str:
    out = f"<p class=error>{_e(exc)}</p>"
    sugg = getattr(exc, "suggestions", ())
    if sugg:
        links = ", ".join(f'<a href="/codes/{_e(s)}">{_e(s)}</a>' for s in sugg)
        out += f"<p>Did you mean: {links}</p>"
    return out


_STATUS_HTML = {  # the lookup record's status (the valid-code set by date decides billable)
    "billable": "<span class=bill>Billable</span>",
    "header": "<span class=hdr>Not billable (header)</span>",
    "deleted": "<span class=hdr>Deleted: not valid after {to}</span>",
    "not-yet-valid": "<span class=hdr>Not valid yet: valid from {from}</span>",
    "not-in-tabular": "<span class=bill>Billable, not in the bundled tabular</span>",
}


def code_html(d: dict[str, Any]) -> str:
    status = _STATUS_HTML[d["status"]].format(**{"from": _e(d["valid_from"]), "to": _e(d["valid_to"])})
    status += f" <span class=src>as of {_e(d['status_date'])}</span>"
    if d.get("on_date"):
        status += f"</p><p id=on_date class=src>{_e(d['on_date']['note'])}"
    src, anc = d["title_source"], d.get("nearest_ancestor")
    if src["kind"] == "composed":
        status += (f"</p><p id=title_source class=src>Title composed from {_e(src['from'])} and "
                   f"7th character {_e(src['seventh_character'])} ({_e(src['release'])})")
    elif src["kind"] == "unknown":
        status += "</p><p id=title_source class=src>Title unknown: no bundled file holds it"
    if anc:
        status += (f"</p><p id=nearest_ancestor class=src>No bundled tabular holds this code; notes "
                   f"below are inherited from {_e(anc['code'])} {_e(anc['title'])}")
    crumbs = " › ".join(f'<a href="/codes/{_e(a["code"])}">{_e(a["code"])}</a>'
                        for a in reversed(d["ancestors"]))
    parts = [f"<p id=status>{status} · {_e(d['release_label'])}</p>", f"<p id=hierarchy>{crumbs}</p>"]
    if d["children"]:
        items = "".join(f'<li><a href="/codes/{_e(c["code"])}">{_e(c["code"])}</a> {_e(c["title"])}</li>'
                        for c in d["children"])
        parts.append(f"<h2>Children</h2><ul id=children>{items}</ul>")
    for key, notes in d["notes"].items():
        if notes:
            items = "".join(f"<li>{_e(n['text'])} <span class=src>at {_e(n['source'])}</span></li>"
                            for n in notes)
            heading = _e(key.replace("_", " ").capitalize())
            parts.append(f"<h2>{heading}</h2><ul class=notes id={key}>{items}</ul>")
    if d["seventh_characters"]:
        items = "".join(f"<li><b>{_e(c)}</b> {_e(m)}</li>" for c, m in d["seventh_characters"].items())
        parts.append(f"<h2>7th characters</h2><ul>{items}</ul>")
    if d.get("index_entries"):
        items = "".join(f"<li>{_e(e['path'])}" + (f" › {_e(e['column'])}" if e.get("column") else "")
                        + f" <span class=src>{_e(e['book'])}</span></li>" for e in d["index_entries"])
        parts.append(f"<h2>Index entries leading here</h2><ul id=index_entries>{items}</ul>"
                     f"<p class=src>{_e(d['sources'].get('index'))} Index and Tables</p>")
    parts.append(f"<p class=src>Source: {_e(d['sources']['tabular'])}; billable per "
                 f"{_e(d['sources']['billable'])}.</p>")
    return "".join(parts)
