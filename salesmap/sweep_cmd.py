"""`salesmap sweep FILE --vary PATH=VALUES ...`: a scenario over ranges of its fields, one tidy table."""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from salesmap.args import (
    UsageError,
    add_allow_long,
    add_scheduler,
    add_workers,
    check_common,
    check_size,
    default_folder,
    show,
    start_backend,
)
from salesmap.commands import COMMANDS
from sim.atomic import atomic_file, write_text
from sim.folder import ResultsFolder
from sim.output import plain, safe_name, summary_json
from sim.paths import PathError, get_path
from sim.ranges import parse_vary
from sim.scenario import dump_data, load_scenario_with_data
from sim.sweep import Sweep, design, run_sweep, tidy_rows

__all__ = ["MAX_SWEEP_POINTS", "add_parser", "print_sweep", "run_sweep_command", "sweep_json", "write_sweep"]

MAX_SWEEP_POINTS = 10_000


def add_parser(sub: Any) -> None:
    sp = sub.add_parser("sweep", help=COMMANDS["sweep"])
    sp.add_argument("file", type=Path)
    sp.add_argument("--vary", action="append", required=True, metavar="PATH=VALUES",
                    help="a field and its values: roles.rep.headcount=4..10, sources.inbound.rate=80/week..160/week:5, "
                    "stages.demo.outcomes.proposal=0.5,0.6,0.7 (repeat for more fields)")
    sp.add_argument("--design", nargs="+", default=["grid"], metavar="grid|lhs N",
                    help="every combination (grid, default) or N points of a Latin hypercube (lhs N)")
    sp.add_argument("--replications", type=int, help="per point (default: the file's)")
    sp.add_argument("--seed", type=int, help="override the file's seed (every point uses it)")
    add_workers(sp)
    add_scheduler(sp)
    add_allow_long(sp)
    sp.add_argument("--out", type=Path, help="output folder (default results/sweep-<name>-<timestamp>/)")
    sp.add_argument("--force", action="store_true", help="overwrite results already in --out")
    sp.add_argument("--json", action="store_true", help="print sweep.json to stdout instead of tables")
    sp.add_argument("--report", action="store_true", help="also write report.html (each measure against each field)")


def _design(args: argparse.Namespace) -> tuple[str, int | None]:
    d = args.design
    if d == ["grid"]:
        return "grid", None
    if len(d) == 2 and d[0] == "lhs":
        try:
            n = int(d[1])
        except ValueError:
            n = 0
        if n >= 1:
            return "lhs", n
    raise UsageError(f"--design {' '.join(d)}: write grid, or lhs N with N >= 1 points")


def run_sweep_command(args: argparse.Namespace, err: Console) -> int:
    check_common(args)
    varies = [parse_vary(v) for v in args.vary]
    paths = [v.path for v in varies]
    if len(set(paths)) != len(paths):
        raise UsageError("--vary: the same field twice; give each field once")
    kind, n = _design(args)
    sc, data = load_scenario_with_data(args.file)
    for v in varies:
        try:
            get_path(data, v.path)
        except PathError as e:
            raise UsageError(f"--vary {v.path}: {e}") from None
    points = len(design(varies, kind, n))
    if points > MAX_SWEEP_POINTS:
        raise UsageError(f"{points:,} points; at most {MAX_SWEEP_POINTS:,} (use --design lhs N)")
    reps = args.replications or sc.replications
    check_size(sc, reps * points, args)
    backend = start_backend(args, points * reps)
    with ResultsFolder(args.out or default_folder(f"sweep-{safe_name(sc.name)}"), force=args.force) as folder:
        with Progress(TextColumn("sweep: {task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task(f"{points} points x {reps} replications", total=points * reps)
            sw = run_sweep(data, str(args.file), varies, kind, n, reps, args.seed,
                           progress=lambda done, total: bar.update(task, completed=done), backend=backend)
        doc = sweep_json(sw)
        write_sweep(folder.work, sw, doc, dump_data(data))
        if args.report:
            from salesmap.report.sweep import sweep_report

            sweep_report(folder.work)
        out = folder.path
    show(args, doc, print_sweep, out, err)
    return 0


def sweep_json(sw: Sweep) -> dict[str, Any]:
    """sweep.json: the design, and per point its values, headline measures and overloaded roles."""
    points = []
    for k, p in enumerate(sw.points, 1):
        points.append({"point": k, "values": dict(p.values),
                       "measures": {m: p.measure(m).json() for m in sw.measures},
                       "overloaded_roles": p.overloaded_roles(),
                       "stable": p.run.summary.stability.stable})
    first = sw.points[0].run if sw.points else None
    doc: dict[str, Any] = plain({"scenario": first.scenario.name if first else None, "fields": list(sw.paths),
                  "design": sw.design, "replications": sw.replications, "seed": sw.seed,
                  "overload_threshold": first.summary.overload_threshold if first else None,
                  "measures": list(sw.measures), "points": points})
    return doc


def write_sweep(out: Path, sw: Sweep, doc: dict[str, Any], scenario_text: str) -> None:
    rows = tidy_rows(sw)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["point"], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    write_text(out / "sweep.csv", buf.getvalue())
    import pandas as pd  # loads only for the Parquet copy

    frame = pd.DataFrame(rows)
    for path in sw.paths:  # one type per column: values with units stay text
        if frame[path].map(type).nunique() > 1:
            frame[path] = frame[path].astype(str)
    with atomic_file(out / "sweep.parquet", "wb") as f:
        frame.to_parquet(f, index=False)
    write_text(out / "sweep.json", summary_json(doc))
    write_text(out / "scenario.yaml", scenario_text)


def _cell(stat: dict[str, Any], measure: str) -> str:
    m, (lo, hi) = stat["mean"], stat["ci95"]
    if m is None:
        return "–"
    share = measure in ("win_rate", "max_utilization") or measure.startswith("utilization:")
    def f(x: float) -> str:
        return f"{100 * x:.1f}%" if share else f"{x:,.2f}"
    return f(m) if lo is None else f"{f(m)} [{f(lo)}, {f(hi)}]"


def print_sweep(doc: dict[str, Any], console: Console) -> None:
    t = Table(title=f"Sweep of {doc['scenario']}: {len(doc['points'])} points ({doc['design']}), "
              f"{doc['replications']} replications each, seed {doc['seed']} (mean [95% CI])", title_justify="left")
    shown = ("cycle_time_days", "won_per_week", "revenue_per_week", "max_utilization")
    for col in (*doc["fields"], "cycle time (d)", "won / week", "revenue / week", "busiest person", "over the line"):
        t.add_column(col, justify="right")
    for p in doc["points"][:200]:
        t.add_row(*(str(p["values"][f]) for f in doc["fields"]), *(_cell(p["measures"][m], m) for m in shown),
                  ", ".join(p["overloaded_roles"]) or "–")
    console.print(t)
    if len(doc["points"]) > 200:
        console.print(f"(first 200 of {len(doc['points'])} points; every point is in sweep.csv)")
