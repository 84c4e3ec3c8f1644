"""Arguments every command shares, checked in one place, and the exit codes.

Every number a user types is checked before anything runs: a NaN time limit, a negative budget or
seed, or a run that would take hours gets one clear line and exit code 2, never a traceback or a
wrong verdict.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import SalesSimError

if TYPE_CHECKING:  # the command line starts fast: what a command needs loads when it runs
    from optimize.gates import Gates
    from sim.backend import Backend
    from sim.budget import Estimate
    from sim.schema import Scenario

__all__ = ["MAX_REPLICATIONS", "Exit", "UsageError", "add_allow_long", "add_gate_arguments", "add_scheduler",
           "add_workers", "backend_from", "check_common", "check_size", "default_folder", "gates_from", "show",
           "start_backend"]

MAX_REPLICATIONS = 1_000_000


class Exit(IntEnum):
    """What a salesmap command's exit code means."""

    OK = 0
    """Success."""
    INPUT = 2
    """Bad input: a scenario, an argument, an output folder in use or holding results without --force;
    also `staff` when its targets cannot be met (the message says why)."""
    NOTHING = 3
    """`optimize`, `staff`: nothing worth changing (no plan passes the gates, or nobody is overloaded)."""
    CANNOT_TELL = 4
    """`optimize`, `staff`: plans were simulated, but not even the replication cap could decide."""
    INTERRUPTED = 130
    """Ctrl-C: files being written were discarded."""


class UsageError(SalesSimError):
    """Arguments or an output folder that cannot be used."""


def default_folder(label: str) -> Path:
    """results/<label>-<date>-<time>/, a new folder for each run (a suffix when two start in one second)."""
    base = Path("results") / f"{label}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


def add_workers(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, help="processes for the replications (default: every core, or "
                   "$SALESMAP_WORKERS); the results do not depend on it")


def add_scheduler(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scheduler", metavar="ADDRESS", help="run the replications on a Dask cluster (tcp://HOST:8786, "
                   "or `local` for a LocalCluster of this machine; default $SALESMAP_SCHEDULER, else local processes); "
                   "the results do not depend on it")


def backend_from(args: argparse.Namespace) -> Backend | None:
    """The backend --scheduler (or $SALESMAP_SCHEDULER) asks for, made the process's choice (`sim.backend.use`);
    None for local processes. `salesmap.cli.main` closes it when the command ends."""
    from sim.backend import use
    from sim.dask_backend import DaskBackend, scheduler_address  # distributed loads only when a cluster is asked for

    address = scheduler_address(getattr(args, "scheduler", None))
    if address is None:
        return None
    backend = DaskBackend(address)
    use(backend)
    return backend


def show(args: argparse.Namespace, doc: dict[str, Any], printer: Callable[[dict[str, Any], Any], None],
         out: Path, err: Any, width: int = 140) -> None:
    """The end of a command: its JSON document on stdout with --json, else its tables; where it wrote."""
    import sys

    from rich.console import Console

    from sim.output import summary_json

    if args.json:
        sys.stdout.write(summary_json(doc))
        return
    printer(doc, Console(highlight=False, width=None if sys.stdout.isatty() else width))
    err.print(f"results written to {out}/", markup=False, highlight=False)


def start_backend(args: argparse.Namespace, work: int) -> Backend:
    """Where the command's replications run: the Dask cluster --scheduler names, else this machine's worker
    processes (--workers, at most `work` of them), started now, before a progress bar's thread starts
    (a process with one thread forks them in milliseconds)."""
    remote = backend_from(args)
    if remote is not None:
        return remote
    from sim.backend import local_backend
    from sim.runner import start_workers

    workers = getattr(args, "workers", None)
    start_workers(workers, work)
    return local_backend(workers)


def add_allow_long(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-long-run", action="store_true", help="run even when the work estimate says it "
                   "would take hours or more memory than is sensible")


def _check_int(flag: str, value: int | None, low: int, high: int) -> None:
    if value is not None and not low <= value <= high:
        raise UsageError(f"{flag} {value}: must be between {low:,} and {high:,}")


def _check_float(flag: str, value: float | None, low: float, high: float = math.inf,
                 low_open: bool = True) -> None:
    if value is None:
        return
    ok = math.isfinite(value) and (value > low if low_open else value >= low) and value <= high
    if not ok:
        rel = ">" if low_open else ">="
        raise UsageError(f"{flag} {value}: must be a number {rel} {low:g}" + (f" and <= {high:g}" if
                                                                              math.isfinite(high) else ""))


def check_common(args: argparse.Namespace, min_replications: int = 1) -> None:
    """Check the arguments shared by run, compare, optimize and staff (those a command has)."""
    _check_int("--replications", getattr(args, "replications", None), min_replications, MAX_REPLICATIONS)
    _check_int("--seed", getattr(args, "seed", None), 0, 2**63 - 1)
    _check_int("--workers", getattr(args, "workers", None), 1, 4096)
    _check_float("--time-limit", getattr(args, "time_limit", None), 0, 7 * 24 * 3600)
    _check_float("--budget", getattr(args, "budget", None), 0, low_open=False)
    _check_int("--node-limit", getattr(args, "node_limit", None), 1, 10**9)


def check_size(sc: Scenario, replications: int, args: argparse.Namespace) -> Estimate:
    """The work estimate of a run; refused above the limits unless --allow-long-run (sim.budget)."""
    from sim.budget import check_work

    return check_work(sc, replications, getattr(args, "allow_long_run", False))


def add_gate_arguments(p: argparse.ArgumentParser) -> None:
    """The gates a recommendation must pass (`optimize.gates`), shared by optimize and staff."""
    p.add_argument("--margin", type=float, default=1.0, help="wins and revenue per week may fall by at most this "
                   "%% of today's (non-inferiority; default %(default)s)")
    p.add_argument("--min-relief", type=float, default=2.0, help="a material relief: the busiest person at least "
                   "this many utilization points less busy (default %(default)s)")
    p.add_argument("--max-replications", type=int, default=40, help="replications added, paired, until every gate "
                   "is decided; beyond: 'cannot tell' (default %(default)s)")


def gates_from(args: argparse.Namespace) -> Gates:
    """The command line's gates (checked)."""
    _check_float("--margin", args.margin, 0.0, 50.0, low_open=False)
    _check_float("--min-relief", args.min_relief, 0.0, 100.0, low_open=False)
    _check_int("--max-replications", args.max_replications, 2, 10_000)
    from optimize.gates import Gates

    return Gates(margin=args.margin / 100, min_relief=args.min_relief / 100,
                 max_replications=args.max_replications)
