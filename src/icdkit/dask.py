"""The batch checker over a Dask DataFrame of encounters (``pip install 'icdkit[dask]'``).

Each partition goes through :func:`icdkit.frames.check_frame` (``map_partitions`` with the
result's ``meta``), the batch itself: its findings are byte for byte what
``icdkit check --batch`` writes for the same encounters. A worker process opens its knowledge
base once and keeps it; with threads, they share it.

Input columns: ``id``, ``codes`` (a list or a string), ``age``, ``sex``, ``date``, ``setting``
— any may be missing — and optionally ``row`` (the number an unreadable row cites). Without
``row``, rows are numbered in the frame's order, as the lines of a file holding the frame would
be: the partitions' rows are counted first, in a pass of their own (as Spark's adapter does).
Output columns: ``id``, ``ok``, ``findings`` (the batch's JSON array), ``errors`` (error
findings) and ``rules`` (a list)::

    import dask.dataframe as dd
    from icdkit.dask import check_encounters
    results = check_encounters(dd.read_json("claims-*.jsonl", lines=True, blocksize="64MB"))
    results[results.errors > 0].compute()

On a cluster, give every worker the same store file (``store="/shared/icdkit-FY2026.sqlite"``)
instead of building it on each.
"""

from __future__ import annotations

from typing import Any

import dask.dataframe as dd
import pandas as pd

from icdkit import frames


def check_encounters(df: dd.DataFrame, *, release: str | None = None, cache_dir: str | None = None,
                     store: str | None = None) -> dd.DataFrame:
    """The results of *df*'s encounters, one row each (see the module's docstring): of *release*
    (default: the newest) in the store directory *cache_dir* (default: ``$ICDKIT_CACHE_DIR``;
    a directory the workers see), or of the store file *store* (a path every worker sees)."""
    release, cache_dir, store = frames.prepare(release, cache_dir, store)
    names = [c for c in (*frames.COLUMNS, frames.ROW) if c in df.columns]
    df = df[names]
    firsts = None
    if frames.ROW not in names:  # counted first, in a pass of their own: no partition is held for it
        lengths = df.map_partitions(len, meta=(None, "int64")).compute()  # type: ignore[no-untyped-call]
        firsts = _firsts(lengths.tolist())
    got: dd.DataFrame = df.map_partitions(  # type: ignore[no-untyped-call]
        _check, firsts, release, cache_dir, store, meta=frames.empty_results(), align_dataframes=False)
    return got


def _firsts(lengths: list[int]) -> list[int]:
    """The number of each partition's first row."""
    got, first = [], 1
    for n in lengths:
        got.append(first)
        first += int(n)
    return got


def _check(part: pd.DataFrame, firsts: list[int] | None, release: str | None, cache_dir: str | None,
           store: str | None, partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    first = firsts[partition_info["number"]] if firsts is not None and partition_info else 1
    got = frames.check_frame(part, release=release, cache_dir=cache_dir, store=store, first_row=first)
    got.index = part.index
    return got
