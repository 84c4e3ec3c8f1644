"""`salesmap run / validate / schema` as a user calls them, and what they leave on disk."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from salesmap.cli import main
from sim.output import safe_name
from sim.runner import simulate
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

SMALL = """
schema_version: 1
name: small
horizon: 6w
warmup: 1w
replications: 3
seed: 5
sources:
  - {name: web, rate: 20/week, enters: qualify, value: {dist: uniform, min: 1000, max: 3000}}
roles:
  rep: {headcount: 2}
  closer: {headcount: 1}
stages:
  - id: qualify
    role: rep
    work: {dist: lognormal, mean: 30m, cv: 0.5}
    outcomes: {close: 0.5, lost: 0.5}
    stuck_after: 2d
  - id: close
    role: closer
    activities:
      - {name: Meeting, work: {dist: gamma, mean: 1h, cv: 0.5}}
      - {name: Contract, work: {dist: triangular, min: 10m, mode: 20m, max: 1h}}
    wait: {dist: exponential, mean: 2d}
    outcomes: {won: 0.6, lost: 0.4}
"""


def test_run_writes_every_output(write_yaml: Callable[[str, str], Path], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(SMALL, "small.yaml")
    out = tmp_path / "out"
    assert main(["run", str(f), "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["cycle_times.csv", "events.csv", "scenario.yaml", "staff.csv", "stages.csv",
                     "summary.json", "weekly.csv"]
    s = json.loads((out / "summary.json").read_text())
    assert set(s) >= {"scenario", "replications", "seed", "horizon_days", "warmup_days", "kpis", "stages",
                      "staff", "roles", "bottleneck"}
    assert set(s["kpis"]) >= {"cycle_time_days", "win_rate", "won_per_week", "revenue_per_week", "leads_per_week"}
    for stage in s["stages"].values():
        assert set(stage) >= {"entered", "advanced", "lost", "conversion_rate", "wait_hours", "work_hours",
                              "time_in_stage_days", "stuck"}
        for st in stage.values():
            assert set(st) >= {"mean", "ci95"}
    assert s["staff"]["rep-1"]["role"] == "rep"
    assert s["roles"]["rep"]["headcount"] == 2
    assert s["bottleneck"] in ("qualify", "close")
    with (out / "events.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["case_id", "activity", "stage", "lifecycle", "timestamp", "resource", "role",
                             "replication"]
    assert {r["lifecycle"] for r in rows} == {"start", "complete"}
    assert {r["replication"] for r in rows} == {"0", "1", "2"}
    assert rows[0]["timestamp"].startswith("2027-01-04T")
    starts = [r for r in rows if r["activity"] == "Meeting" and r["lifecycle"] == "start"]
    assert starts
    assert all(r["resource"] == "closer-1" for r in starts)
    terminal = capsys.readouterr().out
    assert "Funnel per stage" in terminal
    assert "People" in terminal
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_same_file_and_seed_give_byte_identical_summaries(write_yaml: Callable[[str, str], Path],
                                                          tmp_path: Path) -> None:
    f = write_yaml(SMALL, "small.yaml")
    for d in ("a", "b"):
        assert main(["run", str(f), "--out", str(tmp_path / d), "--no-events"]) == 0
    for name in ("summary.json", "stages.csv", "staff.csv", "weekly.csv", "cycle_times.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert main(["run", str(f), "--out", str(tmp_path / "c"), "--no-events", "--seed", "6"]) == 0
    assert (tmp_path / "a" / "summary.json").read_bytes() != (tmp_path / "c" / "summary.json").read_bytes()


def test_json_prints_the_summary(write_yaml: Callable[[str, str], Path], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(SMALL, "small.yaml")
    assert main(["run", str(f), "--json", "--replications", "2", "--out", str(tmp_path / "o")]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["replications"] == 2
    assert s == json.loads((tmp_path / "o" / "summary.json").read_text())


def test_arrivals_do_not_shift_when_headcount_changes(load_yaml: Callable[[str], object]) -> None:
    """Common random numbers: the same leads arrive, whatever the team looks like."""
    base = load_yaml(SMALL)
    bigger = load_yaml(SMALL.replace("closer: {headcount: 1}", "closer: {headcount: 3}"))
    a = simulate(base)  # type: ignore[arg-type]
    b = simulate(bigger)  # type: ignore[arg-type]
    assert [r.kpis["leads_per_week"] for r in a.replications] == [r.kpis["leads_per_week"] for r in b.replications]
    assert [r.stages["qualify"]["entered"] for r in a.replications] == \
        [r.stages["qualify"]["entered"] for r in b.replications]


def test_existing_results_are_not_overwritten_without_force(write_yaml: Callable[[str, str], Path],
                                                            tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(SMALL, "small.yaml")
    out = tmp_path / "out"
    assert main(["run", str(f), "--out", str(out), "--no-events", "--replications", "1"]) == 0
    before = (out / "summary.json").read_bytes()
    assert main(["run", str(f), "--out", str(out), "--no-events", "--seed", "9"]) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "summary.json").read_bytes() == before
    assert main(["run", str(f), "--out", str(out), "--no-events", "--seed", "9", "--force"]) == 0
    assert (out / "summary.json").read_bytes() != before


def test_default_output_folder_is_inside_results(write_yaml: Callable[[str, str], Path], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    evil = SMALL.replace("name: small", "name: '../../etc/<script>alert(1)</script>'")
    f = write_yaml(evil, "evil.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(f), "--no-events", "--replications", "1"]) == 0
    made = list((tmp_path / "results").iterdir())
    assert len(made) == 1
    assert made[0].parent == tmp_path / "results"
    assert made[0].name.startswith("etc-script-alert-1-script-")


@pytest.mark.parametrize(("name", "safe"), [("Q3 plan", "Q3-plan"), ("../x", "x"), ("..", "scenario"),
                                            ("/etc/passwd", "etc-passwd"), ("a\\b:c", "a-b-c")])
def test_safe_name(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_validate_and_schema(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in SCENARIOS.glob("*.yaml"))
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.count(": ok") == len(files)
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "stages" in schema["$defs"]["Scenario"]["properties"]
    assert "extends" in schema["$defs"]["ScenarioPatch"]["properties"]


def test_bad_replications_is_a_usage_error(write_yaml: Callable[[str, str], Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(SMALL, "small.yaml")
    assert main(["run", str(f), "--replications", "0"]) == 2
    assert "--replications 0: must be between 1 and 1,000,000" in capsys.readouterr().err


def test_every_shipped_scenario_runs_a_short_horizon() -> None:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        sc = load_scenario(path)
        short = sc.model_copy(update={"horizon": sc.warmup + 4 * 168.0})
        res = simulate(short, replications=2)
        assert (res.summary.kpi("leads_per_week") or 0) > 0, path.name


def test_an_interrupted_run_leaves_no_half_files(write_yaml: Callable[[str, str], Path], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C in the middle of the second replication: exit 130, and nothing half-written left."""
    import sim.runner

    real = sim.runner.simulate  # what salesmap.cli calls

    def interrupted(*args: object, **kw: object) -> object:
        def progress(done: int) -> None:
            if done == 1:
                raise KeyboardInterrupt
        return real(*args, **{**kw, "progress": progress})  # type: ignore[arg-type]

    monkeypatch.setattr(sim.runner, "simulate", interrupted)  # the command imports it when it runs
    f = write_yaml(SMALL, "small.yaml")
    out = tmp_path / "out"
    assert main(["run", str(f), "--out", str(out)]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert list(out.iterdir()) == []  # no events.csv, no temp file, no summary


@pytest.mark.parametrize("command", [[], ["run"], ["compare"], ["report"], ["map"], ["optimize"], ["staff"],
                                     ["validate"], ["schema"]])
def test_every_help_page_prints(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A '%' in a help text crashed `salesmap --help` with a traceback: every page must print."""
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    assert "usage: salesmap" in capsys.readouterr().out


def test_workers_must_be_positive(write_yaml: Callable[[str, str], Path], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(SMALL, "small.yaml")
    assert main(["run", str(f), "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    assert "--workers 0: must be between 1 and 4,096" in capsys.readouterr().err


def test_the_command_line_starts_without_the_simulator() -> None:
    """`salesmap --help` and `validate` load no simulator, solver, table library or plotting: the command
    being run loads its own machinery (start-up measured in docs/performance.md)."""
    import subprocess
    import sys

    code = ("import sys, salesmap.cli as c; c._parser(['--help']); "
            "print(','.join(m for m in ('numpy', 'scipy', 'simpy', 'pulp', 'pandas', 'matplotlib', 'distributed', "
            "'SALib', 'pydantic') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
