"""`salesmap staff`: the least-cost headcount per role that meets targets, verified by simulation."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from optimize.hiring import hiring_plan
from optimize.recommend import with_busiest
from optimize.staffing import Staffing, parse_target, staff
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
from sim.compare import compare
from sim.folder import ResultsFolder
from sim.output import plain, safe_name, summary_json
from sim.runner import simulate
from sim.scenario import load_scenario_with_data
from sim.schema import Scenario

__all__ = ["StaffError", "add_parser", "run_staff"]


class StaffError(UsageError):
    """Staffing settings that cannot be used or met."""


def add_parser(sub: Any) -> None:
    sp = sub.add_parser("staff", help=COMMANDS["staff"])
    sp.add_argument("file", type=Path)
    sp.add_argument("--target", action="append", required=True, metavar="METRIC<=VALUE",
                    help="cycle_time_days<=30 or max_utilization<=0.8 (repeat for several)")
    sp.add_argument("--roles", help="comma-separated roles whose headcount may change (default: all)")
    sp.add_argument("--budget", type=float, help="total yearly cost of the team at most")
    sp.add_argument("--by", metavar="DATE", help="the date the targets must be met (2027-09-01): each hire's latest "
                    "start, from their role's ramp-up")
    sp.add_argument("--solver", choices=["cbc", "highs"], default="cbc")
    sp.add_argument("--time-limit", type=float, default=60.0)
    sp.add_argument("--replications", type=int)
    sp.add_argument("--seed", type=int)
    sp.add_argument("--out", type=Path, help="staffed scenario (default results/staff-<name>-<time>/staffed.yaml); "
                    "staffing.json is written beside it")
    sp.add_argument("--force", action="store_true")
    sp.add_argument("--json", action="store_true", help="print staffing.json to stdout instead of tables")
    sp.add_argument("--report", action="store_true", help="also write report.html (headcount, cost, rounds, "
                    "before and after, both maps)")
    add_gate_arguments(sp)
    add_scheduler(sp)
    add_allow_long(sp)


def run_staff(args: argparse.Namespace, err: Console) -> int:
    try:
        targets = [parse_target(t) for t in args.target]
    except ValueError as e:
        raise StaffError(str(e)) from None
    check_common(args, min_replications=2)
    sc, data = load_scenario_with_data(args.file)  # read once
    check_size(sc, args.replications or sc.replications, args)
    args.by_date = None
    if args.by is not None:
        try:
            args.by_date = dt.date.fromisoformat(args.by.strip())
        except ValueError:
            raise StaffError(f"--by {args.by}: give a date, e.g. 2027-09-01") from None
    roles = [r.strip() for r in args.roles.split(",")] if args.roles else list(sc.roles)
    unknown = [r for r in roles if r not in sc.roles]
    if unknown:
        raise StaffError(f"--roles {','.join(unknown)}: no such role (roles: {', '.join(sc.roles)})")
    out = args.out or default_folder(f"staff-{safe_name(sc.name)}") / "staffed.yaml"
    if out.exists() and not args.force:
        raise StaffError(f"{out}: exists; pass --force to overwrite it")
    with ResultsFolder(out.parent, force=args.force) as folder:
        report, result = _staff_into(args, sc, data, roles, targets, out, folder.work / out.name, err)
    if args.json:
        sys.stdout.write(summary_json(report))
    else:
        _print(report, Console(highlight=False, width=None if sys.stdout.isatty() else 120))
    if result.status != "met":
        label = "not met" if result.after is None else "not recommended"
        err.print(f"{label}: {result.message}", markup=False, highlight=False)
        if result.after is None:
            return Exit.INPUT  # targets no staffing within the settings meets
        return Exit.CANNOT_TELL if result.status == "cannot_tell" else Exit.NOTHING
    return Exit.OK


def _staff_into(args: argparse.Namespace, sc: Scenario, data: Any, roles: list[str], targets: list[Any], out: Path,
                work: Path, err: Console) -> tuple[dict[str, Any], Staffing]:
    """Simulate today, size the team, and write the staffing files as `work` and beside it (the claimed
    folder's staging area; they become `out` and its neighbours when everything is written)."""
    start_backend(args, args.replications or sc.replications)  # before the spinner's thread
    with err.status("simulating today's team") as status:
        before = simulate(sc, replications=args.replications, seed=args.seed)
        result = staff(sc, data, before, measure_workload(sc, before), targets, roles,
                       args.budget, args.solver, args.time_limit, progress=lambda m: status.update(m),
                       gates=gates_from(args))
    report = _report(result, before, targets, out)
    report["gates"] = gates_from(args).json()
    if result.after is not None:
        plans = hiring_plan(dict(sc.roles), result.headcount_before, result.headcount_after, args.by_date)
        report["hiring"] = [p.json() for p in plans]
        report["hiring_text"] = [p.text(args.by_date) for p in plans]
    new = None if result.data is None else \
        (f"Staffed by salesmap staff from {args.file} for {', '.join(args.target)}.", result.data)
    write_decision_files(work, "staff", args.file, new, data, "staffing.json", report)
    if args.report:
        from salesmap.report.html import staff_report  # matplotlib loads only when a picture is drawn

        staff_report(work.parent)
    return report, result


def _report(r: Staffing, before: Any, targets: list[Any], out: Path) -> dict[str, Any]:
    before = r.before or before  # the gates may have added replications to both runs
    deltas = None
    if r.after is not None:
        deltas = with_busiest(compare(before, r.after), before, r.after).json()
    report: dict[str, Any] = plain({
        "status": r.status, "message": r.message, "targets": [str(t) for t in targets],
        "headcount_before": r.headcount_before, "headcount_after": r.headcount_after,
        "change": {k: r.headcount_after[k] - r.headcount_before[k] for k in r.headcount_after
                   if r.headcount_after[k] != r.headcount_before[k]},
        "cost_before": r.cost_before, "cost_after": r.cost_after if r.after is not None else None,
        "money": r.money,
        "rounds": [{"headcount": x.headcount, "cost": x.cost, "predicted_cycle_time_days": x.predicted_cycle,
                    "simulated": x.simulated, "met": x.met} for x in r.rounds],
        "validation": r.validation, "before": before.summary,
        "after": r.after.summary if r.after is not None else None,
        "deltas": {"kpis": deltas["kpis"], "roles": deltas["roles"]} if deltas else None,
        "scenario": str(out) if r.data is not None else None,
        "replications": len(before.replications),
    })
    return report


def _print(rep: dict[str, Any], console: Console) -> None:
    t = Table(title=f"Rounds (targets: {', '.join(rep['targets'])}; met = whole 95% CI within the target)",
              title_justify="left")
    for col in ("round", "headcount", "yearly cost", "cycle time (d) [95% CI]", "busiest person [95% CI]", "met"):
        t.add_column(col, justify="left" if col == "headcount" else "right")
    for i, x in enumerate(rep["rounds"], 1):
        c, u = x["simulated"]["cycle_time_days"], x["simulated"]["max_utilization"]
        t.add_row(str(i), ", ".join(f"{k} {v}" for k, v in x["headcount"].items()), f"{x['cost']:,.0f}",
                  f"{c['mean']:.1f} [{c['ci95'][0]:.1f}, {c['ci95'][1]:.1f}]",
                  f"{100 * u['mean']:.1f}% [{100 * u['ci95'][0]:.1f}, {100 * u['ci95'][1]:.1f}]",
                  "yes" if x["met"] else Text("no", style="red"))
    if rep["rounds"]:
        console.print(t)
    if rep["after"] is None:
        console.print(Text(f"No staffing found: {rep['message']}", style="bold yellow"))
        return
    changes = [f"{'hire' if d > 0 else 'reduce'} {abs(d)} {r}" for r, d in rep["change"].items()] or ["no change"]
    head = "Staffing" if rep["status"] == "met" else "Not recommended"
    console.print(Text(f"{head}: {'; '.join(changes)}. Yearly cost {rep['cost_before']:,.0f} -> "
                       f"{rep['cost_after']:,.0f}. {rep['message']}.",
                       style="bold" if rep["status"] == "met" else "bold yellow"))
    if rep.get("money"):
        console.print(Text(money_line(rep["money"])))
    for line in rep.get("hiring_text") or ():
        console.print(Text("  " + line))
    v = rep["validation"]
    console.print(f"Validated on fresh seed {v['seed']}: " + ("targets met" if v["met"] else "a target is missed"))
    k = rep["deltas"]["kpis"]
    b = Table(title="Before and after (same random numbers; difference with 95% CI)", title_justify="left")
    for col in ("measure", "before", "after", "difference"):
        b.add_column(col, justify="left" if col == "measure" else "right")
    for label, key, sc in (("cycle time (days)", "cycle_time_days", 1), ("won per week", "won_per_week", 1),
                           ("busiest person's utilization (%)", "max_utilization", 100)):
        d = k[key]
        before = rep["before"]["kpis"][key]["mean"] if key != "max_utilization" else None
        after = rep["after"]["kpis"][key]["mean"] if key != "max_utilization" else None
        lo, hi = d["ci95"]
        b.add_row(label, "" if before is None else f"{sc * before:.2f}", "" if after is None else f"{sc * after:.2f}",
                  f"{sc * d['mean']:+.2f} [{sc * lo:+.2f}, {sc * hi:+.2f}]" if lo is not None else "")
    console.print(b)
