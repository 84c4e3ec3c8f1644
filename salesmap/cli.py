"""The `salesmap` command line: run, compare, report, map, optimize, staff, calibrate, validate, schema.

Exit codes: 0 success, 2 bad input (scenario, arguments, output folder), 130 interrupted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from salesmap.args import (
    Exit,
    UsageError,
    add_allow_long,
    add_scheduler,
    add_workers,
    check_common,
    check_size,
    default_folder,
    start_backend,
)
from salesmap.commands import COMMANDS, MODULES
from sim.errors import SalesSimError, ScenarioError

if TYPE_CHECKING:
    from sim.runner import RunResult
    from sim.schema import Scenario

__all__ = ["main"]

EXIT_OK, EXIT_INPUT, EXIT_INTERRUPTED = Exit.OK, Exit.INPUT, Exit.INTERRUPTED


def _parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The command line; only the command being run (the first argument) gets its full parser, and only its
    module loads: `salesmap --help` and `salesmap validate` start without the simulator or the solvers."""
    ap = argparse.ArgumentParser(prog="salesmap", description="Simulate a sales-process map: where leads "
                                 "wait, get stuck and drop off, and who is overloaded.")
    sub = ap.add_subparsers(dest="command", required=True)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, help_text in COMMANDS.items():
        if name != chosen:
            sub.add_parser(name, help=help_text)
        elif name in MODULES:
            importlib.import_module(MODULES[name][0]).add_parser(sub)
        else:
            _BUILT_IN[name](sub.add_parser(name, help=help_text))
    return ap


def _run_parser(run: argparse.ArgumentParser) -> None:
    run.add_argument("file", type=Path)
    run.add_argument("--replications", type=int, help="override the file's replications")
    run.add_argument("--seed", type=int, help="override the file's seed")
    add_workers(run)
    add_scheduler(run)
    add_allow_long(run)
    run.add_argument("--out", type=Path, help="output folder (default results/<scenario>-<timestamp>/)")
    run.add_argument("--json", action="store_true", help="print summary.json to stdout instead of tables")
    run.add_argument("--no-events", action="store_true", help="do not write the event log events.csv")
    run.add_argument("--force", action="store_true", help="overwrite results already in --out")
    run.add_argument("--report", action="store_true", help="also write report.html (the map and charts)")


def _compare_parser(cmp: argparse.ArgumentParser) -> None:
    cmp.add_argument("files", type=Path, nargs="+", metavar="FILE", help="the base scenario first, then what-ifs")
    cmp.add_argument("--replications", type=int, help="override the base file's replications (all scenarios)")
    cmp.add_argument("--seed", type=int, help="override the base file's seed (all scenarios)")
    add_workers(cmp)
    add_scheduler(cmp)
    add_allow_long(cmp)
    cmp.add_argument("--out", type=Path, help="output folder (default results/compare-<base>-<timestamp>/)")
    cmp.add_argument("--json", action="store_true", help="print comparison.json to stdout instead of tables")
    cmp.add_argument("--force", action="store_true", help="overwrite results already in --out")
    cmp.add_argument("--report", action="store_true", help="also write report.html (deltas, a map per scenario)")


def _report_parser(rep: argparse.ArgumentParser) -> None:
    rep.add_argument("folder", type=Path)
    rep.add_argument("--force", action="store_true", help="overwrite report.html if the folder has one")


def _map_parser(mp: argparse.ArgumentParser) -> None:
    mp.add_argument("file", type=Path)
    mp.add_argument("--out", type=Path, help="where to write the map (.svg, or .html for a page; default "
                    "<scenario>-map.svg in the current folder)")
    mp.add_argument("--force", action="store_true", help="overwrite --out if it exists")


def _validate_parser(val: argparse.ArgumentParser) -> None:
    val.add_argument("files", type=Path, nargs="+")


_BUILT_IN: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "run": _run_parser, "compare": _compare_parser, "report": _report_parser, "map": _map_parser,
    "validate": _validate_parser, "schema": lambda p: None,
}


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    args = _parser(given).parse_args(given)
    err = Console(stderr=True, highlight=False)
    try:
        return _dispatch(args, err)
    finally:
        if "sim.backend" in sys.modules:  # a Dask client (and the LocalCluster it started) ends with the command
            sys.modules["sim.backend"].close_chosen()


