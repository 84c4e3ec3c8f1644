"""An unstable team is called unstable (offered work above the hours, queues growing); a stable one is not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from salesmap.cli import main
from sim.runner import simulate
from sim.scenario import load_scenario
from sim.schema import Scenario
from tests.conftest import SCENARIOS

OVERLOADED = """
schema_version: 1
name: overloaded
calendar: always
horizon: 30w
warmup: 2w
replications: 5
seed: 3
sources:
  - {name: inbound, rate: 1.75/h, enters: service}
roles:
  agent: {headcount: 1}
stages:
  - id: service
    role: agent
    work: {dist: exponential, mean: 1h}
    outcomes: {won: 1.0}
"""


def test_a_person_facing_175_percent_of_their_hours_is_unstable(load_yaml: Callable[[str], Scenario]) -> None:
    """The run showed 100% busy and a finite cycle time; doubling the horizon nearly doubled it."""
    st = simulate(load_yaml(OVERLOADED), workers=1).summary.json()["stability"]
    assert st["stable"] is False
    load = st["people"]["agent-1"]["load"]
    assert load["ci95"][0] <= 1.75 <= load["ci95"][1]  # offered = arrivals x mean work / hours open
    assert "service" in st["growing_queues"]
    assert st["growing_queues"]["service"]["growth_per_week"]["mean"] == pytest.approx(0.75 * 168, rel=0.15)
    assert "depend on how long the run is" in st["message"]


@pytest.mark.parametrize("name", ["mm3.yaml", "baseline.yaml", "three-stage-loop.yaml"])
def test_stable_teams_are_stable(name: str) -> None:
    sc = load_scenario(SCENARIOS / name)
    short = sc.model_copy(update={"horizon": sc.warmup + 26 * 168.0})
    st = simulate(short, replications=4, workers=1).summary.json()["stability"]
    assert st["stable"], st["message"]


def test_the_terminal_and_the_report_say_so(write_yaml: Callable[[str, str], Path], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(OVERLOADED, "over.yaml")
    assert main(["run", str(f), "--out", str(tmp_path / "o"), "--report", "--no-events", "--workers", "1"]) == 0
    assert "UNSTABLE — demand exceeds capacity: agent-1 is offered 17" in capsys.readouterr().out
    assert 'data-warning="unstable"' in (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
