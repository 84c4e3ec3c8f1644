"""The engine's benchmark (not a test): `python -m sim.bench [--rounds N] [--against DIR]`.

Everything is timed in one run, contenders alternated round by round, CPU time of this process or
of a child process, medians; the machine's load is printed first. Targets (issue #15):

1. M/M/3 (scenarios/mm3.yaml, 181,440 leads): our engine ÷ the textbook SimPy model of the same queue,
   simulation only (≤ 1.0) and as a whole process: start Python, import, load, simulate, collect (≤ 1.15).
   SimPy events scheduled per lead, ours and the textbook model's.
2. A Jackson network with feedback (scenarios/three-stage-loop.yaml), simulation only (≤ 1.0).
3. Ciw, a queueing-network library, on both (a tenth of the horizon: Ciw is slower).
4. One baseline replication: CPU seconds and leads a second; with `--against DIR` (a checkout of an
   earlier commit) the same in child processes for both, and the ratio (≤ 0.70 against the code of
   the day #15 was filed).
5. Cost per stage visit as the team grows from 15 to 1,000 people (≤ +15%), beside the same growth of
   the textbook SimPy M/M/c from 15 to 1,000 servers.
6. The event log's cost per row, formatting and CSV writing, against a timedelta and csv.writer per
   row (≤ 0.70), and in a baseline replication (with the log minus without, per row).
7. Peak traced memory of a replication at 1 and 4 years (flat in the horizon).
8. Start-up of the command line: `salesmap --help` and `salesmap validate` (≤ 0.5 s of CPU each).
9. Where a baseline replication's time goes, by phase, without and with the event log.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.bench_models import Network, bare_jackson, bare_mmc, ciw_network
from sim.bench_profile import phases
from sim.engine import Replication
from sim.eventlog import EventLog
from sim.generated import generated_team
from sim.results import collect
from sim.scenario import load_scenario, scenario_from_data
from sim.schema import Scenario

__all__ = ["against", "baseline", "ciw", "event_log_in_run", "event_log_row", "jackson", "main", "mm3", "peak_memory",
           "phase_profile", "start_up", "team_sizes", "textbook_sizes"]

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _cpu(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t = time.process_time()
    out = fn()
    return time.process_time() - t, out


def _child_cpu(code: str, *args: str, cwd: str | None = None) -> float:
    """CPU seconds (user + system) of a fresh Python process running `code`."""
    return _command_cpu([sys.executable, "-c", code, *args], cwd)


def _command_cpu(command: list[str], cwd: str | None = None) -> float:
    """CPU seconds (user + system) of a command run to its end (its output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, cwd=cwd, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _versus(ours: list[float], theirs: list[float]) -> dict[str, float]:
    return {"ours_s": statistics.median(ours), "theirs_s": statistics.median(theirs),
            "ratio": statistics.median(ours) / statistics.median(theirs),
            "ratio_per_round_median": statistics.median(a / b for a, b in zip(ours, theirs, strict=True))}


def _engine(sc: Scenario) -> Replication:
    return Replication(sc, 0)


def _sim_only(sc: Scenario, bare: Callable[[int], tuple[int, int | None]], rounds: int) -> dict[str, float]:
    ours, theirs, events = [], [], [0.0, 0.0]
    leads = [0, 0]
    for r in range(rounds):
        rep = _engine(sc)
        ours.append(_cpu(rep.run)[0])
        leads[0] = rep._next_case
        events[0] = next(rep.env._eid)
        t, (leads[1], ev) = _cpu(lambda r=r: bare(r))  # type: ignore[misc]
        theirs.append(t)
        events[1] = ev or 0
    return {**_versus(ours, theirs), "leads": leads[0], "events_per_lead": events[0] / leads[0],
            "events_per_lead_textbook": events[1] / leads[1]}


_WHOLE_OURS = """import sys
from sim.engine import Replication
from sim.results import collect
from sim.scenario import load_scenario
rep = Replication(load_scenario(sys.argv[1]), 0)
rep.run()
collect(rep)
"""


def mm3(rounds: int) -> dict[str, dict[str, float]]:
    """Simulation only, and whole processes, against the textbook SimPy M/M/3."""
    path = SCENARIOS / "mm3.yaml"
    sc = load_scenario(path)
    net = Network.of(sc)
    sim = _sim_only(sc, lambda r: bare_mmc(net.rate, net.means[0], net.servers[0], net.horizon, r), rounds)
    bare_code = ("import random\nfrom typing import Any\nimport simpy\n" + inspect.getsource(bare_mmc)
                 + f"\nbare_mmc({net.rate!r}, {net.means[0]!r}, {net.servers[0]}, {net.horizon!r}, 1)\n")
    ours, theirs = [], []
    for _ in range(max(3, rounds // 2)):
        ours.append(_child_cpu(_WHOLE_OURS, str(path)))
        theirs.append(_child_cpu(bare_code))
    return {"simulation only": sim, "whole process": _versus(ours, theirs)}


def jackson(rounds: int) -> dict[str, float]:
    """Simulation only against the textbook SimPy model of the three-stage loop (feedback included)."""
    sc = load_scenario(SCENARIOS / "three-stage-loop.yaml")
    net = Network.of(sc)
    return _sim_only(sc, lambda r: bare_jackson(net, r), rounds)


def ciw(rounds: int, share: float = 0.1) -> dict[str, dict[str, float]] | None:
    """Our engine against Ciw on M/M/3 and the three-stage loop, over `share` of their horizons; None
    when Ciw is not installed."""
    try:
        import ciw as _  # noqa: F401
    except ImportError:
        return None
    out = {}
    for name in ("mm3", "three-stage-loop"):
        full = load_scenario(SCENARIOS / f"{name}.yaml")
        sc = full.model_copy(update={"horizon": full.horizon * share, "warmup": full.warmup * share})
        net = Network.of(sc)
        out[name] = _sim_only(sc, lambda r, net=net: ciw_network(net, r), rounds)  # type: ignore[misc]
        del out[name]["events_per_lead_textbook"]
    return out


def baseline(rounds: int) -> dict[str, float]:
    """CPU seconds of one baseline replication (no event log) and leads a second."""
    sc = load_scenario(SCENARIOS / "baseline.yaml")
    cpu, rates = [], []
    for _ in range(rounds):
        rep = _engine(sc)
        t, _ = _cpu(rep.run)
        cpu.append(t)
        rates.append(rep._next_case / t)
    return {"cpu_s": statistics.median(cpu), "leads_per_cpu_second": statistics.median(rates)}


_BASELINE = """import sys, time
sys.path.insert(0, sys.argv[1])
from sim.engine import Replication
from sim.scenario import load_scenario
sc = load_scenario(sys.argv[1] + "/scenarios/baseline.yaml")
times = []
for _ in range(3):
    rep = Replication(sc, 0)
    t = time.process_time()
    rep.run()
    times.append(time.process_time() - t)
print(sorted(times)[1])
"""


def against(other: Path, rounds: int) -> dict[str, float]:
    """A baseline replication's simulation CPU here and in `other` (another checkout), each in child
    processes, alternated; each child runs replication 0 three times and gives the median (the first
    run in a fresh process pays for growing its memory, and one run alone varies by ±20% here)."""
    here = str(Path(__file__).resolve().parents[1])

    def once(root: str) -> float:
        out = subprocess.run([sys.executable, "-c", _BASELINE, root], check=True, capture_output=True, text=True,
                             cwd=tempfile.gettempdir(), env={**os.environ, "PYTHONPATH": root})
        return float(out.stdout.split()[-1])

    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(once(here))
        theirs.append(once(str(other.resolve())))
    return _versus(ours, theirs)


def team_sizes(rounds: int, sizes: tuple[int, ...] = (15, 1000), visits: int = 150_000) -> dict[int, float]:
    """Microseconds of CPU per stage visit on generated teams (`sim.generated`) of each size, everyone
    full-time on all their role's stages (`mixed=False`: the same load per person at every size; the
    mixed team adds two part-timers and a specialist per role, 19 people where 15 are asked), about
    `visits` stage visits each."""
    out: dict[int, list[float]] = {n: [] for n in sizes}
    scenarios = {}
    for n in sizes:
        data = generated_team(n, 20, mixed=False)
        people = len(scenario_from_data(data, "generated").people or ())
        # leads per day ∝ people; about 17 visits a lead: the horizon that gives `visits` visits
        days = visits / 17 / (people * 0.45 * 0.8)
        data.update(horizon=f"{days:.1f}d", warmup="0d")
        data["sources"][0]["rate"] = f"{people * 0.45 * 0.8:.2f}/day"
        scenarios[n] = scenario_from_data(data, "generated")
    for _ in range(rounds):
        for n, sc in scenarios.items():
            rep = _engine(sc)
            t, _ = _cpu(rep.run)
            out[n].append(t / sum(s.tally.entered for s in rep.stages) * 1e6)
    return {n: statistics.median(v) for n, v in out.items()}


def textbook_sizes(rounds: int, sizes: tuple[int, ...] = (15, 1000), customers: int = 150_000) -> dict[int, float]:
    """The same growth for the textbook SimPy model: microseconds of CPU per customer of an M/M/c queue
    with c servers at 80% load, for each c (the event heap and the memory grow with the servers)."""
    out: dict[int, list[float]] = {n: [] for n in sizes}
    for r in range(rounds):
        for c in sizes:
            lam = c * 0.8 / 2.0
            t, (n, _) = _cpu(lambda c=c, lam=lam, r=r: bare_mmc(lam, 2.0, c, customers / lam, r))  # type: ignore[misc]
            out[c].append(t / n * 1e6)
    return {n: statistics.median(v) for n, v in out.items()}


def event_log_row(rounds: int, rows: int = 100_000) -> dict[str, float]:
    """Microseconds per event-log row (formatting and the CSV writer) of rows as the engine makes them:
    the log's way against a timedelta and csv.writer per row (the way of the day #15 was filed)."""
    import csv
    import datetime as dt
    import random

    from sim.eventlog import EventPart

    origin = dt.datetime(2027, 1, 4)
    rng = random.Random(1)
    sample = [(3, f"L{i}", "Discovery call", "discovery", "start", rng.uniform(0, 24 * 420), "Dana Cohen", "rep")
              for i in range(rows)]

    def ours() -> None:
        with tempfile.TemporaryDirectory() as tmp, EventPart(Path(tmp) / "part.csv", origin) as part:
            for row in sample:
                part(row)

    def theirs() -> None:
        with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "part.csv", "w", newline="") as f:
            w = csv.writer(f)
            for rep, case, act, st, life, t, res, role in sample:
                w.writerow((f"r{rep}-{case}", act, st, life,
                            (origin + dt.timedelta(hours=t)).isoformat(timespec="seconds"), res, role, rep))

    a, b = [], []
    for _ in range(rounds):
        a.append(_cpu(ours)[0] / rows * 1e6)
        b.append(_cpu(theirs)[0] / rows * 1e6)
    out = _versus(a, b)
    return {"us_per_row": out["ours_s"], "us_per_row_then": out["theirs_s"], "ratio": out["ratio"],
            "ratio_per_round_median": out["ratio_per_round_median"]}


def event_log_in_run(rounds: int) -> dict[str, float]:
    """A baseline replication with the event log minus without, per row written."""
    sc = load_scenario(SCENARIOS / "baseline.yaml")
    with_log, without, rows = [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            log = EventLog(Path(tmp) / "events.csv", sc.start_date)
            rep = Replication(sc, 0, log=log)
            with_log.append(_cpu(rep.run)[0])
            log.close()
            rows = log.rows
            without.append(_cpu(_engine(sc).run)[0])
    return {"rows": rows, "us_per_row": (statistics.median(with_log) - statistics.median(without)) / rows * 1e6}


def peak_memory(name: str, years: float) -> float:
    sc = load_scenario(SCENARIOS / name)
    sc = sc.model_copy(update={"horizon": years * 52 * 168.0, "warmup": min(sc.warmup, 4 * 168.0)})
    gc.collect()
    tracemalloc.start()
    rep = Replication(sc, 0)
    rep.run()
    collect(rep)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def phase_profile() -> dict[str, dict[str, float]]:
    sc = load_scenario(SCENARIOS / "baseline.yaml")
    out = {"no event log": phases(_engine(sc).run)}
    with tempfile.TemporaryDirectory() as tmp:
        log = EventLog(Path(tmp) / "events.csv", sc.start_date)
        out["event log"] = phases(Replication(sc, 0, log=log).run)
        log.close()
    return out


def start_up(rounds: int) -> dict[str, float]:
    """CPU seconds (median of `rounds` fresh processes) of the command line's start: `salesmap --help`
    and `salesmap validate scenarios/baseline.yaml` (output discarded)."""
    out: dict[str, float] = {}
    for name, args in (("salesmap --help", ["--help"]),
                       ("salesmap validate scenarios/baseline.yaml", ["validate", str(SCENARIOS / "baseline.yaml")])):
        out[name] = statistics.median(_command_cpu([sys.executable, "-m", "salesmap", *args]) for _ in range(rounds))
    return out


def _show(title: str, figures: dict[Any, Any], indent: str = "  ") -> None:
    print(f"{indent[:-2]}{title}")
    for k, v in figures.items():
        if isinstance(v, dict):
            _show(f"{k}:", v, indent + "  ")
        else:
            print(f"{indent}{k}: {v:,.3f}" if isinstance(v, float) else f"{indent}{k}: {v:,}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m sim.bench", description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--against", type=Path, help="a checkout of another commit: compare a baseline replication")
    args = ap.parse_args(argv)
    r = args.rounds
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}; CPU seconds, medians of {r} alternating rounds")
    _show("1. M/M/3, ours ÷ textbook SimPy:", mm3(r))
    _show("2. Jackson loop with feedback (three-stage-loop), ours ÷ textbook SimPy, simulation only:", jackson(r))
    c = ciw(max(3, r // 2))
    if c is None:
        print("3. Ciw: not installed (pip install -e '.[bench]')")
    else:
        _show("3. ours ÷ Ciw, a tenth of the horizon, simulation only:", c)
    _show("4. baseline.yaml, one replication, no event log:", baseline(max(3, r // 2)))
    if args.against is not None:
        _show(f"   here ÷ {args.against} (child processes, simulation CPU):", against(args.against, max(3, r // 2)),
              "     ")
    sizes = team_sizes(max(3, r // 2))
    small, large = min(sizes), max(sizes)
    _show("5. CPU per stage visit (µs) by team size:", {**{f"{n} people": v for n, v in sizes.items()},
                                                      "ratio": sizes[large] / sizes[small]})
    book = textbook_sizes(max(3, r // 2))
    _show("   the textbook SimPy M/M/c, CPU per customer (µs) by servers, at 80% load:",
          {**{f"{n} servers": v for n, v in book.items()}, "ratio": book[max(book)] / book[min(book)]}, "     ")
    _show("6. event log, per row (formatting and CSV writing), ours ÷ a timedelta and csv.writer per row:",
          event_log_row(r))
    _show("   in a baseline replication (with the log minus without):", event_log_in_run(max(3, r // 2)), "     ")
    mem = {}
    for name in ("mm3.yaml", "baseline.yaml"):
        one, four = peak_memory(name, 1), peak_memory(name, 4)
        mem[name] = f"1 year {one:.2f}, 4 years {four:.2f} (x{four / one:.2f})"
    print("7. peak traced memory of one replication, no event log (MiB):")
    for k, v in mem.items():
        print(f"  {k}: {v}")
    _show("8. start-up of the command line, CPU seconds (fresh processes):", start_up(max(3, r // 2)))
    print("9. where a baseline replication's time goes (cProfile's own time by phase):")
    for k, shares in phase_profile().items():
        print(f"  {k}: " + ", ".join(f"{p} {s:.0%}" for p, s in shares.items() if s >= 0.005))


if __name__ == "__main__":
    main()
