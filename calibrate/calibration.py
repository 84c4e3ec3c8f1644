"""One calibration, start to end: read the exports, check them, estimate, write, measure the fit.

Everything is computed before any file is written, so a problem found late leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from calibrate.deals import OPEN, Deal
from calibrate.errors import ExportError
from calibrate.estimate import Estimates, estimate, restage
from calibrate.fitness import Fitness, measure_fitness
from calibrate.mapping import load_mapping
from calibrate.readers import Export, read_export
from calibrate.team import override_roles
from calibrate.write import pipeline_csv, scenario_text

__all__ = ["Calibration", "calibrate", "check_loads", "data_problems", "default_as_of", "read_efforts", "read_roles"]


@dataclass
class Calibration:
    export: Export
    as_of: dt.datetime
    estimates: Estimates
    scenario: str
    """The scenario file's text."""
    pipeline: str | None
    """The open pipeline CSV's text (None: no deal open)."""
    fitness: Fitness | None
    problems: list[str] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        est = self.estimates
        return {
            "files": self.export.files, "kind": self.export.kind, "deals": len(self.export.deals),
            "first": est.first.isoformat(), "as_of": self.as_of.isoformat(),
            "data_problems": self.problems,
            "win_rate": est.win_rate.json(),
            "sources": {s.name: {"enters": s.enters, "rate_per_week": s.arrivals.rate_per_week.json(),
                                 "dispersion": s.arrivals.dispersion.json(), "weekly": s.arrivals.weekly,
                                 "monthly": s.arrivals.monthly} for s in est.sources},
            "stages": {st.id: {"stays": st.entered, "roles": st.roles, "work": st.work_note,
                               "work_hours_mean": st.work_hours,
                               "outcomes": {k: f.json() for k, f in st.outcomes.items()},
                               "times": {k: {"dist": f.dist, "mean_hours": f.mean, "cv": f.cv, "n": f.n,
                                             "ks": f.ks, "note": f.note} for k, f in st.after.items()}}
                       for st in est.stages},
            "team": {"routing": est.team.routing, "people": {m.name: m.role for m in est.team.members},
                     "left_out": est.team.left},
            "implied_utilization": est.implied_utilization,
            "open_deals": len(est.open_deals),
            "fitness": self.fitness.json() if self.fitness is not None else None,
        }


def default_as_of(export: Export) -> tuple[dt.datetime, str | None]:
    """The day after the data's last event, or after its last new deal when deals stop arriving long
    before events stop (an export of the deals *created* up to a date: after it, the open pipeline
    would be missing every young deal). Returns the date and a note when the second case applies."""
    assert export.last is not None
    last_event = export.last
    created = sorted(d.created for d in export.deals)
    last_created = created[-1]
    gap = (last_event - last_created).total_seconds() / 86400
    span = max((last_created - created[0]).total_seconds() / 86400, 1e-9)
    mean_gap = span / max(len(created) - 1, 1)
    day_after = dt.datetime.combine(last_created.date() + dt.timedelta(days=1), dt.time())
    if gap > 7 and gap > 10 * mean_gap:
        return day_after, (f"no deal created after {last_created:%Y-%m-%d} although events go on to "
                           f"{last_event:%Y-%m-%d}: the export looks cut at creation, so the as-of date is "
                           f"{day_after:%Y-%m-%d} (give --as-of to choose another)")
    return dt.datetime.combine(last_event.date() + dt.timedelta(days=1), dt.time()), None


def data_problems(deals: Sequence[Deal], as_of: dt.datetime) -> list[str]:
    """Signs that an export is incomplete: young open deals missing (recent deals closed far more often
    than older deals had closed at the same age)."""
    out = []
    recent = [d for d in deals if as_of - dt.timedelta(days=14) <= d.created < as_of]
    older = [d for d in deals if as_of - dt.timedelta(days=120) <= d.created < as_of - dt.timedelta(days=28)]
    if len(recent) >= 30 and len(older) >= 30:
        close_age = np.array([(d.closed - d.created).total_seconds() if d.closed is not None and d.closed < as_of
                              else np.inf for d in older])
        expected = float(np.mean([np.mean(close_age <= (as_of - d.created).total_seconds()) for d in recent]))
        observed = float(np.mean([d.outcome != OPEN and d.closed is not None and d.closed < as_of for d in recent]))
        if observed > expected + 0.10:
            out.append(f"of the {len(recent)} deals created in the last 14 days, {observed:.0%} are closed, where "
                       f"older deals had closed {expected:.0%} by the same age: the export may be missing "
                       "young open deals (a filtered or truncated export)")
    return out


