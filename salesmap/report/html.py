"""report.html: one self-contained page (inline SVG, no scripts, no network) that prints well.

Every string that comes from a scenario is escaped here (HTML) or by the SVG writer (figures).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import math
import re
from pathlib import Path
from typing import Any

from salesmap.report.charts import (
    cycle_time_chart,
    forecast_chart,
    forest_chart,
    frontier_chart,
    funnel_chart,
    utilization_chart,
    wip_chart,
)
from salesmap.report.files import (
    ComparisonFile,
    RecommendationFile,
    ReportError,
    StaffingFile,
    SummaryFile,
    read_results_file,
    sub_folder,
)
from salesmap.report.layout import layout
from salesmap.report.mapdraw import draw_map
from salesmap.report.timeline import timeline_chart, transition_chart
from sim.errors import SalesSimError
from sim.output import write_text
from sim.scenario import load_scenario
from sim.schema import Scenario
from sim.team import build_team, focus_limit
from sim.transition import transition_words

__all__ = ["ReportError", "compare_report", "map_html", "map_page", "optimize_report", "report_for",
           "responsibility_grid", "run_report", "run_sections", "staff_report"]

KPIS = [("cycle_time_days", "Cycle time", "days"), ("win_rate", "Win rate", "%"),
        ("won_per_week", "Won per week", ""), ("revenue_per_week", "Revenue per week", ""),
        ("leads_per_week", "Leads per week", ""), ("wip", "Leads in pipeline", "")]

CSS = """
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:#1f2933;margin:24px;max-width:1900px}
h1{margin:0 0 4px;font-size:24px} h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d9dee4}
.meta{color:#52606d;font-size:13px;margin:2px 0}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{border:1px solid #d9dee4;border-radius:6px;padding:8px 12px;min-width:150px}
.card .v{font-size:20px;font-weight:bold} .card .l{font-size:12px;color:#52606d} .card .ci{font-size:11px;color:#52606d}
figure{margin:0} figure svg{max-width:100%;height:auto} figure svg.fixed{max-width:none}
.map{overflow-x:auto;border:1px solid #d9dee4;border-radius:6px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:18px}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
th,td{padding:3px 8px;border-bottom:1px solid #e4e7eb;text-align:right}
th:first-child,td:first-child{text-align:left}
table[data-table=responsibility] td.own{color:#1f4e8c;text-align:center}
table[data-table=responsibility] td.no{text-align:center}
table[data-table=responsibility] tr.over td{color:#c81e1e;font-weight:bold}
table[data-table=people] td:nth-child(3){text-align:left}
.over{color:#c62828;font-weight:bold} .better{color:#2e7d32;font-weight:bold} .worse{color:#c62828;font-weight:bold}
.changed{color:#b8860b} .same{color:#7b8794}
.unstable{background:#fde8e8;border:1px solid #c81e1e;color:#7f1d1d;padding:8px 12px}
@page{size:A3 landscape;margin:10mm}
@media print{body{margin:0} section,figure,table{break-inside:avoid} .map{overflow:visible;border:none}
 figure svg.fixed{max-width:100%;width:100%;height:auto}}
"""


def _e(s: object) -> str:
    """Escaped for HTML text and attributes, whatever the value's type; control characters dropped
    (they make the page's inline SVG malformed XML)."""
    return html.escape(_CONTROL.sub("", str(s)), quote=True)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _num(x: float | None, unit: str = "", digits: int = 1, scale: float = 1.0) -> str:
    if x is None:
        return "–"
    return f"{100 * x:.{digits}f}%" if unit == "%" else f"{scale * x:,.{digits}f}"


def _page(title: str, body: str) -> str:
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>'
            f'<body>{body}<p class="meta">Made by salesmap on {stamp}. Figures are means over replications with '
            "95% confidence intervals.</p></body></html>\n")


def _need(folder: Path, names: list[str]) -> None:
    if not folder.is_dir():
        raise ReportError(f"{folder}: not a results folder (it does not exist or is a file)")
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise ReportError(f"{folder}: missing {', '.join(missing)}; rerun `salesmap run` (or `compare`, "
                          "`optimize`) to make a complete results folder")




def _scenario(folder: Path) -> Scenario:
    return _scenario_file(folder / "scenario.yaml")


def _scenario_file(path: Path) -> Scenario:
    if path.is_symlink():
        raise ReportError(f"{path}: a symbolic link; a results folder holds its own scenario file")
    try:
        return load_scenario(path)
    except SalesSimError as e:
        raise ReportError(f"{path}: not a valid scenario:\n{e}") from None


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ReportError(f"{path}: cannot read ({type(e).__name__})") from None


def _number(x: object) -> float | None:
    """A number from an untrusted file, or None (shown as "–")."""
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) else None


def _finite(text: str | None) -> float:
    x = float(text or "nan")
    if not math.isfinite(x):
        raise ValueError("not a finite number")
    return x


def _weekly_wip(folder: Path, stage_ids: list[str]) -> dict[str, list[tuple[float, float]]]:
    sums: dict[tuple[str, float], list[float]] = {}
    path = folder / "weekly.csv"
    try:
        for row in _rows(path):
            if row.get("kind") == "wip":
                sums.setdefault((row["name"], _finite(row["start_day"])), []).append(_finite(row["value"]))
    except (KeyError, ValueError, TypeError):
        raise ReportError(f"{path}: not a weekly.csv as salesmap writes it") from None
    return {sid: sorted((d, sum(v) / len(v)) for (n, d), v in sums.items() if n == sid) for sid in stage_ids}


def _bins(folder: Path) -> list[tuple[float, float, int]]:
    path = folder / "cycle_times.csv"
    try:
        return [(_finite(r["low_days"]), _finite(r["high_days"]), int(r["count"])) for r in _rows(path)]
    except (KeyError, ValueError, TypeError):
        raise ReportError(f"{path}: not a cycle_times.csv as salesmap writes it") from None


def _cards(summary: dict[str, Any]) -> str:
    out = []
    stalled = summary["kpis"].get("stalled_per_week")
    extra_kpis = [("stalled_per_week", "Stalled per week", "")] if stalled and stalled["mean"] else []
    for key, label, unit in [*KPIS, *extra_kpis]:
        s = summary["kpis"][key]
        lo, hi = s["ci95"]
        ci = f"95% CI {_num(lo, unit)} – {_num(hi, unit)}" if lo is not None else ""
        extra = f" · p50 {_num(s['p50'])} · p90 {_num(s['p90'])}" if "p50" in s else ""
        out.append(f'<div class="card"><div class="l">{_e(label)}{" (" + unit + ")" if unit == "days" else ""}'
                   f'</div><div class="v">{_num(s["mean"], unit)}</div><div class="ci">{ci}{extra}</div></div>')
    return f'<div class="cards">{"".join(out)}</div>'


def _stage_table(sc: Scenario, summary: dict[str, Any]) -> str:
    stalls = any(isinstance(m.get("stalled"), dict) and m["stalled"].get("mean") for m in summary["stages"].values())
    head = ("stage", "entered", "advanced", "lost", *(("stalled",) if stalls else ()), "conversion", "wait (h)",
            "in stage (d)", "stuck", "handoffs")
    rows = []
    for st in sc.stages:
        m = summary["stages"][st.id]
        stalled = (_num(m["stalled"]["mean"], digits=0),) if stalls else ()
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in (
            _e(st.display_name), _num(m["entered"]["mean"], digits=0), _num(m["advanced"]["mean"], digits=0),
            _num(m["lost"]["mean"], digits=0), *stalled, _num(m["conversion_rate"]["mean"], "%"),
            _num(m["wait_hours"]["mean"]),
            _num(m["time_in_stage_days"]["mean"]), _num(m["stuck"]["mean"], digits=0),
            _num(m["handoffs"]["mean"], digits=0))) + "</tr>")
    return _table(head, rows, "stages")


def _people_table(summary: dict[str, Any]) -> str:
    rows = []
    for name, d in summary["staff"].items():
        u = d["utilization"]
        cls = ' class="over"' if d["overloaded"] else ""
        rows.append(f"<tr{cls}><td>{_e(name)}</td><td>{_e(d['role'])}</td><td>{_e(', '.join(d['stages']))}</td>"
                    f"<td>{_num(u['mean'], '%')}</td><td>{_num(u['ci95'][0], '%')} – {_num(u['ci95'][1], '%')}</td>"
                    "</tr>")
    people = _table(("person", "role", "responsible for", "utilization", "95% CI"), rows, "people")
    return people + _owner_table(summary)


def _group_table(summary: dict[str, Any]) -> str:
    """Figures per source and per segment, when there is more than one of either."""
    sources, segments = summary.get("sources") or {}, summary.get("segments") or {}
    if len(sources) < 2 and not segments:
        return ""
    rows = []
    for kind, groups in (("source", sources), ("segment", segments)):
        for name, g in groups.items():
            ct = g["cycle_time_days"]
            rows.append(f"<tr><td>{kind}</td><td>{_e(name)}</td><td>{_num(g['leads_per_week']['mean'])}</td>"
                        f"<td>{_num(g['won_per_week']['mean'], digits=2)}</td>"
                        f"<td>{_num(g['revenue_per_week']['mean'], digits=0)}</td>"
                        f"<td>{_num(g['win_rate']['mean'], '%')}</td>"
                        f"<td>{_num(ct['mean'])} ({_num(ct['ci95'][0])} – {_num(ct['ci95'][1])})</td></tr>")
    return ("<section><h2>By source and segment</h2>" +
            _table(("", "name", "leads per week", "won per week", "revenue per week", "win rate",
                    "cycle time (days, 95% CI)"), rows, "groups") + "</section>")


def _owner_table(summary: dict[str, Any]) -> str:
    """Deal owners' own figures (roles with `routing: owner`), as a CRM's owner report shows them."""
    rows = []
    for name, d in summary["staff"].items():
        o = d.get("owner")
        if not isinstance(o, dict):
            continue
        ct = o["cycle_time_days"]
        rows.append(f"<tr><td>{_e(name)}</td><td>{_num(o['owned']['mean'], digits=0)}</td>"
                    f"<td>{_num(o['won_per_week']['mean'], digits=2)}</td>"
                    f"<td>{_num(o['revenue_per_week']['mean'], digits=0)}</td>"
                    f"<td>{_num(o['win_rate']['mean'], '%')}</td>"
                    f"<td>{_num(ct['mean'])} ({_num(ct['ci95'][0])} – {_num(ct['ci95'][1])})</td>"
                    f"<td>{_num(o['open_deals']['mean'], digits=0)}</td></tr>")
    if not rows:
        return ""
    return ("<h3>Deal owners</h3>" + _table(("owner", "deals owned", "won per week", "revenue per week", "win rate",
                                            "cycle time of their wins (days, 95% CI)", "open at the end"),
                                           rows, "owners"))


def _table(head: tuple[str, ...], rows: list[str], name: str) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    return f'<table data-table="{name}"><thead><tr>{th}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _unstable(summary: dict[str, Any], who: str = "") -> str:
    """A banner when the run has no steady state (sim.stability): its figures depend on the horizon."""
    st = summary.get("stability")
    if not isinstance(st, dict) or st.get("stable", True):
        return ""
    return f'<p class="unstable" data-warning="unstable"><b>{_e(who)}{_e(st.get("message", "unstable"))}</b></p>'


def _header(sc: Scenario, summary: dict[str, Any]) -> str:
    return (f"<h1>{_e(sc.name)}</h1>{_unstable(summary)}<p class=\"meta\">{_e(sc.description)}</p>"
            f'<p class="meta">{_e(summary["replications"])} replications · seed {_e(summary["seed"])} · '
            f'{summary["horizon_days"]:g} days simulated, the first {summary["warmup_days"]:g} left out · '
            f'bottleneck: <b>{_e(summary["bottleneck"])}</b></p>')


def _order(sc: Scenario) -> list[str]:
    """Pipeline stages in flow order (customer stages are not part of the funnel)."""
    lay = layout(sc)
    pipeline = [s.id for s in sc.stages if s.id not in lay.customer_stages]
    return sorted(pipeline, key=lambda s: (lay.column.get(s, 0), lay.lane_span.get(s, (0, 0))))


def run_sections(folder: Path, sc: Scenario, summary: dict[str, Any]) -> str:
    """The map and charts of one simulated scenario."""
    charts = [("funnel", funnel_chart(summary, _order(sc))),
              ("cycle-time", cycle_time_chart(summary, _bins(folder))),
              ("utilization", utilization_chart(summary)),
              ("wip", wip_chart(_weekly_wip(folder, [s.id for s in sc.stages]), summary["warmup_days"]))]
    if isinstance(summary.get("forecast"), dict):
        charts.insert(0, ("forecast", forecast_chart(summary["forecast"])))
    if isinstance(summary.get("weekly"), dict):
        charts.insert(0, ("timeline", timeline_chart(summary["weekly"])))
    figs = "".join(f'<figure data-chart="{n}">{svg}</figure>' for n, svg in charts)
    return (f'<section><h2>The sales-process map</h2><figure class="map" data-chart="map">'
            f"{draw_map(sc, summary)}</figure></section>"
            f'<section><h2>Charts</h2><div class="charts">{figs}</div></section>'
            f"<section><h2>Stages</h2>{_stage_table(sc, summary)}</section>"
            f"<section><h2>Who is responsible for what</h2>{responsibility_grid(sc, summary)}</section>"
            f"<section><h2>People</h2>{_people_table(summary)}</section>{_group_table(summary)}")


def responsibility_grid(sc: Scenario, summary: dict[str, Any] | None) -> str:
    """Person × stage: who owns which stage, how many stages each person carries (flagged past the focus
    limit: one person responsible for too many stages is where tasks fall through the cracks) and, after
    a run, how busy each person is."""
    team = build_team(sc)
    limit = focus_limit(sc)
    stages = sc.stages
    head = ("person", "role", *(s.display_name for s in stages), "stages", "busy")
    staff = (summary or {}).get("staff", {})
    rows = []
    for m in team.people:
        over = len(m.stages) > limit
        busy = staff.get(m.name, {}).get("utilization", {}).get("mean")
        hot = busy is not None and busy > sc.overload_threshold
        cells = "".join(f'<td class="{"own" if s.id in m.stages else "no"}">{"●" if s.id in m.stages else ""}</td>'
                        for s in stages)
        cls = ' class="over"' if over or hot else ""
        rows.append(f"<tr{cls}><td>{_e(m.name)}</td><td>{_e(m.role)}</td>"
                    f'{cells}<td>{len(m.stages)}{" ⚠" if over else ""}</td><td>{_num(busy, "%", 0)}</td></tr>')
    note = (f'<p class="meta">● responsible. ⚠ more than {limit} stages '
            f'({"focus_penalty.free_stages" if sc.focus_penalty else "salesmap&#x27;s default focus limit"}); '
            "red rows: past the focus limit or overloaded.</p>")
    return _table(head, rows, "responsibility") + note


def run_report(folder: Path, into: Path | None = None) -> Path:
    """report.html for a `salesmap run` results folder."""
    _need(folder, ["summary.json", "scenario.yaml", "weekly.csv", "cycle_times.csv"])
    summary = read_results_file(folder / "summary.json", SummaryFile)
    sc = _scenario(folder)
    body = _header(sc, summary) + _cards(summary) + run_sections(folder, sc, summary)
    out = (into or folder) / "report.html"
    write_text(out, _page(f"salesmap: {sc.name}", body))
    return out


def compare_report(folder: Path, into: Path | None = None) -> Path:
    """report.html for a `salesmap compare` results folder: deltas, a forest plot, a map per scenario."""
    _need(folder, ["comparison.json"])
    comp = read_results_file(folder / "comparison.json", ComparisonFile)
    base = comp["baseline"]
    parts = [f"<h1>{_e(base)} and its what-ifs</h1>",
             f'<p class="meta">{_e(comp["replications"])} replications · seed {_e(comp["seed"])} · every scenario '
             "on the same random numbers, so differences are paired replication by replication</p>",
             "<p><b>Ranking</b> (wins per week not worse first, then shorter cycle time): "
             + " &gt; ".join(_e(n) for n in comp["ranking"]) + "</p>",
             '<section><h2>Differences against the base</h2><figure data-chart="forest">'
             + forest_chart(comp, [k for k, _, _ in KPIS]) + "</figure>" + _delta_table(comp) + "</section>"]
    for name, tr in comp.get("transitions", {}).items():
        chart = transition_chart(tr, base, name, _marks_of(comp, name))
        parts.append(f"<section><h2>The transition: {_e(name)}</h2><p>{_e(transition_words(tr['won'], 'wins'))}"
                     f"</p><p>{_e(transition_words(tr['revenue'], 'revenue'))}</p>"
                     f'<figure data-chart="transition">{chart}</figure></section>')
    shared = _wait_scale(list(comp["scenarios"].values()))
    parts.append(f'<p class="meta">The maps share one shading scale: darkest = {shared:.0f} h of waiting.</p>')
    for name, sub in comp.get("folders", {}).items():
        if name not in comp["scenarios"]:
            raise ReportError(f"{folder / 'comparison.json'}: folders names {name[:40]!r}, which is not a scenario "
                              "of the comparison")
        sub_dir = sub_folder(folder, sub)
        _need(sub_dir, ["summary.json", "scenario.yaml", "weekly.csv", "cycle_times.csv"])
        sc = _scenario(sub_dir)
        summary = comp["scenarios"][name]
        parts.append(f'<section><h2>{_e(name)}</h2>{_unstable(summary)}{_cards(summary)}<figure class="map" '
                     'data-chart="map">'
                     f"{draw_map(sc, summary, shared)}</figure></section>")
    out = (into or folder) / "report.html"
    write_text(out, _page(f"salesmap: {base} compared", "".join(parts)))
    return out


def _marks_of(comp: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The what-if's dated changes, to mark on its transition chart."""
    weekly = comp["scenarios"][name].get("weekly") or {}
    return list(weekly.get("changes") or [])


def _wait_scale(summaries: list[dict[str, Any]]) -> float:
    """One shading scale for several maps: the largest mean wait at any stage of any of them."""
    return float(max([m["wait_hours"]["mean"] for sm in summaries for m in sm["stages"].values()
                      if m["wait_hours"]["mean"] is not None] or [1.0]))


def _delta_table(comp: dict[str, Any]) -> str:
    base = comp["baseline"]
    others = [n for n in comp["scenarios"] if n != base]
    head = ("KPI", base, *(f"{n} − {base}" for n in others))
    rows = []
    for key, label, unit in KPIS:
        cells = [f"<td>{_e(label)}</td><td>{_num(comp['scenarios'][base]['kpis'][key]['mean'], unit)}</td>"]
        for n in others:
            d = comp["deltas"][n]["kpis"][key]
            lo, hi = d["ci95"]
            pct = f" ({d['pct']:+.1f}%)" if d["pct"] is not None and unit != "%" else ""
            ci = f" [{_num(lo, unit, 2)}, {_num(hi, unit, 2)}]" if lo is not None else ""
            cells.append(f'<td class="{_e(d["verdict"])}">{_num(d["mean"], unit, 2)}{pct}{ci}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return _table(head, rows, "deltas")


def optimize_report(folder: Path, into: Path | None = None) -> Path:
    """report.html for a `salesmap optimize` folder: the changes, before and after, the trade-off curve and
    the map of today's team beside the recommended one (one wait scale)."""
    _need(folder, ["recommendation.json", "today.yaml"])
    rec = read_results_file(folder / "recommendation.json", RecommendationFile)
    today = _scenario_file(folder / "today.yaml")
    before = rec["before"]
    verdict = ("verified by simulation: " if rec["verified"] else "no recommendation: ") + str(rec["message"])
    gap = f" · gap {100 * rec['gap']:.2f}%" if rec.get("gap") is not None else ""
    parts = [f"<h1>Who should do what: {_e(today.name)}</h1>",
             f'<p class="meta">{_e(before["replications"])} replications · seed {_e(before["seed"])} · objective '
             f'{_e(rec["objective_kind"])} · solver {_e(rec["solver"])} · status {_e(rec["status"])}{gap}</p>',
             f'<p><b class="{"better" if rec["verified"] else "worse"}">{_e(verdict)}</b></p>']
    v = rec.get("validation")
    if v is not None:
        parts.append(f'<p class="meta">On a fresh seed ({_e(v["seed"])}), the {_e(v["changes"])}-change plan against '
                     f'today\'s team: {_e(v["reason"])}</p>')
    if rec["changes"]:
        names = [m.name for m in build_team(today).people]
        items = "".join(f"<li>{_isolated(_e(m['text']), names)}</li>" for m in rec["changes"])
        knee = f'<p data-note="knee">Fewest changes: {_e(rec["knee"])}.</p>' if isinstance(rec.get("knee"), str) else ""
        h = rec.get("handoffs")
        hb, ha = (h.get("before"), h.get("after")) if isinstance(h, dict) else (None, None)
        moves = ""
        if isinstance(hb, dict) and isinstance(ha, dict):
            moves = (f'<p data-note="handoffs">Handoffs per lead {_num(_number(hb.get("per_lead")), digits=2)} → '
                     f'{_num(_number(ha.get("per_lead")), digits=2)}; leads lost in handoffs per week '
                     f'{_num(_number(hb.get("lost_per_week")), digits=2)} → '
                     f'{_num(_number(ha.get("lost_per_week")), digits=2)}.</p>')
        money = rec.get("money")
        if isinstance(money, dict):
            rev, net = money["revenue_change_per_year"], money["net_per_year"]
            lo, hi = rev["ci95"]
            moves += (f'<p data-note="money">Per year: revenue {_signed(rev["mean"], 1.0, 0)} '
                      f'[{_signed(lo, 1.0, 0)}, {_signed(hi, 1.0, 0)}]; the same people, no cost change; net '
                      f'{_signed(net["mean"], 1.0, 0)}{_per_deal(money)}.</p>')
        parts.append(f'<section><h2>The changes</h2><ul data-table="changes">{items}</ul>{knee}{moves}</section>')
    checks = rec.get("gate_checks")
    if isinstance(checks, list) and checks:
        rows = [f"<tr><td>{_e(g.get('gate'))}</td><td>{_e(g.get('decision'))}</td><td>{_e(g.get('text'))}</td></tr>"
                for g in checks if isinstance(g, dict)]
        parts.append(f"<section><h2>Gates, on {_e(rec.get('replications'))} replications</h2>"
                     + _table(("gate", "decision", "what was measured"), rows, "gates") + "</section>")
    if rec["verified"]:
        parts.append(f"<section><h2>Before and after</h2>{_before_after(rec)}</section>")
    tr = rec.get("transition")
    if isinstance(tr, dict) and isinstance(tr.get("won"), dict):
        marks = [{"day": rec["effective_day"], "what": "the plan takes effect"}]
        parts.append(f"<section><h2>The transition</h2><p>{_e(transition_words(tr['won'], 'wins'))}</p>"
                     f"<p>{_e(transition_words(tr['revenue'], 'revenue'))}</p><figure data-chart=\"transition\">"
                     f"{transition_chart(tr, 'today', 'the plan', marks)}</figure></section>")
    if rec["frontier"]:
        parts.append('<section><h2>Relief per number of changes</h2><figure data-chart="frontier">'
                     + frontier_chart(rec) + "</figure>" + _frontier_table(rec) + "</section>")
    after = None
    if rec["verified"] and rec.get("scenario") and rec.get("after") is not None:
        recommended = folder / Path(rec["scenario"]).name
        _need(folder, [recommended.name])
        after = (_scenario_file(recommended), rec["after"])
    shared = _wait_scale([before] + ([after[1]] if after else []))
    parts.append(f'<section><h2>Today</h2>{_unstable(before, "Today: ")}{_cards(before)}<figure class="map" '
                 'data-chart="map">'
                 f"{draw_map(today, before, shared)}</figure></section>")
    if after:
        parts.append(f'<section><h2>Recommended</h2>{_cards(after[1])}<figure class="map" data-chart="map">'
                     f"{draw_map(after[0], after[1], shared)}</figure>"
                     f'<p class="meta">Both maps share one shading scale: darkest = {shared:.0f} h of waiting.</p>'
                     "</section>")
    out = (into or folder) / "report.html"
    write_text(out, _page(f"salesmap optimize: {today.name}", "".join(parts)))
    return out


def _per_deal(money: dict[str, Any]) -> str:
    """'; team cost per won deal 12,300 → 11,900' when the roles have costs."""
    d = money.get("cost_per_won_deal")
    if not isinstance(d, dict):
        return ""
    before, after = _num(_number(d.get("before")), digits=0), _num(_number(d.get("after")), digits=0)
    return f"; team cost per won deal {before} → {after}"


def _signed(x: float | None, scale: float, digits: int) -> str:
    return "–" if x is None else f"{scale * x:+.{digits}f}"


def _pm(d: dict[str, Any], scale: float = 1.0, digits: int = 2) -> str:
    lo, hi = d["ci95"]
    ci = f" [{_signed(lo, scale, digits)}, {_signed(hi, scale, digits)}]" if lo is not None else ""
    return f'<td class="{_e(d.get("verdict", "same"))}">{_signed(d["mean"], scale, digits)}{ci}</td>'


def _staff_money(rec: dict[str, Any], change: str) -> str:
    """The change, its yearly cost and, when simulated, the yearly revenue change and the net, with CIs."""
    if rec.get("cost_after") is None:
        return f"<p>{change}</p>"
    text = f"{change}; yearly cost {rec['cost_before']:,.0f} → {rec['cost_after']:,.0f}"
    money = rec.get("money")
    if isinstance(money, dict):
        rev, net = money["revenue_change_per_year"], money["net_per_year"]
        lo, hi = rev["ci95"]
        text += (f"; revenue {_signed(rev['mean'], 1.0, 0)} a year [{_signed(lo, 1.0, 0)}, {_signed(hi, 1.0, 0)}]; "
                 f"net {_signed(net['mean'], 1.0, 0)} a year{_per_deal(money)}")
    return f"<p>{text}</p>"


def _kpi_rows(before: dict[str, Any], after: dict[str, Any], d: dict[str, Any]) -> list[str]:
    """Table rows of the headline KPIs: before, after and the paired difference with its interval."""
    rows = []
    for key, label, unit in KPIS:
        scale = 100.0 if unit == "%" else 1.0
        rows.append(f"<tr><td>{_e(label)}{' (%)' if unit == '%' else ''}</td>"
                    f"<td>{_num(before[key]['mean'], digits=2, scale=scale)}</td>"
                    f"<td>{_num(after[key]['mean'], digits=2, scale=scale)}</td>{_pm(d[key], scale)}</tr>")
    return rows


def _before_after(rec: dict[str, Any]) -> str:
    d = rec["deltas"]["kpis"]
    rows = _kpi_rows(rec["before"]["kpis"], rec["after"]["kpis"], d)
    u, du = rec["before_max_utilization"]["mean"], d["max_utilization"]["mean"]
    after = None if u is None or du is None else u + du
    rows.append(f"<tr><td>Busiest person (% busy)</td><td>{_num(u, digits=1, scale=100)}</td>"
                f"<td>{_num(after, digits=1, scale=100)}</td>{_pm(d['max_utilization'], 100, 1)}</tr>")
    for role, v in rec["deltas"]["roles"].items():
        if isinstance(v.get("utilization"), dict) and role in rec["before"]["roles"] and role in rec["after"]["roles"]:
            rows.append(f"<tr><td>Role {_e(role)} (% busy)</td>"
                        f"<td>{_num(rec['before']['roles'][role]['utilization']['mean'], digits=1, scale=100)}</td>"
                        f"<td>{_num(rec['after']['roles'][role]['utilization']['mean'], digits=1, scale=100)}</td>"
                        f"{_pm(v['utilization'], 100, 1)}</tr>")
    return _table(("measure", "before", "after", "difference [95% CI, paired]"), rows, "before-after")


def _isolated(text: str, names: list[str]) -> str:
    """Escaped text with each person's name in <bdi>: a Hebrew name in an English sentence otherwise
    takes the number after it into its right-to-left run ("20.0% נועה" for "נועה 20.0%")."""
    escaped = sorted({_e(n) for n in names if n}, key=len, reverse=True)
    if not escaped:
        return text
    pattern = re.compile(r"(?<![\w&#])(" + "|".join(map(re.escape, escaped)) + r")(?!\w)")
    return pattern.sub(r"<bdi>\1</bdi>", text)


def _frontier_table(rec: dict[str, Any]) -> str:
    rows = [f"<tr><td>0 (today)</td><td></td><td>{_num(rec['before_max_utilization']['mean'], '%')}</td>"
            f"<td>{_num(rec['before']['kpis']['cycle_time_days']['mean'])}</td><td></td><td></td><td></td></tr>"]
    for r in rec["frontier"]:
        ok = "yes" if r["verified"] else f'<span class="worse">no</span>: {_e(r["reason"])}'
        routed = f" ({_e(', '.join(r['routing']))} routing)" if isinstance(r.get("routing"), dict) and r["routing"] \
            else ""
        rows.append(f"<tr><td>{_e(r['changes'])}{routed}</td><td>{_num(r['predicted_max_utilization'], '%')}</td>"
                    f"<td>{_num(r['simulated_max_utilization']['mean'], '%')}</td>"
                    f"<td>{_num(r['cycle_time_days']['mean'])}</td>{_pm(r['deltas']['cycle_time_days'])}"
                    f"{_pm(r['deltas']['won_per_week'])}<td>{ok}</td></tr>")
    return _table(("changes", "predicted busiest", "simulated busiest", "cycle time (days)", "Δ cycle time",
                   "Δ won per week", "confirmed"), rows, "frontier")


def staff_report(folder: Path, into: Path | None = None) -> Path:
    """report.html for a `salesmap staff` folder: the headcount change and its cost, the rounds of the
    loop, before and after on the same random numbers, and today's and the staffed map on one scale."""
    _need(folder, ["staffing.json", "today.yaml"])
    rec = read_results_file(folder / "staffing.json", StaffingFile)
    today = _scenario_file(folder / "today.yaml")
    before, after = rec["before"], rec.get("after")
    change = ", ".join(f"{'hire' if d > 0 else 'reduce'} {abs(d)} {_e(r)}" for r, d in rec.get("change", {}).items()
                       if isinstance(d, int) and d) or "no change"
    parts = [f"<h1>Staffing: {_e(today.name)}</h1>", _unstable(before, "Today's team: "),
             f'<p class="meta">targets {_e(", ".join(rec["targets"]))} · status {_e(rec["status"])} · '
             f'{_e(before["replications"])} replications · seed {_e(before["seed"])}</p>',
             f'<p><b class="{"better" if rec["status"] == "met" else "worse"}">{_e(rec["message"] or "")}</b></p>',
             _staff_money(rec, change)]
    roles = list(dict.fromkeys([*rec["headcount_before"], *rec["headcount_after"]]))
    rows = [f"<tr><td>{_e(r)}</td><td>{_e(rec['headcount_before'].get(r, 0))}</td>"
            f"<td>{_e(rec['headcount_after'].get(r, 0))}</td></tr>" for r in roles]
    parts.append(f"<section><h2>Headcount</h2>{_table(('role', 'today', 'staffed'), rows, 'headcount')}</section>")
    rounds = []
    for i, rd in enumerate(rec["rounds"], 1):
        sim = rd["simulated"]
        cells = "".join(f"<td>{_num(sim[k]['mean'], '%' if k == 'max_utilization' else '')}</td>"
                        for k in ("cycle_time_days", "max_utilization") if k in sim)
        heads = ", ".join(f"{_e(r)} {_e(n)}" for r, n in rd["headcount"].items())
        rounds.append(f"<tr><td>{i}</td><td>{heads}</td><td>{rd['cost']:,.0f}</td>{cells}"
                      f"<td>{'yes' if rd['met'] else 'no'}</td></tr>")
    parts.append("<section><h2>Rounds (solve, simulate, recalibrate)</h2>" + _table(
        ("round", "headcount", "yearly cost", "cycle time (days)", "busiest person", "met"), rounds, "rounds")
        + "</section>")
    if after is not None and rec.get("deltas") is not None:
        parts.append("<section><h2>Before and after</h2>" + _staff_before_after(before, after, rec["deltas"]["kpis"])
                     + "</section>")
    staffed: tuple[Scenario, dict[str, Any]] | None = None
    if after is not None and rec.get("scenario"):
        path = folder / Path(rec["scenario"]).name
        if path.is_file():
            staffed = (_scenario_file(path), after)
    shared = _wait_scale([before] + ([after] if staffed else []))
    parts.append(f'<section><h2>Today</h2>{_cards(before)}<figure class="map" data-chart="map">'
                 f"{draw_map(today, before, shared)}</figure></section>")
    if staffed:
        sc2, s2 = staffed
        parts.append(f'<section><h2>Staffed</h2>{_unstable(s2)}{_cards(s2)}<figure class="map" '
                     f'data-chart="map">{draw_map(sc2, s2, shared)}</figure></section>')
    out = (into or folder) / "report.html"
    write_text(out, _page(f"salesmap staff: {today.name}", "".join(parts)))
    return out


def _staff_before_after(before: dict[str, Any], after: dict[str, Any], d: dict[str, Any]) -> str:
    rows = _kpi_rows(before["kpis"], after["kpis"], d)
    rows.append(f"<tr><td>Busiest person (pp)</td><td></td><td></td>{_pm(d['max_utilization'], 100, 1)}</tr>")
    return _table(("measure", "before", "after", "difference [95% CI, paired]"), rows, "before-after")


def report_for(folder: Path, into: Path | None = None) -> Path:
    """report.html for whatever results folder this is (a run, a comparison or an optimization), written
    into `into` (default: the folder itself)."""
    if (folder / "comparison.json").is_file():
        return compare_report(folder, into)
    if (folder / "recommendation.json").is_file():
        return optimize_report(folder, into)
    if (folder / "staffing.json").is_file():
        return staff_report(folder, into)
    return run_report(folder, into)


def map_page(sc: Scenario) -> str:
    """The map of a scenario that was not simulated, as an SVG document."""
    return '<?xml version="1.0" encoding="utf-8"?>\n' + draw_map(sc, None)


def map_html(sc: Scenario, svg: str) -> str:
    """The map of a scenario that was not simulated, as a page."""
    body = (f"<h1>{_e(sc.name)}</h1><p class=\"meta\">{_e(sc.description)}</p>"
            f'<figure class="map" data-chart="map">{svg.split("?>", 1)[-1]}</figure>'
            f"<section><h2>Who is responsible for what</h2>{responsibility_grid(sc, None)}</section>")
    return _page(f"salesmap map: {sc.name}", body)
