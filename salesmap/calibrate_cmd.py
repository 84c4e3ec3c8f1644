"""`salesmap calibrate`: a team's CRM export or event log in, a scenario and how far to trust it out."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from salesmap.args import UsageError, default_folder
from salesmap.commands import COMMANDS
from salesmap.tables import fitness_label
from sim.atomic import write_text

__all__ = ["add_parser", "fitness_csv", "print_calibration", "run_calibrate"]


def add_parser(sub: Any) -> None:
    cp = sub.add_parser("calibrate", help=COMMANDS["calibrate"])
    cp.add_argument("inputs", type=Path, nargs="+", metavar="INPUT",
                    help="CSV exports (opportunities, stage history or event log) or an XES event log (.xes, .xes.gz)")
    cp.add_argument("--kind", choices=["opportunities", "history", "eventlog"],
                    help="what the files are (default: guessed from the columns)")
    cp.add_argument("--map", type=Path, dest="mapping", help="mapping.yaml: columns, activity or stage names -> "
                    "stages, won and lost (see docs/guides/calibrate.md)")
    cp.add_argument("--as-of", help="the date the export was taken (default: the day after the data ends)")
    cp.add_argument("--holdout", default="25%", help="the last share of the data kept aside to check the fit "
                    "(default 25%%; 0 skips the check)")
    cp.add_argument("--efforts", type=Path, help="efforts.yaml: stage id -> staff work per stay (45m, 2h)")
    cp.add_argument("--team", type=Path, help="team.yaml: person -> role, overriding the roles read from the data")
    cp.add_argument("--name", help="the scenario's name (default: the first input's name)")
    cp.add_argument("--replications", type=int, default=20, help="replications of the holdout check (default 20)")
    cp.add_argument("--seed", type=int, default=1)
    cp.add_argument("--out", type=Path, help="the scenario to write (default results/calibrate-<input>-<time>/"
                    "calibrated.yaml); the open deals, calibration.json and fitness.csv go beside it")
    cp.add_argument("--force", action="store_true", help="overwrite files already there")
    cp.add_argument("--report", action="store_true", help="also write a page drawing real against simulated")
    cp.add_argument("--json", action="store_true", help="print calibration.json to stdout instead of tables")


def _share(text: str) -> float:
    t = text.strip()
    try:
        v = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise UsageError(f"--holdout {text!r}: give a share such as 25% or 0.25") from None
    if not 0 <= v <= 0.5:
        raise UsageError(f"--holdout {text!r}: between 0 (no check) and 50%")
    return v


def _as_of(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
    except ValueError:
        raise UsageError(f"--as-of {text!r}: give a date such as 2027-01-04") from None


def _paths(args: argparse.Namespace) -> dict[str, Path]:
    out: Path = args.out or default_folder(f"calibrate-{args.inputs[0].name.split('.')[0]}") / "calibrated.yaml"
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise UsageError(f"--out {out}: the scenario is a .yaml file")
    stem = out.stem
    folder = out.parent
    files = {"scenario": out, "pipeline": folder / f"{stem}-open-deals.csv",
             "json": folder / f"{stem}-calibration.json", "fitness": folder / f"{stem}-fitness.csv"}
    if args.report:
        files["report"] = folder / f"{stem}-fitness.html"
    taken = [p for p in files.values() if p.exists()]
    if taken and not args.force:
        raise UsageError(f"{taken[0]} exists; give --force to overwrite, or another --out")
    return files


def run_calibrate(args: argparse.Namespace, err: Console) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from calibrate.calibration import calibrate

    holdout = _share(args.holdout)
    if not 2 <= args.replications <= 1000:
        raise UsageError("--replications: from 2 to 1000")
    if not 0 <= args.seed < 2**63:
        raise UsageError("--seed: a whole number from 0 to 2**63 - 1")
    files = _paths(args)
    with Progress(TextColumn("holdout check"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=holdout == 0) as bar:
        task = bar.add_task("", total=args.replications)
        cal = calibrate(args.inputs, kind=args.kind, mapping=args.mapping, as_of=_as_of(args.as_of),
                        holdout=holdout, efforts=args.efforts, team=args.team, name=args.name,
                        pipeline_file=files["pipeline"].name, replications=args.replications, seed=args.seed,
                        progress=lambda n: bar.update(task, completed=n))
    doc = cal.json()
    files["scenario"].parent.mkdir(parents=True, exist_ok=True)
    write_text(files["scenario"], cal.scenario)
    if cal.pipeline is not None:
        write_text(files["pipeline"], cal.pipeline)
    write_text(files["json"], json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    write_text(files["fitness"], fitness_csv(doc))
    if "report" in files:
        from salesmap.report.calibration import calibration_page
        from sim.scenario import load_scenario

        write_text(files["report"], calibration_page(doc, cal.scenario, load_scenario(files["scenario"])))
    if args.json:
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return 0
    print_calibration(doc, Console(), files)
    return 0


def fitness_csv(doc: dict[str, Any]) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["measure", "real", "simulated_mean", "ci95_low", "ci95_high", "range95_low", "range95_high",
                "error", "error_kind", "target", "real_inside_range", "on_target"])
    for r in (doc.get("fitness") or {}).get("measures", []):
        ci, band = r["simulated_ci95"] or [None, None], r["simulated_range95"] or [None, None]
        w.writerow([r["measure"], r["real"], r["simulated_mean"], *ci, *band, r["error"], r["error_kind"],
                    r["target"], r["real_inside_range"], r["on_target"]])
    return buf.getvalue()


def _fmt(measure: str, x: float | None) -> str:
    if x is None:
        return "–"
    if measure.startswith(("conversion", "win_rate")):
        return f"{100 * x:.1f}%"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) < 10 else f"{x:.1f}"


def _error(r: dict[str, Any]) -> str:
    e = r["error"]
    if e is None:
        return "–"
    return f"{100 * e:+.1f} pts" if r["error_kind"] == "points" else f"{100 * e:+.1f}%"


def print_calibration(doc: dict[str, Any], out: Console, files: dict[str, Path]) -> None:
    out.print(f"[bold]Calibrated[/bold] {doc['deals']:,} deals from {', '.join(doc['files'])} ({doc['kind']}), "
              f"{doc['first'][:10]} to {doc['as_of'][:10]}; win rate {100 * doc['win_rate']['value']:.1f}%")
    t = Table(title="Stages", title_justify="left")
    for h in ("stage", "stays", "where deals go (share, 95% CI)", "staff work"):
        t.add_column(h, justify="right" if h == "stays" else "left")
    for sid, st in doc["stages"].items():
        outs = "; ".join(f"{k} {100 * f['value']:.1f}%"
                         + (f" ({100 * f['ci95'][0]:.1f}–{100 * f['ci95'][1]:.1f})" if f["ci95"] else "")
                         for k, f in st["outcomes"].items())
        t.add_row(sid, f"{st['stays']:,}", outs, st["work"].split(":")[0] + f", {60 * st['work_hours_mean']:.0f} min")
    out.print(t)
    util = doc["implied_utilization"]
    if util:
        out.print("Implied utilization (the stages' work over the people's time): "
                  + ", ".join(f"{r} {100 * u:.0f}%" for r, u in util.items()))
    fit = doc.get("fitness")
    if fit:
        ft = Table(title=f"Fitness: fitted before {fit['split'][:10]}, simulated to {fit['end'][:10]} "
                         f"({fit['replications']} replications) against what happened", title_justify="left")
        for h in ("measure", "real", "simulated", "95% range", "error", "inside", "target"):
            ft.add_column(h, justify="left" if h == "measure" else "right", no_wrap=h != "measure")
        for r in fit["measures"]:
            m = r["measure"]
            band = r["simulated_range95"]
            target = "–" if r["target"] is None else ("met" if r["on_target"] else "[red]missed[/red]")
            inside = ("–" if r["real_inside_range"] is None
                      else "yes" if r["real_inside_range"] else "[yellow]no[/yellow]")
            ft.add_row(fitness_label(m), _fmt(m, r["real"]), _fmt(m, r["simulated_mean"]),
                       f"{_fmt(m, band[0])}–{_fmt(m, band[1])}" if band else "–", _error(r), inside, target)
        out.print(ft)
        d = fit["cycle_time_distance"]
        if d["kolmogorov_smirnov"] is not None:
            out.print(f"Cycle time, real against simulated: Kolmogorov–Smirnov distance {d['kolmogorov_smirnov']:.3f}, "
                      f"Wasserstein {d['wasserstein_days']:.2f} days")
    for p in doc["data_problems"]:
        out.print(f"[yellow]data:[/yellow] {p}", highlight=False)
    out.print("Written: " + ", ".join(str(p) for k, p in files.items() if p.exists()))
