"""Careless or hostile input, faults and shared folders: a clear error (exit 2), never a traceback, a hang,
a leftover process or a half-written folder."""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from salesmap.cli import main
from salesmap.report.layout import layout
from sim.errors import ScenarioError
from sim.folder import LOCK_NAME
from sim.scenario import load_scenario, parse_scenario
from tests.cli.test_run import SMALL
from tests.conftest import ROOT

Write = Callable[[str, str], Path]


def _chain(n: int) -> str:
    stages = "\n".join(f"  - {{id: s{i}, role: rep, work: {{dist: fixed, value: 1m}}, "
                       f"outcomes: {{{'won' if i == n - 1 else f's{i + 1}'}: 0.9, lost: 0.1}}}}" for i in range(n))
    return (f"schema_version: 1\nname: chain\nhorizon: 2w\nsources: [{{name: web, rate: 1/day, enters: s0}}]\n"
            f"roles: {{rep: {{headcount: 1}}}}\nstages:\n{stages}\n")


def test_a_map_of_a_thousand_stage_chain_lays_out() -> None:
    """The layout recursed once per stage: a 1,000-stage chain hit RecursionError (and broke run --report)."""
    lay = layout(parse_scenario(_chain(1000)))
    assert lay.column["s999"] == 999


def test_a_long_chain_draws(write_yaml: Write, tmp_path: Path) -> None:
    f = write_yaml(_chain(200), "chain.yaml")
    assert main(["map", str(f), "--out", str(tmp_path / "m.svg")]) == 0


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_kill_9_of_a_run_leaves_no_worker_alive_and_the_next_run_is_clean(write_yaml: Write, tmp_path: Path) -> None:
    long = SMALL.replace("horizon: 6w", "horizon: 5000w").replace("replications: 3", "replications: 4")
    f = write_yaml(long, "long.yaml")
    out = tmp_path / "out"
    env = {**os.environ, "SALESMAP_WORKERS": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "salesmap", "run", str(f), "--out", str(out)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and not (len(workers) >= 2 and list(out.rglob(".*.part"))):
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the workers did not start"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "a worker outlived its killed parent"
    assert list(out.rglob(".*.part")) != []  # the dead run's part files are still there ...
    assert main(["run", str(write_yaml(SMALL, "small.yaml")), "--out", str(out), "--no-events"]) == 0
    assert [p.name for p in out.rglob(".*")] == []  # ... until the next run removes them


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_a_clear_error(write_yaml: Write, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert main(["run", str(write_yaml(SMALL, "s.yaml")), "--out", str(ro / "out")]) == 2
        assert "cannot make the folder" in capsys.readouterr().err
    finally:
        ro.chmod(0o700)


def test_a_full_disk_is_a_clear_error_and_leaves_no_half_file(write_yaml: Write, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    import sim.output

    real = sim.output.write_text

    def full(path: Path, text: str) -> None:
        if path.name == "stages.csv":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, text)

    monkeypatch.setattr(sim.output, "write_text", full)
    out = tmp_path / "out"
    assert main(["run", str(write_yaml(SMALL, "s.yaml")), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err
    assert "Traceback" not in err
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp, part or lock file


@pytest.mark.parametrize("case", ["under a file", "dangling link"])
def test_unusable_output_paths(case: str, write_yaml: Write, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(SMALL, "s.yaml")
    if case == "under a file":
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" / "out"
    else:
        out = tmp_path / "link"
        out.symlink_to(tmp_path / "nowhere")
    assert main(["run", str(f), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --out")
    assert "Traceback" not in err


def test_map_onto_a_folder(write_yaml: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.svg").mkdir()
    assert main(["map", str(write_yaml(SMALL, "s.yaml")), "--out", str(tmp_path / "m.svg"), "--force"]) == 2
    assert "is a folder" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["optimize", "{f}", "--time-limit", "nan"], "--time-limit nan: must be a number > 0"),
    (["optimize", "{f}", "--time-limit", "-5"], "--time-limit -5.0: must be a number > 0"),
    (["optimize", "{f}", "--seed", "-1"], "--seed -1: must be between 0 and"),
    (["staff", "{f}", "--target", "max_utilization<=0.8", "--budget", "-5"], "--budget -5.0: must be a number >= 0"),
    (["staff", "{f}", "--target", "max_utilization<=0.8", "--time-limit", "inf"], "--time-limit inf"),
    (["run", "{f}", "--replications", "10000000"], "--replications 10000000: must be between 1 and 1,000,000"),
    (["compare", "{f}", "{f}", "--seed", str(2**64)], "--seed"),
])
def test_arguments_are_checked_before_anything_runs(argv: list[str], message: str, write_yaml: Write,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    f = str(write_yaml(SMALL, "s.yaml"))
    assert main([a.replace("{f}", f) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_workers_from_the_environment_are_bounded(write_yaml: Write, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SALESMAP_WORKERS", "99999999999999999999")
    assert main(["run", str(write_yaml(SMALL, "s.yaml")), "--out", str(tmp_path / "o")]) == 2
    assert "SALESMAP_WORKERS" in capsys.readouterr().err


def test_result_files_follow_the_umask(write_yaml: Write, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert main(["run", str(write_yaml(SMALL, "s.yaml")), "--out", str(tmp_path / "o"), "--replications", "1"]) == 0
    finally:
        os.umask(old)
    for p in (tmp_path / "o").iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o644, p.name


@pytest.mark.parametrize(("text", "message"), [
    ("calendar: {hours_per_day: 10, day_starts: 20h}", "calendar: day_starts + hours_per_day = 30h runs past"),
    ("? [a, b]\n: 1", "a key must be a plain name, not a list or a mapping"),
])
def test_messages_name_the_field_as_written(text: str, message: str, write_yaml: Write,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The field path read `calendar.function-after[_fits_in_a_day(), Calendar]`; a list as a key printed a
    raw SequenceNode."""
    f = write_yaml(SMALL + text + "\n", "s.yaml")
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "function-after" not in err
    assert "Node(" not in err


def test_names_in_any_script_run_end_to_end(write_yaml: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Hebrew ids and names: validated, simulated, written to folders named in Hebrew, reported."""
    he = (SMALL.replace("name: small", "name: צוות מכירות").replace("id: qualify", "id: סינון")
          .replace("enters: qualify", "enters: סינון").replace("close:", "סגירה:").replace("id: close", "id: סגירה")
          .replace("  rep:", "  נציג:").replace("role: rep", "role: נציג"))
    f = write_yaml(he, "he.yaml")
    assert load_scenario(f).stages[0].id == "סינון"
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(f), "--replications", "2", "--report"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "סינון" in out
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name.startswith("צוות-מכירות-")
    assert "סינון" in (folder / "stages.csv").read_text(encoding="utf-8")
    assert "סגירה" in (folder / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "message"), [
    ('=HYPERLINK("x")', "spreadsheets read as a formula"),
    ("a\x1b]0;title\x07b", "control character U\\+001B"),
    ("\u202eevil", "control character U\\+202E"),
])
def test_names_that_attack_terminals_or_spreadsheets_are_refused(name: str, message: str, write_yaml: Write) -> None:
    f = write_yaml(SMALL.replace("name: small", f"name: {json.dumps(name)}"), "s.yaml")
    with pytest.raises(ScenarioError, match=message):
        load_scenario(f)


def test_a_stale_lock_file_of_a_dead_run_does_not_block(write_yaml: Write, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).write_text("999999\n")  # left by a run that died; nobody holds its lock
    assert main(["run", str(write_yaml(SMALL, "s.yaml")), "--out", str(out), "--replications", "1"]) == 0
    assert not (out / LOCK_NAME).exists()


def test_a_folder_that_cannot_be_made_is_a_clear_error(write_yaml: Write, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The read-only case as root would see it too: mkdir refused by the operating system."""
    def refused(self: Path, *args: object, **kw: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refused)
    assert main(["run", str(write_yaml(SMALL, "s.yaml")), "--out", str(tmp_path / "ro" / "out")]) == 2
    err = capsys.readouterr().err
    assert "cannot make the folder (Permission denied)" in err
    assert "Traceback" not in err


def test_ctrl_c_while_the_pool_winds_down_is_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C right after 'results written' printed a KeyboardInterrupt traceback from the pool's exit."""
    import sim.workers

    ex = sim.workers.pool(2)
    ex.submit(sim.workers._noop).result()

    def interrupted(*args: object, **kw: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ex, "shutdown", interrupted)
    sim.workers.drop_pool()  # must not raise
    assert sim.workers._POOL is None


def test_workers_are_capped_at_the_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """SALESMAP_WORKERS=100 with 2 replications forked about 96 processes."""
    import sim.workers

    sim.workers.drop_pool()
    monkeypatch.setenv("SALESMAP_WORKERS", "100")
    sim.workers.start_workers(None, 2)
    assert sim.workers._POOL is not None
    assert sim.workers._POOL[0] == 2
    sim.workers.drop_pool()
