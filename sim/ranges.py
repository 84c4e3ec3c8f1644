"""The values a sweep gives one field, as a user types them: a list (`4,5,6`, `[80/week, 120/week]`), a
range of whole numbers (`4..10`), or a range with its number of points and a unit (`80/week..160/week:5`,
`30m..2h:4` is refused: one unit per range, `20%..40%:3`). Values keep their unit, so the scenario's
own checks read them exactly as they read the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sim.errors import SalesSimError

__all__ = ["MAX_POINTS", "RangeError", "Vary", "parse_values", "parse_vary"]

MAX_POINTS = 10_000
_NUM = re.compile(r"^\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e-?\d+)?)\s*(\S*)\s*$", re.IGNORECASE)


class RangeError(SalesSimError):
    """A --vary that cannot be read."""


@dataclass(frozen=True)
class Vary:
    path: str
    values: tuple[Any, ...]


def parse_vary(text: str) -> Vary:
    """`PATH=VALUES` (see the module's docstring)."""
    if "=" not in text:
        raise RangeError(f"--vary {text!r}: write PATH=VALUES, e.g. roles.rep.headcount=4..10")
    path, _, values = text.partition("=")
    if not path.strip():
        raise RangeError(f"--vary {text!r}: the path before '=' is empty")
    return Vary(path.strip(), parse_values(values, f"--vary {text!r}"))


def _literal(s: str) -> Any:
    s = s.strip()
    m = _NUM.match(s)
    if m and not m.group(2):
        x = float(m.group(1))
        return int(x) if x.is_integer() and re.fullmatch(r"-?\d+", m.group(1)) else x
    return s


def parse_values(text: str, what: str) -> tuple[Any, ...]:
    t = text.strip()
    if not t:
        raise RangeError(f"{what}: no values; give a list (4,5,6) or a range (4..10, 80/week..160/week:5)")
    if ".." not in t:
        items = [x for x in t.strip("[]").split(",") if x.strip()]
        if not items:
            raise RangeError(f"{what}: an empty list")
        values = tuple(_literal(x) for x in items)
    else:
        values = _range(t, what)
    if len(values) > MAX_POINTS:
        raise RangeError(f"{what}: {len(values):,} values; at most {MAX_POINTS:,}")
    return values


def _range(t: str, what: str) -> tuple[Any, ...]:
    body, _, count = t.partition(":")
    lo_text, _, hi_text = body.partition("..")
    lo, hi = _NUM.match(lo_text), _NUM.match(hi_text)
    if lo is None or hi is None:
        raise RangeError(f"{what}: cannot read {t!r} as a range; write A..B (whole numbers) or A..B:N (N points), "
                         "e.g. 80/week..160/week:5")
    a, b = float(lo.group(1)), float(hi.group(1))
    unit_a, unit_b = lo.group(2), hi.group(2)
    if unit_a != unit_b:
        raise RangeError(f"{what}: mixed units ({unit_a or 'none'} and {unit_b or 'none'}); write both ends in "
                         "one unit, e.g. 2h..6h:5")
    if b < a:
        raise RangeError(f"{what}: an empty range ({lo_text.strip()} is above {hi_text.strip()})")
    if count:
        try:
            n = int(count)
        except ValueError:
            raise RangeError(f"{what}: the number of points after ':' must be a whole number, not {count!r}") from None
        if n < 1:
            raise RangeError(f"{what}: an empty range ({n} points)")
        points = [a] if n == 1 else [a + (b - a) * k / (n - 1) for k in range(n)]
    else:
        if not (a.is_integer() and b.is_integer()) or unit_a:
            raise RangeError(f"{what}: give the number of points, e.g. {lo_text.strip()}..{hi_text.strip()}:5 "
                             "(a range without it is whole numbers only)")
        points = [float(x) for x in range(int(a), int(b) + 1)]
    if len(points) > MAX_POINTS:
        raise RangeError(f"{what}: {len(points):,} values; at most {MAX_POINTS:,}")
    if not unit_a:
        whole = all(x.is_integer() for x in points) and a.is_integer() and b.is_integer()
        return tuple(int(x) if whole else round(x, 12) for x in points)
    return tuple(f"{round(x, 12):g}{unit_a}" for x in points)
