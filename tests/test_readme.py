"""The README's command-line synopsis is checked against the real parser (docs tested like code)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from geo.cli import _parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _synopsis() -> dict[str, set[str]]:
    """Subcommand path ("snapshot", "boundaries fetch") → the --options the README's synopsis names."""
    block = re.search(r"```bash\n(python -m geo boundaries fetch.*?)```", README, re.S)
    assert block, "README lost its `python -m geo` synopsis block"
    text = block.group(1).replace("\\\n", " ")
    out = {}
    for line in text.splitlines():
        m = re.match(r"python -m geo ((?:[a-z]+ ?)+?)(?= [A-Z\[-]|$)", line.strip())
        if m:
            out[m.group(1).strip()] = set(re.findall(r"(--[a-z][a-z-]*)", line))
    return out


def _subparser(path: str) -> argparse.ArgumentParser:
    parser = _parser()
    for word in path.split():
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[word]
    return parser


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"}


def _commands(parser: argparse.ArgumentParser | None = None, prefix: str = "") -> set[str]:
    """Every runnable subcommand path of the real parser ("boundaries fetch", "import", ...)."""
    parser = parser or _parser()
    action = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    if action is None:
        return {prefix.strip()}
    return {path for word, sub in action.choices.items() for path in _commands(sub, f"{prefix}{word} ")}


def test_readme_lists_every_subcommand():
    assert set(_synopsis()) == _commands() >= {"boundaries fetch", "import", "join", "snapshot", "units"}


@pytest.mark.parametrize("command", ["boundaries fetch", "import", "join", "snapshot", "units"])
def test_readme_synopsis_names_only_real_options(command):
    named = _synopsis()[command]
    assert named, command
    assert named <= _options(_subparser(command)), named - _options(_subparser(command))


def test_readme_snapshot_synopsis_names_every_view_option():
    # the boundary options are shared by every command and described once, under "Boundaries"
    shared = {"--countries", "--levels", "--source", "--cache-dir", "--store", "--dayfirst", "--monthfirst"}
    missing = _options(_subparser("snapshot")) - _synopsis()["snapshot"] - shared
    assert not missing, f"README synopsis of snapshot lacks {sorted(missing)}"


def test_readme_layer_names_are_the_registry():
    from geo.snapshot import ALL_LAYERS

    listed = re.search(r"`--layers` takes the app's layer names \(`([a-z_ ]+)`", README.replace("\n  ", " "))
    assert listed and tuple(listed.group(1).split()) == ALL_LAYERS
