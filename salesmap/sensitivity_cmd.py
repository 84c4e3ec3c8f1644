"""`salesmap sensitivity FILE`: which inputs move cycle time, wins and the busiest person's load most."""

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
from sim.atomic import write_text
from sim.folder import ResultsFolder
from sim.output import plain, safe_name, summary_json
from sim.paths import PathError
from sim.scenario import dump_data, load_scenario_with_data
from sim.sensitivity import KPIS, METHODS, Sensitivity, auto_params, param, run_sensitivity

__all__ = ["KPI_WORDS", "add_parser", "print_sensitivity", "run_sensitivity_command", "write_sensitivity"]

KPI_WORDS = {"cycle_time_days": "cycle time (days)", "won_per_week": "won per week",
             "max_utilization": "busiest person's utilization"}


def add_parser(sub: Any) -> None:
    sp = sub.add_parser("sensitivity", help=COMMANDS["sensitivity"])
    sp.add_argument("file", type=Path)
    sp.add_argument("--params", nargs="+", default=["auto"], metavar="auto|PATH",
                    help="auto (every rate, outcome probability, duration mean and headcount) or fields' paths")
    sp.add_argument("--method", choices=METHODS, default="oat", help="oat (each at its low and high end), morris "
                    "(screening by elementary effects) or sobol (variance-based indices)")
    sp.add_argument("--range", default="20%", help="how far each input moves around its value (default 20%%)")
    sp.add_argument("--trajectories", type=int, default=10, help="morris: trajectories (default 10)")
    sp.add_argument("--samples", type=int, default=64, help="sobol: base samples N, a power of 2 (default 64)")
    sp.add_argument("--replications", type=int, help="per design point (default: the file's)")
    sp.add_argument("--seed", type=int, help="override the file's seed (every point uses it)")
    add_workers(sp)
    add_scheduler(sp)
    add_allow_long(sp)
    sp.add_argument("--out", type=Path, help="output folder (default results/sensitivity-<name>-<timestamp>/)")
    sp.add_argument("--force", action="store_true", help="overwrite results already in --out")
    sp.add_argument("--json", action="store_true", help="print sensitivity.json to stdout instead of tables")
    sp.add_argument("--report", action="store_true", help="also write report.html (a tornado chart per measure)")


def _spread(text: str) -> float:
    t = text.strip()
    try:
        x = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise UsageError(f"--range {text}: a share such as 20% or 0.2") from None
    if not 0 < x < 1:
        raise UsageError(f"--range {text}: must be above 0% and below 100%")
    return x


def run_sensitivity_command(args: argparse.Namespace, err: Console) -> int:
    check_common(args)
    spread = _spread(args.range)
    if args.trajectories < 2 or args.samples < 2:
        raise UsageError("--trajectories and --samples must be at least 2")
    sc, data = load_scenario_with_data(args.file)
    try:
        params = auto_params(data, spread) if args.params == ["auto"] else [param(data, p, spread) for p in args.params]
    except PathError as e:
        raise UsageError(f"--params: {e}") from None
    k = len(params)
    points = {"oat": 1 + 2 * k, "morris": 1 + args.trajectories * (k + 1), "sobol": 1 + args.samples * (k + 2)}
    reps = args.replications or sc.replications
    check_size(sc, reps * points[args.method], args)
    backend = start_backend(args, points[args.method] * reps)
    with ResultsFolder(args.out or default_folder(f"sensitivity-{safe_name(sc.name)}"), force=args.force) as folder:
        with Progress(TextColumn("sensitivity: {task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task(f"{k} inputs, {points[args.method]} points x {reps} replications",
                                total=points[args.method] * reps)
            result = run_sensitivity(data, str(args.file), params, args.method, reps, args.seed, args.trajectories,
                                     args.samples, progress=lambda done, total: bar.update(task, completed=done),
                                     backend=backend, spread=spread)
        doc: dict[str, Any] = plain({"scenario": sc.name, **result.json()})
        write_sensitivity(folder.work, result, doc, dump_data(data))
        if args.report:
            from salesmap.report.sensitivity import sensitivity_report

            sensitivity_report(folder.work)
        out = folder.path
    show(args, doc, print_sensitivity, out, err)
    return 0


def write_sensitivity(out: Path, result: Sensitivity, doc: dict[str, Any], scenario_text: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["kpi", "rank", "param", "method", "effect", "low", "high", "noise", "within_noise"])
    for kpi, effects in result.effects.items():
        for rank, e in enumerate(effects, 1):
            w.writerow([kpi, rank, e.param, result.method, f"{e.value:.10g}", _g(e.low), _g(e.high), _g(e.noise),
                        e.within_noise])
    write_text(out / "sensitivity.csv", buf.getvalue())
    write_text(out / "sensitivity.json", summary_json(doc))
    write_text(out / "scenario.yaml", scenario_text)


def _g(x: float | None) -> str:
    return "" if x is None or x != x else f"{x:.10g}"


def print_sensitivity(doc: dict[str, Any], console: Console, top: int = 8) -> None:
    what = {"oat": "high end minus low end, paired [95% CI]", "morris": "mu* [95% CI]",
            "sobol": "total index ST [95% CI]"}[doc["method"]]
    console.print(f"Sensitivity of {doc['scenario']} ({doc['method']}, each input ±{100 * doc['range']:.0f}%): "
                  f"{len(doc['params'])} inputs, {doc['points']} points x {doc['replications']} replications = "
                  f"{doc['simulations']} simulations, seed {doc['seed']}")
    for kpi in KPIS:
        t = Table(title=f"{KPI_WORDS[kpi]} (base {doc['base'][kpi]:.3g}): {what}", title_justify="left")
        for col in ("rank", "input", "effect", "noise", ""):
            t.add_column(col, justify="left" if col in ("input", "") else "right")
        for rank, e in enumerate(doc["effects"][kpi][:top], 1):
            lo, hi = e["ci95"]
            ci = f" [{lo:+.3g}, {hi:+.3g}]" if lo is not None else ""
            t.add_row(str(rank), e["param"], f"{e['value']:+.3g}{ci}", f"{e['noise']:.2g}",
                      "within noise" if e["within_noise"] else "")
        console.print(t)
