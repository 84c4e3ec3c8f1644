"""Write a run's results: every file atomically (temp file, then rename).

An interrupted run leaves either a complete file or none, never half of one (`sim.atomic`). The
event log is streamed while the simulation runs (`sim.eventlog`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

from sim.atomic import atomic_file, write_text
from sim.eventlog import EventLog
from sim.rounding import rounded
from sim.runner import RunResult
from sim.stats import Stat
from sim.summary import Summary

__all__ = ["EventLog", "atomic_file", "plain", "safe_name", "summary_json", "write_results", "write_text"]


def safe_name(name: str, fallback: str = "scenario") -> str:
    """A folder-safe form of a scenario name: letters and digits of any script, '-' and '_' only, so no
    path tricks ('/', '..', drive letters) and no control characters; Hebrew stays Hebrew."""
    slug = re.sub(r"[^\w-]+", "-", unicodedata.normalize("NFC", name)).strip("-_.")[:60]
    return slug or fallback


def plain(x: Any) -> Any:
    """A results document with its typed values (Stat, Delta, Summary, ...) in their JSON form."""
    if hasattr(x, "json") and callable(x.json):
        return plain(x.json())
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [plain(v) for v in x]
    return x


def summary_json(summary: Summary | dict[str, Any]) -> str:
    """summary.json's text (or any results document's): floats to 10 significant digits, no NaN."""
    data = summary.json() if isinstance(summary, Summary) else summary
    return json.dumps(rounded(data), indent=2, allow_nan=False) + "\n"


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rounded(rows))
    write_text(path, buf.getvalue())


def _stat_cols(name: str) -> list[str]:
    return [f"{name}_mean", f"{name}_low", f"{name}_high"]


def _stat_vals(s: Stat) -> list[Any]:
    return [s.mean, s.low, s.high]


def write_results(out: Path, result: RunResult, scenario_text: str | None = None) -> list[Path]:
    """summary.json, stages.csv, staff.csv, cycle_times.csv (and the scenario's text); weekly.csv is written
    while the run goes (`sim.weeklylog`)."""
    s = result.summary
    sc = result.scenario
    written = []
    p = out / "summary.json"
    write_text(p, summary_json(s))
    written.append(p)
    if scenario_text is not None:
        write_text(out / "scenario.yaml", scenario_text)
        written.append(out / "scenario.yaml")
    measures = list(next(iter(s.stages.values())))
    header = ["stage", "name", "roles"] + [c for m in measures for c in _stat_cols(m)]
    rows = [[st.id, st.display_name, "/".join(st.roles),
             *(v for m in measures for v in _stat_vals(s.stages[st.id][m]))] for st in sc.stages]
    _csv(out / "stages.csv", header, rows)
    staff_rows = [[n, d.role, ";".join(d.stages), d.capacity, *_stat_vals(d.utilization), d.overloaded]
                  for n, d in s.staff.items()]
    _csv(out / "staff.csv", ["person", "role", "stages", "capacity", *_stat_cols("utilization"), "overloaded"],
         staff_rows)
    _csv(out / "cycle_times.csv", ["low_days", "high_days", "count"], _histogram_rows(result))
    written += [out / n for n in ("stages.csv", "staff.csv", "cycle_times.csv")]
    return written


def _histogram_rows(result: RunResult) -> list[list[Any]]:
    """Cycle-time histogram pooled over replications (1%-wide bins)."""
    return [[lo, hi, c] for lo, hi, c in result.cycle_time.bins()]
