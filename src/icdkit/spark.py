"""The batch checker over a Spark DataFrame of encounters (``pip install 'icdkit[spark]'``).

Each partition goes through :func:`icdkit.frames.check_frame` on its worker (``mapInPandas``),
the batch itself: its findings are byte for byte what ``icdkit check --batch`` writes for the
same encounters. A worker process opens its knowledge base once and keeps it.

Input columns: ``id``, ``codes`` (``array<string>`` or a string), ``age``, ``sex``, ``date``,
``setting`` — any may be missing — and optionally ``row`` (the number an unreadable row cites).
Without ``row``, rows are numbered in the frame's order (a counting job first), as the lines of
a file holding the frame would be. Output columns: ``id``, ``ok``, ``findings`` (the batch's JSON
array), ``errors`` (error findings) and ``rules`` (``array<string>``)::

    from icdkit.spark import check_encounters
    results = check_encounters(spark.read.json("claims.jsonl"))
    results.where("errors > 0").select("id", "rules").show()

On a cluster, ship one store file to the workers instead of building it on each:
``spark.sparkContext.addFile("/data/icdkit-FY2026.sqlite")`` then
``check_encounters(df, store="icdkit-FY2026.sqlite")`` (a path the workers lack is looked up
among the files Spark shipped).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from pyspark import SparkFiles, TaskContext
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from icdkit import frames


def check_encounters(df: DataFrame, *, release: str | None = None, cache_dir: str | None = None,
                     store: str | None = None) -> DataFrame:
    """The results of *df*'s encounters, one row each (see the module's docstring): of *release*
    (default: the newest) in the store directory *cache_dir* (default: ``$ICDKIT_CACHE_DIR``;
    a directory the workers see), or of the store file *store* (shipped with ``addFile``)."""
    if store and os.path.exists(store):
        frames.prepare(store=store)
    elif not store:
        release, cache_dir, _ = frames.prepare(release, cache_dir)
    names = [c for c in (*frames.COLUMNS, frames.ROW) if c in df.columns]
    df = df.select(*names)
    offsets: dict[int, int] | None = None
    if frames.ROW not in names:
        counts: dict[int, int] = dict(df.groupBy(F.spark_partition_id()).count().collect())
        offsets, first = {}, 1
        for part in sorted(counts):
            offsets[part], first = first, first + counts[part]

    def check(parts: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        path = _shipped(store) if store else None
        first = 1
        if offsets is not None:
            context = TaskContext.get()
            first = offsets.get(context.partitionId(), 1) if context else 1
        yield from frames.check_frames(parts, release=release, cache_dir=cache_dir, store=path,
                                       first_row=first)

    return df.mapInPandas(check, frames.RESULT_SCHEMA)


def _shipped(store: str) -> str:
    """The store file on this worker: *store* itself, or the copy Spark shipped (``addFile``)."""
    return store if os.path.exists(store) else SparkFiles.get(Path(store).name)


def local_session(app: str = "icdkit", *, cores: int = 2, memory: str = "2g") -> SparkSession:
    """A Spark session on this machine alone, to try or test :func:`check_encounters` before a
    cluster: ``local[cores]``, no web UI or progress bars, bound to loopback, the workers on this
    Python (``PYSPARK_PYTHON``, unless set), as few shuffle partitions as cores::

        spark = local_session()
        check_encounters(spark.read.json("claims.jsonl")).where("errors > 0").show()
        spark.stop()
    """
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master(f"local[{cores}]").appName(app)
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", str(cores))
               .config("spark.default.parallelism", str(cores)).config("spark.driver.memory", memory)
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session
