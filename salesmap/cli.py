"""The `salesmap` command line: run, validate, schema.

Exit codes: 0 success, 2 bad input (scenario, arguments, output folder), 130 interrupted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from salesmap.tables import print_summary
from sim.errors import SalesSimError, ScenarioError
from sim.output import EventLog, safe_name, summary_json, write_results
from sim.runner import simulate
from sim.scenario import load_scenario
from sim.schema import Scenario

__all__ = ["main"]

EXIT_OK, EXIT_INPUT, EXIT_INTERRUPTED = 0, 2, 130


class UsageError(SalesSimError):
    """Arguments or an output folder that cannot be used."""


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="salesmap", description="Simulate a sales-process map: where leads "
                                 "wait, get stuck and drop off, and who is overloaded.")
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate a scenario file and report KPIs with 95% CIs")
    run.add_argument("file", type=Path)
    run.add_argument("--replications", type=int, help="override the file's replications")
    run.add_argument("--seed", type=int, help="override the file's seed")
    run.add_argument("--out", type=Path, help="output folder (default results/<scenario>-<timestamp>/)")
    run.add_argument("--json", action="store_true", help="print summary.json to stdout instead of tables")
    run.add_argument("--no-events", action="store_true", help="do not write the event log events.csv")
    run.add_argument("--force", action="store_true", help="overwrite results already in --out")
    val = sub.add_parser("validate", help="check scenario files; exit 0 if all are fine, 2 otherwise")
    val.add_argument("files", type=Path, nargs="+")
    sub.add_parser("schema", help="print the JSON Schema of the scenario format (for editors)")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    err = Console(stderr=True, highlight=False)
    try:
        if args.command == "run":
            return _run(args, err)
        if args.command == "validate":
            return _validate(args.files, err)
        if args.command == "schema":
            print(json.dumps(Scenario.model_json_schema(), indent=2))
            return EXIT_OK
    except ScenarioError as e:
        err.print(f"[bold red]error:[/bold red] {len(e.problems)} problem(s) in {e.source}", highlight=False)
        _problem_lines(e)
        return EXIT_INPUT
    except SalesSimError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        err.print("interrupted: files being written were discarded")
        return EXIT_INTERRUPTED
    return EXIT_INPUT  # pragma: no cover - argparse requires a command


def _problem_lines(e: ScenarioError) -> None:
    """One line per problem, never wrapped: editors and CI parse `file:line: path: message`."""
    for line in str(e).splitlines():
        print(line, file=sys.stderr)


def _validate(files: Sequence[Path], err: Console) -> int:
    status = EXIT_OK
    for f in files:
        try:
            sc = load_scenario(f)
        except ScenarioError as e:
            status = EXIT_INPUT
            _problem_lines(e)
            continue
        print(f"{f}: ok ({sc.name}: {len(sc.stages)} stages, {len(sc.roles)} roles)")
    return status


def _out_dir(args: argparse.Namespace, sc: Scenario) -> Path:
    if args.out is not None:
        out: Path = args.out
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out}: exists and is not a folder")
        if (out / "summary.json").exists() and not args.force:
            raise UsageError(f"--out {out}: already holds results; pass --force to overwrite them")
        return out
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path("results") / f"{safe_name(sc.name)}-{stamp}"
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


def _run(args: argparse.Namespace, err: Console) -> int:
    sc = load_scenario(args.file)
    if args.replications is not None and args.replications < 1:
        raise UsageError(f"--replications {args.replications}: must be >= 1")
    if args.seed is not None and not 0 <= args.seed < 2**63:
        raise UsageError(f"--seed {args.seed}: must be between 0 and 2**63 - 1")
    out = _out_dir(args, sc)
    out.mkdir(parents=True, exist_ok=True)
    n = args.replications or sc.replications
    log = None if args.no_events else EventLog(out / "events.csv", _start_date(sc))
    ok = False
    try:
        with Progress(TextColumn("simulating {task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task(sc.name, total=n)
            result = simulate(sc, replications=n, seed=args.seed, log=log,
                              progress=lambda done: bar.update(task, completed=done))
        ok = True
    finally:
        if log is not None:
            log.close(ok)
    write_results(out, result, args.file.read_text(encoding="utf-8"))
    if args.json:
        sys.stdout.write(summary_json(result.summary))
    else:
        print_summary(result.summary, Console(highlight=False, width=None if sys.stdout.isatty() else 120))
        err.print(f"results written to {out}/", markup=False, highlight=False)
    return EXIT_OK


def _start_date(sc: Scenario) -> dt.date:
    return dt.date(2027, 1, 4) if sc.calendar == "always" else sc.calendar.start_date
