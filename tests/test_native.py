"""The columnar checker's native kernels (rules/native/*.c) on their own: what each promises in
_native.pyi, the mirrors they keep (the pieces' arena, the code index) following their Python
originals as those change, and bad input refused with an exception, never read out of bounds.
That they write what the rules write is tests/test_batch_equivalence.py's and test_columnar.py's."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("icdkit.rules._native", reason="the optional C accelerator was not built")

import numpy as np

from icdkit.rules._native import index, lines, pairs, read
from icdkit.rules.finding_text import GLUES, Groups, Pieces, hole
from icdkit.rules.render import HEAD

Ints = Any


def _records(rows: list[int], groups: list[int], key: list[int] | None = None) -> tuple[Ints, ...]:
    n = len(rows)
    zeros = np.zeros(n, dtype=np.int64)
    return (np.array(key or [0] * n, dtype=np.int64), np.array(rows, dtype=np.int64),
            np.array(groups, dtype=np.int64), zeros, zeros, zeros)


def _lines(groups: Groups, records: tuple[Ints, ...], n_rows: int, glued: Ints | None = None
           ) -> tuple[str, list[int], list[bool]]:
    return lines(records, groups.native(), np.zeros(len(GLUES), dtype=np.int64) if glued is None else glued,
                 len(GLUES), groups.pieces.native(),
                 [f'"r{r}"' for r in range(n_rows)], HEAD)


def test_lines_orders_each_rows_findings_and_marks_errors() -> None:
    groups = Groups(Pieces())
    info = groups.literal('{"i": 1}', 2)
    error = groups.literal('{"e": 1}', 0)
    late = groups.literal('{"late": 1}', 2)
    # row 1's records come first and out of order: severity, then key, sorts them
    records = _records([1, 1, 0, 1], [late, info, info, error], key=[9, 3, 0, 5])
    text, ends, errors = _lines(groups, records, 2)
    assert text.splitlines() == [
        '{"id": "r0", "ok": true, "findings": [{"i": 1}]}',
        '{"id": "r1", "ok": false, "findings": [{"e": 1}, {"i": 1}, {"late": 1}]}',
    ]
    assert ends == [len(text.splitlines(True)[0]), len(text)]
    assert errors == [False, True]


def test_lines_fills_holes_with_the_codes_glued_pieces() -> None:
    pieces = Pieces()
    groups = Groups(pieces)
    code = pieces.of("M54.2")
    glued = np.array([code, pieces.of('M54.2", "'), -1, -1], dtype=np.int64)  # code period 0
    run = [pieces.of(', ["'), hole(False, 1), hole(False, 0), pieces.of('"]')]  # the code, glued; the code
    tid = groups._run(run, 2, pieces.of('["'))
    g = groups._group([tid])
    text, _, _ = _lines(groups, _records([0], [g]), 1, glued)
    assert text == '{"id": "r0", "ok": true, "findings": [["M54.2", "M54.2"]]}\n'


def test_the_arena_follows_pieces_dropped_and_made_again() -> None:
    groups = Groups(Pieces())
    mark = groups.mark()
    first = groups.literal('"one"', 2)
    assert '"one"' in _lines(groups, _records([0], [first]), 1)[0]
    groups.reset(mark)  # as after each chunk: the literal's pieces are dropped …
    again = groups.literal('"two"', 2)  # … and their numbers given to the next chunk's
    assert again == first
    text = _lines(groups, _records([0], [again]), 1)[0]
    assert '"two"' in text and '"one"' not in text


@pytest.mark.parametrize("bad", ["group", "row", "piece"])
def test_lines_refuses_numbers_out_of_range(bad: str) -> None:
    groups = Groups(Pieces())
    g = groups.literal('"x"', 2)
    records = _records([5 if bad == "row" else 0], [g + 7 if bad == "group" else g])
    if bad == "piece":
        groups.t_lead.data[0] = 10**6
    with pytest.raises(IndexError, match="out of range"):
        _lines(groups, records, 1)


def test_lines_refuses_arrays_not_int64() -> None:
    groups = Groups(Pieces())
    g = groups.literal('"x"', 2)
    records = list(_records([0], [g]))
    records[1] = records[1].astype(np.int32)
    with pytest.raises(TypeError, match="int64"):
        _lines(groups, tuple(records), 1)


def test_read_takes_known_rows_and_hands_back_the_others() -> None:
    given = (40, "F", "2025-10-01", "inpatient")
    seen = ("2025-10-01", 739525, 40, "F", 1)
    numbers = {"M54.2": 3, "m542": 3, "E11.9": 7, "NOT A CODE": -1, "A-LONG-SPELLING": 9}
    patients = {given: seen}
    asked: list[int] = []

    def slow(k: int, item: tuple[int, Any]) -> tuple[tuple[Any, ...], list[int]] | None:
        asked.append(k)
        return None

    def row(codes: object, **more: object) -> dict[str, object]:
        return {"id": "a", "codes": codes, "age": 40, "sex": "F", "date": "2025-10-01",
                "setting": "inpatient", **more}

    ix = index()
    rows = [(1, row(["M54.2", "m542"])), (2, row(["E11.9", "Z99.99"])), (3, row(["NOT A CODE"])),
            (4, row("M54.2")), (5, row(["A-LONG-SPELLING"])), (6, row(["E11.9"], id="")), (7, "unreadable")]
    kept, occ = read(rows, numbers, ix, patients, lambda g: None, 12, slow)
    assert [k[0] for k in kept] == [0, 4]
    assert kept[0] == (0, "a", *seen, 2)
    assert np.frombuffer(occ, dtype=np.int64).tolist() == [3, 3, 9]
    assert asked == [1, 2, 3, 5, 6]  # a code not known, known not a code, codes as a string, no id, no dict
    # a spelling the dict gains later is found: the index is rebuilt from it
    numbers["Z99.99"] = 11
    kept, occ = read(rows[1:2], numbers, ix, patients, lambda g: None, 12, slow)
    assert len(kept) == 1 and np.frombuffer(occ, dtype=np.int64).tolist() == [7, 11]


def test_read_makes_patients_not_met_and_hands_back_rejected_ones() -> None:
    made: list[tuple[Any, ...]] = []
    patients: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def patient(given: tuple[Any, ...]) -> tuple[Any, ...] | None:
        made.append(given)
        if type(given[0]) is not int or given[0] < 0:  # as Columnar._patient: None for bad input
            return None
        patients[given] = ("2025-10-01", 739525, given[0], None, 0)
        return patients[given]

    asked: list[int] = []

    def slow(k: int, item: tuple[int, Any]) -> None:
        asked.append(k)

    rows = [(1, {"id": "a", "codes": ["M54.2"], "age": 30}), (2, {"id": "b", "codes": ["M54.2"], "age": -1}),
            (3, {"id": "c", "codes": ["M54.2"], "age": 30}), (4, {"id": "d", "codes": ["M54.2"], "age": [1]})]
    kept, _ = read(rows, {"M54.2": 3}, index(), patients, patient, 12, slow)
    assert [(k[0], k[4]) for k in kept] == [(0, 30), (2, 30)]
    assert made == [(30, None, None, None), (-1, None, None, None), ([1], None, None, None)]  # 30 once
    assert asked == [1, 3]


def _screen(**change: Any) -> dict[str, Any]:
    """Two screens: 0 with no cut (one dead cell), 1 with cuts at ranks 5 and 9 (cells 1-3,
    the middle one live), over a span of 100."""
    arrays = {"gid": [1, 0, 1], "rank": [0, 7, 12], "lens": [3], "cuts": [105, 109], "start": [0, 0],
              "base": [0, 1]}
    got: dict[str, Any] = {k: np.array(change.get(k, v), dtype=np.int64) for k, v in arrays.items()}
    got["live"] = np.array([False, False, True, False])
    return got


def test_pairs_finds_the_cell_each_other_code_falls_in() -> None:
    s = _screen()
    found = np.frombuffer(pairs(*s.values(), 100), dtype=np.int64).reshape(-1, 3).tolist()
    assert found == [[0, 1, 2], [2, 1, 2]]  # rank 7 lies between the cuts of screen 1; 0 and 12 do not


@pytest.mark.parametrize("bad", [{"gid": [2, 0, 1]}, {"lens": [4]}, {"start": [0, 3]}, {"base": [0, 3]}])
def test_pairs_refuses_numbers_out_of_range(bad: dict[str, Any]) -> None:
    with pytest.raises(IndexError, match="out of range"):
        pairs(*_screen(**bad).values(), 100)


def test_read_takes_simple_json_lines_without_python() -> None:
    numbers = {"M54.2": 3, "E11.9": 7}
    given = (40, "F", "2025-10-01", None)
    patients = {given: ("2025-10-01", 739525, 40, "F", 0)}
    asked: list[int] = []

    def slow(k: int, item: tuple[int, Any]) -> None:
        asked.append(k)

    lines = [b'{"id": "a", "codes": ["M54.2", "E11.9"], "age": 40, "sex": "F", "date": "2025-10-01"}\n',
             b' { "codes" : [ "E11.9" ] , "x": [], "setting": null, "id":"b", "age":40,"sex":"F",'
             b'"date":"2025-10-01"}\r\n',
             b'{"id": "c", "codes": ["E11.9"], "age": 40.0, "sex": "F", "date": "2025-10-01"}',
             b'{"id": "d\\u0041", "codes": ["E11.9"], "age": 40, "sex": "F", "date": "2025-10-01"}',
             b'{"id": "e", "codes": ["E11.9"], "id": "f", "age": 40, "sex": "F", "date": "2025-10-01"}']
    kept, occ = read(list(enumerate(lines, 1)), numbers, index(), patients, lambda g: None, 12, slow)
    assert [(k[0], k[1], k[7]) for k in kept] == [(0, "a", 2), (1, "b", 1)]
    assert np.frombuffer(occ, dtype=np.int64).tolist() == [3, 7, 7]
    assert asked == [2, 3, 4]  # json.loads reads those: a float, an escape, a key given twice


def test_pairs_refuses_flags_not_bool() -> None:
    s = _screen()
    s["live"] = s["live"].astype(np.int64)
    with pytest.raises(TypeError, match="live: a bool array"):
        pairs(*s.values(), 100)


def test_a_module_built_from_other_sources_is_refused_for_the_pure_kernels(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """An editable install whose checkout moved on keeps the module built from older C sources:
    called with today's arguments it raised TypeError in every check. It is refused, and stderr
    says how to rebuild it."""
    from icdkit.rules import _native, kernels

    assert kernels._native_wanted(), "the module built from these sources is used"
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(_native, "SOURCES", "0123456789abcdef")
    assert not kernels._native_wanted()
    err = capsys.readouterr().err
    assert "built from other sources" in err and "pip install -e ." in err


def test_unreadable_sources_give_no_digest_instead_of_failing_every_import(tmp_path: Any) -> None:
    """kernels.py digests the C sources at import: a source that cannot be read (a dangling
    link, a damaged checkout) must not stop every icdkit command from starting."""
    from icdkit.rules.native_sources import digest

    (tmp_path / "module.c").write_text("int x;\n")
    assert digest(tmp_path) is not None
    (tmp_path / "gone.c").symlink_to(tmp_path / "missing.c")
    assert digest(tmp_path) is None
