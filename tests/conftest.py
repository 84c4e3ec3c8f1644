"""Shared fixtures: scenarios are written in the file format, as a user would write them."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.scenario import load_scenario
from sim.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]

Write = Callable[[str, str], Path]
"""The `write_yaml` fixture: (text, file name) -> path."""
Load = Callable[[str], Scenario]
"""The `load_yaml` fixture: text -> scenario."""
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write YAML text (dedented) to a file in a temp folder and return its path."""
    def write(text: str, name: str = "scenario.yaml") -> Path:
        p = tmp_path / name
        p.write_text(textwrap.dedent(text), encoding="utf-8")
        return p
    return write


@pytest.fixture
def load_yaml(write_yaml: Callable[[str, str], Path]) -> Callable[[str], Scenario]:
    """Load scenario YAML text through the real file loader."""
    def load(text: str) -> Scenario:
        return load_scenario(write_yaml(text, "scenario.yaml"))
    return load
