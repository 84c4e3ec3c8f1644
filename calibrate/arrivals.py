"""How many deals arrive, per source: the weekly rate, its weekday and monthly profile, its dispersion."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from calibrate.figures import Figure

__all__ = ["MONTHS", "WEEKDAYS", "Arrivals", "estimate_arrivals"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True)
class Arrivals:
    rate_per_week: Figure
    weekly: dict[str, float] | None
    """Weekday weights (mean 1); None when arrivals do not depend on the weekday."""
    monthly: dict[str, float] | None
    monthly_note: str
    dispersion: Figure


def _full_days(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    first = (start + dt.timedelta(days=1)).date() if start.time() != dt.time() else start.date()
    return first, end.date()  # [first, last): days fully inside the data


def estimate_arrivals(created: Sequence[dt.datetime], start: dt.datetime, end: dt.datetime,
                      recent_days: int | None = None) -> Arrivals:
    """Arrivals between `start` (the data's first time) and `end` (the as-of date), counting whole days
    only; the rate from the last `recent_days` when the data is at least four weeks longer than that."""
    first, last = _full_days(start, end)
    days = (last - first).days
    if days < 7:
        raise ValueError(f"only {days} whole days of data: calibration needs at least a week")
    day_index = np.array([(c.date() - first).days for c in created])
    day_index = day_index[(day_index >= 0) & (day_index < days)]
    n = len(day_index)
    per_day = np.bincount(day_index, minlength=days).astype(float)
    weeks = days / 7
    rate = n / weeks
    # Weekly counts over whole weeks give the dispersion (variance over mean; 1 is Poisson).
    whole = days // 7
    weekly_counts = per_day[: whole * 7].reshape(whole, 7).sum(axis=1) if whole else np.array([])
    if whole >= 4 and weekly_counts.mean() > 0:
        disp = float(weekly_counts.var(ddof=1) / weekly_counts.mean())
        dispersion = Figure(round(max(1.0, disp), 2), whole, None, None,
                            f"variance over mean of {whole} whole weeks' arrivals"
                            + (f" (measured {disp:.2f}: below 1, written as 1, Poisson)" if disp < 1 else ""))
    else:
        dispersion = Figure(1.0, whole, None, None, f"ASSUMED: Poisson ({whole} whole weeks are too few to tell)")
    # Weekday profile: mean arrivals on each weekday over their mean.
    weekday = np.array([(first + dt.timedelta(days=i)).weekday() for i in range(days)])
    means = np.array([per_day[weekday == w].mean() if (weekday == w).any() else 0.0 for w in range(7)])
    weekly = None
    if means.mean() > 0:
        w = means / means.mean()
        if float(np.abs(w - 1).max()) > 0.1:
            weekly = {WEEKDAYS[i]: round(float(w[i]), 3) for i in range(7)}
    # Monthly profile: only with a whole year, else a month's weight mixes season and trend.
    monthly = None
    if days >= 365:
        month = np.array([(first + dt.timedelta(days=i)).month - 1 for i in range(days)])
        m = np.array([per_day[month == j].mean() for j in range(12)])
        monthly = {MONTHS[j]: round(float(m[j] / m.mean()), 3) for j in range(12)}
        monthly_note = f"mean arrivals a day in each month over {days} days, over their mean"
    else:
        monthly_note = f"ASSUMED: no monthly season ({days} days of data; a season needs a whole year)"
    disp_v = max(1.0, dispersion.value)
    what = f"deals created over {weeks:.1f} weeks ({first} to {last})"
    if recent_days is not None and days >= recent_days + 28:
        whole_rate = rate
        n = int(per_day[days - recent_days:].sum())
        weeks = recent_days / 7
        rate = n / weeks
        what = (f"deals created in the last {weeks:.0f} weeks (to {last}; over all {days / 7:.1f} weeks: "
                f"{whole_rate:.4g}/week)")
    half = 1.96 * math.sqrt(max(n, 1) * disp_v) / weeks
    return Arrivals(Figure(rate, n, max(0.0, rate - half), rate + half, what),
                    weekly, monthly, monthly_note, dispersion)
