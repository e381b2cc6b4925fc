"""Load benchmark of `icdkit serve`: code JSON and search throughput, latency, memory under a soak.

Starts `icdkit serve` on a free loopback port and drives it from a separate process (a bounded
asyncio client over keep-alive HTTP/1.1 connections: every loop stops at its deadline and its
request cap). Reports, per phase, requests/s, p50 and p99 latency and the status counts; then a
soak of unique inputs (codes in every spelling, searches with made-up words, Index terms)
samples the server's RSS. Traffic goes to 127.0.0.1 only.

    python benchmarks/bench_server.py                       # 10 s phases, 60 s soak, 2 workers
    python benchmarks/bench_server.py --workers 1           # one process
    python benchmarks/bench_server.py --soak-seconds 600    # the 10-minute soak

During the soak the server's RSS (every process of it) is printed at each sample; the verdict
says whether it stayed flat: after the first fifth (caches filling), the highest RSS of the
last third is within FLAT_MIB (or FLAT_SHARE) of the highest of the second fifth.

Targets (issue 18): >= 1,000 code JSON req/s with p99 <= 50 ms; >= 300 search req/s with
p99 <= 100 ms; RSS flat over the soak.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

HOST = "127.0.0.1"
MAX_REQUESTS = 2_000_000  # per phase: a cap besides the deadline
REQUEST_TIMEOUT = 15.0  # seconds: a request unanswered by then counts as status 0
FLAT_MIB = 24.0  # growth of the soak's RSS still called flat (allocator noise, caches settling)
FLAT_SHARE = 0.05  # … or this share of the RSS, whichever is larger


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(port: int, release: str | None, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """Start ``icdkit serve`` with its stderr kept in *log*: a pipe nobody reads would lose the
    traceback of a 500 (and block the server once the pipe is full)."""
    cmd = [sys.executable, "-m", "icdkit.cli", "serve", "--host", HOST, "--port", str(port),
           "--workers", str(workers)]
    if release:
        cmd += ["--release", release]
    try:
        with log.open("wb") as sink:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=sink)
    except OSError as exc:
        raise SystemExit(f"cannot write the server log {log}: {exc.strerror} (see --server-log)") from None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text(errors='replace')[-4000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start within 120 s")


def rss_kib(pid: int) -> int:
    """Resident memory of process *pid* and its children (the workers of ``--workers``)."""
    total = 0
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    except OSError:
        return total
    return total + sum(rss_kib(int(k)) for k in kids)


def rss_each_mib(pid: int) -> dict[str, float]:
    """Resident memory of the server's parent and of each worker, MiB (``parent``, ``worker 1`` …)."""
    def own(p: int) -> float:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            pass
        return 0.0
    try:
        kids = [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        kids = []
    return {"parent": own(pid), **{f"worker {n}": own(k) for n, k in enumerate(kids, 1)}}


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) spent so far by process *pid* and its children (the workers)."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0
    return own + sum(cpu_seconds(int(k)) for k in kids)


