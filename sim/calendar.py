"""Working time: when staff can work, and how calendar time maps to working hours.

All times are hours since the scenario's start (time 0 = `start_date` at midnight). Staff work only
while the calendar is open; work still in progress at closing time continues the next working day.
Customer-side waits and lead arrivals ignore the calendar.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from typing import Protocol

from sim.schema import DEFAULT_START, Calendar, Scenario

__all__ = ["AlwaysOpen", "OfficeHours", "WorkCalendar", "calendar_for"]

class WorkCalendar(Protocol):
    hours_per_week: float
    start_date: dt.date
    always: bool
    """Open around the clock: working time is calendar time (the engine then skips the calendar's calls)."""

    def next_open(self, t: float) -> float:
        """The earliest time >= t at which staff are working."""
        ...

    def advance(self, t: float, work: float) -> float:
        """When `work` working hours, started (or queued) at t, are done."""
        ...

    def working_hours(self, a: float, b: float) -> float:
        """Working hours inside the calendar interval [a, b]."""
        ...


class AlwaysOpen:
    """24/7: calendar time and working time are the same (pure queueing checks, call centres)."""

    hours_per_week = 168.0
    always = True

    def __init__(self, start_date: dt.date = DEFAULT_START) -> None:
        self.start_date = start_date

    def next_open(self, t: float) -> float:
        return t

    def advance(self, t: float, work: float) -> float:
        return t + work

    def working_hours(self, a: float, b: float) -> float:
        return max(0.0, b - a)


class OfficeHours:
    """Open `hours_per_day` from `day_starts` on the first `days_per_week` weekdays, except holidays."""

    always = False

    def __init__(self, cal: Calendar) -> None:
        self.start_date = cal.start_date
        self.opens = cal.day_starts
        self.length = cal.hours_per_day
        self.days = cal.days_per_week
        self.hours_per_week = cal.hours_per_week
        self._first_weekday = cal.start_date.weekday()
        self._holidays = frozenset((d - cal.start_date).days for d in cal.holidays)
        self._holiday_list = sorted(d for d in self._holidays if (self._first_weekday + d) % 7 < self.days)
        """Holidays that fall on working days, in order (only those take hours away)."""
        self._weekday_open = [(self._first_weekday + k) % 7 < self.days for k in range(7)]
        """Open on day k of each week counted from the start (day 0 is the start date)."""
        self._open_before = [sum(self._weekday_open[:k]) for k in range(8)]
        """Working days among the first k days of a week counted from the start."""

    def _is_open(self, day: int) -> bool:
        return self._weekday_open[day % 7] and day not in self._holidays

    def next_open(self, t: float) -> float:
        day = math.floor(t / 24)
        if self._is_open(day):  # most calls: during or before today's hours
            start = day * 24 + self.opens
            if t < start + self.length:
                return max(t, start)
        while True:
            day += 1
            if self._is_open(day):
                start = day * 24 + self.opens
                if t < start + self.length:
                    return max(t, start)

    def advance(self, t: float, work: float) -> float:
        day = math.floor(t / 24)
        length, opens = self.length, self.opens
        while True:
            if self._is_open(day):
                start = day * 24 + opens
                end = start + length
                if t < end:
                    begin = max(t, start)
                    if begin + work <= end:
                        return begin + work
                    work -= end - begin
                    t = end
            day += 1

    def _open_days_before(self, day: int) -> int:
        """Working days in [0, day) (negative days count back from the start)."""
        weeks, rest = divmod(day, 7)
        return weeks * self._open_before[7] + self._open_before[rest] - bisect.bisect_left(self._holiday_list, day) \
            + bisect.bisect_left(self._holiday_list, 0)

    def _worked_by(self, t: float) -> float:
        """Working hours in [0, t] (negative before the start): working_hours is a difference of two."""
        day = math.floor(t / 24)
        inside = 0.0
        if self._is_open(day):
            start = day * 24 + self.opens
            inside = min(max(t - start, 0.0), self.length)
        return self._open_days_before(day) * self.length + inside

    def working_hours(self, a: float, b: float) -> float:
        if b <= a:
            return 0.0
        first, last = math.floor(a / 24), math.floor(b / 24)
        if last - first <= 1:  # within a day or two: the hours themselves (no large differences)
            total = 0.0
            for day in (first, last) if last > first else (first,):
                if self._is_open(day):
                    start = day * 24 + self.opens
                    total += max(0.0, min(b, start + self.length) - max(a, start))
            return total
        return self._worked_by(b) - self._worked_by(a)


def calendar_for(scenario: Scenario, role: str | None = None) -> WorkCalendar:
    """The working calendar of a scenario, or of one of its roles (time 0 is the scenario's start)."""
    start = scenario.start_date
    cal = scenario.calendar
    if role is not None and scenario.roles[role].calendar is not None:
        cal = scenario.roles[role].calendar  # type: ignore[assignment]
    if cal == "always":
        return AlwaysOpen(start)
    return OfficeHours(cal.model_copy(update={"start_date": start}))
