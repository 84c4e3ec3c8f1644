"""The report's charts, each an inline SVG: funnel, cycle time, utilization, WIP, KPI deltas, and the
optimizer's trade-off between relief and changed responsibilities."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, ScalarFormatter

from salesmap.report.svg import figure_svg

__all__ = ["cycle_time_chart", "forecast_chart", "forest_chart", "frontier_chart", "funnel_chart", "utilization_chart",
           "wip_chart"]

INK, MUTED, GOOD, BAD, BLUE, WARN = "#1f2933", "#52606d", "#2e7d32", "#c62828", "#4a90c2", "#d7301f"


def _style(ax: Axes, title: str) -> None:
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold", color=INK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8, colors=MUTED)


def _plain(s: str) -> str:
    """Tick and legend labels are parsed as math when they hold '$': escape it."""
    return s.replace("$", r"\$")


def _labels(names: Sequence[str]) -> list[str]:
    return [_plain(n if len(n) <= 28 else n[:27] + "…") for n in names]


def funnel_chart(summary: dict[str, Any], stage_order: Sequence[str]) -> str:
    """Per stage: leads entering, split into those who moved on and those lost (per replication)."""
    stages = summary["stages"]
    names = list(reversed(stage_order))
    adv = [stages[s]["advanced"]["mean"] or 0 for s in names]
    lost = [stages[s]["lost"]["mean"] or 0 for s in names]
    stalled = [((stages[s].get("stalled") or {}).get("mean") or 0) for s in names]
    fig = Figure(figsize=(7.5, 0.42 * len(names) + 1.1))
    ax = fig.subplots()
    y = range(len(names))
    ax.barh(y, adv, color=BLUE, label="moved on")
    ax.barh(y, lost, left=adv, color="#e57373", label="lost")
    if any(stalled):
        ax.barh(y, stalled, left=[a + b for a, b in zip(adv, lost, strict=True)], color="#9aa5b1", label="stalled")
    for i, (a, b, c) in enumerate(zip(adv, lost, stalled, strict=True)):
        conv = a / (a + b + c) if a + b + c else 0
        ax.text(a + b + c, i, f"  {a + b + c:,.0f} in · {100 * conv:.0f}% on", va="center", fontsize=7.5,
                color=INK, parse_math=False)
    shown = summary.get("stage_names") or {}
    ax.set_yticks(list(y), _labels([shown.get(s, s) for s in names]))  # the names a manager wrote, any script
    ax.set_xlabel("leads per replication (measured period)", fontsize=8, color=MUTED)
    ax.set_xlim(0, max((a + b + c for a, b, c in zip(adv, lost, stalled, strict=True)), default=1) * 1.35)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _style(ax, "Funnel: leads entering each stage")
    fig.tight_layout()
    return figure_svg(fig, "funnel")


def forecast_chart(forecast: dict[str, Any]) -> str:
    """A fan chart of the forecast from today's open pipeline: wins, revenue and open deals per week, the
    mean with its 95% band over the replications."""
    days = forecast["start_day"]
    fig = Figure(figsize=(7.5, 6.2))
    axes = fig.subplots(3, 1, sharex=True)
    for ax, (key, title, color) in zip(axes, (("won", "Deals won per week", GOOD),
                                              ("revenue", "Revenue won per week", BLUE),
                                              ("open_pipeline", "Open deals (average over the week)", MUTED)),
                                       strict=True):
        band = forecast[key]
        ax.fill_between(days, band["low"], band["high"], color=color, alpha=0.2, lw=0, label="95% band")
        ax.plot(days, band["mean"], color=color, lw=1.8, label="mean")
        _style(ax, title)
        ax.set_ylim(bottom=0)
    axes[0].legend(fontsize=8, frameon=False, loc="upper right")
    axes[-1].set_xlabel("days from the start date", fontsize=8, color=MUTED)
    fig.tight_layout()
    return figure_svg(fig, "forecast")


def cycle_time_chart(summary: dict[str, Any], bins: Sequence[tuple[float, float, int]]) -> str:
    """Distribution of cycle time (lead to won), pooled over replications, with p50 and p90."""
    fig = Figure(figsize=(7.5, 3.2))
    ax = fig.subplots()
    kpi = summary["kpis"]["cycle_time_days"]
    if bins:
        total = sum(c for _, _, c in bins)
        cum, top = 0, bins[-1][1]
        for _lo, hi, c in bins:  # cut the long tail at the 99th percentile for a readable axis
            cum += c
            if cum >= 0.99 * total:
                top = hi
                break
        width = max(top / 40, 1e-3)
        counts = [0.0] * 40
        beyond = 0
        for lo, hi, c in bins:
            i = int((lo + hi) / 2 / width)
            if i < 40:
                counts[i] += c
            else:
                beyond += c
        ax.bar([i * width for i in range(40)], counts, width=width * 0.95, align="edge", color=BLUE)
        if beyond:
            ax.text(1.0, 1.0, f"{beyond:,} longer than {top:.0f} d not shown ({100 * beyond / total:.1f}%)",
                    transform=ax.transAxes, ha="right", va="top", fontsize=7, color=MUTED, parse_math=False)
        for q, color in (("p50", INK), ("p90", WARN)):
            v = kpi.get(q)
            if v is not None:
                ax.axvline(v, color=color, lw=1.4, ls="--")
                ax.text(v, max(counts) * 0.95, f" {q} {v:.0f} d", color=color, fontsize=8, parse_math=False)
    else:
        ax.text(0.5, 0.5, "no lead was won in the measured period", ha="center", transform=ax.transAxes)
    start = summary.get("cycle_time_from")
    where = (summary.get("stage_names") or {}).get(start, start) if isinstance(start, str) else "arrival"
    ax.set_xlabel(_plain(f"days from {where} to won"), fontsize=8, color=MUTED)
    ax.set_ylabel("won leads", fontsize=8, color=MUTED)
    _style(ax, "Cycle time")
    fig.tight_layout()
    return figure_svg(fig, "cycle")


def utilization_chart(summary: dict[str, Any]) -> str:
    """Utilization per person with its 95% CI and the overload line; overloaded people in red."""
    staff = summary["staff"]
    names = list(reversed(list(staff)))
    u = [100 * (staff[n]["utilization"]["mean"] or 0) for n in names]
    err = [[max(0.0, 100 * ((staff[n]["utilization"]["mean"] or 0) - (staff[n]["utilization"]["ci95"][0] or 0)))
            for n in names],
           [max(0.0, 100 * ((staff[n]["utilization"]["ci95"][1] or 0) - (staff[n]["utilization"]["mean"] or 0)))
            for n in names]]
    colors = [WARN if staff[n]["overloaded"] else BLUE for n in names]
    fig = Figure(figsize=(7.5, 0.26 * len(names) + 1.2))
    ax = fig.subplots()
    ax.barh(range(len(names)), u, color=colors, xerr=err, error_kw={"lw": 0.8, "ecolor": INK})
    threshold = 100 * summary["overload_threshold"]
    ax.axvline(threshold, color=WARN, ls="--", lw=1.2)
    ax.text(threshold, len(names) - 0.4, f" overload {threshold:.0f}%", color=WARN, fontsize=8, parse_math=False)
    ax.set_yticks(range(len(names)), _labels([f"{n} ({staff[n]['role']})" for n in names]))
    ax.set_xlim(0, 105)
    ax.set_xlabel("% of working time busy", fontsize=8, color=MUTED)
    _style(ax, "Utilization per person")
    fig.tight_layout()
    return figure_svg(fig, "util")


def wip_chart(wip: dict[str, list[tuple[float, float]]], warmup_days: float) -> str:
    """Leads in each stage over time (mean over replications, per week); warm-up shaded."""
    fig = Figure(figsize=(7.5, 3.4))
    ax = fig.subplots()
    for name, series in wip.items():
        if series and max(v for _, v in series) > 0:
            ax.plot([d for d, _ in series], [v for _, v in series], lw=1.3, label=_plain(name))
    if warmup_days:
        ax.axvspan(0, warmup_days, color="#e0e0e0", alpha=0.6, lw=0)
        ax.text(warmup_days / 2, 1.0, "warm-up", transform=ax.get_xaxis_transform(), ha="center", va="top",
                fontsize=7.5, color=MUTED)
    peaks = sorted(max(v for _, v in s) for s in wip.values() if s and max(v for _, v in s) > 0)
    log = len(peaks) > 1 and peaks[-1] > 10 * peaks[len(peaks) // 2]
    if log:  # one stage (nurture, usually) dwarfs the rest: a log axis keeps them all visible
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("day", fontsize=8, color=MUTED)
    ax.set_ylabel("leads in stage" + (" (log scale)" if log else ""), fontsize=8, color=MUTED)
    ax.legend(fontsize=7, frameon=False, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _style(ax, "Work in progress per stage")
    fig.tight_layout()
    return figure_svg(fig, "wip")


def forest_chart(comparison: dict[str, Any], kpis: Sequence[str]) -> str:
    """KPI differences against the base, in % of the base, with their paired 95% CIs."""
    rows: list[tuple[str, float, float, float, str]] = []
    base = comparison["scenarios"][comparison["baseline"]]
    for name, d in comparison["deltas"].items():
        for k in kpis:
            x = d["kpis"][k]
            b = base["kpis"][k]["mean"]
            if x["mean"] is None or not b:
                continue
            lo, hi = x["ci95"]
            scale = 100 / abs(b)
            low = (lo if lo is not None else x["mean"]) * scale
            high = (hi if hi is not None else x["mean"]) * scale
            rows.append((f"{k.replace('_', ' ')} · {name}", x["mean"] * scale, low, high, x["verdict"]))
    fig = Figure(figsize=(8.5, 0.3 * len(rows) + 1.3))
    ax = fig.subplots()
    color = {"better": GOOD, "worse": BAD, "changed": "#b8860b", "same": MUTED}
    for i, (_label, m, lo, hi, v) in enumerate(reversed(rows)):
        ax.plot([lo, hi], [i, i], color=color[v], lw=2)
        ax.plot([m], [i], "o", color=color[v], ms=5)
    ax.axvline(0, color=INK, lw=0.8)
    ax.set_yticks(range(len(rows)), [_plain(r[0][:48]) for r in reversed(rows)] if rows else [])
    lim = max([abs(v) for r in rows for v in r[1:4] if math.isfinite(v)] or [1.0]) * 1.1
    ax.set_xlim(-lim, lim)
    ax.set_xlabel("difference against the base, % of the base value (95% CI, paired)", fontsize=8, color=MUTED)
    _style(ax, "What changes, and is it real?")
    ax.text(1.0, 1.02, "green better · red worse · grey not significant", transform=ax.transAxes, ha="right",
            va="bottom", fontsize=7.5, color=MUTED)
    fig.tight_layout()
    return figure_svg(fig, "forest")


def _ci(d: dict[str, Any], scale: float) -> tuple[float, float, float]:
    m = d["mean"] * scale
    lo, hi = d["ci95"]
    return m, (lo * scale if lo is not None else m), (hi * scale if hi is not None else m)


def frontier_chart(rec: dict[str, Any]) -> str:
    """Relief per number of changed responsibilities: the busiest person's utilization (predicted by the
    model, simulated with its CI) and the change in cycle time (paired CI) of every plan on the frontier;
    today at 0 changes, the recommended plan ringed, plans the simulation did not confirm hollow."""
    rows = rec["frontier"]
    before = rec["before_max_utilization"]
    v = rec.get("validation")
    chosen = v["changes"] if rec["verified"] and v else None  # the plan that held on the fresh seed
    fig = Figure(figsize=(8.5, 5.6))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    xs = [0] + [r["changes"] for r in rows]
    pred = [100 * before["mean"]] + [100 * r["predicted_max_utilization"] for r in rows]
    top.plot(xs, pred, "--", color=MUTED, lw=1.2, marker="s", ms=3.5, label="predicted by the model")
    sims = [_ci(before, 100)] + [_ci(r["simulated_max_utilization"], 100) for r in rows]
    ok = [True] + [r["verified"] for r in rows]
    for x, (m, lo, hi), good in zip(xs, sims, ok, strict=True):
        top.plot([x, x], [lo, hi], color=BLUE if good else BAD, lw=2)
        top.plot([x], [m], "o", ms=6, color=BLUE if good else BAD, mfc=BLUE if good else "white")
    top.plot([], [], "o", color=BLUE, label="simulated (95% CI)")
    threshold = 100 * rec["before"]["overload_threshold"]
    top.axhline(threshold, color=WARN, ls=":", lw=1)
    top.text(max(xs), threshold, f" overload {threshold:.0f}%", color=WARN, fontsize=8, va="bottom", ha="right",
             parse_math=False)
    top.set_ylabel("busiest person, % busy", fontsize=8, color=MUTED)
    top.legend(fontsize=7.5, frameon=False, loc="upper right")
    _style(top, "What each number of changes buys")
    color = {"better": GOOD, "worse": BAD, "changed": "#b8860b", "same": MUTED}
    for r in rows:
        d = r["deltas"]["cycle_time_days"]
        m, lo, hi = _ci(d, 1)
        c = color.get(d.get("verdict", "same"), MUTED)
        bottom.plot([r["changes"]] * 2, [lo, hi], color=c, lw=2)
        bottom.plot([r["changes"]], [m], "o", ms=5, color=c, mfc=c if r["verified"] else "white")
    bottom.axhline(0, color=INK, lw=0.8)
    bottom.set_ylabel("Δ cycle time, days", fontsize=8, color=MUTED)
    bottom.set_xlabel("changes (0 = today)", fontsize=8, color=MUTED)
    bottom.set_xticks(xs)
    bottom.tick_params(labelsize=8, colors=MUTED)
    for side in ("top", "right"):
        bottom.spines[side].set_visible(False)
    if chosen is not None:
        m = next(_ci(r["simulated_max_utilization"], 100)[0] for r in rows if r["changes"] == chosen)
        top.plot([chosen], [m], "o", ms=14, mfc="none", mec=GOOD, mew=2)
        top.annotate("recommended", (chosen, m), xytext=(8, 10), textcoords="offset points", fontsize=8,
                     color=GOOD)
    fig.tight_layout()
    return figure_svg(fig, "frontier")

