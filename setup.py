"""The batch's optional native accelerator (C, built at install when a compiler is there);
everything else is in pyproject.toml. Without a compiler the build skips it (``optional``) and
icdkit runs the same evaluator on its pure Python/numpy kernels (rules/kernels.py)."""

import importlib.util
from pathlib import Path

from setuptools import Extension, setup

NATIVE = Path("src/icdkit/rules/native")
_spec = importlib.util.spec_from_file_location("native_sources", "src/icdkit/rules/native_sources.py")
assert _spec is not None and _spec.loader is not None
_sources = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sources)

setup(ext_modules=[Extension(
    "icdkit.rules._native", sorted(str(p) for p in NATIVE.glob("*.c")), depends=[str(NATIVE / "native.h")],
    extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"], optional=True,
    # the module knows the sources it was built from (kernels.py refuses a stale one)
    define_macros=[("ICDKIT_NATIVE_SOURCES", f'"{_sources.digest(NATIVE)}"')])])
