"""A results folder is owned by one run at a time; dead runs' leftovers go; --force leaves no stale file."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from salesmap.cli import main
from sim.eventlog import EventLog
from sim.folder import LOCK_NAME, FolderInUseError, ResultsFolder
from tests.cli.test_run import SMALL
from tests.conftest import ROOT, SCENARIOS

HOLD = """
import sys, time
from pathlib import Path
from sim.folder import ResultsFolder
with ResultsFolder(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def _holder(folder: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_folder_held_by_this_process_is_refused(tmp_path: Path) -> None:
    with ResultsFolder(tmp_path / "out"), pytest.raises(FolderInUseError, match="another salesmap run"):
        ResultsFolder(tmp_path / "out").__enter__()
    with ResultsFolder(tmp_path / "out"):  # released: free again
        pass
    assert not (tmp_path / "out" / LOCK_NAME).exists()


def test_a_folder_held_by_another_process_is_refused_until_it_dies(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _holder(out)
    try:
        with pytest.raises(FolderInUseError, match=f"process {proc.pid}"):
            ResultsFolder(out).__enter__()
        (out / ".events.csv.abc.r0.part").write_text("rows of a run that will die")
        (out / ".summary.json.x1y2.tmp").write_text("{")
        os.kill(proc.pid, signal.SIGKILL)  # no clean-up runs in the holder
        proc.wait(10)
    finally:
        proc.kill()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    with ResultsFolder(out) as folder:  # the kernel dropped the dead run's lock; its leftovers are removed
        assert sorted(p.name for p in out.iterdir()) == sorted([LOCK_NAME, folder.work.name])


@pytest.mark.slow
def test_two_runs_into_one_folder_never_mix_their_event_logs(write_yaml: Callable[[str, str], Path],
                                                             tmp_path: Path) -> None:
    """The defect: both runs used the same part-file names; one's events.csv held the other's rows."""
    # long enough (about 8 s) that the second run starts, loads and reaches the folder while the first holds it
    long = SMALL.replace("horizon: 6w", "horizon: 2000w").replace("replications: 3", "replications: 4")
    f = write_yaml(long, "small.yaml")
    out = tmp_path / "out"
    env = {**os.environ, "SALESMAP_WORKERS": "2"}
    cmd = [sys.executable, "-m", "salesmap", "run", str(f), "--out", str(out), "--force"]
    first = subprocess.Popen([*cmd, "--seed", "1"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / LOCK_NAME).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    second = subprocess.run([*cmd, "--seed", "2"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 2
    assert "another salesmap run" in second.stderr
    assert "Traceback" not in second.stderr
    alone = tmp_path / "alone"
    subprocess.run([*cmd[:-3], "--out", str(alone), "--seed", "1"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    assert (out / "events.csv").read_bytes() == (alone / "events.csv").read_bytes()
    assert json.loads((out / "summary.json").read_text())["seed"] == 1


def test_every_event_log_names_its_own_part_files(tmp_path: Path) -> None:
    a = EventLog(tmp_path / "events.csv", dt.date(2027, 1, 4))
    b = EventLog(tmp_path / "events.csv", dt.date(2027, 1, 4))
    try:
        assert a.part(0).path != b.part(0).path
    finally:
        a.close(ok=False)
        b.close(ok=False)


def test_force_leaves_no_file_of_the_old_results(write_yaml: Callable[[str, str], Path], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(SMALL, "small.yaml")
    out = tmp_path / "out"
    assert main(["run", str(f), "--out", str(out), "--replications", "2", "--report"]) == 0
    assert {"events.csv", "report.html"} <= {p.name for p in out.iterdir()}
    (out / "notes.txt").write_text("the user's own file")
    assert main(["run", str(f), "--out", str(out), "--replications", "2", "--no-events", "--force"]) == 0
    names = {p.name for p in out.iterdir()}
    assert "events.csv" not in names  # of the old run: it would disagree with the new summary
    assert "report.html" not in names
    assert "notes.txt" in names  # not ours: never touched
    assert "summary.json" in names


def test_any_results_folder_needs_force(write_yaml: Callable[[str, str], Path], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """run --out into a compare (or optimize) folder used to go ahead without --force."""
    f = write_yaml(SMALL, "small.yaml")
    out = tmp_path / "cmp"
    assert main(["compare", str(f), str(f), "--out", str(out), "--replications", "2"]) == 0
    capsys.readouterr()
    assert main(["run", str(f), "--out", str(out), "--replications", "2"]) == 2
    assert "already holds results (comparison.json)" in capsys.readouterr().err
    assert main(["compare", str(f), str(SCENARIOS / "mm3.yaml"), "--out", str(out), "--replications", "2",
                 "--force"]) == 0
    assert sorted(json.loads((out / "comparison.json").read_text())["folders"].values()) == ["mm3", "small"]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["mm3", "small"]  # 'small_' is gone


def test_a_folder_of_the_user_is_never_replaced(write_yaml: Callable[[str, str], Path], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """compare writes a sub-folder per scenario: one of the user's with the same name must survive."""
    f = write_yaml(SMALL, "small.yaml")
    out = tmp_path / "cmp"
    (out / "small").mkdir(parents=True)
    (out / "small" / "notes.txt").write_text("the user's own file")
    assert main(["compare", str(f), str(f), "--out", str(out), "--replications", "2"]) == 2
    assert "small holds files salesmap did not write" in capsys.readouterr().err
    assert (out / "small" / "notes.txt").read_text() == "the user's own file"
    assert not (out / "comparison.json").exists()


def test_event_log_timestamps_are_those_of_timedelta_to_the_second() -> None:
    """The log makes each date once per day (its formatting was most of its cost per row); every stamp
    must still be what `(origin + timedelta(hours=t)).isoformat(timespec="seconds")` gives, at random
    times and at and just below every second's boundary."""
    import datetime as dt
    import random

    from sim.eventlog import Stamps

    origin = dt.datetime(2027, 1, 4)
    stamp = Stamps(origin)
    rng = random.Random(3)
    times = [rng.uniform(0, 24 * 3000) for _ in range(20_000)]
    times += [k / 3600 for k in range(0, 400_000, 13)] + [k / 3600 - 1e-12 for k in range(1, 3000)]
    times += [0.0, 1e-9, 23.999999, 24.0, 8760.0]
    for t in times:
        assert stamp(t) == (origin + dt.timedelta(hours=t)).isoformat(timespec="seconds"), t
