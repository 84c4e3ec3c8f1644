"""Terminal view of a comparison: KPIs side by side, then each what-if's biggest changes."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from salesmap.tables import KPI_LABELS
from sim.compare import biggest_changes

__all__ = ["print_comparison"]

STYLE = {"better": "bold green", "worse": "bold red", "changed": "bold yellow", "same": "dim"}


def _fmt(x: float | None, measure: str) -> str:
    if x is None:
        return "–"
    if measure in ("win_rate", "conversion_rate", "utilization"):
        return f"{100 * x:.2f}%"
    return f"{x:,.2f}"


def _delta_cell(d: dict[str, Any], measure: str) -> Text:
    if d["mean"] is None:
        return Text("–", style="dim")
    sign = "+" if d["mean"] > 0 else ""
    scale = 100 if measure in ("win_rate", "conversion_rate", "utilization") else 1
    unit = " pp" if scale == 100 else ""
    pct = f" ({sign}{d['pct']:.1f}%)" if d["pct"] is not None and scale == 1 else ""
    lo, hi = d["ci95"]
    ci = f" [{scale * lo:+.2f}, {scale * hi:+.2f}]" if lo is not None else ""
    arrow = {"better": "▲ ", "worse": "▼ ", "changed": "● ", "same": ""}[d["verdict"]]
    return Text(f"{arrow}{sign}{scale * d['mean']:.2f}{unit}{pct}{ci}", style=STYLE[d["verdict"]])


def _short_delta(d: dict[str, Any], measure: str) -> Text:
    """'▲ +14.0%' (relative change; percentage points for rates), coloured by verdict."""
    if d["mean"] is None:
        return Text("–", style="dim")
    arrow = {"better": "▲ ", "worse": "▼ ", "changed": "● ", "same": ""}[d["verdict"]]
    if measure in ("win_rate", "conversion_rate", "utilization"):
        return Text(f"{arrow}{100 * d['mean']:+.2f} pp", style=STYLE[d["verdict"]])
    if d["pct"] is None:
        return Text(f"{arrow}{d['mean']:+.2f}", style=STYLE[d["verdict"]])
    return Text(f"{arrow}{d['pct']:+.1f}%", style=STYLE[d["verdict"]])


def print_comparison(comp: dict[str, Any], console: Console) -> None:
    base = comp["baseline"]
    others = [n for n in comp["scenarios"] if n != base]
    console.print(f"[bold]{Text(base)}[/bold] against {len(others)} what-if(s): {comp['replications']} "
                  f"replications, seed {comp['seed']}, paired by replication (common random numbers). "
                  "[green]▲ better[/green] / [red]▼ worse[/red]: the 95% interval of the difference excludes 0.")
    t = Table(title=f"Headline KPIs: {base}, then each what-if's change (95% CIs in the tables below)",
              title_justify="left")
    t.add_column("scenario")
    for _k, (label, unit) in KPI_LABELS.items():
        t.add_column(label + (f" ({unit})" if unit and unit != "%" else ""), justify="right")
    t.add_row(Text(base, style="bold"), *(_fmt(comp["scenarios"][base]["kpis"][k]["mean"], k) for k in KPI_LABELS))
    for n in sorted(others, key=comp["ranking"].index):
        t.add_row(Text(n), *(_short_delta(comp["deltas"][n]["kpis"][k], k) for k in KPI_LABELS))
    console.print(t)
    for n in sorted(others, key=comp["ranking"].index):
        groups = biggest_changes(comp["deltas"][n], limit=5)
        c = Table(title=f"{n}: biggest significant changes against {base}", title_justify="left")
        for col in ("", "where", "measure", "difference [95% CI]"):
            c.add_column(col, justify="right" if col.startswith("diff") else "left")
        for verdict, label in (("better", "improved"), ("worse", "regressed"), ("changed", "changed")):
            for where, measure, d in groups[verdict]:
                c.add_row(Text(label, style=STYLE[verdict]), Text(where), measure, _delta_cell(d, measure))
        only = [f"{s} ({v['only_in']} only)" for s, v in comp["deltas"][n]["stages"].items() if "only_in" in v]
        if c.row_count:
            console.print(c)
        else:
            console.print(f"{n}: no significant change against {base}.")
        if only:
            console.print(Text(f"  stages in one scenario only: {', '.join(only)}"))
    ranking = comp["ranking"]
    console.print(Text("Ranking (wins per week not worse first, then shorter cycle time; changes that are not "
                       "significant count as none): " + " > ".join(ranking), style="bold"))
