"""Today's open pipeline: the deals a CRM shows open on the start date, read from a CSV file.

Columns (a header row, any order): `id`, `stage`, `entered` (the date the deal entered its stage, or
its age there such as `45d`), `owner`, `value`, `segment`, `created` (the date the deal was created, or
its age such as `90d`: its cycle time counts from then); only id, stage and entered are required.
Every problem is reported with the file and the row, all at once. The file must lie in the
scenario's folder tree (the rule `extends` follows), so a scenario cannot read an arbitrary file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.checks import deal_problems
from sim.errors import Problem, ScenarioError
from sim.extends import extends_roots
from sim.schema import OpenDeal, Scenario
from sim.textfile import read_text

__all__ = ["COLUMNS", "MAX_DEALS", "pipeline_path", "read_pipeline"]

COLUMNS = ("id", "stage", "entered", "owner", "value", "segment", "created")
MAX_DEALS = 200_000
MAX_BYTES = 50_000_000


def pipeline_path(ref: str, scenario_path: Path | None, source: str) -> Path:
    """The CSV file `pipeline: ref` names, inside the scenario's folder tree."""
    def bad(message: str) -> ScenarioError:
        return ScenarioError(source, [Problem(("pipeline",), message, ref, True)])

    if len(ref) > 1024 or "\0" in ref or not ref.strip():
        raise bad("not a usable path")
    if Path(ref).suffix.lower() != ".csv":
        raise bad("the open pipeline is a .csv file (or a list of deals in the scenario)")
    base = scenario_path.parent if scenario_path is not None else Path.cwd()
    try:
        target = (base / ref).resolve()
    except (OSError, RuntimeError) as e:
        raise bad(f"cannot resolve the path ({e.__class__.__name__})") from None
    roots = extends_roots(scenario_path)
    if not any(target.is_relative_to(r) for r in roots):
        raise bad(f"outside the scenario's folder ({roots[0]}); keep the pipeline file beside the scenario")
    if not target.is_file():
        raise bad(f"no such file: {target}")
    return target


def _row_value(column: str, text: str) -> Any:
    text = text.strip()
    if text == "":
        return None
    if column in ("entered", "created"):
        try:
            return (column, dt.date.fromisoformat(text))
        except ValueError:
            return ("age" if column == "entered" else "deal_age", text)
    return text


def read_pipeline(path: Path, scenario: Scenario) -> tuple[OpenDeal, ...]:
    """The deals of a pipeline CSV, checked against the scenario; ScenarioError naming each bad row."""
    source = str(path)
    text = read_text(path, source, MAX_BYTES, encoding="utf-8-sig")  # a spreadsheet's byte-order mark is fine
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("id", "stage", "entered") if c not in header]
    if missing:
        raise ScenarioError(source, [Problem((), f"missing column(s) {', '.join(missing)}; the header has "
                                             f"{', '.join(header) or 'nothing'} (expected {', '.join(COLUMNS)})",
                                             line=1)])
    deals: list[OpenDeal] = []
    rows: list[int] = []
    problems: list[Problem] = []
    for n, raw in enumerate(reader):
        row = n + 2
        if n >= MAX_DEALS:
            problems.append(Problem((), f"more than {MAX_DEALS:,} deals", line=row))
            break
        item: dict[str, Any] = {}
        for key, value in raw.items():
            column = (key or "").strip().lower()
            if column not in COLUMNS or value is None:
                continue
            v = _row_value(column, value)
            if isinstance(v, tuple):
                item[v[0]] = v[1]
            elif v is not None:
                item[column] = v
        try:
            deals.append(OpenDeal.model_validate(item))
            rows.append(row)
        except ValidationError as e:
            for err in e.errors():
                loc = tuple(err["loc"]) or ()
                field = {"age": "entered", "deal_age": "created"}.get(str(loc[0]), loc[0]) if loc else ""
                msg = str(err["msg"]).removeprefix("Value error, ")
                if loc[:1] == ("age",):
                    msg = "a date (2026-11-02) or an age in the stage (45d, 6w)"
                elif loc[:1] == ("deal_age",):
                    msg = "a date (2026-09-14) or the deal's age (90d, 13w)"
                problems.append(Problem(("pipeline", n, field) if field else ("pipeline", n), msg,
                                        raw.get(str(field)) if field else None, bool(field), row))
    for p in deal_problems(scenario, deals):
        i = p.path[1]
        problems.append(Problem(p.path, p.message, p.value, p.has_value, rows[i]))
    if problems:
        raise ScenarioError(source, problems)
    return tuple(deals)
