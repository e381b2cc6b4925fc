"""The import graph of icdkit runs one way: no cycle, no import back up the layers.

Every import counts — at the top of a module, inside a function (lazy), or under
``TYPE_CHECKING`` — so a lazy import cannot hide a cycle. The layers (DESIGN.md), lowest first:

0. neutral: errors, codes, refs, models, vocabulary, dates, titles, memo
1. build/ (official files → one SQLite per release)
2. the facts: store, kb, history
3. search/, rules/
4. guide/
5. notes/ (the scribe)
6. workbench (the public KnowledgeBase with every capability)
7. adapters: lookup, views, guide_view, cli, api/, spark, dask, and frames (the partition checker both
   cluster adapters share)

The package's own ``__init__`` re-exports public names lazily by module path and is left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "icdkit"

LAYERS: dict[str, int] = {
    "errors": 0, "codes": 0, "refs": 0, "models": 0, "vocabulary": 0, "dates": 0, "titles": 0,
    "memo": 0,
    "build": 1,
    "store": 2, "kb": 2, "history": 2,
    "search": 3, "rules": 3,
    "guide": 4,
    "notes": 5,
    "workbench": 6,
    "lookup": 7, "views": 7, "guide_view": 7, "cli": 7, "api": 7, "spark": 7, "dask": 7,
    "frames": 7,
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The icdkit modules *name* imports, anywhere in its body."""
    got: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name and t != "icdkit":
                got.add(t)
    return got


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    return {m: _imports(m, p, known) for m, p in mods.items() if m != "icdkit"}


def _layer(module: str) -> int:
    top = module.split(".")[1]
    assert top in LAYERS, f"{module}: put its layer in tests/test_layers.py LAYERS (and DESIGN.md)"
    return LAYERS[top]


def test_every_module_has_a_layer() -> None:
    for m in _graph():
        _layer(m)


def test_no_import_runs_up_the_layers() -> None:
    wrong = sorted(f"{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)})"
                   for m, targets in _graph().items() for t in targets if _layer(t) > _layer(m))
    assert wrong == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for t in sorted(graph.get(n, ())):
            if state.get(t) == 1:
                return [*stack[stack.index(t):], t]
            if t not in state and (found := visit(t)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_no_cycle_between_modules() -> None:
    assert _cycle(_graph()) is None


def test_no_cycle_between_subpackages() -> None:
    def unit(m: str) -> str:
        return ".".join(m.split(".")[:2])

    packages: dict[str, set[str]] = {}
    for m, targets in _graph().items():
        packages.setdefault(unit(m), set()).update(unit(t) for t in targets if unit(t) != unit(m))
    assert _cycle(packages) is None


def test_the_checker_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
