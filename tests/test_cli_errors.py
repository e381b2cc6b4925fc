"""Every command fails with one clear message on stderr and exit 2 — never a traceback.

Run through the installed ``icdkit`` command in real processes, with the inputs of issue 16:
an unwritable or read-only cache directory, a missing or unwritable ``--output``, a directory
where a file is expected, a 100 KB argument, a port out of range and a busy port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from icdkit import KnowledgeBase

ICDKIT = str(Path(sys.executable).with_name("icdkit"))
BIG = "a" * 100_000


def icdkit(*args: str, prefix: tuple[str, ...] = (), timeout: float = 300,
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, ICDKIT, *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=timeout)


def one_clear_error(r: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 2, nothing on stdout, one ``error:`` line on stderr naming *words*; no traceback."""
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr[-2000:]
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert len(lines[0]) < 400  # a 100 KB input is not echoed back
    return lines[0]


def unprivileged() -> tuple[str, ...]:
    """Permission bits do not bind root: drop the capabilities that bypass them."""
    if os.geteuid() != 0:
        return ()
    assert shutil.which("setpriv"), "setpriv (util-linux) is needed to test read-only dirs as root"
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner")


def test_cache_dir_that_cannot_exist() -> None:
    line = one_clear_error(icdkit("lookup", "M54.5", "--cache-dir", "/proc/x"), "/proc/x")
    assert "--cache-dir" in line


def test_read_only_cache_dir_with_nothing_built(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        line = one_clear_error(icdkit("lookup", "M54.5", "--cache-dir", str(ro), prefix=unprivileged()),
                               str(ro), "FY2026")
        assert "Permission denied" in line
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


def test_read_only_cache_dir_holding_built_stores_answers(tmp_path: Path, kb: KnowledgeBase) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    for f in (kb.path, kb.path.with_name(kb.path.name + ".sha256")):
        try:
            os.link(f, ro / f.name)
        except OSError:
            shutil.copy(f, ro / f.name)
    ro.chmod(0o555)
    try:
        r = icdkit("lookup", "M54.03", "--release", "FY2026", "--json", "--cache-dir", str(ro),
                   prefix=unprivileged())
        assert r.returncode == 0, r.stderr
        assert '"code": "M54.03"' in r.stdout
    finally:
        ro.chmod(0o755)


def test_batch_given_a_directory() -> None:
    one_clear_error(icdkit("check", "--batch", "/tmp"), "/tmp", "directory")


@pytest.mark.parametrize(("output", "words"), [
    ("/tmp", ("/tmp", "directory")),
    ("/nonexistent-dir/out.jsonl", ("/nonexistent-dir", "does not exist")),
    ("/proc/x", ("/proc/x",)),
])
def test_output_that_cannot_be_written(tmp_path: Path, output: str, words: tuple[str, ...]) -> None:
    batch = tmp_path / "in.csv"
    batch.write_text("codes\nM54.50\n")
    one_clear_error(icdkit("check", "--batch", str(batch), "--output", output), *words)


@pytest.mark.parametrize("command", ["lookup", "search", "index", "drug", "neoplasm", "check"])
def test_a_100_kb_argument(command: str) -> None:
    one_clear_error(icdkit(command, BIG), "too long", "100,000")


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_port_out_of_range(port: str) -> None:
    one_clear_error(icdkit("serve", "--port", port), port, "--port")


def test_busy_port_says_so_and_suggests_another() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        line = one_clear_error(icdkit("serve", "--port", str(port), timeout=60), str(port), "in use")
    assert "--port " in line


def test_unknown_release_in_doctor_free_build_verify() -> None:
    one_clear_error(icdkit("build", "--verify", "--release", "FY1999"), "FY1999")



def test_read_only_cache_dir_with_a_damaged_store_says_both(tmp_path: Path, kb: KnowledgeBase) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    copy = ro / kb.path.name
    shutil.copyfile(kb.path, copy)
    shutil.copyfile(kb.path.with_name(kb.path.name + ".sha256"), ro / (kb.path.name + ".sha256"))
    with open(copy, "r+b") as fh:
        fh.seek(fh.read().find(b"Panniculitis affecting regions of neck and back"))
        fh.write(b"Q")
    ro.chmod(0o555)
    try:
        line = one_clear_error(icdkit("lookup", "M54.03", "--release", "FY2026", "--cache-dir", str(ro),
                                      prefix=unprivileged()), "damaged", "cannot build FY2026", "--cache-dir")
        assert "Qanniculitis" not in line
    finally:
        ro.chmod(0o755)


@pytest.mark.parametrize(("args", "words"), [
    (("check", "--batch", "x.csv", "--output"), ("--output", "expected one argument")),
    (("lookup",), ("required", "code")),
    (("serve", "--port", "abc"), ("--port", "abc")),
    (("check", "M54.50", "--output", "/tmp/x.jsonl"), ("--output", "--batch")),
])
def test_a_missing_or_misplaced_option_value(args: tuple[str, ...], words: tuple[str, ...]) -> None:
    one_clear_error(icdkit(*args), *words)
