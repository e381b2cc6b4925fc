"""The ``icdkit`` command: a thin layer over the library (one library call per command).

Data goes to stdout, errors to stderr. Exit codes: 0 found/ok, 2 bad input or unknown code.

Built on argparse rather than Typer on purpose: a cold ``icdkit lookup`` must start in tens
of milliseconds, and Typer (which imports pydantic when it is installed) alone costs more
than the whole lookup. Rich is imported only when a human view or a progress bar is drawn.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from icdkit import __version__
from icdkit.errors import IcdkitError, InvalidInput, UnknownRelease


def _fail(exc: IcdkitError, as_json: bool) -> NoReturn:
    from icdkit.lookup import error_record

    if as_json:
        print(json.dumps(error_record(exc)), file=sys.stderr)
    else:
        print(f"error: {exc}", file=sys.stderr)
        suggestions = getattr(exc, "suggestions", ())
        if suggestions:
            print(f"did you mean: {', '.join(suggestions)}", file=sys.stderr)
    raise SystemExit(2)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class _Stages:
    """A build's progress on stderr: a Rich bar on a terminal, else one plain line per stage
    (``icdkit: building FY2026 (first use): tabular``), drawn from the first report on — a
    store that needs no build prints nothing."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.bar: Any = None
        self.task: Any = None
        self.step = ""
        self.started = time.monotonic()

    def __call__(self, step: str, frac: float) -> None:
        if not sys.stderr.isatty():
            if step != self.step:
                self.step = step
                _say(f"icdkit: {self.description}: {step}")
            return
        if self.bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                TextColumn("{task.fields[step]}"), TimeElapsedColumn(),
                                console=Console(stderr=True))
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=1.0, step="")
        self.bar.update(self.task, completed=frac, step=step)

    def __enter__(self) -> _Stages:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
        elif self.step and exc[0] is None:
            _say(f"icdkit: {self.description}: done in {time.monotonic() - self.started:.0f} s")


def with_progress(run: Callable[[Callable[[str, float], None]], Any], description: str) -> Any:
    """Run ``run(callback)`` with its progress on stderr (see :class:`_Stages`)."""
    with _Stages(description) as stages:
        return run(stages)


def open_kb(release: str | None, cache_dir: Path | None, *, verify: bool = False, facts: bool = False) -> Any:
    """Open a release, building it first (with its progress) when missing or stale; *verify*
    also checks it against its build checksum (a damaged bundled store is rebuilt). With
    *facts*, the knowledge base of the facts alone (icdkit.kb: what the rules read), without the
    workbench's search and guides, whose imports a one-shot ``check`` would pay for nothing."""
    from icdkit import store
    from icdkit.rules.speedups import stages as rule_stages

    if facts:
        from icdkit.kb import KnowledgeBase
    else:
        from icdkit.workbench import KnowledgeBase

    directory = store.cache_dir(cache_dir)
    name = store.resolve(release, directory)
    path = store.db_path(name, directory)
    stages = rule_stages()
    if verify or not store.is_current(path) or not store.vouched(path) or not store.holds(path, stages):
        first = "" if path.exists() else " (first use)"
        with_progress(lambda cb: store.ensure(name, directory, cb, verify=verify, say=_say, stages=stages),
                      f"building {name}{first}")
    return KnowledgeBase(path, cache_dir=directory)


def cmd_lookup(args: argparse.Namespace) -> None:
    from icdkit.lookup import describe_code

    record = describe_code(open_kb(args.release, args.cache_dir), args.code, on=args.date,
                           follow_date=args.release is None)
    if args.json:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    from rich.console import Console

    from icdkit.views import render_code

    render_code(record, Console())


