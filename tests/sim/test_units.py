"""Units are parsed in one place; every bare or unknown unit is refused with the allowed ones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.units import parse_duration, parse_effort, parse_rate


@pytest.mark.parametrize(("text", "hours"), [("45m", 0.75), ("2h", 2), ("3d", 72), ("2w", 336), ("1h30m", 1.5),
                                             ("90 min", 1.5), ("0.5h", 0.5), ("3600s", 1)])
def test_durations(text: str, hours: float) -> None:
    assert parse_duration(text) == pytest.approx(hours)


@pytest.mark.parametrize(("text", "per_hour"), [("120/week", 120 / 168), ("2.7/h", 2.7), ("15/day", 15 / 24),
                                                ("52/year", 52 / 8766)])
def test_rates(text: str, per_hour: float) -> None:
    assert parse_rate(text) == pytest.approx(per_hour)


@pytest.mark.parametrize(("fn", "text", "message"), [
    (parse_duration, 3, "bare number"), (parse_duration, "3", "cannot read"), (parse_duration, "3y", "unknown unit"),
    (parse_duration, "", "empty"), (parse_effort, "1d", "write 8h, not 1d"), (parse_rate, "120", "cannot read"),
    (parse_rate, 5, "needs its unit"), (parse_rate, "5/fortnight", "unknown rate unit"),
    (parse_duration, None, "expected a duration"),
])
def test_refused(fn: object, text: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fn(text)  # type: ignore[operator]


@given(st.integers(0, 5_000), st.sampled_from(["m", "h", "d", "w"]))
def test_any_whole_duration_round_trips(n: int, unit: str) -> None:
    factor = {"m": 1 / 60, "h": 1, "d": 24, "w": 168}[unit]
    assert parse_duration(f"{n}{unit}") == pytest.approx(n * factor)


@pytest.mark.parametrize(("fn", "text", "message"), [
    (parse_duration, "5300w", "duration too large: at most 100 years"),
    (parse_duration, "9" * 400 + "h", "too long for a number"),
    (parse_duration, "1" + "0" * 30 + "h", "duration too large"),
    (parse_effort, "2001h", "work effort too large"),
    (parse_rate, "1000000000/h", "rate too large"),
])
def test_values_past_every_sensible_bound_are_refused(fn: object, text: str, message: str) -> None:
    """A 400-digit horizon passed validate and crashed run; now the loader says what is allowed."""
    with pytest.raises(ValueError, match=message):
        fn(text)  # type: ignore[operator]
