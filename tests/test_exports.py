"""Every module declares its public names in __all__, and every name there exists (httpx, SimPy)."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import calibrate
import optimize
import salesmap
import salesmap.report
import sim

MODULES = [f"{pkg.__name__}.{m.name}" for pkg in (sim, optimize, calibrate, salesmap, salesmap.report)
           for m in pkgutil.iter_modules(pkg.__path__) if m.name != "__main__"]


@pytest.mark.parametrize("name", MODULES)
def test_module_all(name: str) -> None:
    mod = importlib.import_module(name)
    assert hasattr(mod, "__all__"), f"{name} has no __all__"
    for public in mod.__all__:
        assert hasattr(mod, public), f"{name}.__all__ names missing {public}"


def test_sim_never_imports_the_command_line() -> None:
    """The package graph stays acyclic: sim <- optimize, calibrate <- salesmap."""
    pattern = re.compile(r"^\s*(from|import)\s+(salesmap|optimize|calibrate)\b", re.MULTILINE)
    beside = re.compile(r"^\s*(from|import)\s+(salesmap|optimize)\b", re.MULTILINE)
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
        if name.startswith("calibrate."):
            assert not beside.search(text), name


def _imports(name: str) -> set[str]:
    """Every project module `name` imports: at the top, inside functions and under TYPE_CHECKING alike."""
    import ast

    src = importlib.import_module(name).__file__
    assert src is not None
    with open(src, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m in MODULES}


def test_no_import_cycles() -> None:
    """extends <-> scenario and engine <-> customers were cycles; none may come back."""
    graph = {m: _imports(m) for m in MODULES}
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path[path.index(n):], n]))
            if n not in state:
                visit(n, [*path, n])
        state[m] = 2

    for m in MODULES:
        if m not in state:
            visit(m, [m])


@pytest.mark.parametrize("name", MODULES)
def test_public_names_are_in_all(name: str) -> None:
    """Both directions: every public class and function defined in a module is in its __all__."""
    import inspect

    mod = importlib.import_module(name)
    public = {n for n, v in vars(mod).items() if not n.startswith("_") and (inspect.isclass(v) or inspect.isfunction(v))
              and getattr(v, "__module__", None) == name and n.isidentifier() and not vars(v).get("generated")}
    missing = sorted(public - set(mod.__all__))
    assert missing == [], f"{name}: public but not in __all__: {missing}"


RETIRED = {"Member", "Worker", "Staff", "Staffer", "Move"}
"""Other words for a person or a change, used once; docs/DESIGN.md ("One word per concept") has the names."""


def test_one_word_for_a_person_and_a_change(capsys: pytest.CaptureFixture[str]) -> None:
    """A class for a person has Person in its name; a responsibility change is a change, never a move."""
    import inspect

    from salesmap.cli import main

    for name in MODULES:
        mod = importlib.import_module(name)
        classes = {n for n, v in vars(mod).items() if inspect.isclass(v) and getattr(v, "__module__", None) == name}
        assert not classes & RETIRED, f"{name} defines {sorted(classes & RETIRED)}"
    with pytest.raises(SystemExit):
        main(["optimize", "--help"])
    text = capsys.readouterr().out
    assert "--max-changes" in text
    assert "move" not in text.lower()
