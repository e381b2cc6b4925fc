"""The evaluator's two kernel sets (kernels.py): the C accelerator and the pure Python/numpy
functions give the same results, kernel by kernel, on what the evaluator hands them — finding
records of real batches, the pair screen of real codes, rows in every form — and what each
kernel promises holds for both (a row's findings in order, holes filled, pairs in their cell).
The native set's own refusals of bad input are tests/test_native.py's."""

from __future__ import annotations

import io
import itertools
import json
from typing import Any

import numpy as np
import pytest
from tests.test_batch_equivalence import _encounters

from icdkit.kb import KnowledgeBase
from icdkit.rules import kernels, pure_kernels
from icdkit.rules.check import Checker
from icdkit.rules.columnar import Columnar
from icdkit.rules.finding_text import GLUES, Groups, Pieces, hole
from icdkit.rules.render import HEAD
from icdkit.rules.rows import read_rows

SETS = ["native", "pure"]


def use_kernels(monkeypatch: pytest.MonkeyPatch, which: str) -> None:
    """Put one kernel set in place for the evaluator (kernels.py) while a test runs."""
    if which == "native":
        native = pytest.importorskip("icdkit.rules._native", reason="the C accelerator was not built")
    source = native if which == "native" else pure_kernels
    for name in kernels.NAMES:
        monkeypatch.setattr(kernels, name, getattr(source, name))


