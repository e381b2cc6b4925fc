"""The native kernels are optional: the columnar evaluator with the pure kernels writes the same
bytes, and every store gets its rule tables whichever set runs.

``ICDKIT_PUREPYTHON=1`` (or no compiler at install) puts the pure kernels (rules/pure_kernels.py)
under the same evaluator; the accelerated path (the C kernels) must not differ by a byte, on
clean rows and on every awkward one.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.test_batch_equivalence import _encounters
from tests.test_batch_hostile import SHAPES
from tests.test_kernels import use_kernels

from icdkit.kb import KnowledgeBase
from icdkit.rules import kernels, speedups
from icdkit.rules.batch import run_batch
from icdkit.rules.check import Checker
from icdkit.rules.rule_tables_version import STAGE

PROBE = "import icdkit.rules.kernels as k; print(k.NATIVE)"


def _data(kb: KnowledgeBase) -> bytes:
    import json

    clean = "".join(json.dumps(r) + "\n" for r in _encounters(kb, 300)).encode()
    awkward = b"".join(data for name, (data, _) in sorted(SHAPES.items()) if name.startswith("jsonl"))
    return clean + awkward + clean[:2000].rsplit(b"\n", 1)[0] + b"\n"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_pure_kernels_write_the_same_bytes(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch,
                                           fmt: str) -> None:
    pytest.importorskip("icdkit.rules._native", reason="the optional C accelerator was not built")
    data = _data(kb)
    fast, pure = io.StringIO(), io.StringIO()
    use_kernels(monkeypatch, "native")
    s1 = run_batch(Checker(kb, shared=False), io.BytesIO(data), fast, fmt)
    use_kernels(monkeypatch, "pure")
    assert kernels.pairs.__module__ == "icdkit.rules.pure_kernels"
    s2 = run_batch(Checker(kb, shared=False), io.BytesIO(data), pure, fmt)
    assert fast.getvalue() == pure.getvalue()
    assert s1 == s2 and s1.rows_in == s1.rows_out


def test_every_store_is_built_with_its_rule_tables() -> None:
    assert [s.name for s in speedups.stages()] == [STAGE]


def test_environment_variable_forces_the_pure_kernels(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_bytes(_data(kb))
    outs = []
    for pure in ("", "1"):
        env = dict(os.environ, ICDKIT_PUREPYTHON=pure)
        probe = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                               check=True)
        assert probe.stdout.strip() == ("False" if pure else str(kernels.NATIVE))
        r = subprocess.run([sys.executable, "-m", "icdkit.cli", "check", "--batch", str(path)], env=env,
                           capture_output=True, timeout=300, check=False)
        assert r.returncode == 1 and b"Traceback" not in r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1] and outs[0].count(b"\n") > 300
