"""``icdkit export-site``: every code and header page of a release, HTML and JSON, as files.

The pages are the server's (:func:`icdkit.api.guide_routes.render_page`) with relative links
(``M54.03.html``), so the folder can be hosted by any static server. Work is split over worker
processes, each with its own knowledge base; pages are written as they are made, so memory
stays flat however many pages there are.

>>> site_name("M50-M54"), site_name("M54.03")
('M50-M54', 'M54.03')
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from icdkit.errors import InvalidInput

_STATE: dict[str, Any] = {}
CHUNK = 200  # pages per task


def site_name(code: str) -> str:
    return code


def _link(ref: str) -> str:
    """The file of a code's page (``M50.-`` → ``M50.html``)."""
    return f"{site_name(ref.rstrip('-').rstrip('.'))}.html"


def _init(path: str, cache_dir: str, out: str) -> None:
    from icdkit.workbench import KnowledgeBase

    kb = KnowledgeBase(Path(path), cache_dir=Path(cache_dir))
    kb.preload(freeze_gc=True)
    _STATE.update(kb=kb, out=Path(out))


def _pages(codes: list[str]) -> int:
    from icdkit.api.guide_routes import render_page
    from icdkit.guide import guide

    kb, out = _STATE["kb"], _STATE["out"]
    for code in codes:
        g = guide(kb, code)
        name = site_name(g.code)
        (out / f"{name}.json").write_text(json.dumps(g.to_json(), ensure_ascii=False), encoding="utf-8")
        (out / f"{name}.html").write_text(
            render_page(
                kb, g, link=_link, json_url=f"{name}.json", home_url="index.html", search_url="index.html"
            ),
            encoding="utf-8",
        )
    return len(codes)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def export_site(
    kb: Any,
    out: Path,
    *,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    only: list[str] | None = None,
) -> int:
    """Write every page of *kb*'s release (or only the codes *only*) into *out*; return the
    number of pages."""
    out.mkdir(parents=True, exist_ok=True)
    if not out.is_dir():
        raise InvalidInput(f"not a folder: {out}")
    rows = kb.connection().execute("SELECT code FROM nodes ORDER BY seq").fetchall()
    codes = [r[0] for r in rows] if only is None else [kb.get(c).code for c in only]
    chapters = [c for c in kb.chapters()]
    index = [
        '<!doctype html><meta charset=utf-8><meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>ICD-10-CM {kb.release}</title><h1>ICD-10-CM {kb.label}</h1><ul>"
    ]
    index += [f'<li><a href="{_link(c.code)}">{c.code}</a> {c.title}</li>' for c in chapters]
    (out / "index.html").write_text("".join(index) + "</ul>", encoding="utf-8")
    jobs = max(1, jobs or os.cpu_count() or 1)
    done = 0
    report = progress or (lambda n, total: None)
    if jobs == 1:
        _init(str(kb.path), str(kb.cache_dir), str(out))
        for chunk in _chunks(codes):
            done += _pages(chunk)
            report(done, len(codes))
        return done
    ctx = mp.get_context("spawn")
    with ctx.Pool(jobs, initializer=_init, initargs=(str(kb.path), str(kb.cache_dir), str(out))) as pool:
        for n in pool.imap_unordered(_pages, _chunks(codes)):
            done += n
            report(done, len(codes))
    return done
