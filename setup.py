"""The native kernels of the batch checker (C, built at install); everything else is in pyproject.toml."""

from pathlib import Path

from setuptools import Extension, setup

NATIVE = Path("src/icdkit/rules/native")

setup(ext_modules=[Extension(
    "icdkit.rules._native", sorted(str(p) for p in NATIVE.glob("*.c")), depends=[str(NATIVE / "native.h")],
    extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"])])
