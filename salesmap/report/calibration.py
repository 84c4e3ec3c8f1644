"""The calibration page: how far to trust a calibrated scenario, real against simulated.

Built from calibration.json's form (like every view), so it shows what the file holds. Every string
from the data (stage names, people, files) is escaped; charts escape `$` through their label helper.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from salesmap.report.charts import BLUE, INK, MUTED, _labels, _style
from salesmap.report.html import _e, _page, _table
from salesmap.report.mapdraw import draw_map
from salesmap.report.svg import figure_svg
from salesmap.tables import fitness_label
from sim.schema import Scenario

__all__ = ["calibration_page"]


def _weekly_chart(fit: dict[str, Any]) -> str:
    real = fit["weekly_wins"]["real"]
    sims = np.array(fit["weekly_wins"]["simulated"], dtype=float)
    weeks = np.arange(1, len(real) + 1)
    fig = Figure(figsize=(7.5, 3.2))
    ax = fig.subplots()
    if sims.size:
        lo, hi = np.percentile(sims, [2.5, 97.5], axis=0)
        ax.fill_between(weeks, lo, hi, color=BLUE, alpha=0.2, lw=0, label="simulated, 95% of replications")
        ax.plot(weeks, sims.mean(axis=0), color=BLUE, lw=1.8, label="simulated mean")
    ax.plot(weeks, real, color=INK, lw=0, marker="o", ms=5, label="real")
    _style(ax, "Deals won per week of the holdout")
    ax.set_xlabel("week of the holdout (the last may be partial)", fontsize=8, color=MUTED)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return figure_svg(fig, "calweekly")


def _cycle_chart(fit: dict[str, Any]) -> str:
    pct = fit["cycle_time_percentiles_days"]
    fig = Figure(figsize=(7.5, 3.2))
    ax = fig.subplots()
    q = np.arange(1, 100) / 100
    if pct["simulated"]:
        ax.plot(pct["simulated"], q, color=BLUE, lw=1.8, label="simulated")
    if pct["real"]:
        ax.plot(pct["real"], q, color=INK, lw=1.4, ls="--", label="real")
    _style(ax, "Cycle time of the deals won in the holdout (cumulative share)")
    ax.set_xlabel("days from creation to won", fontsize=8, color=MUTED)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    fig.tight_layout()
    return figure_svg(fig, "calcycle")


def _conversion_chart(fit: dict[str, Any], names: dict[str, str]) -> str:
    rows = [r for r in fit["measures"] if r["measure"].startswith("conversion:") and r["simulated_mean"] is not None]
    fig = Figure(figsize=(7.5, 0.5 + 0.45 * max(len(rows), 1)))
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    for yi, r in zip(y, rows, strict=True):
        lo, hi = r["simulated_range95"] or (r["simulated_mean"], r["simulated_mean"])
        ax.plot([100 * lo, 100 * hi], [yi, yi], color=BLUE, lw=3, alpha=0.35)
        ax.plot(100 * r["simulated_mean"], yi, "o", color=BLUE, ms=6)
        if r["real"] is not None:
            ax.plot(100 * r["real"], yi, "D", color=INK, ms=5)
    ax.set_yticks(y, _labels([names.get(r["measure"].split(":", 1)[1], r["measure"]) for r in rows]))
    _style(ax, "Conversion per stage: real (◆) against simulated (● and its 95% range)")
    ax.set_xlabel("% of the stays ended in the holdout that did not end lost", fontsize=8, color=MUTED)
    fig.tight_layout()
    return figure_svg(fig, "calconv")


def _fmt(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "–"
    if pct:
        return f"{100 * x:.1f}%"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def _rows(fit: dict[str, Any]) -> list[str]:
    out = []
    for r in fit["measures"]:
        pct = r["measure"].startswith(("conversion", "win_rate"))
        band = r["simulated_range95"]
        err = r["error"]
        err_text = "–" if err is None else (f"{100 * err:+.1f} pts" if r["error_kind"] == "points"
                                            else f"{100 * err:+.1f}%")
        inside = {None: "–", True: "yes", False: '<span class="worse">no</span>'}[r["real_inside_range"]]
        target = "–" if r["on_target"] is None else ("met" if r["on_target"] else '<span class="worse">missed</span>')
        out.append(f"<tr><td>{_e(fitness_label(r['measure']))}</td><td>{_fmt(r['real'], pct)}</td>"
                   f"<td>{_fmt(r['simulated_mean'], pct)}</td>"
                   f"<td>{_fmt(band[0], pct) + '–' + _fmt(band[1], pct) if band else '–'}</td>"
                   f"<td>{err_text}</td><td>{inside}</td><td>{target}</td></tr>")
    return out


def calibration_page(doc: dict[str, Any], scenario_text: str, scenario: Scenario | None = None) -> str:
    """The page: what was read, data problems, the fitness table, the three charts and, given the
    loaded scenario, its map (the stages, flows and who does what, as calibrated)."""
    names = {sid: sid for sid in doc["stages"]}
    body = [f"<h1>Calibration of {_e(', '.join(doc['files']))}</h1>",
            f'<p class="meta">{doc["deals"]:,} deals ({_e(doc["kind"])}), {_e(doc["first"][:10])} to '
            f'{_e(doc["as_of"][:10])} (as of); win rate {100 * doc["win_rate"]["value"]:.1f}%</p>']
    if doc["data_problems"]:
        body.append("<h2>Data problems</h2><ul>" + "".join(f"<li>{_e(p)}</li>" for p in doc["data_problems"])
                    + "</ul>")
    fit = doc.get("fitness")
    if fit:
        d = fit["cycle_time_distance"]
        body.append(f"<h2>Fitness: fitted before {_e(fit['split'][:10])}, simulated to {_e(fit['end'][:10])} "
                    f"({fit['replications']} replications)</h2>")
        body.append('<p class="meta">"inside": the real figure lies in the 95% prediction interval of one '
                    "simulated period; targets: win rate and each stage's conversion within 2 and 3 points, "
                    "cycle time p50 and p90 and wins a week within 10%.</p>")
        body.append(_table(("measure", "real", "simulated", "95% range", "error", "inside", "target"), _rows(fit),
                           "fitness"))
        if d["kolmogorov_smirnov"] is not None:
            body.append(f'<p class="meta">Cycle time, real against simulated: Kolmogorov–Smirnov distance '
                        f'{d["kolmogorov_smirnov"]:.3f}, Wasserstein {d["wasserstein_days"]:.2f} days.</p>')
        body.append('<div class="charts">' + "".join(f"<figure>{c}</figure>" for c in (
            _weekly_chart(fit), _cycle_chart(fit), _conversion_chart(fit, names))) + "</div>")
    if scenario is not None:
        body.append('<h2>The calibrated map</h2><figure class="map" data-chart="map">' + draw_map(scenario, None)
                    + "</figure>")
    body.append('<h2>The calibrated scenario</h2><pre style="white-space:pre-wrap">' + _e(scenario_text) + "</pre>")
    return _page(f"Calibration: {', '.join(doc['files'])}", "".join(body))
