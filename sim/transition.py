"""The cost of a transition: what a what-if loses before it pays off, and when it breaks even.

Paired week by week against the base (same seed, same leads), the difference in wins (or revenue) is
summed from the first measured week: the running total dips while new people ramp up or a seat is
vacant, and climbs once the new team is better. The cost is the deepest point of the mean running
total, with the 95% interval of the replications' totals at that week; the new team is as good as the
old from the week after; it breaks even in the first week after the dip where the running total is
back at zero, given as a range: from the first week its interval reaches zero (could have) to the
first week its whole interval is above zero (surely has).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.metrics import ReplicationResult
from sim.stats import Stat, stat

__all__ = ["SERIES", "TransitionCost", "transition_cost", "transition_words"]

SERIES = {"won": "wins", "revenue": "revenue"}


@dataclass(frozen=True)
class TransitionCost:
    measure: str
    """`won` or `revenue` (per week, what-if minus base)."""
    start_day: tuple[float, ...]
    cumulative: tuple[tuple[float, float, float], ...]
    """Per week: the running total's mean and 95% interval (low, high)."""
    cost: Stat | None
    """The deepest dip of the running total (negative), None when the what-if is never behind on average."""
    dip_day: float | None
    """First day of the week the dip is deepest."""
    recovers_day: float | None
    """First day of the week after the dip: from then on the new team does at least as well, on average."""
    break_even_day: float | None
    """First day of the week the running total is back at zero after the dip (None: not within the run)."""
    break_even_range: tuple[float | None, float | None]
    """(could have broken even from, has surely broken even by): first days of those weeks, None: not in the run."""

    def json(self) -> dict[str, Any]:
        return {"measure": self.measure, "start_day": list(self.start_day),
                "cumulative": {"mean": [c[0] for c in self.cumulative], "low": [c[1] for c in self.cumulative],
                               "high": [c[2] for c in self.cumulative]},
                "cost": self.cost.json() if self.cost is not None else None, "dip_day": self.dip_day,
                "recovers_day": self.recovers_day, "break_even_day": self.break_even_day,
                "break_even_range": list(self.break_even_range)}


def transition_cost(base: Sequence[ReplicationResult], other: Sequence[ReplicationResult], warmup: float,
                    measure: str = "won") -> TransitionCost:
    """The paired running difference of `measure` per week (other minus base) over the measured weeks."""
    tl = base[0].timeline
    weeks = [i for i, s in enumerate(tl.starts) if s >= warmup]
    if any(o.timeline.starts != r.timeline.starts for o, r in zip(other, base, strict=True)):
        raise ValueError("the scenarios' weeks differ (horizon, warm-up or start): their transitions cannot be paired")
    diff = np.array([[getattr(o.timeline, measure)[i] - getattr(b.timeline, measure)[i] for i in weeks]
                     for b, o in zip(base, other, strict=True)], dtype=float)
    running = np.cumsum(diff, axis=1)
    days = tuple(tl.starts[i] / 24 for i in weeks)
    per_week = [stat(list(running[:, k])) for k in range(len(weeks))]
    cumulative = tuple((s.mean or 0.0, s.low if s.low is not None else s.mean or 0.0,
                        s.high if s.high is not None else s.mean or 0.0) for s in per_week)
    means = np.array([c[0] for c in cumulative])
    if not len(means) or means.min() >= 0:
        return TransitionCost(measure, days, cumulative, None, None, None, None, (None, None))
    dip = int(means.argmin())
    after = range(dip + 1, len(weeks))
    even = next((k for k in after if cumulative[k][0] >= 0), None)
    could = next((k for k in after if cumulative[k][2] >= 0), None)
    surely = next((k for k in after if cumulative[k][1] >= 0), None)

    def day(k: int | None) -> float | None:
        return days[k] if k is not None else None
    return TransitionCost(measure, days, cumulative, per_week[dip], days[dip], day(dip + 1 if dip + 1 < len(weeks)
                                                                                   else None),
                          day(even), (day(could), day(surely)))


def transition_words(t: dict[str, Any], what: str) -> str:
    """A transition (its JSON form, as in comparison.json) in a manager's words; weeks of the run from 1."""
    def week(day: float | None) -> str:
        return f"week {int(day // 7) + 1}" if day is not None else "after the run"

    def amount(x: float) -> str:
        return f"{x:+,.1f} wins" if what == "wins" else f"{x:+,.0f}"
    final = t["cumulative"]["mean"][-1] if t["cumulative"]["mean"] else 0.0
    cost = t.get("cost")
    if not cost:
        return f"{what.capitalize()}: never behind the base on average (running total at the end {amount(final)})."
    lo, hi = cost["ci95"]
    ci = f" [{amount(lo)}, {amount(hi)}]" if lo is not None and hi is not None else ""
    if hi is not None and hi >= 0:
        return (f"{what.capitalize()}: no transition cost that stands out from the noise (running total against the "
                f"base at its lowest {amount(cost['mean'])}{ci}, in {week(t['dip_day'])}; at the end "
                f"{amount(final)}).")
    out = (f"{what.capitalize()}: running total against the base at its lowest {amount(cost['mean'])}{ci}, in "
           f"{week(t['dip_day'])}; as good as the base from {week(t['recovers_day'])} on average; ")
    if t.get("break_even_day") is None:
        return out + f"does not break even within the run (running total at the end {amount(final)})."
    could, surely = t.get("break_even_range") or (None, None)
    return out + (f"breaks even in {week(t['break_even_day'])} (95%: from {week(could)} to {week(surely)}).")
