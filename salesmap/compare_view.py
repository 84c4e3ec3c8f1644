"""Terminal view of a comparison: the ranking and why, then per what-if its headline KPIs with 95%
intervals and its largest material changes, in the words a sales manager uses."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from salesmap.tables import KPI_LABELS, kpi_label, shown
from sim.compare import RATES, Change, material_changes
from sim.transition import transition_words

__all__ = ["MEASURE_WORDS", "print_comparison"]

STYLE = {"better": "bold green", "worse": "bold red", "changed": "bold yellow", "same": "dim"}
ARROW = {"better": "▲ ", "worse": "▼ ", "changed": "● ", "same": ""}
MEASURE_WORDS = {
    "entered": "leads entering", "advanced": "leads moving on", "lost": "leads lost",
    "conversion_rate": "conversion", "wait_hours": "wait for the first touch", "work_hours": "work per visit",
    "time_in_stage_days": "time in the stage", "stuck": "stuck leads", "handoffs": "handoffs",
    "lost_cooled": "leads lost to cooling", "lost_handoff": "leads lost in handoffs", "utilization": "busy",
}
UNITS = {"wait_hours": "h", "work_hours": "h", "time_in_stage_days": "d"}


def _fmt(x: float | None, measure: str) -> str:
    if x is None:
        return "–"
    if measure in RATES:
        return f"{100 * x:.2f}%"
    return f"{x:,.2f}"


def _delta_cell(d: dict[str, Any], measure: str) -> Text:
    """'▲ +0.28 (+11.8%) [+0.23, +0.32]'; rates in percentage points (pp)."""
    if d["mean"] is None:
        return Text("–", style="dim")
    rate = measure in RATES
    scale, unit = (100, " pp") if rate else (1, "")
    pct = f" ({d['pct']:+.1f}%)" if d["pct"] is not None and not rate else ""
    lo, hi = d["ci95"]
    ci = f" [{scale * lo:+,.2f}, {scale * hi:+,.2f}]" if lo is not None else ""
    return Text(f"{ARROW[d['verdict']]}{scale * d['mean']:+,.2f}{unit}{pct}{ci}", style=STYLE[d["verdict"]])


def _change_text(c: Change) -> Text:
    what = MEASURE_WORDS.get(c.measure, c.measure)
    where = c.where if c.where.startswith("role ") else f"stage {c.where}"
    if c.measure in RATES:
        size = f"{100 * (c.other - c.base):+.1f} pp ({100 * c.base:.1f}% → {100 * c.other:.1f}%)"
    elif c.per_lead:
        what += " per lead entering"
        size = f"{100 * c.base:.1f}% → {100 * c.other:.1f}% (the stage's volume changed)"
    else:
        unit = UNITS.get(c.measure, "")
        rel = f"{100 * (c.other - c.base) / c.base:+.0f}% " if c.base else ""
        size = f"{rel}({c.base:,.1f}{unit} → {c.other:,.1f}{unit})"
    return Text(f"  {ARROW[c.verdict]}{where}: {what} {size}", style=STYLE[c.verdict])


def print_comparison(comp: dict[str, Any], console: Console) -> None:
    base = comp["baseline"]
    ranking: list[str] = comp["ranking"]
    reasons: dict[str, str] = comp.get("ranking_reasons", {})
    console.print(Text(f"{base} against {len(ranking)} what-if(s): {comp['replications']} replications, seed "
                       f"{comp['seed']}, paired by replication (common random numbers). ▲ better / ▼ worse: the "
                       "95% interval of the difference excludes 0; rates change in percentage points (pp)."))
    console.print(Text("Ranking (more wins first, a larger gain before a smaller one; then shorter cycle time; "
                       "changes that are not significant count as none):", style="bold"))
    for i, n in enumerate(ranking, 1):
        console.print(Text(f"  {i}. {n}: {reasons.get(n, '')}"))
    for n, summary in comp["scenarios"].items():
        st = summary.get("stability")
        if st is not None and not st["stable"]:
            console.print(Text(f"{n}: {st['message']}", style="bold red"))
    for n in ranking:
        t = Table(title=f"{n} against {base}: headline KPIs (difference with its 95% interval)",
                  title_justify="left")
        for col, justify in (("KPI", "left"), (base, "right"), (n, "right"), ("difference [95% CI]", "right")):
            t.add_column(col, justify=justify)  # type: ignore[arg-type]
        for k in KPI_LABELS:
            if not shown(k, comp["scenarios"][base], comp["scenarios"][n]):
                continue
            t.add_row(kpi_label(k, comp["scenarios"][base]),
                      _fmt(comp["scenarios"][base]["kpis"][k]["mean"], k),
                      _fmt(comp["scenarios"][n]["kpis"][k]["mean"], k), _delta_cell(comp["deltas"][n]["kpis"][k], k))
        console.print(t)
        changes = material_changes(comp, n)
        if changes:
            console.print(Text("  Largest material changes (significant, at least 5% or 1 pp):"))
            for c in changes:
                console.print(_change_text(c))
        else:
            console.print(Text("  No material change at any stage or role."))
        tr = comp.get("transitions", {}).get(n)
        if tr:
            console.print(Text("  The transition (paired running total from the first measured week):", style="bold"))
            for m, what in (("won", "wins"), ("revenue", "revenue")):
                console.print(Text("  " + transition_words(tr[m], what)))
        only = [f"{s} ({v['only_in']} only)" for s, v in comp["deltas"][n]["stages"].items() if "only_in" in v]
        if only:
            console.print(Text(f"  stages in one scenario only: {', '.join(only)}"))
