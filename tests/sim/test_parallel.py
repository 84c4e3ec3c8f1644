"""Replications in worker processes give exactly what a sequential run gives."""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from sim.errors import SalesSimError
from sim.eventlog import EventLog
from sim.output import summary_json
from sim.runner import default_workers, simulate
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS, Write


def _short(name: str) -> object:
    sc = load_scenario(SCENARIOS / name)
    return sc.model_copy(update={"horizon": sc.warmup + 6 * 168.0})


def test_a_scenario_survives_the_trip_to_a_worker() -> None:
    sc = load_scenario(SCENARIOS / "baseline.yaml")
    assert pickle.loads(pickle.dumps(sc)) == sc


@pytest.mark.parametrize("name", ["baseline.yaml", "mm3.yaml"])
def test_workers_do_not_change_a_single_number(name: str) -> None:
    sc = _short(name)
    one = simulate(sc, replications=4, workers=1)  # type: ignore[arg-type]
    two = simulate(sc, replications=4, workers=2)  # type: ignore[arg-type]
    assert summary_json(one.summary) == summary_json(two.summary)
    assert [r.kpis for r in one.replications] == [r.kpis for r in two.replications]


def test_the_event_log_is_byte_for_byte_the_sequential_one(tmp_path: Path) -> None:
    sc = _short("baseline.yaml")
    files = {}
    for w in (1, 2):
        path = tmp_path / f"w{w}" / "events.csv"
        log = EventLog(path, dt.date(2027, 1, 4))
        done: list[int] = []
        simulate(sc, replications=3, workers=w, log=log, progress=done.append)  # type: ignore[arg-type]
        log.close()
        assert sorted(done) == [1, 2, 3]
        files[w] = path.read_bytes()
        assert [p.name for p in path.parent.iterdir()] == ["events.csv"]  # no part file left behind
    assert files[1] == files[2]
    assert files[1].count(b"\n") > 1000


def test_an_interrupt_in_parallel_leaves_no_part_files(tmp_path: Path) -> None:
    sc = _short("baseline.yaml")
    log = EventLog(tmp_path / "events.csv", dt.date(2027, 1, 4))

    def progress(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        simulate(sc, replications=4, workers=2, log=log, progress=progress)  # type: ignore[arg-type]
    log.close(ok=False)
    assert list(tmp_path.iterdir()) == []


def test_workers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESMAP_WORKERS", "3")
    assert default_workers() == 3
    for bad in ("many", "0", "-2"):
        monkeypatch.setenv("SALESMAP_WORKERS", bad)
        with pytest.raises(SalesSimError, match=f"SALESMAP_WORKERS='{bad}': must be a whole number from 1 to 4096"):
            default_workers()


def test_a_script_without_a_main_guard_still_runs_in_parallel(tmp_path: Path) -> None:
    """A single-threaded process forks its workers: nothing re-imports the script."""
    script = tmp_path / "plain.py"
    script.write_text(
        "from sim.runner import simulate\nfrom sim.scenario import load_scenario\n"
        f"sc = load_scenario({str(SCENARIOS / 'mm3.yaml')!r})\n"
        "sc = sc.model_copy(update={'horizon': sc.warmup + 200.0})\n"
        "print('won', simulate(sc, replications=3, workers=2).summary.kpi('won_per_week'))\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parents[2], check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("won ") == 1  # the script ran once
    assert "Warning" not in done.stderr


@pytest.mark.parametrize(("kw", "message"), [({"seed": -1}, "seed"), ({"seed": 2**64}, "seed"),
                                             ({"replications": 0}, "replications"),
                                             ({"replications": 2.5}, "replications")])
def test_simulate_checks_its_arguments(kw: dict[str, object], message: str) -> None:
    """optimize --seed -1 ended in a numpy traceback: the library boundary names the argument."""
    with pytest.raises(ValueError, match=message):
        simulate(_short("mm3.yaml"), **kw)  # type: ignore[arg-type]


def test_extending_a_run_gives_the_run_of_that_many_replications(write_yaml: Write) -> None:
    """optimize's sequential gates add replications to a run: the extended run is the run that many
    replications give (replication r depends only on the seed and r), sequential or in workers."""
    from sim.runner import extend

    sc = load_scenario(write_yaml(SMALL_FOR_EXTEND, "x.yaml"))
    short = simulate(sc, replications=3, seed=9, workers=1)
    longer = extend(short, 6)
    direct = simulate(sc, replications=6, seed=9, workers=2)
    assert [(r.replication, r.kpis, r.stages, r.staff) for r in longer.replications] == \
        [(r.replication, r.kpis, r.stages, r.staff) for r in direct.replications]
    assert summary_json(longer.summary) == summary_json(direct.summary)
    assert extend(longer, 4) is longer


SMALL_FOR_EXTEND = """
schema_version: 1
name: extend
calendar: always
horizon: 4w
warmup: 1w
sources: [{name: web, rate: 40/week, enters: talk}]
roles: {rep: {headcount: 2}}
stages:
  - {id: talk, role: rep, work: {dist: exponential, mean: 1h}, outcomes: {won: 0.3, lost: 0.7}}
"""
