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


def print_comparison(comp: dict[str, Any], console: Console) -> None:
    base = comp["baseline"]
    others = [n for n in comp["scenarios"] if n != base]
    console.print(f"[bold]{Text(base)}[/bold] against {len(others)} what-if(s): {comp['replications']} "
                  f"replications, seed {comp['seed']}, paired by replication (common random numbers). "
                  "[green]▲ better[/green] / [red]▼ worse[/red]: the 95% interval of the difference excludes 0.")
    t = Table(title="Headline KPIs", title_justify="left")
    t.add_column("KPI")
    t.add_column(Text(base), justify="right")
    for n in others:
        t.add_column(Text(f"{n} − {base} [95% CI]"), justify="right")
    for k, (label, _unit) in KPI_LABELS.items():
        row: list[Any] = [label, _fmt(comp["scenarios"][base]["kpis"][k]["mean"], k)]
        row.extend(_delta_cell(comp["deltas"][n]["kpis"][k], k) for n in others)
        t.add_row(*row)
    console.print(t)
    for n in others:
        groups = biggest_changes(comp["deltas"][n])
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
