"""Statistics over replications: means with Student-t confidence intervals, paired differences.

Replications are independent, so the replication means are i.i.d. and the t interval is exact for
normal data and a good approximation otherwise (the usual method of independent replications).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Delta", "Stat", "Verdict", "paired_delta", "stat", "t_halfwidth"]


class Verdict(StrEnum):
    """What a significant paired difference means for a measure (see `sim.compare.BETTER`)."""

    BETTER = "better"
    WORSE = "worse"
    CHANGED = "changed"
    """Significant, but the measure has no better direction (an input, a description)."""
    SAME = "same"
    """Not significant."""


@dataclass(frozen=True)
class Stat:
    """A measure's mean over replications with its 95% confidence interval (Student t)."""

    mean: float | None
    ci95: tuple[float | None, float | None]
    n: int
    """Replications that measured it."""
    p50: float | None = None
    p90: float | None = None
    """Means of per-replication quantiles, for the measures that have them (cycle time)."""

    @property
    def low(self) -> float | None:
        return self.ci95[0]

    @property
    def high(self) -> float | None:
        return self.ci95[1]

    def json(self) -> dict[str, Any]:
        """As in summary.json: {"mean", "ci95": [low, high], "n"} (and "p50", "p90" where measured)."""
        out: dict[str, Any] = {"mean": self.mean, "ci95": list(self.ci95), "n": self.n}
        if self.p50 is not None or self.p90 is not None:
            out["p50"], out["p90"] = self.p50, self.p90
        return out


@dataclass(frozen=True)
class Delta(Stat):
    """A paired difference (other minus base, replication by replication) and what it means."""

    pct: float | None = None
    """Change relative to the base mean, percent (None when the base mean is 0 or unknown)."""
    significant: bool = False
    """The 95% interval excludes zero."""
    verdict: Verdict = Verdict.SAME

    def json(self) -> dict[str, Any]:
        return {**super().json(), "pct": self.pct, "significant": self.significant, "verdict": self.verdict.value}


def t_halfwidth(values: Sequence[float], level: float = 0.95) -> float:
    """Half-width of the two-sided t confidence interval of the mean; nan for fewer than 2 values."""
    n = len(values)
    if n < 2:
        return math.nan
    from scipy.special import stdtrit  # loaded at the first interval: `salesmap --help` starts without scipy

    mean = math.fsum(values) / n
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    return float(stdtrit(n - 1, 0.5 + level / 2)) * math.sqrt(var / n)  # Student-t quantile


def stat(values: Sequence[float | None], bounds: tuple[float, float] | None = None) -> Stat:
    """Mean and 95% CI of per-replication values; replications that measured nothing are left out.

    `bounds` clips the interval to what the measure can be (a rate cannot exceed 100%).
    """
    xs = [float(v) for v in values if v is not None and not math.isnan(v)]
    if not xs:
        return Stat(None, (None, None), 0)
    mean = math.fsum(xs) / len(xs)
    h = t_halfwidth(xs)
    if math.isnan(h):
        return Stat(mean, (None, None), len(xs))
    lo, hi = mean - h, mean + h
    if bounds is not None:
        lo, hi = max(bounds[0], lo), min(bounds[1], hi)
    return Stat(mean, (lo, hi), len(xs))


def paired_delta(base: Sequence[float | None], other: Sequence[float | None], better: int = 0) -> Delta:
    """Difference other - base, paired replication by replication (common random numbers).

    `better` says which direction is an improvement (+1 higher, -1 lower, 0 neither) for the verdict.
    """
    pairs = [(b, o) for b, o in zip(base, other, strict=True) if b is not None and o is not None]
    diffs = [o - b for b, o in pairs]
    s = stat(diffs)
    base_mean = math.fsum(b for b, _ in pairs) / len(pairs) if pairs else None
    lo, hi = s.ci95
    pct = (100 * s.mean / base_mean) if base_mean and s.mean is not None else None
    if s.mean is not None and all(d == 0 for d in diffs):
        lo = hi = 0.0
    significant = bool(lo is not None and hi is not None and (lo > 0 or hi < 0))
    verdict = Verdict.SAME
    if significant and s.mean is not None:
        verdict = Verdict.CHANGED if better == 0 else Verdict.BETTER if better * s.mean > 0 else Verdict.WORSE
    return Delta(s.mean, (lo, hi), s.n, pct=pct, significant=significant, verdict=verdict)
