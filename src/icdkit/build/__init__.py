"""Compiling official release files into a knowledge base (see :mod:`icdkit.build.compile`).

Kept empty so that reading :mod:`icdkit.build.schema` at run time loads no parser.
"""
