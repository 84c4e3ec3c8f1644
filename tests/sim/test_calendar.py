"""Working hours between two times come from a formula (whole weeks, working days before a date,
holidays counted by bisection) instead of a loop over days: the same hours as the loop."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest

from sim.calendar import OfficeHours
from sim.schema import Calendar

HOLIDAYS = [dt.date(2026, 12, 25), dt.date(2027, 1, 1), dt.date(2027, 1, 18), dt.date(2027, 1, 23),
            dt.date(2027, 4, 2), dt.date(2027, 12, 25)]


def _day_by_day(cal: OfficeHours, a: float, b: float) -> float:
    if b <= a:
        return 0.0
    total = 0.0
    for day in range(math.floor(a / 24), math.floor(b / 24) + 1):
        if cal._is_open(day):
            start = day * 24 + cal.opens
            total += max(0.0, min(b, start + cal.length) - max(a, start))
    return total


@pytest.mark.parametrize("days", [1, 5, 6, 7])
def test_working_hours_are_those_of_the_day_by_day_sum(days: int) -> None:
    cal = OfficeHours(Calendar(days_per_week=days, hours_per_day=7.5, day_starts="8h30m",
                               start_date=dt.date(2027, 1, 6), holidays=HOLIDAYS))
    rng = random.Random(days)
    for _ in range(20_000):
        a = rng.uniform(-600, 9000)
        b = a + rng.choice([rng.uniform(0, 30), rng.uniform(0, 3000), 24 * rng.randint(0, 40)])
        assert cal.working_hours(a, b) == pytest.approx(_day_by_day(cal, a, b), abs=1e-9), (a, b)
    assert cal.working_hours(0, 168 * 52) == pytest.approx(_day_by_day(cal, 0, 168 * 52))
