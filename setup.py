"""The native kernels of the batch checker (C, built at install); everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("icdkit.rules._native", ["src/icdkit/rules/_native.c"],
                             extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"])])
