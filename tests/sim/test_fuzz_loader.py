"""Fuzz of the scenario loader: every mutant of a shipped scenario is refused cleanly or runs.

Mutations of the data (a value replaced by a hostile or extreme one, a key dropped, a list emptied)
and of the text (bytes replaced, lines cut or doubled) under a fixed seed and budget. Each mutant is
either rejected — exit 2, one line per problem, no traceback — or, when `validate` accepts it,
simulates a short horizon without error: `validate` must refuse whatever `run` cannot simulate.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from salesmap.cli import main
from sim.budget import check_work
from sim.errors import SalesSimError
from sim.runner import simulate
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

VALUES: list[Any] = [0, -1, 1e-300, 1e300, float("inf"), float("nan"), 10**20, "9" * 400 + "h", "1e9/h", "nan",
                     "inf", "0h", "1e-300h", "-3h", "", None, [], {}, True, "ab\x07cd", "=cmd|' /C calc'!A0",
                     "\u202eevil", "דנה", {"dist": "lognormal", "mean": "1h", "cv": 1e-300},
                     {"dist": "gamma", "mean": "1h", "cv": float("inf")}, {"dist": "uniform", "min": "0h",
                                                                             "max": "1e300h"},
                     {"dist": "fixed", "value": "1000000000h"}, "100000000/h", 100_000_000, 2**70]
TEXT_EDITS = ["\x00", "\x07", "[" * 1000, "&a [*a, *a, *a, *a, *a, *a, *a, *a, *a]", "{", "- - -", ": :", "\t",
              "!!python/object:os.system ''"]


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*path, i))
    return out


def _mutate_data(data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    data = copy.deepcopy(data)
    path = rng.choice(_paths(data))
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    kind = rng.random()
    if kind < 0.15 and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = rng.choice(VALUES)
    return data


def _mutate_text(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    i = rng.randrange(len(lines))
    kind = rng.random()
    if kind < 0.4:
        pos = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:pos] + rng.choice(TEXT_EDITS) + lines[i][pos:]
    elif kind < 0.7:
        del lines[i:i + rng.randint(1, 3)]
    else:
        lines.insert(i, lines[i])
    return "\n".join(lines) + "\n"


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["validate", str(path)])
    out = capsys.readouterr()
    assert code in (0, 2), path.read_text()[:300]
    assert "Traceback" not in out.err
    if code == 2:
        lines = out.err.strip().splitlines()
        assert lines
        assert all(line.startswith(str(path)[:60]) for line in lines), out.err[:500]
        assert len(out.err) < 20_000
        return "refused"
    sc = load_scenario(path)
    try:
        check_work(sc, 2)
    except SalesSimError:
        return "too large"
    short = sc.model_copy(update={"horizon": sc.warmup + 3 * 168.0})
    simulate(short, replications=2, workers=1)
    return "ran"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["baseline.yaml", "mm3.yaml", "three-stage-loop.yaml"])
def test_mutated_scenarios_are_refused_cleanly_or_run(name: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    text = (SCENARIOS / name).read_text()
    data = yaml.safe_load(text)
    rng = random.Random(f"fuzz-{name}")
    seen: dict[str, int] = {}
    for i in range(60):
        if i % 2:
            mutant = _mutate_text(text, rng)
        else:
            mutant = yaml.safe_dump(_mutate_data(data, rng), allow_unicode=True, sort_keys=False)
        f = tmp_path / f"m{i}.yaml"
        f.write_text(mutant, encoding="utf-8")
        outcome = _check(f, capsys)
        seen[outcome] = seen.get(outcome, 0) + 1
    assert seen.get("refused", 0) > 0
    assert seen.get("ran", 0) > 0


ALIAS_BOMB = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
    f"{c}: &{c} [" + ", ".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))


@pytest.mark.parametrize("text", [
    ALIAS_BOMB,
    "[" * 1000 + "]" * 1000,
    "name: a\x00b\n",
    "name: a\x07b\n",
    "? [a, b]\n: 1\n",
])
def test_hostile_yaml_is_refused_fast(text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 506-byte alias bomb took 157 s and 2.7 GB; deep nesting and control characters gave tracebacks."""
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith(str(f))


@pytest.mark.parametrize(("patch", "message"), [
    ("roles:\n  rep: {headcount: 100000000}\n", "less than or equal to 10000"),
    ("roles:\n  rep: {headcount: 1180591620717411303424}\n", "less than or equal to 10000"),
    ("calendar: {hours_per_day: 1.0e-300}\n", "greater than or equal to 0.25"),
    ("customers: {initial: 10000000}\n", "less than or equal to 1000000"),
])
def test_files_that_would_hang_are_refused_by_validate(patch: str, message: str, tmp_path: Path) -> None:
    base = yaml.safe_load((SCENARIOS / "mm3.yaml").read_text())
    base.update(yaml.safe_load(patch))
    f = tmp_path / "big.yaml"
    f.write_text(yaml.safe_dump(base))
    with pytest.raises(SalesSimError, match=message):
        load_scenario(f)


def test_a_run_too_large_is_refused_with_its_estimate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = yaml.safe_load((SCENARIOS / "mm3.yaml").read_text())
    base["sources"][0]["rate"] = "900000/h"
    f = tmp_path / "huge.yaml"
    f.write_text(yaml.safe_dump(base))
    assert main(["validate", str(f)]) == 0  # a valid file...
    assert main(["run", str(f), "--out", str(tmp_path / "out")]) == 2  # ...that would run for days
    err = capsys.readouterr().err
    assert "too large" in err
    assert "CPU hours" in err
    assert "--allow-long-run" in err
    assert not (tmp_path / "out").exists()


def test_a_million_replications_are_refused_for_their_memory(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    """Each replication's results are kept until the summary (about 0.8 MB for the baseline)."""
    assert main(["run", str(SCENARIOS / "baseline.yaml"), "--replications", "1000000",
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "GB of results" in err
    assert not (tmp_path / "out").exists()


def test_the_work_estimate_counts_loops_and_customers() -> None:
    """Visits per lead from the traffic equations: a loop taken with probability 0.5 doubles the visits."""
    from sim.budget import estimate, visits_per_lead
    from sim.scenario import parse_scenario

    loop = parse_scenario("""
schema_version: 1
name: loop
calendar: always
horizon: 10w
sources: [{name: s, rate: 1/h, enters: a}]
roles: {r: {headcount: 1}}
stages:
  - {id: a, role: r, work: {dist: fixed, value: 1m}, outcomes: {a: 0.5, won: 0.5}}
""")
    assert visits_per_lead(loop)["a"] == pytest.approx(2.0)
    assert estimate(loop, 3).visits == pytest.approx(3 * 1680 * 2.0)
