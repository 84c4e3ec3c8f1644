"""When to hire, and how many seats keep a team at strength when people leave and new ones ramp up.

`staff` sizes a team in steady state. Two questions follow before anyone signs an offer: by when must
each hire start so that they are productive on the target date (their role's ramp), and how much of a
seat's full output the team really gets once people leave at random, seats stay empty until the
replacement starts, and each replacement ramps again. A seat alternates between occupied (an
exponential tenure, rate lambda a year) and vacant (the hiring delay d); over that renewal cycle its
output is int_0^inf f(t) exp(-lambda t) dt / (1/lambda + d), with f the ramp's productivity t after
joining (`sim.schema.Ramp.factor`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.schema import Role
from sim.units import HOURS_PER_YEAR

__all__ = ["HirePlan", "hiring_plan", "productive_share"]


def productive_share(role: Role) -> float:
    """A seat's long-run output as a share of one fully productive person (1.0 without attrition)."""
    a = role.attrition
    if a is None or a.per_year <= 0:
        return 1.0
    lam = a.per_year / HOURS_PER_YEAR  # per hour
    ramp = a.ramp if a.ramp is not None else role.ramp
    mean_tenure = 1 / lam
    if ramp is None:
        earned = mean_tenure
    else:
        span = ramp.weeks * 168.0
        t = np.linspace(0.0, span, 20_001)
        f = np.array([ramp.factor(x) for x in t[:-1]])
        w = np.exp(-lam * t)
        during = float(np.sum(f * (w[:-1] - w[1:])) / lam)  # each step's factor over its exact exponential weight
        earned = during + math.exp(-lam * span) / lam
    return earned / (mean_tenure + (a.backfill_after or 0.0))


@dataclass(frozen=True)
class HirePlan:
    role: str
    hires: int
    ramp_weeks: float
    start_by: dt.date | None
    """The last day a hire may start and still be fully productive on the target date (None: no date given)."""
    productive_share: float
    seats: int
    """Seats of the role after the change."""

    @property
    def productive_fte(self) -> float:
        return self.seats * self.productive_share

    def json(self) -> dict[str, Any]:
        return {"role": self.role, "hires": self.hires, "ramp_weeks": self.ramp_weeks,
                "start_by": self.start_by.isoformat() if self.start_by else None,
                "productive_share": self.productive_share, "seats": self.seats,
                "productive_fte": self.productive_fte}

    def text(self, by: dt.date | None) -> str:
        parts = []
        if self.hires > 0:
            ramp = f"they ramp over {self.ramp_weeks:g} weeks" if self.ramp_weeks else "no ramp-up given"
            when = f"start by {self.start_by.isoformat()} to be fully productive on {by.isoformat()}" \
                if self.start_by and by else "productive after their ramp-up"
            parts.append(f"hire {self.hires} {self.role}: {when} ({ramp})")
        if self.productive_share < 1.0:
            parts.append(f"{self.role}: {self.seats} seats give {self.productive_fte:.1f} people's output on average "
                         f"({100 * self.productive_share:.0f}% each, with departures, empty seats and ramp-up)")
        return "; ".join(parts)


def hiring_plan(roles: dict[str, Role], before: dict[str, int], after: dict[str, int],
                by: dt.date | None = None) -> list[HirePlan]:
    """Per role that grows or loses people over time: when its hires must start (the role's `ramp`, else its
    replacements' ramp under `attrition`), and its seats' output."""
    out = []
    for name, seats in after.items():
        role = roles[name]
        hires = max(0, seats - before.get(name, 0))
        share = productive_share(role)
        if hires == 0 and share >= 1.0:
            continue
        ramp = role.ramp if role.ramp is not None else role.attrition.ramp if role.attrition is not None else None
        weeks = ramp.weeks if ramp is not None else 0.0
        start = by - dt.timedelta(weeks=weeks) if by is not None and hires else None
        out.append(HirePlan(name, hires, weeks, start, share, seats))
    return out
