"""New features switched off change nothing: every shipped scenario gives the numbers it gave before
(tests/golden, written by `python -m tests.golden.make`). Keys may be added, never changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sim.rounding import rounded
from sim.scenario import load_scenario
from tests.golden.make import HERE, SCENARIOS, figures

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


def _same(old: Any, new: Any, where: str) -> list[str]:
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return [f"{where}: was a mapping"]
        return [p for k, v in old.items() for p in
                ([f"{where}.{k}: missing"] if k not in new else _same(v, new[k], f"{where}.{k}"))]
    if isinstance(old, list):
        if not isinstance(new, list) or len(new) != len(old):
            return [f"{where}: was {old!r}, now {new!r}"]
        return [p for i, (a, b) in enumerate(zip(old, new, strict=True)) for p in _same(a, b, f"{where}[{i}]")]
    return [] if rounded(old) == rounded(new) else [f"{where}: was {old!r}, now {new!r}"]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_give_the_golden_numbers(path: Path) -> None:
    golden = json.loads((HERE / f"{path.stem}.json").read_text(encoding="utf-8"))
    new = json.loads(json.dumps(figures(load_scenario(path))))
    assert _same(golden, new, path.stem)[:10] == []
