"""The exceptions salesmap raises on purpose.

    SalesSimError            base: anything the user can act on
    └── ScenarioError        a scenario file (or its path) is wrong; carries every problem found

A ScenarioError is shown to the user as one line per problem, each naming the file, the line when
known, the field path, the bad value and what is allowed. The command line exits with code 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Problem", "SalesSimError", "ScenarioError", "format_path", "human_hours", "unknown"]


class SalesSimError(Exception):
    """Base class of errors whose message is meant for the user, not a traceback."""


def format_path(loc: Sequence[Any]) -> str:
    """Turn ('stages', 3, 'outcomes') into 'stages[3].outcomes'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a scenario: where (field path, line) and what."""

    path: tuple[Any, ...]
    message: str
    value: Any = None
    has_value: bool = False
    line: int | None = None

    def describe(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        field = format_path(self.path) or "(top level)"
        shown = f"={_short(self.value)}" if self.has_value else ""
        return f"{where}: {field}{shown}: {self.message}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class ScenarioError(SalesSimError):
    """A scenario that cannot be loaded or run as written."""

    def __init__(self, source: str, problems: Iterable[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(p.describe(source) for p in self.problems))


def unknown(what: str, value: object, allowed: list[str], extra: str = "") -> str:
    """'unknown stage; did you mean proposal?; allowed: ...' (the list in file order)."""
    close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown {what}{hint}; allowed: {extra}{', '.join(allowed)}"


def human_hours(hours: float) -> str:
    """Hours as a user writes them: 20w, 3d, 36h."""
    for unit, size in (("w", 168.0), ("d", 24.0), ("h", 1.0)):
        if hours >= size and abs(hours / size - round(hours / size)) < 1e-9:
            return f"{round(hours / size)}{unit}"
    return f"{hours:g}h"
