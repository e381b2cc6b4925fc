"""The note coder's shortcuts change its speed, never its answers: each is checked by coding
notes of the development set with the shortcut and without it (the plain, slower path)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from icdkit import KnowledgeBase
from icdkit.notes import code_note, mentions
from icdkit.notes.coder import tools
from icdkit.notes.mentions import Finder, Mention, _read_shown, _try
from icdkit.notes.sentences import Span

NOTES = Path(__file__).resolve().parent.parent / "benchmarks" / "notes" / "notes.jsonl"


def dev_notes(step: int = 4) -> list[dict[str, Any]]:
    rows = [json.loads(x) for x in NOTES.read_text().splitlines() if x.strip()]
    return rows[::step]  # a quarter of the set, every specialty and setting


def coded(kb: KnowledgeBase, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [code_note(r["text"], setting=r.get("setting", "outpatient"), date=r.get("date"), age=r.get("age"),
                      sex=r.get("sex"), kb=kb).to_json() for r in rows]


def same_without(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, plain: Callable[[], None]) -> None:
    rows = dev_notes()
    fast = coded(kb, rows)
    with monkeypatch.context():
        plain()
        slow = coded(kb, rows)
    assert fast == slow
    assert sum(len(r["codes"]) for r in fast) > len(rows)  # the notes were coded, not skipped


def test_one_word_no_result_is_named_by_is_not_searched_and_nothing_is_lost(kb: KnowledgeBase) -> None:
    finder, _ = tools(kb)
    assert {"pneumonia", "hypertension", "heroin", "panic"} <= finder.names  # main terms, Drug Table rows
    assert "vital" not in finder.names and "thyroid-stimulating" not in finder.names

    def one(w: str, may: bool) -> Mention | None:
        text = f"{w}."
        unit = Span(0, len(text), text)
        with mentions.note_scope():
            saved = mentions._may_name
            mentions._may_name = (lambda f, x: True) if not may else saved  # type: ignore[assignment]
            try:
                return _try(finder, [(0, len(w), w)], unit, "assessment_plan", 1, [])
            finally:
                mentions._may_name = saved  # type: ignore[assignment]

    ws = sorted({w.lower().strip(".,;:()") for r in dev_notes(8) for w in r["text"].split()} - {""})
    skipped = [w for w in ws if not mentions._may_name(finder, w)]
    assert len(skipped) > 50  # the shortcut does skip searches
    for w in ws:
        fast, slow = one(w, True), one(w, False)
        assert (fast and (fast.code, fast.text)) == (slow and (slow.code, slow.text)), w


def test_the_notes_are_coded_the_same_without_the_one_word_shortcut(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    same_without(kb, monkeypatch, lambda: monkeypatch.setattr(mentions, "_may_name", lambda f, w: True))


def test_results_read_once_per_finder_read_as_fresh(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    finder, _ = tools(kb)
    same_without(kb, monkeypatch,
                 lambda: monkeypatch.setattr(Finder, "shown", lambda self, r: _read_shown(r)))
    assert finder._shown and all(v == _read_shown_key(k) for k, v in list(finder._shown.items())[:200])


def _read_shown_key(key: tuple[str, str, str]) -> object:
    via, path, title = key
    from icdkit.search.engine import Match, Result

    return _read_shown(Result("X", title, True, 1.0, Match(via, path), False, ()))