def _dispatch(args: argparse.Namespace, err: Console) -> int:
    try:
        if args.command == "run":
            return _run(args, err)
        if args.command == "compare":
            return _compare(args, err)
        if args.command == "report":
            return _report(args)
        if args.command == "map":
            return _map(args)
        if args.command in MODULES:
            module, function = MODULES[args.command]
            code: int = getattr(importlib.import_module(module), function)(args, err)
            return code
        if args.command == "validate":
            return _validate(args.files, err)
        if args.command == "schema":
            from sim.jsonschema import scenario_json_schema

            print(json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False))
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
    except BrokenPipeError:  # `salesmap schema | head`: the reader has all it wanted
        _quiet_stdout()
        return EXIT_OK
    except OSError as e:  # a full disk, a read-only folder, a path that is a file: files written were discarded
        where = f"{e.filename}: " if e.filename else ""
        print(f"error: {where}{e.strerror or e}; the files being written were discarded", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_INPUT  # pragma: no cover - argparse requires a command


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so Python's own flush at exit does not fail on the closed pipe again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _problem_lines(e: ScenarioError) -> None:
    """One line per problem, never wrapped: editors and CI parse `file:line: path: message`."""
    for line in str(e).splitlines():
        print(line, file=sys.stderr)


def _validate(files: Sequence[Path], err: Console) -> int:
    from sim.scenario import load_scenario

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


def _out_dir(args: argparse.Namespace, label: str) -> Path:
    """--out, or a new timestamped folder under results/ (claimed, and checked, by ResultsFolder)."""
    out: Path = args.out if args.out is not None else default_folder(label)
    return out


def _run(args: argparse.Namespace, err: Console) -> int:
    from salesmap.tables import print_summary
    from sim.folder import ResultsFolder
    from sim.output import safe_name, summary_json, write_results
    from sim.scenario import dump_data, load_scenario_with_data

    check_common(args)
    sc, data = load_scenario_with_data(args.file)  # read once: what is saved is what was simulated
    check_size(sc, args.replications or sc.replications, args)
    if (args.scheduler or os.environ.get("SALESMAP_SCHEDULER")) and not args.no_events:
        raise UsageError("the event log is written by local runs only: with a Dask scheduler, add --no-events")
    start_backend(args, args.replications or sc.replications)
    with ResultsFolder(_out_dir(args, safe_name(sc.name)), force=args.force) as folder:
        out = folder.path
        result = _simulate_into(args, sc, folder.work, err)
        write_results(folder.work, result, dump_data(data))
        if args.report:
            from salesmap.report import run_report

            run_report(folder.work)
    if args.json:
        sys.stdout.write(summary_json(result.summary))
    else:
        print_summary(result.summary.json(), Console(highlight=False, width=None if sys.stdout.isatty() else 120))
        err.print(f"results written to {out}/", markup=False, highlight=False)
    return EXIT_OK


def _simulate_into(args: argparse.Namespace, sc: Scenario, out: Path, err: Console) -> RunResult:
    """Simulate with a progress bar, streaming the event log into `out` unless --no-events."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sim.output import EventLog
    from sim.runner import simulate
    from sim.weeklylog import WeeklyLog

    n = args.replications or sc.replications
    log = None if args.no_events else EventLog(out / "events.csv", _start_date(sc))
    weekly = WeeklyLog(out / "weekly.csv", sc)
    ok = False
    try:
        with Progress(TextColumn("simulating {task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task(sc.name, total=n)
            result = simulate(sc, replications=n, seed=args.seed, log=log, workers=args.workers, weekly=weekly,
                              progress=lambda done: bar.update(task, completed=done))
        ok = True
    finally:
        weekly.close(ok)
        if log is not None:
            log.close(ok)
    return result


def _load_all(files: Sequence[Path]) -> list[tuple[Scenario, str, Any]]:
    """Load every file (all problems of all files reported), and give each a distinct name.

    The same file given twice is allowed (a sanity check: zero differences); its copy is named
    'name#2'. Two different files with the same scenario name are refused: which is which?
    """
    from sim.scenario import load_scenario_with_data

    loaded: list[tuple[Path, Scenario, Any]] = []
    failed: list[ScenarioError] = []
    for f in files:
        try:
            loaded.append((f, *load_scenario_with_data(f)))
        except ScenarioError as problem:
            failed.append(problem)
    if len(failed) == 1:
        raise failed[0]
    if failed:
        for bad in failed:
            _problem_lines(bad)
        raise UsageError(f"{len(failed)} scenario files have problems (above)")
    out: list[tuple[Scenario, str, Any]] = []
    seen: dict[str, Path] = {}
    for f, sc, data in loaded:
        name = sc.name
        if name in seen and seen[name].resolve() != f.resolve():
            raise UsageError(f"{seen[name]} and {f} are both named {name!r}: give each scenario its own name")
        k = 2
        while name in {n for _, n, _ in out}:
            name = f"{sc.name}#{k}"
            k += 1
        seen.setdefault(sc.name, f)
        out.append((sc, name, data))
    return out


def _compare(args: argparse.Namespace, err: Console) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from salesmap.compare_view import print_comparison
    from sim.compare import comparison
    from sim.folder import ResultsFolder
    from sim.output import safe_name, summary_json, write_results, write_text
    from sim.runner import simulate
    from sim.scenario import dump_data
    from sim.weeklylog import WeeklyLog

    check_common(args)
    if len(args.files) < 2:
        raise UsageError("compare needs a base scenario and at least one what-if")
    runs = _load_all(args.files)
    base_sc = runs[0][0]
    n = args.replications or base_sc.replications
    seed = base_sc.seed if args.seed is None else args.seed
    for sc, _, _ in runs:
        check_size(sc, n, args)
    start_backend(args, n)
    results: dict[str, RunResult] = {}
    folders: dict[str, str] = {}
    for _, name, _ in runs:
        sub = safe_name(name)
        while sub in folders.values():
            sub += "_"
        folders[name] = sub
    with ResultsFolder(_out_dir(args, f"compare-{safe_name(base_sc.name)}"), force=args.force) as folder:
        out = folder.path
        with Progress(TextColumn("simulating {task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task("", total=n * len(runs))
            for i, (sc, name, _) in enumerate(runs):
                bar.update(task, description=name)

                def advance(done: int, before: int = i * n) -> None:
                    bar.update(task, completed=before + done)

                weekly = WeeklyLog(folder.work / folders[name] / "weekly.csv", sc)
                ok = False
                try:
                    results[name] = simulate(sc, replications=n, seed=seed, progress=advance, workers=args.workers,
                                             weekly=weekly)
                    ok = True
                finally:
                    weekly.close(ok)
        comp = comparison(results, runs[0][1])
        for _, name, data in runs:
            write_results(folder.work / folders[name], results[name], dump_data(data))
        comp["folders"] = folders
        write_text(folder.work / "comparison.json", summary_json(comp))
        if args.report:
            from salesmap.report import compare_report

            compare_report(folder.work)
    if args.json:
        sys.stdout.write(summary_json(comp))
    else:
        print_comparison(comp, Console(highlight=False, width=None if sys.stdout.isatty() else 140))
        err.print(f"results written to {out}/", markup=False, highlight=False)
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from sim.folder import ResultsFolder

    folder: Path = args.folder
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a results folder (it does not exist or is a file)")
    if (folder / "report.html").exists() and not args.force:
        raise UsageError(f"{folder / 'report.html'}: exists; pass --force to overwrite it")
    from salesmap.report import report_for  # matplotlib loads only when a picture is drawn

    with ResultsFolder(folder, option="report", replace=False) as claimed:
        if (folder / "sweep.json").is_file():
            from salesmap.report.sweep import sweep_report

            sweep_report(folder, claimed.work)
        elif (folder / "sensitivity.json").is_file():
            from salesmap.report.sensitivity import sensitivity_report

            sensitivity_report(folder, claimed.work)
        else:
            report_for(folder, claimed.work)
    print(f"report written to {folder / 'report.html'}")
    return EXIT_OK


def _map(args: argparse.Namespace) -> int:
    from sim.output import safe_name, write_text
    from sim.scenario import load_scenario

    sc = load_scenario(args.file)
    out: Path = args.out or Path(f"{safe_name(sc.name)}-map.svg")
    if out.suffix.lower() not in (".svg", ".html"):
        raise UsageError(f"--out {out}: the map is written as .svg or .html")
    if out.is_dir():
        raise UsageError(f"--out {out}: is a folder; give the map's file name (.svg or .html)")
    if out.exists() and not args.force:
        raise UsageError(f"{out}: exists; pass --force to overwrite it")
    from salesmap.report import map_page
    from salesmap.report.html import map_html

    svg = map_page(sc)
    write_text(out, svg if out.suffix.lower() == ".svg" else map_html(sc, svg))
    print(f"map written to {out}")
    return EXIT_OK


def _start_date(sc: Scenario) -> dt.date:
    return sc.start_date
