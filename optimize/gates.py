"""When a change is worth making: gates with materiality, decided on enough replications.

A plan is acceptable when wins and revenue a week are *not worse by more than a margin*
(non-inferiority: the whole 95% interval of the paired difference lies above −margin × today's value)
and its target improves *by at least a material amount* (the whole interval beyond it); cycle time,
when it is not the target, may not rise by more than its own margin. "Significant" is not enough: a
plan that relieves the busiest person by 7.7 points is not refused for +16 minutes of cycle time, and a
1% loss of wins that 10 replications cannot see is not called safe. Where the intervals straddle a
threshold, `decide_sequentially` adds replications (paired, on the same random numbers) until every
gate is decided or the cap is reached — then the answer is "cannot tell", never "verified".
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sim.stats import Delta, Stat

__all__ = ["Decision", "Gate", "Gates", "decide"]


class Decision(enum.Enum):
    VERIFIED = "verified"
    WORSE = "worse"
    """A gate failed: a loss beyond its margin, or a gain that cannot be material."""
    CANNOT_TELL = "cannot tell"
    """Some gate's interval still straddles its threshold at the replication cap."""


@dataclass(frozen=True)
class Gates:
    """The thresholds (all settable on the command line)."""

    margin: float = 0.01
    """Wins and revenue per week may fall by at most this share of today's (1%)."""
    min_relief: float = 0.02
    """A material relief: the busiest person at least 2 utilization points less busy."""
    min_cycle_gain: float = 0.02
    """A material cycle-time gain (objective cycle-time): at least 2% shorter."""
    cycle_margin: float = 0.02
    """Cycle time, when not the target, may rise by at most 2%."""
    max_replications: int = 40
    """The cap of sequential replications."""

    def json(self) -> dict[str, float | int]:
        return {"margin": self.margin, "min_relief": self.min_relief, "min_cycle_gain": self.min_cycle_gain,
                "cycle_margin": self.cycle_margin, "max_replications": self.max_replications}


@dataclass(frozen=True)
class Gate:
    """One gate's outcome, in words a manager reads."""

    name: str
    decision: Decision
    text: str

    def json(self) -> dict[str, str]:
        return {"gate": self.name, "decision": self.decision.value, "text": self.text}


def _at_least(d: Delta, threshold: float) -> Decision:
    """The difference is above `threshold` (pass), below it (fail), or its interval straddles it."""
    lo, hi = d.ci95
    if lo is None or hi is None:
        return Decision.CANNOT_TELL
    if lo >= threshold:
        return Decision.VERIFIED
    if hi < threshold:
        return Decision.WORSE
    return Decision.CANNOT_TELL


def _at_most(d: Delta, threshold: float) -> Decision:
    lo, hi = d.ci95
    if lo is None or hi is None:
        return Decision.CANNOT_TELL
    if hi <= threshold:
        return Decision.VERIFIED
    if lo > threshold:
        return Decision.WORSE
    return Decision.CANNOT_TELL


def _interval(d: Delta, scale: float = 1.0, unit: str = "") -> str:
    lo, hi = d.ci95
    if d.mean is None or lo is None or hi is None:
        return "not measurable"
    return f"{scale * d.mean:+.3g}{unit} [{scale * lo:+.3g}, {scale * hi:+.3g}]"


def decide(target: str, deltas: Mapping[str, Delta], today: Mapping[str, Stat], gates: Gates,
           extra: Callable[[], list[Gate]] | None = None) -> tuple[Decision, list[Gate]]:
    """Every gate for a plan whose `target` is `max_utilization`, `cycle_time_days` or '' (no target:
    `staff`, whose targets are checked apart); the overall decision: any gate worse -> WORSE, all
    verified -> VERIFIED, else CANNOT_TELL."""
    out: list[Gate] = []
    for key, what in (("won_per_week", "wins a week"), ("revenue_per_week", "revenue a week")):
        base = today[key].mean or 0.0
        if base <= 0:
            continue  # nothing won or no deal values: nothing to protect
        d = deltas[key]
        dec = _at_least(d, -gates.margin * base)
        out.append(Gate(key, dec, f"{what} {_interval(d, 100 / base, '%')} against a margin of "
                                  f"-{100 * gates.margin:g}%"))
    cycle_base = today["cycle_time_days"].mean or 0.0
    if target == "max_utilization":
        d = deltas["max_utilization"]
        dec = _at_most(d, -gates.min_relief)
        out.append(Gate("target", dec, f"the busiest person's utilization {_interval(d, 100, ' pp')}; material: "
                                       f"at least -{100 * gates.min_relief:g} pp"))
    elif target == "cycle_time_days" and cycle_base > 0:
        d = deltas["cycle_time_days"]
        dec = _at_most(d, -gates.min_cycle_gain * cycle_base)
        out.append(Gate("target", dec, f"cycle time {_interval(d, 100 / cycle_base, '%')}; material: at least "
                                       f"-{100 * gates.min_cycle_gain:g}%"))
    if target == "max_utilization" and cycle_base > 0:  # staff's own targets cover its cycle time
        d = deltas["cycle_time_days"]
        dec = _at_most(d, gates.cycle_margin * cycle_base)
        out.append(Gate("cycle_time_days", dec, f"cycle time {_interval(d, 100 / cycle_base, '%')} against a margin "
                                                f"of +{100 * gates.cycle_margin:g}%"))
    if extra is not None:
        out += extra()
    if any(g.decision is Decision.WORSE for g in out):
        return Decision.WORSE, out
    if all(g.decision is Decision.VERIFIED for g in out):
        return Decision.VERIFIED, out
    return Decision.CANNOT_TELL, out
