"""Sensitivity: a parameter that matters is ranked first, one that cannot is labelled within noise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from salesmap.cli import main
from sim.scenario import resolved_data
from sim.sensitivity import auto_params, param, run_sensitivity
from tests.conftest import SCENARIOS, Write

DESK = """
schema_version: 1
name: desk
calendar: always
horizon: 30w
warmup: 4w
replications: 6
seed: 13
sources: [{name: calls, rate: 2/h, enters: service, value: {dist: lognormal, mean: 1000, cv: 0.5}}]
roles:
  agent: {headcount: 3}
stages:
  - {id: service, role: agent, work: {dist: exponential, mean: 1h}, outcomes: {won: 0.8, lost: 0.2}}
"""
MATTERS, CANNOT = "stages.service.work.mean", "sources.calls.value.mean"


@pytest.mark.parametrize("method", ["oat", "morris", "sobol"])
def test_the_input_that_matters_comes_first_and_the_other_is_within_noise(method: str) -> None:
    """Work per call drives cycle time and load; the deal value cannot move either (it is drawn from a stream
    of its own): every method ranks them so, and labels the second within noise."""
    data = yaml.safe_load(DESK.replace("horizon: 30w", "horizon: 12w").replace("warmup: 4w", "warmup: 2w"))
    params = [param(data, MATTERS, 0.2), param(data, CANNOT, 0.2)]
    res = run_sensitivity(data, "desk", params, method, replications=3, trajectories=4, samples=8, spread=0.2)
    for kpi in ("cycle_time_days", "max_utilization"):
        first, second = res.effects[kpi]
        assert first.param == MATTERS, (kpi, first)
        assert not first.within_noise, (kpi, first)
        assert second.param == CANNOT
        assert second.within_noise, (kpi, second)
        assert abs(second.value) <= 1e-9 or method == "sobol"


def test_auto_takes_rates_probabilities_means_and_headcounts() -> None:
    params = {p.path: p for p in auto_params(resolved_data(SCENARIOS / "baseline.yaml"), 0.2)}
    assert {"sources.inbound.rate", "roles.closer.headcount", "stages.demo.wait.mean",
            "stages.demo.outcomes.proposal", "stages.close.outcomes.won"} <= set(params)
    assert "stages.close.outcomes.lost" not in params  # the complement of `won`: the same question
    assert params["sources.inbound.rate"].text(params["sources.inbound.rate"].low) == "24/week"
    closers = params["roles.closer.headcount"]
    assert (closers.low, closers.high) == (1, 3)  # whole people, at least one either way


def test_the_command_writes_its_files_and_a_tornado(write_yaml: Write, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(DESK.replace("horizon: 30w", "horizon: 8w").replace("warmup: 4w", "warmup: 1w"), "desk.yaml")
    out = tmp_path / "se"
    assert main(["sensitivity", str(f), "--params", MATTERS, CANNOT, "--replications", "3", "--out", str(out),
                 "--report"]) == 0
    doc = json.loads((out / "sensitivity.json").read_text())
    assert doc["method"] == "oat"
    assert doc["points"] == 5
    assert doc["simulations"] == 15
    assert doc["effects"]["cycle_time_days"][0]["param"] == MATTERS
    assert "within noise" in capsys.readouterr().out
    assert (out / "sensitivity.csv").read_text().startswith("kpi,rank,param")
    assert 'data-chart="tornado"' in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "words"), [
    (["--params", "stages.servce.work.mean"], "did you mean stages.service.work.mean"),
    (["--range", "150%"], "below 100%"),
    (["--params", "stages.service.id"], "not a nonzero number"),
])
def test_bad_sensitivity_input(args: list[str], words: str, write_yaml: Write, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(DESK, "desk.yaml")
    assert main(["sensitivity", str(f), *args, "--out", str(tmp_path / "se")]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "se" / "sensitivity.json").exists()
