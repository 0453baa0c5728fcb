"""Every command's --help: each option has help text, boolean flags show as flags, and the
versions that render it are bounded so that everyone sees the same help."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from netral_nlp.cli.app import COMMANDS, app

ROOT = Path(__file__).resolve().parents[2]
GROUP = get_command(app)


def _commands() -> list[tuple[str, Any]]:
    commands = GROUP.commands  # type: ignore[attr-defined]
    return [("", GROUP), *((name, commands[name]) for name in COMMANDS)]


def _options(command: Any) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "option"]


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_option_and_argument_has_help(name, command):
    missing = [p.name for p in command.params if not getattr(p, "help", None)]
    assert not missing, f"{name or 'netral-nlp'}: no help text for {missing}"


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda x: x if isinstance(x, str) else "")
def test_boolean_flags_show_as_flags(name, command):
    text = CliRunner().invoke(app, [*([name] if name else []), "--help"], terminal_width=100).output
    assert "<bool>" not in text and "BOOLEAN" not in text
    flags = [p for p in _options(command) if p.is_flag]
    assert flags or not name  # every command has at least --force, --strict or --quiet
    for flag in flags:
        longest = max(flag.opts, key=len)
        # the flag, then its help: no value after it
        assert re.search(rf"^\s+(-\w, )?{re.escape(longest)}(\s/\s--no-\S+)?\s{{2,}}\S", text, flags=re.M), (longest, text)
    for option in (p for p in _options(command) if not p.is_flag):
        # an option that takes a value names it (FILE, N, NAME|FOLDER), not a Python type (<str>)
        assert option.metavar and not option.metavar.startswith("<"), option.name
        assert f"{max(option.opts, key=len)} {option.metavar}" in text


def test_typer_is_bounded():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    (spec,) = [d for d in deps if re.match(r"typer\b", d)]
    assert ">=" in spec and "<" in spec.replace("<=", ""), spec