def read_efforts(path: Path | None) -> dict[str, float] | None:
    """`--efforts`: stage id -> the staff work of one stay ('45m', '2h')."""
    if path is None:
        return None
    from sim.units import parse_effort

    data = _yaml_mapping(path, "stage ids to the work of one stay in the stage, e.g. discovery: 90m")
    out = {}
    for k, v in data.items():
        try:
            out[str(k)] = parse_effort(v)
        except ValueError as e:
            raise ExportError(str(path), f"{k}: {e}") from None
    return out


def read_roles(path: Path | None) -> dict[str, str] | None:
    """`--team`: person -> role, overriding the roles read from what people do."""
    if path is None:
        return None
    data = _yaml_mapping(path, "people's names to their role, e.g. Dana: closer")
    return {str(k): str(v) for k, v in data.items()}


def _yaml_mapping(path: Path, what: str) -> Mapping[Any, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ExportError(str(path), f"cannot read: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ExportError(str(path), f"not valid YAML: {e}") from None
    if not isinstance(data, dict) or not data:
        raise ExportError(str(path), f"give a mapping of {what}")
    return data


def calibrate(paths: Sequence[Path], *, kind: str | None = None, mapping: Path | None = None,
              as_of: dt.datetime | None = None, holdout: float = 0.25, efforts: Path | None = None,
              team: Path | None = None, name: str | None = None, pipeline_file: str | None = "open-deals.csv",
              replications: int = 20, seed: int = 1,
              progress: Callable[[int], None] | None = None) -> Calibration:
    m = load_mapping(mapping)
    work = read_efforts(efforts)
    roles = read_roles(team)
    export = read_export(paths, m, kind)
    problems = list(export.problems)
    if as_of is None:
        as_of, note = default_as_of(export)
        if note:
            problems.append(note)
    if as_of <= min(d.created for d in export.deals) + dt.timedelta(days=7):
        raise ExportError(", ".join(export.files), f"--as-of {as_of:%Y-%m-%d} leaves less than a week of data")
    if work:
        unknown = sorted(set(work) - set(export.stages))
        if unknown:
            raise ExportError(str(efforts), f"{unknown[0]!r} is not a stage of the data; its stages: "
                                            f"{', '.join(export.stages)}")
    problems += data_problems(export.deals, as_of)
    est = estimate(export, as_of, work, seed)
    if roles:
        problems += override_roles(est.team, roles)
        restage(est)
    problems += [n for n in est.notes if n not in problems]
    label = name or Path(paths[0]).name.split(".")[0]
    text = scenario_text(est, label, pipeline_file)
    csv_text = pipeline_csv(est.open_deals, as_of, {p.name for p in est.team.members}
                            if est.team.routing == "owner" else None) if est.open_deals else None
    check_loads(text, csv_text, pipeline_file)
    fitness = None
    if holdout > 0:
        fitness = measure_fitness(export, as_of, holdout, efforts=work, replications=replications, seed=seed,
                                  progress=progress, roles=roles)
    return Calibration(export, as_of, est, text, csv_text, fitness, problems)



def check_loads(text: str, pipeline: str | None, pipeline_file: str | None) -> None:
    """Load the scenario as `run` would, before anything is written: a calibrated file that the checks
    refuse is a bug here, reported as such rather than left for the user to find."""
    import tempfile

    from sim.errors import ScenarioError
    from sim.scenario import load_scenario

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "calibrated.yaml").write_text(text, encoding="utf-8")
        if pipeline is not None and pipeline_file is not None:
            (folder / pipeline_file).write_text(pipeline, encoding="utf-8")
        try:
            load_scenario(folder / "calibrated.yaml")
        except ScenarioError as e:  # pragma: no cover - a bug in calibrate, not in the data
            raise AssertionError(f"calibrate wrote a scenario the checks refuse:\n{e}") from e
