"""report.html of a sensitivity analysis: a tornado chart per measure, the noise beside every effect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from salesmap.report.charts import BLUE, INK, MUTED, WARN, _style
from salesmap.report.files import SensitivityFile, read_results_file
from salesmap.report.html import _e, _need, _page
from salesmap.report.svg import figure_svg
from sim.atomic import write_text

__all__ = ["TOP", "sensitivity_report", "tornado_chart"]

TOP = 12
WORDS = {"cycle_time_days": "Cycle time (days)", "won_per_week": "Won per week",
         "max_utilization": "Busiest person's utilization"}
GREY = "#bcc5cf"


def _tail(path: str, width: int = 34) -> str:
    """A path's end, which says what it is (`…negotiation.outcomes.close`)."""
    text = path if len(path) <= width else "…" + path[-(width - 1):]
    return text.replace("$", r"\$")


def tornado_chart(doc: dict[str, Any], kpi: str) -> str:
    """The largest effects on one measure, largest on top; grey when within the simulation's noise. One at a
    time: the measure at each input's low and high end around the base; Morris and Sobol: the index with its
    interval and the noise line."""
    effects = doc["effects"][kpi][:TOP][::-1]
    fig = Figure(figsize=(7.5, 0.38 * len(effects) + 1.4))
    ax = fig.subplots()
    y = range(len(effects))
    if doc["method"] == "oat":
        base = doc["base"][kpi] or 0.0
        for i, e in enumerate(effects):
            lo, hi = e.get("at_low"), e.get("at_high")
            if lo is None or hi is None:
                continue
            color = GREY if e["within_noise"] else (BLUE if hi >= lo else WARN)
            ax.barh(i, hi - base, left=base, color=color, height=0.6)
            ax.barh(i, lo - base, left=base, color=color, height=0.6, alpha=0.55)
        ax.axvline(base, color=INK, lw=0.8)
        ax.set_xlabel(f"{WORDS[kpi]} with the input at its low end (light) and its high end (dark); grey: within "
                      "noise", fontsize=8, color=MUTED)
    else:
        for i, e in enumerate(effects):
            lo, hi = e["ci95"]
            color = GREY if e["within_noise"] else BLUE
            ax.barh(i, e["value"], color=color, height=0.6)
            if lo is not None and hi is not None:
                ax.errorbar([e["value"]], [i], xerr=[[e["value"] - lo], [hi - e["value"]]], fmt="none", ecolor=INK,
                            elinewidth=0.8, capsize=2)
        noise = effects[0]["noise"] if effects else 0.0
        line = 2 * noise if doc["method"] == "morris" else noise
        ax.axvline(line, color=WARN, lw=0.9, ls="--", label="simulation noise")
        ax.legend(fontsize=7.5, frameon=False, loc="lower right")
        ax.set_xlabel("μ* (mean absolute elementary effect)" if doc["method"] == "morris" else
                      "total-order Sobol index ST", fontsize=8, color=MUTED)
    ax.set_yticks(list(y), [_tail(e["param"]) for e in effects], fontsize=7.5)
    _style(ax, WORDS[kpi])
    fig.tight_layout()
    return figure_svg(fig, "tornado")


def sensitivity_report(folder: Path, into: Path | None = None) -> Path:
    _need(folder, ["sensitivity.json"])
    doc = read_results_file(folder / "sensitivity.json", SensitivityFile)
    parts = [f"<h1>What matters most in {_e(doc['scenario'])}</h1>",
             f'<p class="meta">{_e(doc["method"])} · each input ±{100 * doc["range"]:.0f}% · '
             f'{len(doc["params"])} inputs · {_e(doc["points"])} points × {_e(doc["replications"])} replications = '
             f'{_e(doc["simulations"])} simulations · seed {_e(doc["seed"])}</p>']
    for kpi in WORDS:
        parts.append(f'<section><h2>{_e(WORDS[kpi])}</h2><figure data-chart="tornado">{tornado_chart(doc, kpi)}'
                     "</figure></section>")
    out = (into or folder) / "report.html"
    write_text(out, _page(f"salesmap: sensitivity of {doc['scenario']}", "".join(parts)))
    return out
