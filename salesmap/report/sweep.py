"""report.html of a sweep: each headline measure against each varied field (means with 95% CIs), and the
points where a role goes over the overload line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from salesmap.report.charts import BAD, BLUE, INK, MUTED, _style
from salesmap.report.files import SweepFile, read_results_file
from salesmap.report.html import _e, _need, _page, _table
from salesmap.report.svg import figure_svg
from sim.atomic import write_text

__all__ = ["response_chart", "sweep_report"]

SHOWN = (("cycle_time_days", "Cycle time (days)"), ("won_per_week", "Won per week"),
         ("revenue_per_week", "Revenue per week"), ("max_utilization", "Busiest person's utilization"))
_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d*)?|\.\d+)")


def _x(value: Any) -> float | None:
    """A field's value as a number on the axis (a unit after it is dropped); None: not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    m = _NUMBER.match(str(value))
    return float(m.group(1)) if m else None


def response_chart(doc: dict[str, Any], field: str) -> str:
    """The headline measures at every point, against one field's value (CI bars; overloaded points red)."""
    fig = Figure(figsize=(7.5, 6.4))
    axes = fig.subplots(2, 2).ravel()
    xs = [_x(p["values"][field]) for p in doc["points"]]
    categorical = any(x is None for x in xs)
    labels = sorted({str(p["values"][field]) for p in doc["points"]}) if categorical else []
    for ax, (measure, title) in zip(axes, SHOWN, strict=True):
        for p, x in zip(doc["points"], xs, strict=True):
            s = p["measures"][measure]
            if s["mean"] is None:
                continue
            pos = labels.index(str(p["values"][field])) if categorical else x
            lo, hi = s["ci95"]
            color = BAD if p["overloaded_roles"] else BLUE
            if lo is not None:
                ax.errorbar([pos], [s["mean"]], yerr=[[s["mean"] - lo], [hi - s["mean"]]], fmt="o", ms=4,
                            color=color, ecolor=color, elinewidth=1, capsize=2)
            else:
                ax.plot([pos], [s["mean"]], "o", ms=4, color=color)
        _style(ax, title)
        if measure == "max_utilization":
            ax.axhline(doc.get("overload_threshold") or 0.85, color=BAD, lw=0.8, ls="--")
            ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
        if not categorical and all(x is not None and float(x).is_integer() for x in xs):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # headcounts: no 3.25 people
        if categorical:
            ax.set_xticks(range(len(labels)), [s.replace("$", r"\$") for s in labels], fontsize=7, rotation=30)
        ax.set_xlabel(field.replace("$", r"\$"), fontsize=8, color=MUTED)
    fig.suptitle("red: a role over the overload line at that point", fontsize=8, color=INK, x=0.99, ha="right")
    fig.tight_layout()
    return figure_svg(fig, "response")


def sweep_report(folder: Path, into: Path | None = None) -> Path:
    _need(folder, ["sweep.json"])
    doc = read_results_file(folder / "sweep.json", SweepFile)
    parts = [f"<h1>Sweep of {_e(doc['scenario'])}</h1>",
             f'<p class="meta">{len(doc["points"])} points ({_e(doc["design"])}) · {_e(doc["replications"])} '
             f'replications each · seed {_e(doc["seed"])} · every point on the same random numbers</p>']
    for field in doc["fields"]:
        parts.append(f'<section><h2>Against {_e(field)}</h2><figure data-chart="response">'
                     f"{response_chart(doc, field)}</figure></section>")
    over = [p for p in doc["points"] if p["overloaded_roles"]]
    rows = []
    for p in over:
        cells = "".join(f"<td>{_e(p['values'][f])}</td>" for f in doc["fields"])
        rows.append(f"<tr>{cells}<td>{_e(', '.join(p['overloaded_roles']))}</td></tr>")
    head = (*doc["fields"], "roles over the line")
    parts.append("<section><h2>Points where a role is over the overload line</h2>"
                 + (_table(head, rows, "overloaded") if rows else "<p>None.</p>") + "</section>")
    out = (into or folder) / "report.html"
    write_text(out, _page(f"salesmap: sweep of {doc['scenario']}", "".join(parts)))
    return out
