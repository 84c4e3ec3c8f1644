"""Charts of a team that changes over time: the weekly timeline of one run, and the running cost of a
transition against the base, each with the dated changes marked."""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from salesmap.report.charts import BAD, BLUE, GOOD, INK, MUTED, WARN, _style
from salesmap.report.svg import figure_svg

__all__ = ["timeline_chart", "transition_chart"]

ROLE_COLORS = ("#4a90c2", "#2e7d32", "#d7301f", "#7b5ea7", "#b8860b", "#52606d")


def _marks(ax: Axes, changes: list[dict[str, Any]], label: bool) -> None:
    """A dashed line at each change; its words on the top chart (several on one day: the first, + n)."""
    by_day: dict[float, list[str]] = {}
    for c in changes:
        by_day.setdefault(float(c["day"]), []).append(str(c["what"]))
    for day, what in sorted(by_day.items()):
        ax.axvline(day, color=WARN, lw=0.9, ls="--", alpha=0.8)
        if label:
            text = what[0] if len(what) == 1 else f"{what[0]} (+{len(what) - 1})"
            ax.text(day, 1.0, " " + (text if len(text) <= 40 else text[:39] + "…"), transform=ax.get_xaxis_transform(),
                    rotation=90, va="top", ha="left", fontsize=7, color=WARN, parse_math=False)


def _band(ax: Axes, days: list[float], band: dict[str, list[float | None]], color: str, label: str) -> None:
    def clean(xs: list[float | None]) -> list[float]:
        return [float("nan") if x is None else float(x) for x in xs]
    ax.fill_between(days, clean(band["low"]), clean(band["high"]), color=color, alpha=0.18, lw=0)
    ax.plot(days, clean(band["mean"]), color=color, lw=1.6, label=label)


def timeline_chart(weekly: dict[str, Any]) -> str:
    """Week by week: capacity per role (FTE), utilization per role, wins, and cycle time of the leads that
    arrived that week; means with 95% bands, dashed lines at the changes."""
    days = weekly["start_day"]
    fig = Figure(figsize=(7.5, 8.4))
    axes = fig.subplots(4, 1, sharex=True)
    roles = list(weekly["fte"])
    for i, role in enumerate(roles):
        color = ROLE_COLORS[i % len(ROLE_COLORS)]
        _band(axes[0], days, weekly["fte"][role], color, role)
        _band(axes[1], days, weekly["utilization"][role], color, role)
    _style(axes[0], "Capacity per role (full-time equivalents)")
    _style(axes[1], "Utilization per role")
    axes[1].yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
    _band(axes[2], days, weekly["won"], GOOD, "won")
    _style(axes[2], "Deals won per week")
    _band(axes[3], days, weekly["cycle_time"], BLUE, "cycle time")
    _style(axes[3], "Cycle time of the leads that arrived that week (days)")
    for k, ax in enumerate(axes):
        _marks(ax, weekly.get("changes", []), k == 0)
        ax.set_ylim(bottom=0)
    axes[0].legend(fontsize=7.5, frameon=False, loc="lower right", ncol=min(4, len(roles)))
    axes[-1].set_xlabel("days from the start date (measured weeks; shaded: 95% band over replications)",
                        fontsize=8, color=MUTED)
    fig.tight_layout()
    return figure_svg(fig, "timeline")


def transition_chart(transition: dict[str, Any], base: str, name: str,
                     changes: list[dict[str, Any]] | None = None) -> str:
    """Running total of wins, `name` minus `base`, week by week, with its 95% interval: the dip is the cost of
    the transition, the return to zero the break-even."""
    won = transition["won"]
    days = won["start_day"]
    cum = won["cumulative"]
    fig = Figure(figsize=(7.5, 3.4))
    ax = fig.subplots()
    ax.fill_between(days, cum["low"], cum["high"], color=BLUE, alpha=0.2, lw=0, label="95% interval")
    ax.plot(days, cum["mean"], color=BLUE, lw=1.8, label="mean")
    ax.axhline(0, color=INK, lw=0.8)
    if won.get("dip_day") is not None and won.get("cost"):
        ax.plot([won["dip_day"]], [won["cost"]["mean"]], "o", color=BAD, ms=5)
        ax.annotate(f"cost {won['cost']['mean']:+.1f} wins", (won["dip_day"], won["cost"]["mean"]),
                    textcoords="offset points", xytext=(6, -10), fontsize=8, color=BAD)
    if won.get("break_even_day") is not None:
        ax.axvline(won["break_even_day"], color=GOOD, lw=1.0)
        ax.text(won["break_even_day"], 1.0, " breaks even", transform=ax.get_xaxis_transform(), va="top",
                fontsize=8, color=GOOD)
    _marks(ax, changes or [], True)
    _style(ax, "")
    ax.set_title(f"Wins, running total: {name} minus {base}", loc="left", fontsize=11, fontweight="bold",
                 color=INK)
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    ax.set_xlabel("days from the start date (measured weeks)", fontsize=8, color=MUTED)
    fig.tight_layout()
    return figure_svg(fig, "transition")
