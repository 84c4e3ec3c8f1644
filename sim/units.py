"""Durations, efforts and rates written with their unit, parsed in one place.

Internally every time is in hours and every rate is per hour. A bare number where a duration is
expected is refused: "3" could be minutes, hours or days, and guessing loses a sales team's week.

- duration: calendar time, e.g. ``45m``, ``2h``, ``3d``, ``2w`` or ``1h30m``;
- effort: staff work in working hours, ``45m`` or ``2h``; days and weeks are refused because
  "a day of work" means 8 hours to a manager and 24 to a clock;
- rate: ``120/week``, ``2.7/h``, ``15/day``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

__all__ = [
    "DURATION_UNITS",
    "EFFORT_UNITS",
    "HOURS_PER_YEAR",
    "MAX_DURATION",
    "MAX_EFFORT",
    "MAX_RATE",
    "RATE_UNITS",
    "Duration",
    "Effort",
    "Rate",
    "parse_duration",
    "parse_effort",
    "parse_rate",
]

HOURS_PER_YEAR = 365.25 * 24
MAX_DURATION = 100 * HOURS_PER_YEAR
"""The longest calendar time a scenario may state (100 years): past it, a value is a typo."""
MAX_EFFORT = 2_000.0
"""The most staff work one activity may take (2,000 working hours, a working year)."""
MAX_RATE = 1e6
"""The highest rate a scenario may state, per hour (the work estimate refuses far less)."""
_MAX_DIGITS = 24

DURATION_UNITS: dict[str, float] = {"s": 1 / 3600, "m": 1 / 60, "min": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}
EFFORT_UNITS: dict[str, float] = {"s": 1 / 3600, "m": 1 / 60, "min": 1 / 60, "h": 1.0}
RATE_UNITS: dict[str, float] = {
    "h": 1.0, "hour": 1.0, "d": 24.0, "day": 24.0, "w": 168.0, "week": 168.0,
    "month": HOURS_PER_YEAR / 12, "y": HOURS_PER_YEAR, "year": HOURS_PER_YEAR,
}

_NUMBER = r"\d+(?:\.\d*)?|\.\d+"
_PART = re.compile(rf"\s*({_NUMBER})\s*([a-z]+)\s*")
_RATE = re.compile(rf"^\s*({_NUMBER})\s*/\s*([a-z]+)\s*$")


def _parse_parts(text: Any, units: dict[str, float], what: str, example: str) -> float:
    allowed = ", ".join(units)
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ValueError(f"expected a {what} such as {example!r}")
    if not isinstance(text, str):
        raise ValueError(f"a bare number is not a {what}: write it with a unit ({allowed}), e.g. {example!r}")
    s = text.strip().lower()
    pos, total = 0, 0.0
    while pos < len(s):
        m = _PART.match(s, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"cannot read {text!r} as a {what}: write a number and a unit ({allowed}), "
                             f"e.g. {example!r}")
        unit = m.group(2)
        if unit not in units:
            hint = " (work is effort in working hours: write 8h, not 1d)" if units is EFFORT_UNITS and \
                unit in DURATION_UNITS else ""
            raise ValueError(f"unknown unit {unit!r} in {text!r}: allowed units are {allowed}{hint}")
        total += float(m.group(1)) * units[unit]
        pos = m.end()
    if pos == 0:
        raise ValueError(f"empty {what}: write a number and a unit ({allowed}), e.g. {example!r}")
    return total


def _bounded(value: float, limit: float, what: str, limit_text: str) -> float:
    if not value <= limit:  # also catches inf and nan
        raise ValueError(f"{what} too large: at most {limit_text}")
    return value


def _check_length(text: Any) -> None:
    if isinstance(text, str) and len(text) > _MAX_DIGITS + 16:
        raise ValueError(f"too long for a number with a unit ({len(text)} characters)")


def parse_duration(text: Any) -> float:
    """Calendar time in hours, at most 100 years. Raise ValueError naming the allowed units."""
    _check_length(text)
    return _bounded(_parse_parts(text, DURATION_UNITS, "duration", "3d"), MAX_DURATION, "duration", "100 years")


def parse_effort(text: Any) -> float:
    """Staff work in working hours, at most 2,000. Raise ValueError naming the allowed units."""
    _check_length(text)
    return _bounded(_parse_parts(text, EFFORT_UNITS, "work effort", "45m"), MAX_EFFORT, "work effort",
                    "2000h (a working year)")


def parse_rate(text: Any) -> float:
    """Events per hour from '120/week'. Raise ValueError naming the allowed units."""
    allowed = ", ".join(RATE_UNITS)
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(f"a rate needs its unit: write e.g. '120/week' (per {allowed})")
    m = _RATE.match(text.lower())
    if m is None:
        raise ValueError(f"cannot read {text!r} as a rate: write a number, '/', a unit ({allowed}), "
                         "e.g. '120/week'")
    unit = m.group(2)
    if unit not in RATE_UNITS:
        raise ValueError(f"unknown rate unit {unit!r}: allowed are {allowed}")
    _check_length(text)
    return _bounded(float(m.group(1)) / RATE_UNITS[unit], MAX_RATE, "rate", "1000000/h")


_DUR_PATTERN = rf"^(\s*({_NUMBER})\s*(s|m|min|h|d|w)\s*)+$"
_EFF_PATTERN = rf"^(\s*({_NUMBER})\s*(s|m|min|h)\s*)+$"
_RATE_PATTERN = rf"^\s*({_NUMBER})\s*/\s*({'|'.join(RATE_UNITS)})\s*$"

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema({"type": "string", "pattern": _DUR_PATTERN, "examples": ["45m", "2h", "3d", "2w"]}),
]
"""Calendar time, stored in hours."""

Effort = Annotated[
    float,
    BeforeValidator(parse_effort),
    WithJsonSchema({"type": "string", "pattern": _EFF_PATTERN, "examples": ["45m", "2h"]}),
]
"""Staff work in working hours."""

Rate = Annotated[
    float,
    BeforeValidator(parse_rate),
    WithJsonSchema({"type": "string", "pattern": _RATE_PATTERN, "examples": ["120/week", "2.7/h"]}),
]
"""Events per hour."""
