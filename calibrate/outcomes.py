"""Where deals go from a stage, with censoring handled: competing risks, not a naive ratio.

A deal still open at the as-of date has not yet chosen its outcome; counting only closed deals
over-weights the fast outcomes (a quick "no" closes before a slow "yes"). The Aalen–Johansen estimator
gives each outcome's cumulative incidence from every stay, closed or still open; what is left after
the last observed exit is the share that never leaves: *stalled*. Intervals come from a bootstrap over
stays (seeded, so the same data gives the same file).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["BOOTSTRAP", "cumulative_incidence", "outcome_shares"]

BOOTSTRAP = 200


def cumulative_incidence(times: np.ndarray, kinds: np.ndarray, k: int) -> np.ndarray:
    """Each outcome's cumulative incidence at the last time, then the residual (still open).

    `kinds` holds 0..k-1 for an exit to that outcome, -1 for a stay still open at its time.
    Ties: exits before stays censored at the same time (the usual convention).
    """
    n = len(times)
    if n == 0:
        return np.full(k + 1, np.nan)
    order = np.lexsort((kinds < 0, times))
    kd = kinds[order]
    at_risk = n - np.arange(n)
    exit_ = kd >= 0
    surv = np.cumprod(1.0 - exit_ / at_risk)
    before = np.concatenate(([1.0], surv[:-1]))
    contrib = before / at_risk
    out = np.zeros(k + 1)
    np.add.at(out, kd[exit_], contrib[exit_])
    out[k] = surv[-1]
    return out


def outcome_shares(times: Sequence[float] | np.ndarray, kinds: Sequence[int] | np.ndarray, k: int, seed: int = 0
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(estimate, 2.5th, 97.5th percentile) of each outcome's share and of the residual (index k)."""
    t = np.asarray(times, dtype=float)
    kd = np.asarray(kinds, dtype=int)
    est = cumulative_incidence(t, kd, k)
    rng = np.random.default_rng(seed)
    boots = np.empty((BOOTSTRAP, k + 1))
    n = len(t)
    for b in range(BOOTSTRAP):
        i = rng.integers(0, n, n)
        boots[b] = cumulative_incidence(t[i], kd[i], k)
    low, high = np.percentile(boots, [2.5, 97.5], axis=0)
    return est, low, high
