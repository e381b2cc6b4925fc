"""Encounters in a pandas DataFrame checked by the batch: the one function the Spark and Dask
adapters (spark.py, dask.py) run on every partition.

A frame of encounters has the columns of a batch file — ``id``, ``codes`` (a list or array of
codes, or text separated by spaces, commas, ``;`` or ``|``), ``age``, ``sex``, ``date``,
``setting`` — any of them may be missing, and a missing value (None, NaN, NaT) is a missing
field. Its rows are written as the JSON Lines a batch file holds and checked by the batch itself
(:func:`icdkit.rules.results.check_rows`), so each row's findings are byte for byte what
``icdkit check --batch`` writes for that line: nothing here knows a rule. Every row is answered,
an unreadable one with an ``invalid-input`` finding (rows in == rows out).

The result has one row per encounter, in order: ``id`` (as the batch names it), ``ok``,
``findings`` (the JSON array the batch writes), ``errors`` (how many findings are errors) and
``rules`` (their rule ids), for SQL. A row cites its number (as a file's line number) in an
``invalid-input`` finding and names itself by it when it has no id: the optional ``row`` column
gives it, else rows count from *first_row*.

Each process opens a knowledge base once (:func:`checker`): from a store directory and release
(built from the bundled data on first use), or from a store file shipped to the workers.

>>> import pandas as pd
>>> got = check_frame(pd.DataFrame({"id": ["a", "b"], "codes": [["E11.9", "I10"], ["M54.2", "M50.20"]],
...                                 "age": [57, None]}))
>>> got[["id", "ok", "errors"]].values.tolist()
[['a', True, 0], ['b', False, 1]]
>>> got.loc[1, "rules"]
['excludes1']
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from icdkit import store as stores
from icdkit.kb import KnowledgeBase
from icdkit.rules.check import Checker
from icdkit.rules.render import HEAD
from icdkit.rules.results import Summary, check_rows
from icdkit.rules.speedups import ensure_tables, stages

#: the columns a frame of encounters may have (as a batch file's fields), and the row number
COLUMNS = ("id", "codes", "age", "sex", "date", "setting")
ROW = "row"
#: the result's columns, and their Spark SQL types
RESULT_SCHEMA = "id string, ok boolean, findings string, errors int, rules array<string>"
#: ', "ok": ' — never inside the id the batch writes before it (the id's quotes are escaped)
_OK = HEAD[1][: HEAD[1].index("true")]
_ERROR = '"severity": "error"'
_RULE = re.compile(r'\{"rule": "([^"\\]*)"')
KEPT = 4  # knowledge bases a process keeps open
SLICE = 8192  # rows checked at once
_kept: OrderedDict[tuple[str | None, ...], Checker] = OrderedDict()
_opening = threading.Lock()
_checking = threading.Lock()  # a checker's memos serve one thread at a time


def checker(release: str | None = None, cache_dir: str | None = None, store: str | None = None) -> Checker:
    """This process's checker for a knowledge base, opened once and kept (the last KEPT): the
    store file *store* when given (a file shipped to the workers), else *release* (default: the
    newest) of the store directory *cache_dir* (default: ``$ICDKIT_CACHE_DIR``), built from the
    bundled data on first use. Threads (Dask's threaded scheduler) share it, one at a time."""
    key = (release, cache_dir, store)
    with _opening:
        got = _kept.get(key)
        if got is None:
            kb = (KnowledgeBase(Path(store)) if store
                  else KnowledgeBase.open(release, cache_dir=cache_dir, stages=stages()))
            got = _kept[key] = Checker(kb)
            while len(_kept) > KEPT:
                _kept.popitem(last=False)
        _kept.move_to_end(key)
        return got


def prepare(release: str | None = None, cache_dir: str | None = None, store: str | None = None
            ) -> tuple[str | None, str | None, str | None]:
    """Open (building if need be) the knowledge base on the driver, with its rule tables inside
    it (a store file lacking them is completed here), so workers that see it load rather than
    build or compile them; return the
    arguments the workers open it with (*release* resolved: every worker checks the same one)."""
    if store:
        ensure_tables(checker(store=store))
        return None, None, store
    directory = str(stores.cache_dir(cache_dir))
    got = checker(stores.resolve(release, Path(directory)), directory)
    ensure_tables(got)
    return got.kb.release, directory, None


def encounter_lines(frame: pd.DataFrame) -> list[bytes]:
    """The frame's rows as the lines of a JSON Lines batch file (missing values left out)."""
    names = [c for c in COLUMNS if c in frame.columns]
    columns = [frame[c].tolist() for c in names]
    dumps = json.dumps
    return [dumps({k: _plain(v) for k, v in zip(names, values, strict=True) if not _missing(v)}).encode()
            for values in zip(*columns, strict=True)] if names else [b"{}"] * len(frame)


def check_frame(frame: pd.DataFrame, *, release: str | None = None, cache_dir: str | None = None,
                store: str | None = None, first_row: int = 1) -> pd.DataFrame:
    """The results of the frame's encounters (see the module's docstring), one row each, in
    order, checked by the batch with :func:`checker`'s knowledge base. The garbage collector is
    left alone."""
    if len(frame) > SLICE:  # a slice at a time: a big partition's text is not held several times over
        return pd.concat([check_frame(frame.iloc[i:i + SLICE], release=release, cache_dir=cache_dir,
                                      store=store, first_row=first_row + i)
                          for i in range(0, len(frame), SLICE)], ignore_index=True)
    lines = encounter_lines(frame)
    if ROW in frame.columns:
        numbers = [int(n) for n in frame[ROW].tolist()]
    else:
        numbers = list(range(first_row, first_row + len(lines)))
    out = io.StringIO()
    summary = Summary()
    got = checker(release, cache_dir, store)
    with _checking:
        check_rows(got, zip(numbers, lines, strict=True), out, "jsonl", summary)
    results = out.getvalue().split("\n")[:-1]
    del out
    assert summary.rows_in == summary.rows_out == len(results) == len(lines)  # every row answered
    return _results(results)


def check_frames(frames: Iterable[pd.DataFrame], *, release: str | None = None, cache_dir: str | None = None,
                 store: str | None = None, first_row: int = 1) -> Iterator[pd.DataFrame]:
    """:func:`check_frame` of each frame in turn, rows numbered on from one frame to the next
    (the shape of Spark's ``mapInPandas``)."""
    for frame in frames:
        yield check_frame(frame, release=release, cache_dir=cache_dir, store=store, first_row=first_row)
        first_row += len(frame)


def empty_results() -> pd.DataFrame:
    """The result of no encounters: its columns and their types (Dask's ``meta``)."""
    return _results([])


def _results(lines: list[str]) -> pd.DataFrame:
    """The batch's result lines as the result's columns. The findings are not parsed again: in the
    JSON the batch writes, ``{"rule": "`` and ``"severity": "error"`` with bare quotes are a
    finding's keys, never inside a message (a message's quotes are escaped)."""
    ids: list[str] = []
    oks: list[bool] = []
    findings: list[str] = []
    errors: list[int] = []
    rules: list[list[str]] = []
    loads, start = json.loads, len(HEAD[0])
    for line in lines:
        cut = line.index(_OK)
        raw = line[start:cut]
        ids.append(raw[1:-1] if "\\" not in raw else loads(raw))
        ok = line.startswith("true", cut + len(_OK))
        text = line[cut + len(HEAD[1] if ok else HEAD[2]) - 1:-1]
        oks.append(ok)
        findings.append(text)
        errors.append(text.count(_ERROR))
        rules.append(_RULE.findall(text))
    return pd.DataFrame({
        "id": pd.Series(ids, dtype=object), "ok": pd.Series(oks, dtype=bool),
        "findings": pd.Series(findings, dtype=object), "errors": pd.Series(errors, dtype="int32"),
        "rules": pd.Series(rules, dtype=object),
    })


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _plain(value: Any) -> Any:
    """A frame's value as JSON gives it: an array as a list, a whole float (a nullable integer
    column) as an int, a date as ``YYYY-MM-DD``, a NumPy scalar as its Python value."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "tolist"):  # an array (Spark's array<string>) or a NumPy scalar
        got = value.tolist()
        return [_plain(v) for v in got] if isinstance(got, list) else _plain(got)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)
