"""Quarter-end effects: do the last weeks of a calendar quarter bring more deals, or more wins?

Measured only where the data holds at least `MIN_QUARTERS` whole quarter-ends. Arrivals: new deals a
day in the last `WEEKS` weeks of quarters over the other days. Wins: the engine multiplies the chance
to advance of a decision made in those weeks, and its decisions come at the start of a stay (before the
customer-side time), so the measure is the advance share of stays *entered* in those weeks over that of
the others, stage by stage, pooled (Mantel–Haenszel). Each is written only when its 95% interval
excludes 1: a quarter-end push the data cannot tell from noise is left out, and said so.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from calibrate.deals import LOST, Deal
from calibrate.figures import Figure

__all__ = ["MIN_QUARTERS", "WEEKS", "QuarterEnd", "estimate_quarter_end", "in_quarter_end"]

WEEKS = 2
MIN_QUARTERS = 2


@dataclass(frozen=True)
class QuarterEnd:
    arrivals: Figure | None
    wins: Figure | None
    note: str
    share: float = 0.0
    """The share of days that are in quarter-end weeks."""


def in_quarter_end(d: dt.date, weeks: int = WEEKS) -> bool:
    """As the engine reads `quarter_end: {weeks}`: within 7 x weeks days of the next quarter's first day."""
    last_month = (d.month - 1) // 3 * 3 + 3
    nxt = dt.date(d.year + 1, 1, 1) if last_month == 12 else dt.date(d.year, last_month + 1, 1)
    return (nxt - d).days <= 7 * weeks


def _quarter_ends(first: dt.date, last: dt.date) -> int:
    """Whole quarter-end windows inside [first, last)."""
    n = 0
    for year in range(first.year, last.year + 1):
        for month in (4, 7, 10, 13):
            nxt = dt.date(year + 1, 1, 1) if month == 13 else dt.date(year, month, 1)
            if first <= nxt - dt.timedelta(days=7 * WEEKS) and nxt <= last:
                n += 1
    return n


def _ratio(a: float, ta: float, b: float, tb: float) -> tuple[float, float, float]:
    """Rate ratio (a/ta)/(b/tb) with a 95% interval on the log scale (Poisson counts)."""
    r = (a / ta) / (b / tb)
    half = 1.96 * math.sqrt(1 / a + 1 / b)
    return r, r * math.exp(-half), r * math.exp(half)


def estimate_quarter_end(deals: Sequence[Deal], first: dt.datetime, as_of: dt.datetime) -> QuarterEnd:
    d0 = (first + dt.timedelta(days=1)).date()
    d1 = as_of.date()
    quarters = _quarter_ends(d0, d1)
    if quarters < MIN_QUARTERS:
        return QuarterEnd(None, None, f"ASSUMED: no quarter-end effect ({quarters} whole quarter-end(s) in the data; "
                                      f"{MIN_QUARTERS} are needed to tell one)")
    days = [d0 + dt.timedelta(days=i) for i in range((d1 - d0).days)]
    qe_days = sum(1 for d in days if in_quarter_end(d))
    other_days = len(days) - qe_days
    created = [d.created.date() for d in deals if d0 <= d.created.date() < d1]
    a = sum(1 for d in created if in_quarter_end(d))
    arrivals = None
    if a and len(created) - a:
        r, lo, hi = _ratio(a, qe_days, len(created) - a, other_days)
        if not lo <= 1 <= hi:
            arrivals = Figure(round(r, 3), len(created), lo, hi,
                              f"new deals a day in the last {WEEKS} weeks of {quarters} quarters over other days")
    # Wins: Mantel–Haenszel ratio of advance shares, stays entered in quarter-end weeks against the others.
    num = den = 0.0
    var_terms: list[tuple[float, float, float, float]] = []
    by_stage: dict[str, list[list[int]]] = {}
    for d in deals:
        for i, v in enumerate(d.visits):
            left, where = d.left(i)
            if left is None or left >= as_of or not d0 <= v.entered.date() < d1:
                continue
            cell = by_stage.setdefault(v.stage, [[0, 0], [0, 0]])  # [qe, other] x [advanced, ended]
            row = cell[0 if in_quarter_end(v.entered.date()) else 1]
            row[0] += where != LOST
            row[1] += 1
    for (qa, qn), (oa, on) in by_stage.values():
        n = qn + on
        if qn and on and n:
            num += qa * on / n
            den += oa * qn / n
            var_terms.append((qa, qn, oa, on))
    wins = None
    if num > 0 and den > 0:
        ratio = num / den
        # Greenland–Robins variance of log(MH risk ratio).
        p = sum((qn * on * (qa + oa) - qa * oa * (qn + on)) / (qn + on) ** 2 for qa, qn, oa, on in var_terms)
        var = p / (num * den) if num * den else math.inf
        half = 1.96 * math.sqrt(max(var, 0.0))
        lo, hi = ratio * math.exp(-half), ratio * math.exp(half)
        if not lo <= 1 <= hi:
            wins = Figure(round(ratio, 3), int(sum(t[1] for t in var_terms)), lo, hi,
                          f"advance share of stays entered in the last {WEEKS} weeks of {quarters} quarters over the "
                          "others' (Mantel–Haenszel over stages)")
    found = [x for x, f in (("arrivals", arrivals), ("wins", wins)) if f is not None]
    note = (f"measured over {quarters} quarter-ends" + (f": {', '.join(found)}" if found else
            ": no effect the data can tell from noise (both intervals hold 1)"))
    return QuarterEnd(arrivals, wins, note, qe_days / len(days))
