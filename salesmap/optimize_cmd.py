"""`salesmap optimize`: recommend who should be responsible for which stage, verified by simulation."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from optimize.assign import DEFAULT_NODE_LIMIT, Objective, Settings, Status
from optimize.recommend import describe_changes, max_utilization
from optimize.search import Search, search
from optimize.staffing import money_per_year, team_cost
from optimize.workload import measure_workload
from salesmap.args import (
    Exit,
    UsageError,
    add_allow_long,
    add_gate_arguments,
    add_scheduler,
    check_common,
    check_size,
    default_folder,
    gates_from,
    start_backend,
)
from salesmap.commands import COMMANDS
from salesmap.decision_files import write_decision_files
from salesmap.tables import money_line
from sim.folder import ResultsFolder
from sim.output import plain, safe_name, summary_json
from sim.runner import simulate
from sim.scenario import load_scenario_with_data, scenario_from_data
from sim.schema import Scenario
from sim.stats import stat
from sim.transition import SERIES, transition_cost, transition_words
from sim.units import parse_duration

__all__ = ["OptimizeError", "add_parser", "handoffs", "run_optimize"]


class OptimizeError(UsageError):
    """Settings the optimizer cannot meet (the message names the constraint)."""


def add_parser(sub: Any) -> None:
    op = sub.add_parser("optimize", help=COMMANDS["optimize"])
    op.add_argument("file", type=Path)
    op.add_argument("--max-changes", type=int, help="at most K changes against today: a "
                    "changed responsibility, or one owner role's routing shares")
    op.add_argument("--max-stages-per-person", type=int, help="at most N stages per person")
    op.add_argument("--min-cover", type=int, default=1, help="at least M people responsible for each stage")
    op.add_argument("--keep", nargs="+", default=[], metavar="NAME", help="people to leave as they are")
    op.add_argument("--objective", choices=[o.value for o in Objective], default=None,
                    help="what to improve (default balanced); without it a team where nobody is over the overload "
                    "line is left alone")
    op.add_argument("--solver", choices=["cbc", "highs"], default="cbc")
    op.add_argument("--node-limit", type=int, default=DEFAULT_NODE_LIMIT, help="branch-and-bound nodes per solve "
                    "(default %(default)s): the same plan on a quiet or a busy machine")
    op.add_argument("--time-limit", type=float, default=300.0, help="seconds of wall clock per solve, a safety net "
                    "behind --node-limit; when it fires the output says so (default %(default)s)")
    op.add_argument("--effective", metavar="WHEN", help="the plan takes effect on this date (2027-09-06) or after "
                    "this time from the start (12w): deals in flight are handed over, and both today and the plan are "
                    "measured from then, with the cost of the transition")
    op.add_argument("--allow-role-changes", action="store_true", help="let people take stages outside their role "
                    "(its can_do, else the stages naming it); each such change is flagged")
    add_gate_arguments(op)
    add_scheduler(op)
    op.add_argument("--replications", type=int, help="override the file's replications")
    op.add_argument("--seed", type=int, help="override the file's seed")
    op.add_argument("--out", type=Path, help="recommended scenario (default results/optimize-<name>-<time>/"
                    "recommended.yaml); recommendation.json is written beside it")
    op.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    op.add_argument("--frontier", action="store_true", help="show the whole trade-off: relief per number of changes")
    op.add_argument("--json", action="store_true", help="print recommendation.json to stdout instead of tables")
    op.add_argument("--report", action="store_true", help="also write report.html beside recommendation.json "
                    "(changes, before and after, the trade-off curve, both maps)")
    add_allow_long(op)


def run_optimize(args: argparse.Namespace, err: Console) -> int:
    for flag, value, low in (("--max-changes", args.max_changes, 0),
                             ("--max-stages-per-person", args.max_stages_per_person, 1),
                             ("--min-cover", args.min_cover, 1), ("--replications", args.replications, 2)):
        if value is not None and value < low:
            raise OptimizeError(f"{flag} {value}: must be >= {low}")
    check_common(args, min_replications=2)
    sc, data = load_scenario_with_data(args.file)  # read once: today.yaml is what was simulated
    effective = None
    if args.effective is not None:
        effective = _effective_hours(sc, args.effective)
        data = {**data, "warmup": f"{max(sc.warmup, effective):g}h"}  # both measured from the move
        sc = scenario_from_data(data, str(args.file))
    check_size(sc, args.replications or sc.replications, args)
    out = args.out or default_folder(f"optimize-{safe_name(sc.name)}") / "recommended.yaml"
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise OptimizeError(f"--out {out}: the recommended scenario is a .yaml file")
    if out.exists() and not args.force:
        raise OptimizeError(f"{out}: exists; pass --force to overwrite it")
    settings = Settings(args.max_changes, args.max_stages_per_person, args.min_cover, tuple(args.keep),
                        Objective(args.objective or "balanced"), args.solver, args.time_limit, sc.overload_threshold,
                        args.node_limit, effective)
    with ResultsFolder(out.parent, force=args.force) as folder:
        report, result = _optimize_into(args, sc, data, settings, out, folder.work / out.name, err)
    if args.json:
        sys.stdout.write(summary_json(report))
    else:
        _print(report, result, Console(highlight=False, width=None if sys.stdout.isatty() else 130), args.frontier)
        written = [out.with_name("recommendation.json")] + ([out] if result.best is not None else []) + \
            ([out.with_name("report.html")] if args.report else [])
        err.print("written: " + ", ".join(map(str, written)), markup=False, highlight=False)
    if result.best is not None:
        return Exit.OK
    return Exit.CANNOT_TELL if result.status is Status.CANNOT_TELL else Exit.NOTHING


def _effective_hours(sc: Scenario, when: str) -> float:
    """--effective as hours from the start: a date, or a duration; inside the run."""
    text = when.strip()
    try:
        hours = 24.0 * (dt.date.fromisoformat(text) - sc.start_date).days if len(text) == 10 and text[4:5] == "-" \
            else parse_duration(text)
    except ValueError as e:
        raise OptimizeError(f"--effective {when}: {e}; give a date (2027-09-06) or a time from the start (12w)") \
            from None
    if not 0 <= hours < sc.horizon:
        raise OptimizeError(f"--effective {when}: must fall within the run ({sc.start_date} to "
                            f"{sc.start_date + dt.timedelta(hours=sc.horizon)})")
    return hours


def _optimize_into(args: argparse.Namespace, sc: Scenario, data: dict[str, Any], settings: Settings, out: Path,
                   work: Path, err: Console) -> tuple[dict[str, Any], Search]:
    """Simulate today, search, and write the recommendation files as `work` and beside it (the claimed
    folder's staging area; they become `out` and its neighbours when everything is written)."""
    start_backend(args, args.replications or sc.replications)  # before the spinner's thread
    with err.status("simulating today's team") as status:
        before = simulate(sc, replications=args.replications, seed=args.seed)
        wl = measure_workload(sc, before, allow_role_changes=args.allow_role_changes)
        status.update("solving and simulating the candidate plans")
        result = search(sc, data, before, wl, settings, progress=lambda msg: status.update(msg),
                        asked=args.objective is not None, gates=gates_from(args))
    if result.status is Status.INFEASIBLE:
        raise OptimizeError(f"infeasible: {result.message}")
    if result.status is Status.NOT_SOLVED:
        raise OptimizeError(f"not solved: {result.message} (try --time-limit or --solver highs)")
    report = _report(result, before, wl, settings, out)
    report["gates"] = gates_from(args).json()
    report["role_changes"] = sum(len(c["role_change"]) for c in report["changes"])
    new = None if result.best is None else \
        (f"Recommended by salesmap optimize from {args.file} ({result.best.plan.changes} change(s), "
         f"{settings.objective.value}).", result.best.data)
    write_decision_files(work, "optimize", args.file, new, data, "recommendation.json", report)
    if args.report:
        from salesmap.report.html import optimize_report  # matplotlib loads only when a picture is drawn

        optimize_report(work.parent)
    return report, result


def handoffs(summary: Any) -> dict[str, float]:
    """Handoffs per lead that arrived, and leads lost in handoffs per week (a plan that splits stages
    between people adds handoffs: the disruption a manager weighs against the relief)."""
    weeks = (summary.horizon_days - summary.warmup_days) / 7
    leads = (summary.kpis["leads_per_week"].mean or 0.0) * weeks
    count = sum(m["handoffs"].mean or 0.0 for m in summary.stages.values())
    lost = sum(m["lost_handoff"].mean or 0.0 for m in summary.stages.values())
    return {"per_lead": count / leads if leads else 0.0, "lost_per_week": lost / weeks if weeks else 0.0}


def _report(result: Search, before: Any, wl: Any, st: Settings, out: Path) -> dict[str, Any]:
    best = result.best
    simulated = {p.name: p.utilization for p in wl.people}
    plan = best.plan if best else (result.plans[-1] if result.plans else None)
    deltas = best.verdict.deltas.json() if best else None
    report: dict[str, Any] = plain({
        "status": result.status.value if best or result.status is Status.CANNOT_TELL else Status.NO_IMPROVEMENT.value,
        "replications": best.verdict.replications if best else len(before.replications),
        "gate_checks": [g.json() for g in best.verdict.gates] if best else None,
        "message": result.message,
        "solver": st.solver,
        "objective": plan.objective if plan else None,
        "objective_kind": st.objective.value,
        "gap": plan.gap if plan else None,
        "changes": [{"person": m["person"], "add": m["add"], "remove": m["remove"], "role_change": m["role_change"],
                     **({"role": m["role"], "shares": m["shares"]} if "shares" in m else {}),
                     "text": m["text"]} for m in (describe_changes(wl, best.plan, simulated, _simulated(best))
                                                  if best else [])],
        "before": before.summary,
        "after": best.verdict.after.summary if best else None,
        "deltas": {"kpis": deltas["kpis"], "roles": deltas["roles"]} if deltas else None,
        "verified": best is not None,
        "scenario": str(out) if best else None,
        "predicted_max_utilization": best.plan.max_utilization if best else None,
        "frontier": [_row(c) for c in result.candidates],
        "validation": result.validation,
        "knee": result.knee or None,
        "money": money_per_year(0.0, best.verdict.deltas.kpis["revenue_per_week"], team_cost(before.scenario),
                                before.summary.kpis["won_per_week"].mean,
                                best.verdict.after.summary.kpis["won_per_week"].mean) if best else None,
        "handoffs": {"before": handoffs(before.summary),
                     "after": handoffs(best.verdict.after.summary) if best else None},
        "before_max_utilization": stat(max_utilization(before)),
        "time_limit_reached": any(p.timed_out for p in result.plans),
        "effective_day": st.effective / 24 if st.effective is not None else None,
        "transition": ({m: transition_cost(best.verdict.before.replications, best.verdict.after.replications,
                                           before.scenario.warmup, m).json() for m in SERIES}
                       if best and st.effective is not None and best.verdict.before is not None else None),
    })
    return report


def _simulated(c: Any) -> dict[str, float | None]:
    """Each person's simulated utilization under the plan."""
    return {n: f.utilization.mean for n, f in c.verdict.after.summary.staff.items()}


def _row(c: Any) -> dict[str, Any]:
    k = c.verdict.deltas.kpis
    return {"changes": c.plan.changes, "status": c.plan.status.value, "gap": c.plan.gap,
            "predicted_max_utilization": c.plan.max_utilization,
            "simulated_max_utilization": stat(max_utilization(c.verdict.after)),
            "cycle_time_days": c.verdict.after.summary.kpis["cycle_time_days"],
            "deltas": {m: k[m] for m in ("max_utilization", "cycle_time_days", "won_per_week")},
            "verified": c.verdict.verified, "reason": c.verdict.reason, "decision": c.verdict.decision.value,
            "replications": c.verdict.replications,
            "responsibilities": {n: list(v) for n, v in c.plan.responsibilities.items()},
            "routing": c.plan.routing}


def _pm(d: dict[str, Any], scale: float = 1, digits: int = 2) -> Text:
    lo, hi = d["ci95"]
    style = {"better": "bold green", "worse": "bold red"}.get(d.get("verdict", ""), "dim")
    ci = f" [{scale * lo:+.{digits}f}, {scale * hi:+.{digits}f}]" if lo is not None else ""
    return Text(f"{scale * d['mean']:+.{digits}f}{ci}", style=style)


def _print(report: dict[str, Any], result: Search, console: Console, show_frontier: bool) -> None:
    if report.get("time_limit_reached"):
        console.print(Text("The wall-clock --time-limit stopped a solve before --node-limit did: on a busier or "
                           "quieter machine the plans may differ. Raise --time-limit for a reproducible answer.",
                           style="bold yellow"))
    for label in ("before", "after"):
        st = (report.get(label) or {}).get("stability")
        if st is not None and not st["stable"]:
            team = "Today's team" if label == "before" else "The recommended team"
            console.print(Text(f"{team}: {st['message']}", style="bold red"))
    if report["verified"]:
        console.print(Text(f"Recommendation ({report['status']}, {report['solver']}, verified by simulation: "
                           f"{report['message']})", style="bold"))
        for m in report["changes"]:
            console.print(Text(f"  • {m['text']}"))
        if report.get("gate_checks"):
            console.print(Text(f"Gates, on {report['replications']} replications: "
                               + "; ".join(g["text"] for g in report["gate_checks"])))
        if report.get("money"):
            console.print(Text(money_line(report["money"]) + "; the same people: no cost change"))
        if report.get("knee"):
            console.print(Text(f"Fewest changes: {report['knee']}."))
        if report.get("transition"):
            start = report["before"]["warmup_days"]
            when = "measured from then on" if start <= report["effective_day"] else \
                f"measured from day {start:g}, the end of the warm-up"
            console.print(Text(f"Taking effect on day {report['effective_day']:g} ({when}):"))
            for m, what in (("won", "wins"), ("revenue", "revenue")):
                console.print(Text("  " + transition_words(report["transition"][m], what)))
        h = report.get("handoffs") or {}
        if h.get("after"):
            b, a = h["before"], h["after"]
            console.print(Text(f"Handoffs per lead {b['per_lead']:.2f} -> {a['per_lead']:.2f}; leads lost in "
                               f"handoffs per week {b['lost_per_week']:.2f} -> {a['lost_per_week']:.2f}."))
        v = report["validation"]
        if v is not None:
            console.print(Text(f"Validated on fresh seed {v['seed']}: {v['reason']}"))
        t = Table(title="Before and after (same random numbers; difference with 95% CI)", title_justify="left")
        for col in ("measure", "before", "after", "difference"):
            t.add_column(col, justify="left" if col == "measure" else "right")
        rows = [("cycle time (days)", "cycle_time_days", 1), ("won per week", "won_per_week", 1),
                ("win rate (%)", "win_rate", 100), ("leads in pipeline", "wip", 1)]
        b, a, d = report["before"]["kpis"], report["after"]["kpis"], report["deltas"]["kpis"]
        for label, key, sc in rows:
            t.add_row(label, f"{sc * b[key]['mean']:.2f}", f"{sc * a[key]['mean']:.2f}", _pm(d[key], sc))
        t.add_row("busiest person's utilization (%)", f"{100 * report['before_max_utilization']['mean']:.1f}",
                  f"{100 * (report['before_max_utilization']['mean'] + d['max_utilization']['mean']):.1f}",
                  _pm(d["max_utilization"], 100, 1))
        for role, v in report["deltas"]["roles"].items():
            if "utilization" in v:
                t.add_row(f"role {role} utilization (%)",
                          f"{100 * report['before']['roles'][role]['utilization']['mean']:.1f}",
                          f"{100 * report['after']['roles'][role]['utilization']['mean']:.1f}",
                          _pm(v["utilization"], 100, 1))
        console.print(t)
    else:
        lead = "Cannot tell" if report["status"] == Status.CANNOT_TELL.value else "No recommendation"
        console.print(Text(f"{lead}: {report['message']}", style="bold yellow"))
        if report["status"] == Status.CANNOT_TELL.value:
            console.print(Text(f"Even {report['gates']['max_replications']} replications could not decide whether "
                               "wins and revenue stay within the margin or the gain is material: raise "
                               "--max-replications, or choose the --margin a decision can live with."))
        v = report["validation"]
        if v is not None:
            console.print(Text(f"The {v['changes']}-change plan on fresh seed {v['seed']}: {v['reason']}"))
    if show_frontier or not report["verified"]:
        f = Table(title="Trade-off: relief per number of changes (each plan simulated)",
                  title_justify="left")
        for col in ("changes", "predicted busiest", "simulated busiest", "cycle time (d)", "Δ cycle time",
                    "Δ won/week", "confirmed"):
            f.add_column(col, justify="right")
        before = report["before_max_utilization"]["mean"]
        f.add_row("0 (today)", "", f"{100 * before:.1f}%", f"{report['before']['kpis']['cycle_time_days']['mean']:.1f}",
                  "", "", "")
        for row in report["frontier"]:
            routed = f" ({', '.join(row['routing'])} routing)" if row.get("routing") else ""
            f.add_row(f"{row['changes']}{routed}", f"{100 * row['predicted_max_utilization']:.1f}%",
                      f"{100 * row['simulated_max_utilization']['mean']:.1f}%",
                      f"{row['cycle_time_days']['mean']:.1f}", _pm(row["deltas"]["cycle_time_days"]),
                      _pm(row["deltas"]["won_per_week"]),
                      "yes" if row["verified"] else Text("?" if row.get("decision") == "cannot tell" else "no",
                                                         style="yellow" if row.get("decision") == "cannot tell"
                                                         else "red"))
        console.print(f)