def cmd_build(args: argparse.Namespace) -> None:
    from icdkit import store
    from icdkit.build.sources import ReleaseSource, discover
    from icdkit.kb import parse_date
    from icdkit.rules.speedups import stages as rule_stages

    directory = store.cache_dir(args.cache_dir)
    if args.verify:
        if args.source or args.effective:
            raise InvalidInput("--verify checks the stores already built: give no --source or --effective")
        raise SystemExit(_verify(args, directory))
    when = parse_date(args.effective)
    effective = when.isoformat() if when else None
    wanted = store.normalise_release(args.release) if args.release else None
    if args.source:
        src = discover(list(args.source), effective)
        if wanted and wanted != src.release:
            raise InvalidInput(f"--release {wanted}, but the Tabular XML in --source is {src.release}")
        jobs = [src]
    else:
        names = [wanted] if wanted else store.bundled_releases()
        for n in names:
            if n not in store.bundled_releases():
                raise UnknownRelease(f"{n} is not bundled with icdkit; give its CMS files with --source")
        jobs = [discover([store.BUNDLED / n], effective) for n in names]
    results = []
    for src in jobs:
        path = store.db_path(src.release, directory)

        def run(cb: Callable[[str, float], None], src: ReleaseSource = src) -> Any:
            return store.build(src, directory, cb, rule_stages())

        meta = with_progress(run, f"building {src.release}")
        results.append({"release": src.release, "release_label": meta["label"], "label": meta["label"],
                        "path": str(path),
                        "billable": int(meta["billable_count"]), "seconds": float(meta["build_seconds"]),
                        "billable_source": meta["billable_source"]})
    if args.json:
        print(json.dumps({"built": results}))
        return
    for r in results:
        print(f"{r['release']}: {r['billable']:,} billable codes ({r['billable_source']}) "
              f"-> {r['path']} in {r['seconds']} s")


def _verify(args: argparse.Namespace, directory: Path) -> int:
    """``build --verify``: check each store against its build checksum; rebuild a damaged or
    stale bundled one; a damaged user-built one is reported (exit 1)."""
    from icdkit import store
    from icdkit.rules.speedups import stages as rule_stages

    wanted = store.normalise_release(args.release) if args.release else None
    found = [h for h in store.stores(directory) if wanted in (None, h.release)]
    if wanted and not found:
        raise UnknownRelease(f"no store of {wanted} in {directory}")
    results = []
    for h in found:
        if h.bundled and h.status in ("damaged", "stale"):
            _say(f"icdkit: {h.release}: {h.status} ({h.detail}); rebuilding it")
            src = store.BUNDLED / h.release

            def run(cb: Callable[[str, float], None], src: Path = src) -> Any:
                from icdkit.build.sources import discover

                return store.build(discover([src]), directory, cb, rule_stages())

            with_progress(run, f"building {h.release}")
            h = store.health(Path(h.path), h.release)
        results.append(h)
    _print_health(results, args.json)
    return 0 if all(h.ok for h in results) else 1