@pytest.fixture(params=SETS)
def kernel_set(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    use_kernels(monkeypatch, request.param)
    return str(request.param)


def _records(rows: list[int], groups: list[int], key: list[int] | None = None) -> tuple[Any, ...]:
    n = len(rows)
    zeros = np.zeros(n, dtype=np.int64)
    return (np.array(key or [0] * n, dtype=np.int64), np.array(rows, dtype=np.int64),
            np.array(groups, dtype=np.int64), zeros, zeros, zeros)


def _lines(groups: Groups, records: tuple[Any, ...], n_rows: int, glued: Any = None
           ) -> tuple[str, list[int], list[bool]]:
    return kernels.lines(records, groups.native(),
                         np.zeros(len(GLUES), dtype=np.int64) if glued is None else glued, len(GLUES),
                         groups.pieces.native(),
                         [f'"r{r}"' for r in range(n_rows)], HEAD)


def test_lines_orders_each_rows_findings_and_marks_errors(kernel_set: str) -> None:
    groups = Groups(Pieces())
    info = groups.literal('{"i": 1}', 2)
    error = groups.literal('{"e": 1}', 0)
    late = groups.literal('{"late": 1}', 2)
    records = _records([1, 1, 0, 1, 2], [late, info, info, error, error], key=[9, 3, 0, 5, 0])
    text, ends, errors = _lines(groups, records, 3)
    assert text.splitlines() == [
        '{"id": "r0", "ok": true, "findings": [{"i": 1}]}',
        '{"id": "r1", "ok": false, "findings": [{"e": 1}, {"i": 1}, {"late": 1}]}',
        '{"id": "r2", "ok": false, "findings": [{"e": 1}]}',
    ]
    assert ends == list(itertools.accumulate(len(line) for line in text.splitlines(True)))
    assert errors == [False, True, True]


def test_lines_fills_holes_with_the_codes_glued_pieces(kernel_set: str) -> None:
    pieces = Pieces()
    groups = Groups(pieces)
    code = pieces.of("M54.2")
    glued = np.array([code, pieces.of('M54.2", "'), -1, -1], dtype=np.int64)  # code period 0
    run = [pieces.of(', ["'), hole(False, 1), hole(False, 0), pieces.of('"]')]
    tid = groups._run(run, 2, pieces.of('["'))
    g = groups._group([tid])
    text, _, _ = _lines(groups, _records([0, 0], [g, g]), 1, glued)
    assert text == '{"id": "r0", "ok": true, "findings": [["M54.2", "M54.2"], ["M54.2", "M54.2"]]}\n'


def test_a_group_of_many_templates_keeps_their_order(kernel_set: str) -> None:
    """A group may hold any number of templates (once 63 at most: a larger one handed its row
    back to the per-row rules, which no longer exist in icdkit): 100 findings of one rule at
    one code, of two severities, come out by severity, then in the group's order."""
    from icdkit.rules.finding_templates import FIRST, Template
    from icdkit.rules.findings import Finding, Source

    groups = Groups(Pieces())
    made = tuple(Template(Finding("code-also", "warning" if i % 3 else "error", (FIRST,), f"{FIRST}: {i}",
                                  Source("note", f"note {i}"))) for i in range(100))
    g = groups.of(made)
    assert g >= 0 and int(groups.g_len.view()[g]) == 100
    glued = np.array([groups.pieces.of(f"A01.1{glue}") for glue in GLUES], dtype=np.int64)
    text, _, errors = _lines(groups, _records([0], [g]), 1, glued)
    found = json.loads(text)["findings"]
    order = [i for i in range(100) if not i % 3] + [i for i in range(100) if i % 3]
    assert [f["message"] for f in found] == [f"A01.1: {i}" for i in order] and errors == [True]


def test_the_arena_follows_pieces_dropped_and_made_again(kernel_set: str) -> None:
    groups = Groups(Pieces())
    mark = groups.mark()
    first = groups.literal('"one"', 2)
    assert '"one"' in _lines(groups, _records([0], [first]), 1)[0]
    groups.reset(mark)
    again = groups.literal('"two"', 2)
    assert again == first
    text = _lines(groups, _records([0], [again]), 1)[0]
    assert '"two"' in text and '"one"' not in text


def test_pairs_finds_the_cell_each_other_code_falls_in(kernel_set: str) -> None:
    arrays = {"gid": [1, 0, 1, 1, 1], "rank": [0, 7, 12, 7, 6], "lens": [3, 0, 2], "cuts": [105, 109],
              "start": [0, 0], "base": [0, 1]}
    got: list[Any] = [np.array(v, dtype=np.int64) for v in arrays.values()]
    found = np.frombuffer(kernels.pairs(*got, np.array([False, False, True, False]), 100), dtype=np.int64)
    # rank 7 lies between the cuts of screen 1 (0 and 12 do not); rows do not mix
    assert found.reshape(-1, 3).tolist() == [[0, 1, 2], [2, 1, 2], [3, 4, 2], [4, 3, 2]]


def test_read_takes_known_rows_and_hands_back_the_others(kernel_set: str) -> None:
    given = (40, "F", "2025-10-01", "inpatient")
    seen = ("2025-10-01", 739525, 40, "F", 1)
    numbers = {"M54.2": 3, "m542": 3, "E11.9": 7, "NOT A CODE": -1, "A-LONG-SPELLING": 9}
    asked: list[int] = []

    def slow(k: int, item: tuple[int, Any]) -> tuple[tuple[Any, ...], list[int]] | None:
        asked.append(k)
        return ((k, "slow", *seen, 1), [7]) if k == 6 else None

    def row(codes: object, **more: object) -> dict[str, object]:
        return {"id": "a", "codes": codes, "age": 40, "sex": "F", "date": "2025-10-01",
                "setting": "inpatient", **more}

    rows: list[tuple[int, Any]] = [
        (1, row(["M54.2", "m542"])), (2, row(["E11.9", "Z99.99"])), (3, row(["NOT A CODE"])),
        (4, row("M54.2")), (5, row(["A-LONG-SPELLING"])), (6, row(["E11.9"], id="")), (7, "unreadable"),
        (8, json.dumps(row(["E11.9"], id="b")).encode())]
    kept, occ = kernels.read(rows, numbers, kernels.index(), {given: seen}, lambda g: None, 12, slow)
    assert kept == [(0, "a", *seen, 2), (4, "a", *seen, 1), (6, "slow", *seen, 1), (7, "b", *seen, 1)]
    assert np.frombuffer(occ, dtype=np.int64).tolist() == [3, 3, 9, 7, 7]
    assert asked == [1, 2, 3, 5, 6]


def test_both_sets_give_the_same_results_on_real_batches(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """Each kernel's answer on what a real batch hands it (rows, pairs, lines), compared."""
    native = pytest.importorskip("icdkit.rules._native", reason="the optional C accelerator was not built")
    calls: dict[str, list[tuple[Any, Any]]] = {"pairs": [], "lines": [], "read": []}

    def spy(name: str) -> Any:
        def both(*args: Any) -> Any:
            got = getattr(native, name)(*args)
            if name == "lines":  # the pure set reads the arena as the pieces' list
                arena = pure_kernels.arena()
                pure_kernels.arena_sync(arena, pieces[0].text, 0)
                args = (*args[:4], arena, *args[5:])
            calls[name].append((got, getattr(pure_kernels, name)(*args)))
            return got
        return both

    checker = Checker(kb)
    columnar = Columnar(checker)
    pieces = [columnar.tables.pieces]
    for name in calls:
        monkeypatch.setattr(kernels, name, spy(name))
    data = "".join(json.dumps(r) + "\n" for r in _encounters(kb, 3000)).encode()
    rows = list(read_rows(io.BytesIO(data), raw=True))
    for start in range(0, len(rows), 1024):
        columnar.lines(rows[start:start + 1024])
    assert all(len(v) == 3 for v in calls.values())
    for name, answers in calls.items():
        for fast, pure in answers:
            assert fast == pure, name
