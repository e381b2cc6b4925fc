"""The store never serves silently wrong data, and builds leave nothing half-done behind.

A flipped byte in a title's page is caught by its build checksum (``doctor``, ``build
--verify``, ``serve``, and any open after the file changed); a damaged bundled store is
rebuilt with a message, a damaged user-built one refused; a build killed midway leaves no
temporary file after the next run; two first uses at once build once; the first-use build
prints one plain line per stage when stderr is not a terminal. Real ``icdkit`` processes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from icdkit import KnowledgeBase, store
from icdkit.build import checksum
from icdkit.build.compile import STEPS

ICDKIT = str(Path(sys.executable).with_name("icdkit"))
TITLE = b"Panniculitis affecting regions of neck and back, cervicothoracic region"  # M54.03


def icdkit(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ICDKIT, *args], capture_output=True, text=True, env=dict(os.environ),
                          timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def copy_store(kb: KnowledgeBase, directory: Path, release: str | None = None) -> Path:
    """A copy of *kb*'s store (and its checksum) in *directory*, as *release* if given."""
    directory.mkdir(parents=True, exist_ok=True)
    target = store.db_path(release or kb.release, directory)
    shutil.copyfile(kb.path, target)
    checksum.write(target, checksum.recorded(kb.path) or "")
    return target


def flip_title_byte(path: Path) -> None:
    """Change one letter of M54.03's title inside the SQLite file, as a bad disk would."""
    with open(path, "r+b") as fh:
        data = fh.read()
        at = data.find(TITLE)
        assert at > 0
        fh.seek(at)
        fh.write(b"Q")


def test_checksum_recorded_at_build_matches_the_file(kb: KnowledgeBase) -> None:
    want = checksum.recorded(kb.path)
    assert want is not None and want == checksum.digest(kb.path)
    assert checksum.sidecar(kb.path).read_text() == f"{want}  {kb.path.name}\n"  # sha256sum -c format


def test_doctor_reports_each_store_and_a_flipped_title_byte(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = copy_store(kb, tmp_path)
    r = icdkit("doctor", "--json", "--cache-dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    got = {s["release"]: s for s in json.loads(r.stdout)["stores"]}
    assert got["FY2026"]["status"] == "ok" and got["FY2025"]["status"] == "absent"

    flip_title_byte(path)
    r = icdkit("doctor", "--json", "--cache-dir", str(tmp_path))
    assert r.returncode == 1
    d = json.loads(r.stdout)
    assert d["ok"] is False
    fy26 = next(s for s in d["stores"] if s["release"] == "FY2026")
    assert fy26["status"] == "damaged" and "checksum" in fy26["detail"] and fy26["bundled"] is True
    human = icdkit("doctor", "--cache-dir", str(tmp_path))
    assert human.returncode == 1 and "FY2026\tDAMAGED" in human.stdout
    assert "fix: icdkit build --release FY2026" in human.stdout


def test_store_without_a_checksum_is_not_trusted(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = copy_store(kb, tmp_path)
    checksum.sidecar(path).unlink()
    h = store.health(path)
    assert h.status == "damaged" and "no build checksum" in h.detail


def test_damaged_user_built_store_is_refused(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = copy_store(kb, tmp_path, "FY2031")  # a release icdkit does not bundle
    ok = icdkit("build", "--verify", "--release", "FY2031", "--json", "--cache-dir", str(tmp_path))
    assert ok.returncode == 0 and json.loads(ok.stdout)["stores"][0]["status"] == "ok"
    flip_title_byte(path)
    r = icdkit("build", "--verify", "--release", "FY2031", "--json", "--cache-dir", str(tmp_path))
    assert r.returncode == 1
    assert json.loads(r.stdout)["stores"][0]["status"] == "damaged"
    # any command that opens it refuses it with one clear message, and so does the server
    for cmd in (["lookup", "M54.03"], ["serve", "--port", str(free_port())]):
        r = icdkit(*cmd, "--release", "FY2031", "--cache-dir", str(tmp_path))
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert "damaged" in r.stderr and "icdkit build --release FY2031 --source" in r.stderr
        assert "Qanniculitis" not in r.stdout


def test_serve_rebuilds_a_damaged_bundled_store(tmp_path: Path, kb: KnowledgeBase) -> None:
    flip_title_byte(copy_store(kb, tmp_path))
    port = free_port()
    proc = subprocess.Popen([ICDKIT, "serve", "--port", str(port), "--cache-dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/codes/M54.03", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.5)
        assert r.json()["title"] == TITLE.decode()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "is damaged" in err and "rebuilding it" in err and "Traceback" not in err
    assert store.health(store.db_path("FY2026", tmp_path)).status == "ok"


def test_killed_build_leaves_nothing_and_two_first_uses_build_once(tmp_path: Path) -> None:
    d = str(tmp_path)
    proc = subprocess.Popen([ICDKIT, "build", "--release", "FY2025", "--cache-dir", d],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not store.leftovers(tmp_path):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert store.leftovers(tmp_path) and not store.db_path("FY2025", tmp_path).exists()

    both = [subprocess.Popen([ICDKIT, "lookup", "S72.001B", "--release", "FY2025", "--json",
                              "--cache-dir", d], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in both]
    assert [p.returncode for p in both] == [0, 0], outs
    assert json.loads(outs[0][0]) == json.loads(outs[1][0])
    builders = [err for _, err in outs if "building FY2025" in err]
    assert len(builders) == 1, outs  # the other waited for the lock, then opened the store
    # stderr is a pipe here: one plain line per stage, in order, then the total
    lines = builders[0].splitlines()
    assert lines[:len(STEPS)] == [f"icdkit: building FY2025 (first use): {s}" for s in STEPS]
    assert lines[len(STEPS)].startswith("icdkit: building FY2025 (first use): done in ")
    assert store.leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "icdkit-FY2025.sqlite", "icdkit-FY2025.sqlite.sha256"]


def test_a_changed_store_is_checked_again_on_open(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = copy_store(kb, tmp_path, "FY2031")
    assert store.ensure("FY2031", tmp_path) == path and store.vouched(path)
    flip_title_byte(path)  # the write changes the file's times: the next open checks the sum
    assert not store.vouched(path)
    r = icdkit("lookup", "M54.03", "--release", "FY2031", "--cache-dir", str(tmp_path))
    assert r.returncode == 2 and "damaged" in r.stderr
