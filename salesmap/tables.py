"""Terminal tables for a run: headline KPIs, the funnel, people and roles."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["FITNESS_LABELS", "KPI_LABELS", "SHOWN_WHEN_USED", "fitness_label", "kpi_label", "money_line",
           "print_summary", "shown"]

KPI_LABELS = {
    "cycle_time_days": ("Cycle time (lead → won)", "days"),
    "win_rate": ("Win rate", "%"),
    "won_per_week": ("Won per week", ""),
    "revenue_per_week": ("Revenue per week", ""),
    "leads_per_week": ("Leads per week", ""),
    "time_in_pipeline_days": ("Time in pipeline (won or lost)", "days"),
    "wip": ("Leads in pipeline (average)", ""),
    "stalled_per_week": ("Stalled per week (stay open, no work)", ""),
}
SHOWN_WHEN_USED = {"stalled_per_week"}
"""Figures of features a scenario may not use: a row only when they are not zero."""


def money_line(m: dict[str, Any]) -> str:
    """'Per year: cost +380,000; revenue +1,064,000 [+931,000, +1,197,000]; net +684,000 [...]'."""
    def ci(d: dict[str, Any]) -> str:
        lo, hi = d["ci95"]
        mean = "–" if d["mean"] is None else f"{d['mean']:+,.0f}"
        return mean + (f" [{lo:+,.0f}, {hi:+,.0f}]" if lo is not None and hi is not None else "")
    per_deal = m.get("cost_per_won_deal")
    deal = (f"; team cost per won deal {per_deal['before']:,.0f} -> {per_deal['after']:,.0f}" if per_deal else "")
    return (f"Per year: cost {m['cost_change_per_year']:+,.0f}; revenue {ci(m['revenue_change_per_year'])}; "
            f"net {ci(m['net_per_year'])} (revenue change minus cost change, 95% CI){deal}")


def kpi_label(key: str, summary: dict[str, Any]) -> str:
    """A headline figure's name as a manager reads it (the cycle time says where it starts)."""
    label, unit = KPI_LABELS[key]
    if key == "cycle_time_days" and summary.get("cycle_time_from"):
        start = summary["cycle_time_from"]
        label = f"Cycle time ({summary.get('stage_names', {}).get(start, start)} → won)"
    return label + (f" ({unit})" if unit and unit != "%" else "")


def shown(key: str, *summaries: dict[str, Any]) -> bool:
    """Figures of features a scenario may not use get a row only when one of the runs has them."""
    return key not in SHOWN_WHEN_USED or any((s["kpis"].get(key) or {}).get("mean") for s in summaries)


def _num(x: float | None, unit: str = "", digits: int = 1) -> str:
    if x is None:
        return "–"
    if unit == "%":
        return f"{100 * x:.{digits}f}%"
    return f"{x:,.{digits}f}"


def _ci(s: dict[str, Any], unit: str = "", digits: int = 1) -> str:
    lo, hi = s["ci95"]
    if lo is None:
        return _num(s["mean"], unit, digits)
    return f"{_num(s['mean'], unit, digits)} [{_num(lo, unit, digits)}, {_num(hi, unit, digits)}]"


def _forecast(summary: dict[str, Any], console: Console, rows: int = 13) -> None:
    """The forecast from today's open pipeline, week by week (95% band over the replications)."""
    fc = summary.get("forecast")
    if not fc:
        return
    t = Table(title="Forecast from today's open pipeline (per week; mean [95% band])", title_justify="left")
    for col in ("week from day", "won", "revenue", "open deals"):
        t.add_column(col, justify="right")

    def cell(key: str, i: int, digits: int) -> str:
        b = fc[key]
        return f"{b['mean'][i]:,.{digits}f} [{b['low'][i]:,.{digits}f}, {b['high'][i]:,.{digits}f}]"

    for i, day in enumerate(fc["start_day"][:rows]):
        t.add_row(f"{day:g}", cell("won", i, 1), cell("revenue", i, 0), cell("open_pipeline", i, 0))
    console.print(t)
    w, r = fc["total_won"], fc["total_revenue"]
    console.print(Text(f"Over the {len(fc['start_day'])} weeks: {w['mean'][0]:,.1f} deals won "
                       f"[{w['low'][0]:,.0f}, {w['high'][0]:,.0f}], revenue {r['mean'][0]:,.0f} "
                       f"[{r['low'][0]:,.0f}, {r['high'][0]:,.0f}]", style="bold"))


def _groups(summary: dict[str, Any], console: Console) -> None:
    """Figures per source and per segment, when there is more than one of either."""
    rows = [("source", n, g) for n, g in (summary.get("sources") or {}).items()]
    rows += [("segment", n, g) for n, g in (summary.get("segments") or {}).items()]
    if len(summary.get("sources") or {}) < 2 and not summary.get("segments"):
        return
    t = Table(title="By source and segment (per week; win rate of closed deals)", title_justify="left")
    for col in ("", "name", "leads", "won", "revenue", "win rate", "cycle (days)"):
        t.add_column(col, justify="left" if col in ("", "name") else "right")
    for kind, name, g in rows:
        t.add_row(kind, Text(name), _num(g["leads_per_week"]["mean"]), _num(g["won_per_week"]["mean"], digits=2),
                  _num(g["revenue_per_week"]["mean"], digits=0), _num(g["win_rate"]["mean"], "%", 0),
                  _ci(g["cycle_time_days"]))
    console.print(t)


