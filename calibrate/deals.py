"""The observed deals: what calibration estimates from, whatever the export looked like.

A Deal is a lead as the data shows it: when it was created, the stages it entered (in order, with
the person who owned or worked it and the staff work measured there, when the data has it), and how
it ended — won or lost at a time, or still open at the date the data was taken (`as_of`), which is
what makes the estimates censored rather than naive ratios.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

__all__ = ["LOST", "OPEN", "WON", "Deal", "Visit", "cut"]

WON, LOST, OPEN = "won", "lost", "open"


@dataclass(frozen=True)
class Visit:
    """One stay of a deal in a stage."""

    stage: str
    entered: dt.datetime
    owner: str | None = None
    work: tuple[tuple[str | None, dt.datetime, dt.datetime], ...] = ()
    """The work items measured in this stay (start/complete events): (person or None for an automated
    resource, start, complete). Their working hours depend on the working week, estimated later."""


@dataclass(frozen=True)
class Deal:
    id: str
    created: dt.datetime
    visits: tuple[Visit, ...]
    outcome: str = OPEN
    closed: dt.datetime | None = None
    owner: str | None = None
    value: float | None = None
    segment: str | None = None
    source: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def left(self, i: int) -> tuple[dt.datetime | None, str]:
        """When visit i ended and where to (the next stage, won or lost), or (None, OPEN)."""
        if i + 1 < len(self.visits):
            return self.visits[i + 1].entered, self.visits[i + 1].stage
        if self.outcome == OPEN:
            return None, OPEN
        return self.closed, self.outcome

    @property
    def stage(self) -> str | None:
        """The stage an open deal is in."""
        return self.visits[-1].stage if self.visits and self.outcome == OPEN else None


def cut(deals: Iterable[Deal], at: dt.datetime) -> list[Deal]:
    """The deals as an export taken at `at` would show them: later deals gone, later visits and
    closes not yet happened (so those deals are open)."""
    out = []
    for d in deals:
        if d.created >= at:
            continue
        visits = tuple(v for v in d.visits if v.entered < at)
        if d.closed is not None and d.closed < at:
            out.append(replace(d, visits=visits))
        else:
            out.append(replace(d, visits=visits, outcome=OPEN, closed=None))
    return out
