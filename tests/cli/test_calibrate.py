"""`salesmap calibrate` as a user calls it: files written, the fit shown, bad input refused with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salesmap.cli import main
from sim.runner import simulate
from sim.scenario import load_scenario
from tests.calibrate.exports import simulated_cases, write_history
from tests.calibrate.test_roundtrip import KNOWN

NAMES = {"qualify": "Qualify", "discovery": "Discovery <b>&</b>"}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crm")
    (folder / "known.yaml").write_text(KNOWN.replace("horizon: 52w", "horizon: 30w"), encoding="utf-8")
    cases, _ = simulated_cases(load_scenario(folder / "known.yaml"))
    path = folder / "stage-history.csv"
    write_history(cases, path, NAMES)
    return path


def test_calibrate_writes_a_scenario_that_runs_and_shows_the_fit(tmp_path: Path, history: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "team.yaml"
    assert main(["calibrate", str(history), "--out", str(out), "--replications", "4", "--report"]) == 0
    shown = capsys.readouterr().out
    assert "Fitness" in shown
    assert "win rate" in shown
    for name in ("team.yaml", "team-open-deals.csv", "team-calibration.json", "team-fitness.csv",
                 "team-fitness.html"):
        assert (tmp_path / name).is_file(), name
    doc = json.loads((tmp_path / "team-calibration.json").read_text(encoding="utf-8"))
    assert doc["kind"] == "history"
    assert {r["measure"] for r in doc["fitness"]["measures"]} >= {"win_rate", "won_per_week", "cycle_p50_days"}
    page = (tmp_path / "team-fitness.html").read_text(encoding="utf-8")
    assert "Discovery <b>" not in page
    assert "Discovery &lt;b&gt;&amp;&lt;/b&gt;" in page
    sc = load_scenario(out)
    assert simulate(sc, replications=2, workers=1).summary.kpis["won_per_week"].mean is not None
    assert "ASSUMED" in out.read_text(encoding="utf-8")  # stage dates do not show staff work


def test_json_prints_the_calibration(tmp_path: Path, history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", str(history), "--out", str(tmp_path / "t.yaml"), "--holdout", "0", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["fitness"] is None
    assert set(doc["stages"]) == {"qualify", "discovery_b_b"}


@pytest.mark.parametrize(("args", "message"), [
    (["--holdout", "80%"], "--holdout"),
    (["--as-of", "soon"], "--as-of"),
    (["--kind", "opportunities"], "no column for created"),
])
def test_bad_settings_exit_2_and_write_nothing(tmp_path: Path, history: Path, capsys: pytest.CaptureFixture[str],
                                               args: list[str], message: str) -> None:
    out = tmp_path / "x.yaml"
    assert main(["calibrate", str(history), "--out", str(out), *args]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_bad_export_exits_2_naming_file_row_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("deal_id,stage,entered_at\n1,Qualify,2027-01-04\n1,Discovery,the fourth\n", encoding="utf-8")
    out = tmp_path / "out" / "x.yaml"
    assert main(["calibrate", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}, row 3, column 'entered_at'" in err
    assert "Traceback" not in err
    assert not out.parent.exists()


def test_existing_files_need_force(tmp_path: Path, history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "t.yaml"
    out.write_text("mine", encoding="utf-8")
    assert main(["calibrate", str(history), "--out", str(out), "--holdout", "0"]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "mine"


@pytest.mark.slow
def test_the_calibrated_scenario_optimizes_like_any_other(tmp_path: Path, history: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "team.yaml"
    assert main(["calibrate", str(history), "--out", str(out), "--holdout", "0"]) == 0
    capsys.readouterr()
    rec = tmp_path / "rec" / "recommended.yaml"
    code = main(["optimize", str(out), "--replications", "3", "--max-changes", "1", "--time-limit", "10",
                 "--out", str(rec)])
    shown = capsys.readouterr()
    assert code in (0, 3), shown.err  # a recommendation, or nothing worth changing
    assert "Traceback" not in shown.err
    assert (rec.parent / "recommendation.json").is_file()