def _print_health(found: Sequence[Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps({"stores": [h.to_dict() for h in found],
                          "ok": all(h.ok for h in found)}))
        return
    for h in found:
        kind = "bundled" if h.bundled else "user-built"
        print(f"{h.release}\t{h.status.upper() if h.status != 'ok' else 'OK'}\t{kind}\t{h.path}\t{h.detail}")
        if h.status == "damaged":
            fix = (f"icdkit build --release {h.release}" if h.bundled
                   else f"icdkit build --release {h.release} --source <CMS files>")
            print(f"  fix: {fix}")


def cmd_doctor(args: argparse.Namespace) -> None:
    """Each store: OK, damaged, stale or not built yet (exit 1 when one is damaged)."""
    from icdkit import store

    directory = store.cache_dir(args.cache_dir)
    found = store.stores(directory)
    _print_health(found, args.json)
    left = store.leftovers(directory)
    if left and not args.json:
        print(f"{len(left)} temporary file(s) of an interrupted build: removed by the next build "
              f"({', '.join(p.name for p in left)})")
    raise SystemExit(0 if all(h.ok for h in found) else 1)


def cmd_check(args: argparse.Namespace) -> None:
    from icdkit.rules.check import Checker

    if bool(args.codes) == bool(args.batch):
        raise InvalidInput("give the encounter's codes, or --batch FILE (not both)")
    if args.output and not args.batch:
        raise InvalidInput("--output is where --batch writes its results: give --batch FILE too")
    checker = Checker(open_kb(args.release, args.cache_dir, facts=True))
    if args.batch:
        raise SystemExit(_check_batch(checker, args))
    report = checker.check(args.codes, age=args.age, sex=args.sex, date=args.date, setting=args.setting)
    if args.json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    else:
        from rich.console import Console

        from icdkit.views import render_report

        render_report(report.to_dict(), Console())
    raise SystemExit(0 if report.ok else 1)


def _check_batch(checker: Any, args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from icdkit.rules.batch import run_batch

    from_stdin = args.batch == "-"
    path = Path(args.batch)
    if not from_stdin and path.is_dir():
        raise InvalidInput(f"--batch {path} is a directory: give a CSV or JSON Lines file")
    if not from_stdin and not path.is_file():
        raise InvalidInput(f"batch file not found: {path}")
    if args.output:
        _writable_file(Path(args.output))
    if args.jobs == 1 and (from_stdin or path.stat().st_size > PRELOAD_FROM):
        checker.kb.preload(freeze_gc=True)  # else each worker preloads its own
    with contextlib.ExitStack() as stack:
        out = (stack.enter_context(open(args.output, "w", encoding="utf-8", newline=""))
               if args.output else sys.stdout)
        stream = sys.stdin.buffer if from_stdin else stack.enter_context(path.open("rb"))
        bar = stack.enter_context(Progress(
            TextColumn("checking {task.fields[name]}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), disable=not sys.stderr.isatty() and not args.progress))
        task = bar.add_task("check", total=None if from_stdin else path.stat().st_size,
                            name="standard input" if from_stdin else path.name)
        summary = run_batch(checker, stream, out, args.format, lambda n: bar.advance(task, n), args.jobs,
                            tune_gc=True)
    s = summary.to_dict()
    print(f"rows in {s['rows_in']}, rows out {s['rows_out']}, unreadable {s['invalid']}, "
          f"with errors {s['with_errors']}", file=sys.stderr)
    return 1 if summary.with_errors else 0


def _writable_file(path: Path) -> None:
    """Refuse an --output that cannot be a file before any work is done."""
    if path.is_dir():
        raise InvalidInput(f"--output {path} is a directory: give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InvalidInput(f"--output {path}: the directory {parent} does not exist")


def _emit(record: dict[str, Any], as_json: bool, render: str) -> None:
    """Print *record* as JSON, or draw it with the named function of :mod:`icdkit.views`."""
    if as_json:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    from rich.console import Console

    from icdkit import views

    getattr(views, render)(record, Console())


def cmd_search(args: argparse.Namespace) -> None:
    kb = open_kb(args.release, args.cache_dir)
    if args.complete:
        results = kb.autocomplete(args.query, limit=args.limit)
    else:
        results = kb.search(args.query, limit=args.limit, billable_only=args.billable_only)
    _emit({"query": args.query, "release": kb.release, "release_label": kb.label,
           "results": [r.to_json() for r in results]},
          args.json, "render_search")


def cmd_index(args: argparse.Namespace) -> None:
    from icdkit.search.navigate import index_tree

    kb = open_kb(args.release, args.cache_dir)
    _emit(index_tree(kb, args.term, book="eindex" if args.external else "index", depth=args.depth),
          args.json, "render_index")


def cmd_table(args: argparse.Namespace) -> None:
    from icdkit.search.navigate import table_rows

    kb = open_kb(args.release, args.cache_dir)
    column = args.intent if args.command == "drug" else args.behavior
    _emit(table_rows(kb, args.command, args.text, column, encounter=getattr(args, "encounter", None)),
          args.json, "render_table")


def cmd_code(args: argparse.Namespace) -> None:
    """Code a clinical note (or, with --batch, a JSON Lines file of notes). The note is read,
    coded and printed; it is never logged or written anywhere else."""
    from icdkit.notes import code_note

    if bool(args.file) == bool(args.batch):
        raise InvalidInput("give the note (a FILE, or - for stdin), or --batch FILE.jsonl (not both)")
    if args.output and not args.batch:
        raise InvalidInput("--output is where --batch writes its results: give --batch FILE too")
    if args.output:
        _writable_file(Path(args.output))
    kb = open_kb(args.release, args.cache_dir)
    if args.batch:
        raise SystemExit(_code_batch(kb, args))
    if args.file == "-":
        text = sys.stdin.read()
    else:
        path = Path(args.file)
        if not path.is_file():
            raise InvalidInput(f"note file not found: {path}")
        text = path.read_text(encoding="utf-8", errors="replace")
    result = code_note(text, setting=args.setting, date=args.date, age=args.age, sex=args.sex, kb=kb)
    if args.json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
        return
    for c in result.codes:
        ev = "; ".join(f"'{e.text}' [{e.start}-{e.end}]" for e in c.evidence)
        trig = f", trigger '{c.trigger}'" if c.trigger else ""
        print(f"{c.code:<9} {c.title}\n          {c.assertion}{trig} · {ev}\n          why: {c.why}")
    for n in result.not_coded:
        print(f"not coded '{n.text}' [{n.start}-{n.end}]: {n.reason}")
    for g in result.gaps:
        print(f"gap at {g.code}: {g.text} -> " + ", ".join(ch.code for ch in g.choices[:12]))
    errors = [f for f in result.findings if f["severity"] != "info"]
    for f in errors:
        print(f"{f['severity']}: {f['message']}")


def _code_batch(kb: Any, args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from icdkit.notes.batch import code_lines

    path = Path(args.batch)
    from_stdin = args.batch == "-"  # as check --batch -: the notes come from a pipe
    if not from_stdin and not path.is_file():
        raise InvalidInput(f"batch file not found: {path}")
    with contextlib.ExitStack() as stack:
        out = (stack.enter_context(open(args.output, "w", encoding="utf-8", newline=""))
               if args.output else sys.stdout)
        stream = sys.stdin.buffer if from_stdin else stack.enter_context(path.open("rb"))
        bar = stack.enter_context(Progress(
            TextColumn("coding {task.fields[name]}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), disable=not sys.stderr.isatty() and not args.progress))
        task = bar.add_task("code", total=None if from_stdin else path.stat().st_size,
                            name="standard input" if from_stdin else path.name)
        n, errors = code_lines(stream, out, kb=kb, progress=lambda k: bar.advance(task, k))
    print(f"notes {n}, answered with an error {errors}", file=sys.stderr)
    return 0


def cmd_releases(args: argparse.Namespace) -> None:
    from dataclasses import asdict

    from icdkit import store

    found = store.releases(store.cache_dir(args.cache_dir))
    if args.json:
        print(json.dumps({"releases": [{**asdict(r), "release_label": r.label} for r in found]}))
        return
    for r in found:
        kind = "bundled" if r.bundled else "user-built"
        print(f"{r.release}\t{r.label}\t{kind}\t{'built' if r.built else 'builds on first use'}")


def cmd_guide(args: argparse.Namespace) -> None:
    kb = open_kb(args.release, args.cache_dir)
    g = kb.guide(args.code, on=args.date)
    if args.json:
        sys.stdout.write(json.dumps(g.to_json(), ensure_ascii=False) + "\n")
        return
    from rich.console import Console

    from icdkit.guide_view import render_guide

    render_guide(g.to_json(), Console())


def cmd_export_site(args: argparse.Namespace) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from icdkit.api.static_site import export_site

    kb = open_kb(args.release, args.cache_dir)
    with Progress(TextColumn("pages {task.fields[release]}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True)) as bar:
        task = bar.add_task("export", total=None, release=kb.release)
        n = export_site(kb, Path(args.dir), jobs=args.jobs,
                        progress=lambda done, total: bar.update(task, completed=done, total=total))
    print(f"{kb.release}: {n} pages (HTML + JSON) -> {args.dir}", file=sys.stderr)


def _listen(host: str, port: int) -> Any:
    """A socket bound to *host*:*port*, or a clear error: out of range, or in use (with a
    free port to suggest)."""
    import errno
    import socket

    if not 1 <= port <= 65535:
        raise InvalidInput(f"port {port} is out of range: give --port 1-65535 (default 8000)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise InvalidInput(f"cannot listen on host {host!r}: {exc}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            free = _free_port(host, port)
            hint = f"; try --port {free}" if free else "; choose another with --port N"
            raise InvalidInput(f"port {port} on {host} is already in use{hint}") from None
        raise InvalidInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _free_port(host: str, port: int) -> int | None:
    import socket

    for candidate in range(port + 1, min(port + 50, 65535) + 1):
        with socket.socket() as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return None


def cmd_serve(args: argparse.Namespace) -> None:
    """Verify the stores (damaged bundled ones are rebuilt, damaged user-built ones refused),
    then serve. The port is taken first, so a busy one fails before any work. With
    ``--workers N`` the verified stores are served by N processes sharing the one socket (a
    search is CPU work in Python: processes, not threads, use more than one core)."""
    import signal

    from icdkit import store

    workers = max(1, args.workers)
    if workers > 1 and not hasattr(os, "fork"):
        raise InvalidInput("--workers above 1 needs a POSIX system (fork)")
    sock = _listen(args.host, args.port)
    directory = store.cache_dir(args.cache_dir)
    kb = open_kb(args.release, args.cache_dir, verify=True)
    for other in store.stores(directory):
        if other.release != kb.release and other.status == "damaged":  # stale ones rebuild on use
            open_kb(other.release, args.cache_dir, verify=True).close()
    print(f"icdkit: serving {kb.label} on http://{args.host}:{args.port}/"
          + (f" ({workers} processes)" if workers > 1 else ""), file=sys.stderr)
    if workers == 1:
        _serve(kb, sock)
        return
    kb.close()  # each worker opens its own (a SQLite connection must not cross a fork)
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the worker process
            code = 0
            try:
                _serve(open_kb(args.release, args.cache_dir), sock)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        children.append(pid)

    def stop(signum: int, frame: object) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for pid in children:
        while True:
            try:
                os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                break


#: The server process's collector thresholds (an entry point's choice; the library leaves gc
#: alone). Young collections as by default; a full collection only after 1,000 middle ones
#: (default 10): one scans every object not frozen (a release opened later, the memos), 60-180
#: ms measured under load with the GIL held, so at the default every few hundred searches one
#: search and every request queued behind it waited for it. Young cycles are still collected.
SERVER_GC = (700, 10, 1000)


def _serve(kb: Any, sock: Any) -> None:
    """Serve *kb* on the bound socket *sock* until stopped: uvicorn with the fast HTTP parser and
    event loop (httptools, uvloop where installed) and no access log (an address can hold
    patient words; the note coder's are posted, never in the address)."""
    import importlib.util

    import uvicorn

    from icdkit.api.app import create_app

    kb.preload(freeze_gc=True)  # the server's process is ours: its tables leave the collector's scans
    for name in kb.release_names():  # the releases a code's answer consults, built if need be
        if name != kb.release:  # and read now, not in the middle of a flood of unknown codes
            kb.other(name).preload(freeze_gc=True)
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    app = create_app(kb, freeze_gc=True)
    gc.collect()
    gc.freeze()  # the app, its routes and warmed tables: out of every later scan
    gc.set_threshold(*SERVER_GC)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, loop=loop, http=http))
    server.run(sockets=[sock])


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``error: icdkit check: argument --output/-o: expected
    one argument (see icdkit check --help)`` and exit 2, as for every other failure."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--cache-dir", type=Path, default=None,
                        help="where knowledge bases are stored (env ICDKIT_CACHE_DIR)")
    release = _Parser(add_help=False)
    release.add_argument("--release", "-r", help="release, e.g. FY2026 or 2026 (default: newest)")
    as_json = _Parser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON instead of a view")

    p = _Parser(
        prog="icdkit",
        description="ICD-10-CM reference, search and validation, offline, traceable to the official files.")
    p.add_argument("--version", action="version", version=f"icdkit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("lookup", parents=[release, as_json, common],
                       help="everything about one code: title, billable, hierarchy, notes, validity")
    s.add_argument("code", help="a code in any spelling: M54.03, m5403, S72001A")
    s.add_argument("--date", "-d", help="date of service, YYYY-MM-DD: answer with that date's truth "
                   "(valid and billable then, the release in force, its tabular when icdkit has it)")
    s.set_defaults(func=cmd_lookup)

    s = sub.add_parser("build", parents=[release, as_json, common],
                       help="compile a release (bundled, or from CMS files) into its knowledge base")
    s.add_argument("--source", "-s", type=Path, action="append",
                   help="folder or CMS zip holding the release files (repeatable)")
    s.add_argument("--effective", help="date the release takes effect (default: from its file names)")
    s.add_argument("--verify", action="store_true",
                   help="check the built stores against their build checksums instead of building; "
                        "a damaged bundled store is rebuilt (exit 1 if one stays damaged)")
    s.set_defaults(func=cmd_build)

    s = sub.add_parser("check", parents=[release, as_json, common],
                       help="check one encounter's codes (principal first) against every rule",
                       description="Exit 0 when no error-level finding, 1 when there is one, 2 on bad input.")
    s.add_argument("codes", nargs="*", help="diagnosis codes, principal / first-listed first")
    s.add_argument("--age", help="patient age in years")
    s.add_argument("--sex", help="patient sex: F or M")
    s.add_argument("--date", "-d", help="date of service, YYYY-MM-DD (default: the release's date)")
    s.add_argument("--setting", help="inpatient or outpatient")
    s.add_argument("--batch", help="CSV or JSON Lines file, one encounter per row ('-': standard input)")
    s.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="batch output format")
    s.add_argument("--output", "-o", help="batch output file (default: stdout)")
    s.add_argument("--progress", action="store_true", help="show the batch progress bar even when not a TTY")
    s.add_argument("--jobs", "-j", type=int, default=1,
                   help="batch: worker processes, one per core (default 1); results keep input order")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("search", parents=[release, as_json, common],
                       help="find codes the way coders do: Index, Tables, titles; typos and abbreviations")
    s.add_argument("query", help='as you would type it: "neck pain", "CHF", "pnuemonia", "aspirin overdose"')
    s.add_argument("--limit", "-n", type=int, default=10, help="results to show (1-200, default 10)")
    s.add_argument("--billable-only", action="store_true", help="only codes valid for a claim")
    s.add_argument("--complete", action="store_true", help="autocomplete: the last word may be unfinished")
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("index", parents=[release, as_json, common],
                       help="the Alphabetic Index under a term: subterms, codes, see / see also")
    s.add_argument("term", help="a main term or a path: 'Pain', 'Pain, neck', 'Fracture, traumatic, femur'")
    s.add_argument("--external", "-e", action="store_true", help="the External Cause Index instead")
    s.add_argument("--depth", type=int, default=9, help="levels of subterms to show (default all)")
    s.set_defaults(func=cmd_index)

    from icdkit.vocabulary import TABLE_COLUMNS

    s = sub.add_parser("drug", parents=[release, as_json, common],
                       help="the Table of Drugs and Chemicals: codes for a substance by intent")
    s.add_argument("text", metavar="SUBSTANCE", help="a substance: 'acetaminophen', 'alcohol, ethyl'")
    s.add_argument("--intent", metavar="INTENT",
                   help=f"the column whose code you need: {', '.join(TABLE_COLUMNS['drug'])}, "
                   "or a coder's word (overdose, side effect, intentional, suicide attempt)")
    s.add_argument("--encounter", metavar="ENCOUNTER",
                   help="initial, subsequent or sequela: complete the code with its 7th character")
    s.set_defaults(func=cmd_table)

    s = sub.add_parser("neoplasm", parents=[release, as_json, common],
                       help="the Neoplasm Table: codes for a site by behavior")
    s.add_argument("text", metavar="SITE", help="a site: 'lung', 'lung, upper lobe', 'colon'")
    s.add_argument("--behavior", metavar="BEHAVIOR",
                   help=f"the column whose code you need: {', '.join(TABLE_COLUMNS['neoplasm'])}, "
                   "or a word such as metastatic, cancer, benign")
    s.set_defaults(func=cmd_table)

    s = sub.add_parser("code", parents=[release, as_json, common],
                       help="code a clinical note: codes with evidence, mentions not coded, gaps, findings",
                       description="The note is never logged, cached or stored.")
    s.add_argument("file", nargs="?", metavar="FILE", help="the note as a text file, or - for stdin")
    s.add_argument("--setting", choices=("outpatient", "inpatient"), default="outpatient",
                   help="outpatient (default) or inpatient: decides how uncertain diagnoses are coded")
    s.add_argument("--date", "-d", help="date of service, YYYY-MM-DD")
    s.add_argument("--age", help="patient age in years")
    s.add_argument("--sex", help="patient sex: F or M")
    s.add_argument("--batch", help='JSON Lines file, one note a line: {"id", "text", "setting"?, ...} '
                   "('-': standard input)")
    s.add_argument("--output", "-o", help="batch output file (default: stdout)")
    s.add_argument("--progress", action="store_true", help="show the batch progress bar even when not a TTY")
    s.set_defaults(func=cmd_code)

    s = sub.add_parser("releases", parents=[as_json, common], help="the releases icdkit can open")
    s.set_defaults(func=cmd_releases)

    s = sub.add_parser("guide", parents=[release, as_json, common],
                       help="the code guide: documentation tips, pitfalls, confusable codes, FAQ, sources")
    s.add_argument("code", help="a code or header in any spelling: M54.03, M54.0, s72001a")
    s.add_argument("--date", "-d", help="date of service, YYYY-MM-DD (default: the release's date)")
    s.set_defaults(func=cmd_guide)

    s = sub.add_parser("export-site", parents=[release, common],
                       help="write every code's guide page (HTML + JSON) into a folder, for static hosting")
    s.add_argument("dir", help="output folder (created if missing)")
    s.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: one per core)")
    s.set_defaults(func=cmd_export_site)

    s = sub.add_parser("doctor", parents=[as_json, common],
                       help="check every store against its build checksum: OK, damaged, stale",
                       description="Exit 0 when every store is usable, 1 when one is damaged.")
    s.set_defaults(func=cmd_doctor)

    s = sub.add_parser("serve", parents=[release, common], help="serve the HTTP API and code pages")
    s.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    s.add_argument("--workers", type=int, default=1,
                   help="server processes sharing the port (default 1; one per core serves most)")
    s.set_defaults(func=cmd_serve)
    return p


#: The longest argument the command takes: codes, terms and queries are far shorter.
MAX_ARGUMENT = 1000
#: A batch file this big (bytes, ~1,000 rows) or read from stdin has the knowledge base preloaded
#: first (~1 s, repaid over many rows); a smaller one starts on its first row at once.
PRELOAD_FROM = 256 * 1024


def main(argv: Sequence[str] | None = None) -> None:
    """Run one command. Every failure is one message on stderr and exit 2, never a traceback
    (``ICDKIT_DEBUG=1`` shows the traceback of an unexpected error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    as_json = getattr(args, "json", False)
    try:
        long = next((a for a in argv if len(a) > MAX_ARGUMENT), None)
        if long is not None:
            raise InvalidInput(f"argument too long ({len(long):,} characters; at most {MAX_ARGUMENT:,}): "
                               f"{long[:40]!r}…")
        args.func(args)
    except IcdkitError as exc:
        _fail(exc, as_json)
    except BrokenPipeError:  # e.g. `icdkit lookup X | head`
        sys.stderr.close()
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except OSError as exc:  # a file or directory the command was pointed at
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(IcdkitError(f"{where}{exc.strerror or exc}"), as_json)
    except Exception as exc:
        if os.environ.get("ICDKIT_DEBUG"):
            raise
        _fail(IcdkitError(f"internal error ({type(exc).__name__}: {str(exc)[:200]}); please report it "
                          "(ICDKIT_DEBUG=1 shows the traceback)"), as_json)


if __name__ == "__main__":
    main()
