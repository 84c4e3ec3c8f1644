"""Every module declares its public names in __all__, and every name there exists (httpx, SimPy)."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import optimize
import salesmap
import salesmap.report
import sim

MODULES = [f"{pkg.__name__}.{m.name}" for pkg in (sim, optimize, salesmap, salesmap.report)
           for m in pkgutil.iter_modules(pkg.__path__) if m.name != "__main__"]


@pytest.mark.parametrize("name", MODULES)
def test_module_all(name: str) -> None:
    mod = importlib.import_module(name)
    assert hasattr(mod, "__all__"), f"{name} has no __all__"
    for public in mod.__all__:
        assert hasattr(mod, public), f"{name}.__all__ names missing {public}"


def test_sim_never_imports_the_command_line() -> None:
    """The package graph stays acyclic: sim <- optimize <- salesmap."""
    pattern = re.compile(r"^\s*(from|import)\s+(salesmap|optimize)\b", re.MULTILINE)
    upward = re.compile(r"^\s*(from|import)\s+salesmap\b", re.MULTILINE)
    for name in MODULES:
        src = importlib.import_module(name).__file__
        assert src is not None
        with open(src, encoding="utf-8") as f:
            text = f.read()
        if name.startswith("sim."):
            assert not pattern.search(text), name
        if name.startswith("optimize."):
            assert not upward.search(text), name
