"""Seasons of a lead source: months that bring more leads, quarter-ends that close more deals, and
weeks that vary more than a Poisson stream would.

Sales data shows all three: arrivals ramp and fall by month, the last weeks of a quarter win more
(reps and buyers push deals over the line), and weekly lead counts vary about twice as much as
Poisson's. A source's arrival rate at time t is

    rate x weekday weight x month weight x quarter-end factor x G(week),

with G a gamma variable of mean 1 drawn once per week (a gamma-mixed Poisson: the mean stays `rate`,
the variance of weekly counts becomes `dispersion` times their mean). Month weights have mean 1 over
the year. G is drawn from a stream keyed by the week, so two scenarios see the same busy weeks.
"""

from __future__ import annotations

import datetime as dt

from sim.schema import MONTHS, Source
from sim.streams import Streams

__all__ = ["Season"]


class Season:
    """The time-varying part of one source's arrivals and of its leads' chances to advance."""

    def __init__(self, src: Source, start: dt.date, streams: Streams) -> None:
        self.start = start.toordinal()
        months = src.monthly
        named: dict[str, float] = {str(k): v for k, v in months.items()} if months is not None else {}
        raw = [named.get(m, 1.0) for m in MONTHS]
        mean = sum(raw) / 12
        self.month = [w / mean for w in raw]
        qe = src.quarter_end
        self.qe_days = 7 * qe.weeks if qe is not None else 0
        self.qe_arrivals = qe.arrivals if qe is not None else 1.0
        self.qe_wins = qe.wins if qe is not None else 1.0
        self.peak = max(self.month) * max(self.qe_arrivals, 1.0)
        """The largest factor of the rate (for thinning)."""
        weekly_mean = src.rate * 168
        v = (src.dispersion - 1) / weekly_mean if weekly_mean > 0 else 0.0
        self.shape = 1 / v if v > 0 else 0.0
        self._u = streams.keyed_uniform(f"dispersion:{src.name}") if v > 0 else None
        self._week = -1
        self._g = 1.0

    @property
    def moves_wins(self) -> bool:
        return self.qe_wins != 1.0

    def _date(self, t: float) -> dt.date:
        return dt.date.fromordinal(self.start + int(t // 24))

    def _quarter_end(self, d: dt.date) -> bool:
        if not self.qe_days:
            return False
        last_month = (d.month - 1) // 3 * 3 + 3
        nxt = dt.date(d.year + 1, 1, 1) if last_month == 12 else dt.date(d.year, last_month + 1, 1)
        return (nxt - d).days <= self.qe_days

    def factor(self, t: float) -> float:
        """Month weight x quarter-end arrival factor at time t (hours from the start)."""
        d = self._date(t)
        f = self.month[d.month - 1]
        return f * self.qe_arrivals if self._quarter_end(d) else f

    def wins(self, t: float) -> float:
        """Multiplier on the chance to advance of a decision made at time t."""
        return self.qe_wins if self.qe_days and self._quarter_end(self._date(t)) else 1.0

    def week(self, k: int) -> float:
        """G for week k (from the start): mean 1, variance (dispersion - 1) / mean weekly arrivals."""
        if self._u is None:
            return 1.0
        if k != self._week:
            self._week = k
            u = min(max(self._u(k, 0), 1e-12), 1 - 1e-12)
            from scipy.special import gammaincinv  # loaded when a source is over-dispersed (start-up time)

            self._g = float(gammaincinv(self.shape, u)) / self.shape
        return self._g
