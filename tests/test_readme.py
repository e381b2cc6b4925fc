"""The README tells the truth: every command's options, every HTTP endpoint, the measured
first-use build time and how to run the examples from the venv; its first lines stay the two
commands."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from icdkit import KnowledgeBase
from icdkit.cli import parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


def test_first_lines_are_the_two_commands() -> None:
    lines = README.splitlines()
    assert lines[0] == "```sh" and lines[3] == "```"
    assert lines[1].startswith("python3 -m venv .venv && .venv/bin/pip install") and \
        lines[1].endswith(".venv/bin/icdkit serve")
    assert "python -m pytest" in lines[2]


def test_every_command_and_option_is_documented() -> None:
    commands = section("Commands and options")
    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, sp in sub.choices.items():
        lines = [ln for ln in commands.splitlines() if f"`icdkit {name} " in ln or f"`icdkit {name}`" in ln]
        assert lines, f"icdkit {name} is not listed"
        text = " ".join(lines) + commands.split("\n\n")[0]  # + the options every command takes
        for action in sp._actions:
            for opt in action.option_strings:
                assert opt in text, f"icdkit {name} {opt} is not documented"


def test_every_http_endpoint_is_listed(kb: KnowledgeBase) -> None:
    from icdkit.api.app import create_app

    endpoints = section("HTTP endpoints")
    listed = set(re.findall(r"`(?:GET|POST|PUT|DELETE) (/[^`?\s]*)", endpoints))
    paths = {getattr(r, "path", "") for r in create_app(kb).routes}
    assert paths - listed == set(), "endpoints missing from the README"
    assert listed - paths == set(), "the README lists endpoints that do not exist"


def test_build_time_and_how_to_run_the_examples() -> None:
    assert re.search(r"took \*\*\d+ s\*\*", README) and "load average" in README
    assert ".venv/bin/icdkit lookup" in README and "source .venv/bin/activate" in README
    assert "~5 s" not in README
