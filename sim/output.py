"""Write a run's results: every file atomically (temp file, then rename).

An interrupted run leaves either a complete file or none, never half of one. The event log is
streamed to its temp file while the simulation runs, so memory does not grow with the horizon.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sim.engine import EventRow
from sim.runner import RunResult

__all__ = ["EventLog", "atomic_file", "safe_name", "write_results", "write_text"]

EVENT_COLUMNS = ("case_id", "activity", "stage", "lifecycle", "timestamp", "resource", "role", "replication")


def safe_name(name: str, fallback: str = "scenario") -> str:
    """A folder-safe form of a scenario name: letters, digits, '-' and '_' only, no path tricks."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-_.")[:60]
    return slug or fallback


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temp file beside `path`; it replaces `path` only if the block finishes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8",
                       newline=None if "b" in mode else "") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: Path, text: str) -> None:
    with atomic_file(path) as f:
        f.write(text)


def _round(x: Any) -> Any:
    """Round floats to 10 significant digits: stable across platforms' last-bit differences."""
    if isinstance(x, float):
        return float(f"{x:.10g}")
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_round(v) for v in x]
    return x


def summary_json(summary: dict[str, Any]) -> str:
    return json.dumps(_round(summary), indent=2, allow_nan=False) + "\n"


class EventLog:
    """Streams event rows to `events.csv` (pm4py-readable: case_id, activity, timestamp, ...)."""

    def __init__(self, path: Path, start_date: dt.date) -> None:
        self.path = path
        self._cm = atomic_file(path)
        self._file = self._cm.__enter__()
        self._writer = csv.writer(self._file)
        self._writer.writerow(EVENT_COLUMNS)
        self._origin = dt.datetime.combine(start_date, dt.time())
        self.rows = 0

    def __call__(self, row: EventRow) -> None:
        rep, case, activity, stage, lifecycle, t, resource, role = row
        stamp = (self._origin + dt.timedelta(hours=t)).isoformat(timespec="seconds")
        self._writer.writerow((f"r{rep}-{case}", activity, stage, lifecycle, stamp, resource, role, rep))
        self.rows += 1

    def close(self, ok: bool = True) -> None:
        if ok:
            self._cm.__exit__(None, None, None)
        else:
            err = RuntimeError("run interrupted")
            with contextlib.suppress(RuntimeError):
                self._cm.__exit__(RuntimeError, err, None)


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(_round(rows))
    write_text(path, buf.getvalue())


def _stat_cols(name: str) -> list[str]:
    return [f"{name}_mean", f"{name}_low", f"{name}_high"]


def _stat_vals(s: dict[str, Any]) -> list[Any]:
    return [s["mean"], s["ci95"][0], s["ci95"][1]]


def write_results(out: Path, result: RunResult, scenario_text: str | None = None) -> list[Path]:
    """summary.json, stages.csv, staff.csv, weekly.csv, cycle_times.csv (and the scenario's text)."""
    s = result.summary
    sc = result.scenario
    written = []
    p = out / "summary.json"
    write_text(p, summary_json(s))
    written.append(p)
    if scenario_text is not None:
        write_text(out / "scenario.yaml", scenario_text)
        written.append(out / "scenario.yaml")
    measures = list(next(iter(s["stages"].values())))
    header = ["stage", "name", "roles"] + [c for m in measures for c in _stat_cols(m)]
    rows = [[st.id, st.display_name, "/".join(st.roles),
             *(v for m in measures for v in _stat_vals(s["stages"][st.id][m]))] for st in sc.stages]
    _csv(out / "stages.csv", header, rows)
    staff_rows = [[n, d["role"], ";".join(d["stages"]), d["capacity"], *_stat_vals(d["utilization"]), d["overloaded"]]
                  for n, d in s["staff"].items()]
    _csv(out / "staff.csv", ["person", "role", "stages", "capacity", *_stat_cols("utilization"), "overloaded"],
         staff_rows)
    _csv(out / "weekly.csv", ["replication", "start_day", "end_day", "kind", "name", "value"], _weekly_rows(result))
    _csv(out / "cycle_times.csv", ["low_days", "high_days", "count"], _histogram_rows(result))
    written += [out / n for n in ("stages.csv", "staff.csv", "weekly.csv", "cycle_times.csv")]
    return written


def _weekly_rows(result: RunResult) -> list[list[Any]]:
    rows: list[list[Any]] = []
    stage_ids = [st.id for st in result.scenario.stages]
    for r in result.replications:
        tl = r.timeline
        names = list(r.staff)
        for i, (a, b) in enumerate(zip(tl.starts, tl.ends, strict=True)):
            head = [r.replication, a / 24, b / 24]
            rows.append([*head, "pipeline", "", tl.pipeline[i]])
            rows.extend([*head, "wip", sid, tl.wip[i][k]] for k, sid in enumerate(stage_ids))
            rows.extend([*head, "utilization", n, tl.busy[i][j] / tl.available[i][j] if tl.available[i][j] else 0.0]
                        for j, n in enumerate(names))
            if result.scenario.customers is not None:
                rows.append([*head, "customers", "", tl.customers[i]])
    return rows


def _histogram_rows(result: RunResult) -> list[list[Any]]:
    """Cycle-time histogram pooled over replications (1%-wide bins)."""
    pooled: dict[tuple[float, float], int] = {}
    for r in result.replications:
        for lo, hi, c in r.cycle_time.bins():
            pooled[(lo, hi)] = pooled.get((lo, hi), 0) + c
    return [[lo, hi, c] for (lo, hi), c in sorted(pooled.items())]
