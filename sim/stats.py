"""Statistics over replications: means with Student-t confidence intervals, paired differences.

Replications are independent, so the replication means are i.i.d. and the t interval is exact for
normal data and a good approximation otherwise (the usual method of independent replications).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from scipy.special import stdtrit

__all__ = ["Stat", "paired_delta", "stat", "t_halfwidth"]

Stat = dict[str, Any]
"""{"mean": float | None, "ci95": [low, high] | [None, None], "n": int} and optional extra keys."""


def t_halfwidth(values: Sequence[float], level: float = 0.95) -> float:
    """Half-width of the two-sided t confidence interval of the mean; nan for fewer than 2 values."""
    n = len(values)
    if n < 2:
        return math.nan
    mean = math.fsum(values) / n
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    return float(stdtrit(n - 1, 0.5 + level / 2)) * math.sqrt(var / n)  # Student-t quantile


def stat(values: Sequence[float | None], bounds: tuple[float, float] | None = None) -> Stat:
    """Mean and 95% CI of per-replication values; replications that measured nothing are left out.

    `bounds` clips the interval to what the measure can be (a rate cannot exceed 100%).
    """
    xs = [float(v) for v in values if v is not None and not math.isnan(v)]
    if not xs:
        return {"mean": None, "ci95": [None, None], "n": 0}
    mean = math.fsum(xs) / len(xs)
    h = t_halfwidth(xs)
    ci: list[float | None] = [mean - h, mean + h] if not math.isnan(h) else [None, None]
    if bounds is not None and ci[0] is not None and ci[1] is not None:
        ci = [max(bounds[0], ci[0]), min(bounds[1], ci[1])]
    return {"mean": mean, "ci95": ci, "n": len(xs)}


def paired_delta(base: Sequence[float | None], other: Sequence[float | None]) -> Stat:
    """Difference other - base, paired replication by replication (common random numbers).

    `significant` is True when the 95% interval excludes zero. `pct` is the change relative to the
    base mean (None when the base mean is 0 or unknown).
    """
    pairs = [(b, o) for b, o in zip(base, other, strict=True) if b is not None and o is not None]
    diffs = [o - b for b, o in pairs]
    s = stat(diffs)
    base_mean = math.fsum(b for b, _ in pairs) / len(pairs) if pairs else None
    lo, hi = s["ci95"]
    s["pct"] = (100 * s["mean"] / base_mean) if base_mean and s["mean"] is not None else None
    if s["mean"] is not None and all(d == 0 for d in diffs):
        s["ci95"] = [0.0, 0.0]
        lo = hi = 0.0
    s["significant"] = bool(lo is not None and hi is not None and (lo > 0 or hi < 0))
    return s