def flat(samples: list[float]) -> tuple[bool, float]:
    """(flat?, growth in MiB) of a soak's RSS samples (see the module's docstring)."""
    if len(samples) < 5:
        return True, 0.0
    fifth = max(len(samples) // 5, 1)
    settled = max(samples[fifth:2 * fifth])
    growth = max(samples[-max(len(samples) // 3, 1):]) - settled
    return growth <= max(FLAT_MIB, FLAT_SHARE * settled), round(growth, 1)


# -- the client (runs in its own process) ------------------------------------------------------------

async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def _drive(port: int, paths: list[str], seconds: float, connections: int) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    budget = [MAX_REQUESTS]

    async def worker(n: int) -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        i = n
        try:
            while time.monotonic() < deadline and budget[0] > 0:
                budget[0] -= 1
                path = paths[i % len(paths)]
                i += connections
                t0 = time.perf_counter()
                try:
                    statuses[await asyncio.wait_for(_one(reader, writer, path), REQUEST_TIMEOUT)] += 1
                except (TimeoutError, OSError, asyncio.IncompleteReadError):
                    statuses[0] += 1  # no answer in time, or the connection dropped: reconnect
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port)
                    continue
                latencies.append(time.perf_counter() - t0)
        finally:
            writer.close()

    t0, cpu0 = time.monotonic(), time.process_time()
    await asyncio.gather(*(worker(n) for n in range(connections)))
    elapsed, cpu = time.monotonic() - t0, time.process_time() - cpu0
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"requests": len(latencies), "seconds": round(elapsed, 2),
            "req_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(q[49] * 1000, 2), "p99_ms": round(q[98] * 1000, 2),
            "client_cpu_ms_per_request": round(cpu * 1000 / max(len(latencies), 1), 3),
            "statuses": {str(k): v for k, v in sorted(statuses.items())}}


def _client(port: int, paths: list[str], seconds: float, connections: int, out: Any) -> None:
    out.put(asyncio.run(_drive(port, paths, seconds, connections)))


def drive(port: int, paths: list[str], seconds: float, connections: int,
          server: int | None = None) -> dict[str, Any]:
    """Run one phase from a separate process; its result. With the *server*'s pid, also the
    CPU time its processes spent per answered request (a figure a busy machine inflates less
    than wall time: it counts only the time the server ran)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_client, args=(port, paths, seconds, connections, queue))
    proc.start()
    load, cpu0 = os.getloadavg()[0], cpu_seconds(server) if server else 0.0
    result: dict[str, Any] = queue.get(timeout=seconds + 120)
    if server:
        result["server_cpu_ms_per_request"] = round(
            (cpu_seconds(server) - cpu0) * 1000 / max(result["requests"], 1), 3)
    result["load_before"] = round(load, 1)
    proc.join(timeout=30)
    return result


# -- inputs --------------------------------------------------------------------------------------------

def inputs(release: str | None, seed: int = 18) -> tuple[list[str], list[str], list[str]]:
    """(code paths, search paths, soak paths of unique inputs) from the release's own codes."""
    from icdkit import KnowledgeBase

    rnd = random.Random(seed)
    with KnowledgeBase.open(release) as kb:
        codes = [c.code for c in kb.iter_codes(billable_only=True)]
        words = sorted({w.lower() for c in rnd.sample(codes, 3000) for w in kb.get(c).title.split()
                        if w.isalpha() and len(w) > 3})
    rnd.shuffle(codes)
    code_paths = [f"/api/codes/{c}" for c in codes[:20000]]
    searches = [" ".join(rnd.sample(words, rnd.choice((1, 2, 2, 3)))) for _ in range(5000)]
    search_paths = [f"/api/search?q={quote(q)}" for q in searches]
    soak: list[str] = []
    for i in range(200_000):
        kind = i % 4
        if kind == 0:  # a code in another spelling: lowercase, no dot
            soak.append(f"/api/codes/{codes[i % len(codes)].lower().replace('.', '')}")
        elif kind == 1:  # a search with a made-up word (typo search, caches)
            soak.append(f"/api/search?q={quote(rnd.choice(words) + ' ' + _junk(rnd))}")
        elif kind == 2:  # an autocomplete prefix
            w = rnd.choice(words)
            soak.append(f"/api/autocomplete?q={quote(w[: rnd.randint(3, len(w))])}")
        else:  # an unknown code (suggestions) in a unique spelling
            soak.append(f"/api/codes/{rnd.choice('ABCDEFGHJKLMNOPQRSTVWXYZ')}{rnd.randint(0, 99):02d}."
                        f"{rnd.randint(0, 9999)}")
    return code_paths, search_paths, soak


def _junk(rnd: random.Random) -> str:
    return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(4, 12)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--release")
    ap.add_argument("--seconds", type=float, default=10, help="length of each throughput phase")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2,
                    help="icdkit serve --workers (default 2: one per core, as the figures are measured)")
    ap.add_argument("--soak", "--soak-seconds", dest="soak", type=float, default=60,
                    help="length of the unique-input soak in seconds (600: the 10-minute soak)")
    ap.add_argument("--samples", type=int, default=20, help="RSS samples over the soak")
    ap.add_argument("--server-log", type=Path,
                    default=Path(tempfile.gettempdir()) / "icdkit-bench-server.log",
                    help="where the server's stderr is kept (its tracebacks, if any request failed)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    code_paths, search_paths, soak_paths = inputs(args.release)
    port = free_port()
    server = start_server(port, args.release, args.workers, args.server_log)
    report: dict[str, Any] = {"machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
                              "workers": args.workers}
    try:
        report["rss_start_mib"] = round(rss_kib(server.pid) / 1024, 1)
        drive(port, code_paths[:500], 2, args.connections)  # warm-up
        # every kind of soak request once (an unknown code opens the other releases for its
        # history: a one-time step), from the end of the list the soak starts at the beginning of
        drive(port, soak_paths[-4000:], 4, args.connections)
        report["rss_warm_mib"] = round(rss_kib(server.pid) / 1024, 1)
        report["code_json"] = drive(port, code_paths, args.seconds, args.connections, server.pid)
        report["search"] = drive(port, search_paths, args.seconds, args.connections, server.pid)
        samples: list[float] = []
        report["rss_each_soak_start_mib"] = rss_each_mib(server.pid)
        slice_s = max(args.soak / max(args.samples, 1), 1)
        t_end = time.monotonic() + args.soak
        at = 0
        soak_runs = []
        while time.monotonic() < t_end:
            chunk = soak_paths[at:] + soak_paths[:at]
            run = drive(port, chunk, min(slice_s, t_end - time.monotonic()), args.connections)
            at = (at + run["requests"]) % len(soak_paths)
            soak_runs.append(run)
            samples.append(round(rss_kib(server.pid) / 1024, 1))
            if not args.json:
                print(f"soak {len(samples) * slice_s:6.0f} s: RSS {samples[-1]} MiB, "
                      f"{run['req_per_s']} req/s, p99 {run['p99_ms']} ms, statuses {run['statuses']}",
                      flush=True)
        is_flat, growth = flat(samples)
        report["soak"] = {"seconds": args.soak, "requests": sum(r["requests"] for r in soak_runs),
                          "statuses": dict(sum((Counter(r["statuses"]) for r in soak_runs), Counter())),
                          "rss_mib_samples": samples, "flat": is_flat, "growth_mib": growth}
        report["rss_end_mib"] = round(rss_kib(server.pid) / 1024, 1)
        report["rss_each_soak_end_mib"] = rss_each_mib(server.pid)
        report["health_after"] = drive(port, ["/health"], 1, 1)["statuses"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            report["stop"] = "did not stop within 20 s of SIGTERM: killed"
    report["load_after"] = round(os.getloadavg()[0], 1)
    log_lines = args.server_log.read_text(errors="replace").splitlines()
    report["server_log"] = {"path": str(args.server_log),
                            "tracebacks": sum(line.startswith("Traceback") for line in log_lines),
                            "error_lines": [line for line in log_lines if "Error" in line][:20]}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"machine: {report['machine']} (shared with other work; load after {report['load_after']}); "
          f"icdkit serve --workers {args.workers}")
    for name in ("code_json", "search"):
        r = report[name]
        print(f"{name:10} {r['req_per_s']:8.1f} req/s  p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  "
              f"({r['requests']} requests, statuses {r['statuses']}; CPU ms per request: server "
              f"{r['server_cpu_ms_per_request']}, client {r['client_cpu_ms_per_request']}; "
              f"load before {r['load_before']})")
    s = report["soak"]
    print(f"soak       {s['requests']} unique-input requests in {s['seconds']:g} s, statuses {s['statuses']}")
    print(f"RSS MiB    start {report['rss_start_mib']}, warm {report['rss_warm_mib']}, "
          f"during soak {s['rss_mib_samples']}, end {report['rss_end_mib']}")
    print(f"RSS each   soak start {report['rss_each_soak_start_mib']}, "
          f"soak end {report['rss_each_soak_end_mib']}")
    print(f"verdict    RSS {'flat' if s['flat'] else 'NOT flat'} over the soak (growth {s['growth_mib']} MiB "
          f"after the first fifth)")
    print(f"health after the soak: {report.get('health_after')}; {report.get('stop', 'stopped on SIGTERM')}")
    log = report["server_log"]
    print(f"server log {log['path']}: {log['tracebacks']} tracebacks"
          + "".join(f"\n  {line}" for line in log["error_lines"]))


if __name__ == "__main__":
    main()
