"""Fitting a time distribution to observed times, among the distributions a scenario can name.

Exponential, gamma and lognormal are fitted by maximum likelihood (scipy.stats, origin at 0); the one
with the lowest AIC is kept if it passes a goodness-of-fit check — its CDF within `MAX_KS` of the
data's everywhere (the Kolmogorov–Smirnov distance: a p-value would reject every model on thousands of
deals for differences no forecast would notice); the exponential is kept when its AIC is within 2 of the
best (as good, with one parameter fewer). Otherwise the data's own quantiles are kept
(`dist: empirical`), which reproduce any shape, including the two humps of "declined at once or after
a week".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["MAX_KS", "QUANTILES", "Fitted", "fit_times", "hours_text"]

MAX_KS = 0.05
QUANTILES = 50
MIN_FIT = 20
"""Fewer observations than this: the empirical quantiles, no model."""


def hours_text(h: float, unit_max: str = "d") -> str:
    """Hours as a duration a scenario accepts, 4 significant digits: 0.0083 -> '30s', 30 -> '30h',
    200 -> '8.333d' (days only for durations, `unit_max='h'` for work)."""
    if h <= 0:
        return "0s"
    if h < 1 / 60:
        return f"{h * 3600:.4g}s"
    if h < 1:
        return f"{h * 60:.4g}m"
    if h < 48 or unit_max == "h":
        return f"{h:.4g}h"
    return f"{h / 24:.4g}d"


@dataclass(frozen=True)
class Fitted:
    """A fitted time distribution (hours) and how it was chosen."""

    dist: str
    mean: float
    cv: float | None
    n: int
    ks: float | None
    """Kolmogorov–Smirnov distance between the chosen model and the data (None: empirical)."""
    values: tuple[float, ...] = ()
    note: str = ""

    def scenario(self, unit_max: str = "d") -> dict[str, Any]:
        """The distribution as a scenario writes it."""
        if self.dist == "empirical":
            return {"dist": "empirical", "values": [hours_text(v, unit_max) for v in self.values]}
        if self.dist == "exponential":
            return {"dist": "exponential", "mean": hours_text(self.mean, unit_max)}
        return {"dist": self.dist, "mean": hours_text(self.mean, unit_max), "cv": round(float(self.cv or 1), 3)}


def _quantiles(x: np.ndarray) -> tuple[float, ...]:
    q = (np.arange(QUANTILES) + 0.5) / QUANTILES
    return tuple(float(v) for v in np.quantile(x, q))


def fit_times(hours: np.ndarray, floor: float = 1 / 3600) -> Fitted:
    """The best-fitting distribution of positive times (values below `floor` are raised to it)."""
    from scipy import stats

    x = np.maximum(np.asarray(hours, dtype=float), floor)
    n = len(x)
    if n == 0:
        raise ValueError("no times to fit")
    mean = float(x.mean())
    if n < MIN_FIT:
        return Fitted("empirical", mean, None, n, None, _quantiles(x), f"{n} values: too few to fit a model")
    if float(x.std()) <= 1e-9 * mean:
        return Fitted("empirical", mean, None, n, None, (mean,), f"{n} values, all the same")
    best: tuple[float, str, float, float | None, float] | None = None
    exponential: tuple[float, str, float, float | None, float] | None = None
    log_x = np.log(x)
    for name in ("exponential", "gamma", "lognormal"):
        if name == "exponential":
            scale = mean
            ll = float(stats.expon.logpdf(x, scale=scale).sum())
            k, model_mean, cv, cdf = 1, scale, 1.0, stats.expon(scale=scale).cdf
        elif name == "gamma":
            try:
                a, _, scale = stats.gamma.fit(x, floc=0)
            except (ValueError, RuntimeError, FloatingPointError):
                continue  # the likelihood has no root to find (e.g. a few distinct values): not a gamma
            ll = float(stats.gamma.logpdf(x, a, scale=scale).sum())
            k, model_mean, cv, cdf = 2, a * scale, 1 / np.sqrt(a), stats.gamma(a, scale=scale).cdf
        else:
            mu, sigma = float(log_x.mean()), float(log_x.std())
            sigma = max(sigma, 1e-6)
            ll = float(stats.lognorm.logpdf(x, sigma, scale=np.exp(mu)).sum())
            model_mean = float(np.exp(mu + sigma ** 2 / 2))
            k, cv, cdf = 2, float(np.sqrt(np.expm1(sigma ** 2))), stats.lognorm(sigma, scale=np.exp(mu)).cdf
        if not 0.001 <= cv <= 20:
            continue
        aic = 2 * k - 2 * ll
        ks = float(stats.kstest(x, cdf).statistic)
        here = (aic, name, float(model_mean), float(cv), ks)
        if name == "exponential":
            exponential = here
        if best is None or aic < best[0]:
            best = here
    if exponential is not None and best is not None and exponential[0] - best[0] < 2:
        best = exponential  # one parameter fewer and as good: the simpler model
    if best is not None and best[4] <= MAX_KS:
        _, name, m, best_cv, ks = best
        return Fitted(name, m, None if name == "exponential" else best_cv, n, ks, (), f"best of exponential, "
                      f"gamma, lognormal by AIC; KS distance {ks:.3f}")
    why = f"best model ({best[1]}) KS distance {best[4]:.3f} > {MAX_KS}" if best else "no model fits"
    return Fitted("empirical", mean, None, n, None, _quantiles(x), f"{QUANTILES} quantiles: {why}")