def _owners(summary: dict[str, Any], console: Console) -> None:
    """Deal owners (roles with `routing: owner`): each one's deals, as a CRM's owner report shows them."""
    owners = {n: d["owner"] for n, d in summary["staff"].items() if d.get("owner")}
    if not owners:
        return
    t = Table(title="Deal owners (per replication; cycle time of their won deals)", title_justify="left")
    for col in ("owner", "owned", "won / week", "revenue / week", "win rate", "cycle (days)", "open at end"):
        t.add_column(col, justify="left" if col == "owner" else "right")
    for name, o in owners.items():
        t.add_row(Text(name), _num(o["owned"]["mean"], digits=0), _num(o["won_per_week"]["mean"], digits=2),
                  _num(o["revenue_per_week"]["mean"], digits=0), _num(o["win_rate"]["mean"], "%", 0),
                  _ci(o["cycle_time_days"]), _num(o["open_deals"]["mean"], digits=0))
    console.print(t)


def print_summary(summary: dict[str, Any], console: Console) -> None:
    """Render summary.json for a person: what to look at first comes first."""
    console.print(f"[bold]{Text(summary['scenario'])}[/bold] — {summary['replications']} replications, "
                  f"seed {summary['seed']}, {summary['horizon_days']:g} days "
                  f"({summary['warmup_days']:g} warm-up); 95% confidence intervals in brackets")
    k = Table(title="Headline", title_justify="left")
    k.add_column("KPI")
    k.add_column("mean [95% CI]", justify="right")
    k.add_column("p50 / p90", justify="right")
    for key, (_, unit) in KPI_LABELS.items():
        s = summary["kpis"].get(key)
        if s is None or not shown(key, summary):
            continue
        pct = f"{_num(s.get('p50'))} / {_num(s.get('p90'))}" if "p50" in s else ""
        k.add_row(kpi_label(key, summary), _ci(s, unit, 2 if unit == "%" else 1), pct)
    console.print(k)
    _forecast(summary, console)
    _groups(summary, console)

    f = Table(title=f"Funnel per stage, per replication (bottleneck: {summary['bottleneck']})",
              title_justify="left", caption="means; 95% CIs in stages.csv and summary.json. advanced = did not end "
              "lost; wait = hours to first touch; days = time in stage",
              caption_justify="left")
    stalls = any((m.get("stalled") or {}).get("mean") for m in summary["stages"].values())
    for col in ("stage", "entered", "advanced", "lost", *(("stalled",) if stalls else ()), "conv.", "wait h", "days",
                "stuck", "handoffs"):
        f.add_column(col, justify="left" if col == "stage" else "right", no_wrap=True)
    names = summary.get("stage_names", {})
    for sid, m in summary["stages"].items():
        style = "bold red" if sid == summary["bottleneck"] else None
        stalled = (_num(m["stalled"]["mean"], digits=0),) if stalls else ()
        f.add_row(Text(names.get(sid, sid)), _num(m["entered"]["mean"], digits=0),
                  _num(m["advanced"]["mean"], digits=0), _num(m["lost"]["mean"], digits=0), *stalled,
                  _num(m["conversion_rate"]["mean"], "%", 0),
                  _num(m["wait_hours"]["mean"]),
                  _num(m["time_in_stage_days"]["mean"]), _num(m["stuck"]["mean"], digits=0),
                  _num(m["handoffs"]["mean"], digits=0), style=style)
    console.print(f)

    threshold = summary["overload_threshold"]
    p = Table(title=f"People (overloaded above {100 * threshold:.0f}% busy)", title_justify="left")
    for col in ("person", "role", "stages", "utilization [95% CI]"):
        p.add_column(col, justify="right" if col.startswith("util") else "left")
    for name, d in summary["staff"].items():
        p.add_row(Text(name), Text(d["role"]), Text(", ".join(d["stages"])), _ci(d["utilization"], "%"),
                  style="bold red" if d["overloaded"] else None)
    console.print(p)
    _owners(summary, console)

    r = Table(title="Roles", title_justify="left")
    r.add_column("role")
    r.add_column("headcount", justify="right")
    r.add_column("utilization [95% CI]", justify="right")
    for role, d in summary["roles"].items():
        r.add_row(Text(role), str(d["headcount"]), _ci(d["utilization"], "%"))
    console.print(r)
    overloaded = [n for n, d in summary["staff"].items() if d["overloaded"]]
    if overloaded:
        console.print(Text(f"Overloaded: {', '.join(overloaded)}", style="bold red"))
    limit = summary.get("focus_limit")
    spread = [f"{n} ({d['role']}, {len(d['stages'])} stages)" for n, d in summary["staff"].items()
              if limit is not None and len(d["stages"]) > limit]
    if spread:
        console.print(Text(f"Responsible for more than {limit} stages (tasks fall through the cracks): "
                           + ", ".join(spread), style="bold yellow"))
    st = summary.get("stability")
    if st is not None and not st["stable"]:
        console.print(Text(st["message"], style="bold red"))


FITNESS_LABELS = {"arrivals_per_week": "new deals / week", "won_per_week": "won / week",
                  "revenue_per_week": "revenue / week", "win_rate": "win rate", "cycle_p50_days": "cycle time p50 (d)",
                  "cycle_p90_days": "cycle time p90 (d)", "open_at_end": "open at the end"}
"""How calibrate's fitness table names its measures (the terminal and the page)."""


def fitness_label(measure: str) -> str:
    """A fitness measure as the table shows it."""
    if measure in FITNESS_LABELS:
        return FITNESS_LABELS[measure]
    kind, _, what = measure.partition(":")
    return {"conversion": f"{what}: conversion", "time_in_stage_days": f"{what}: days in stage",
            "owner_won": f"{what}: won"}.get(kind, measure)
