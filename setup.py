"""The batch's optional native accelerator (C, built at install when a compiler is there);
everything else is in pyproject.toml. Without a compiler the build skips it (``optional``) and
icdkit runs the same evaluator on its pure Python/numpy kernels (rules/kernels.py)."""

from pathlib import Path

from setuptools import Extension, setup

NATIVE = Path("src/icdkit/rules/native")

setup(ext_modules=[Extension(
    "icdkit.rules._native", sorted(str(p) for p in NATIVE.glob("*.c")), depends=[str(NATIVE / "native.h")],
    extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"], optional=True)])
