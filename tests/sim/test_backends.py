"""The same numbers whatever runs the replications: this process, local workers, a Dask LocalCluster."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from salesmap.cli import main
from sim.backend import close_chosen, use
from sim.dask_backend import DaskBackend
from sim.output import plain
from sim.ranges import parse_vary
from sim.runner import simulate
from sim.scenario import load_scenario, resolved_data
from sim.sweep import run_sweep
from tests.conftest import SCENARIOS, Write
from tests.sim.test_sweep import MMC

pytestmark = pytest.mark.slow  # a LocalCluster starts worker processes (about 2 s)


def _same(*runs: Any) -> bool:
    texts = {json.dumps(plain(r.summary.json()), sort_keys=True) for r in runs}
    return len(texts) == 1


@pytest.fixture
def cluster() -> Any:
    be = DaskBackend("local", workers=2)
    use(be)
    yield be
    close_chosen()


def test_one_worker_two_workers_and_a_dask_cluster_agree_byte_for_byte(cluster: DaskBackend) -> None:
    sc = load_scenario(SCENARIOS / "baseline.yaml").model_copy(update={"horizon": 30 * 168.0, "warmup": 5 * 168.0})
    on_dask = simulate(sc, replications=6)
    use(None)
    try:
        one, two = simulate(sc, replications=6, workers=1), simulate(sc, replications=6, workers=2)
    finally:
        use(cluster)
    assert _same(one, two, on_dask)


def test_a_sweep_on_the_cluster_is_the_local_sweep(cluster: DaskBackend) -> None:
    import yaml

    data = yaml.safe_load(MMC.replace("horizon: 120w", "horizon: 10w").replace("warmup: 10w", "warmup: 1w"))
    varies = [parse_vary("roles.agent.headcount=3..4")]
    remote = run_sweep(data, "desk", varies, replications=3)
    use(None)
    try:
        local = run_sweep(data, "desk", varies, replications=3)
    finally:
        use(cluster)
    for a, b in zip(remote.points, local.points, strict=True):
        assert _same(a.run, b.run)


def test_a_worker_that_dies_changes_nothing(cluster: DaskBackend) -> None:
    """One of the two workers is killed after the first result: its tasks run again elsewhere, same numbers."""
    sc = load_scenario(SCENARIOS / "baseline.yaml").model_copy(update={"horizon": 20 * 168.0, "warmup": 2 * 168.0})
    killed: list[str] = []

    def kill_one(done: int) -> None:
        if not killed:
            victim = sorted(cluster.client.scheduler_info()["workers"])[0]
            killed.append(victim)
            with contextlib.suppress(Exception):  # the worker dies before it can answer
                cluster.client.run(os._exit, 1, workers=[victim])

    with_death = simulate(sc, replications=8, progress=kill_one)
    use(None)
    try:
        calm = simulate(sc, replications=8, workers=1)
    finally:
        use(cluster)
    assert killed
    assert _same(with_death, calm)


def test_an_unreachable_scheduler_is_a_clear_error(write_yaml: Write, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(MMC, "desk.yaml")
    out = tmp_path / "run"
    assert main(["run", str(f), "--scheduler", "tcp://127.0.0.1:9", "--no-events", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "tcp://127.0.0.1:9" in err
    assert "cannot reach" in err
    assert not (out / "summary.json").exists()


def test_run_on_a_scheduler_needs_no_events(write_yaml: Write, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(MMC, "desk.yaml")
    assert main(["run", str(f), "--scheduler", "local", "--out", str(tmp_path / "r")]) == 2
    assert "--no-events" in capsys.readouterr().err


def test_the_command_line_on_a_local_cluster(write_yaml: Write, tmp_path: Path) -> None:
    f = write_yaml(MMC.replace("horizon: 120w", "horizon: 10w").replace("warmup: 10w", "warmup: 1w"), "desk.yaml")
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(f), "--scheduler", "local", "--no-events", "--out", str(a), "--json"]) == 0
    assert main(["run", str(f), "--workers", "1", "--no-events", "--out", str(b), "--json"]) == 0
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()
    assert resolved_data(f)["name"] == "desk"
