"""Estimates -> a scenario file whose every number says where it came from, and the open pipeline.

The file is written by hand rather than dumped, so each number keeps its comment (n, 95% interval,
how it was measured, or ASSUMED). It is then loaded back through the scenario checks before anything
is written: a calibrated scenario is a scenario like any other.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from calibrate.deals import Deal
from calibrate.estimate import Estimates, StageEstimate
from calibrate.figures import Figure
from calibrate.fit import hours_text
from calibrate.mapping import stage_id
from calibrate.quarters import WEEKS
from calibrate.team import OWNER_ROLE, SYSTEM, person_name

__all__ = ["FORECAST_WEEKS", "pipeline_csv", "scenario_text"]

FORECAST_WEEKS = 13


def _y(obj: Any) -> str:
    """A value in YAML flow style, on one line, any script kept."""
    text = yaml.safe_dump(obj, default_flow_style=True, allow_unicode=True, width=math.inf, sort_keys=False)
    return text.strip().removesuffix("...").strip()


def _probabilities(shares: Mapping[str, Figure]) -> dict[str, str]:
    """Shares rounded to 4 decimals that sum to exactly 1 (largest remainder)."""
    raw = {k: f.value * 10_000 for k, f in shares.items()}
    base = {k: math.floor(v) for k, v in raw.items()}
    short = 10_000 - sum(base.values())
    for k in sorted(raw, key=lambda k: raw[k] - base[k], reverse=True)[:short]:
        base[k] += 1
    return {k: f"{v / 10_000:.4f}".rstrip("0").rstrip(".") if v else "0" for k, v in base.items()}


def _value_line(value: tuple[Figure, Figure]) -> str:
    """A deal-value distribution (lognormal: mean and spread) with its source."""
    mean, cv = value
    return (f"    value: {_y({'dist': 'lognormal', 'mean': round(mean.value, 2), 'cv': cv.value})}"
            f"  # {mean.comment('{:,.0f}')}")


def _days(h: float) -> str:
    return f"{h / 24:.4f}d"


def _stage(st: StageEstimate, roles: Sequence[str]) -> list[str]:
    out = [f"  - id: {_y(st.id)}", f"    name: {_y(st.name)}"]
    out.append(f"    role: {_y(roles[0] if len(roles) == 1 else list(roles))}")
    if st.work is not None:
        out.append(f"    work: {_y(st.work.scenario('h'))}  # {st.work.note}")
    else:
        value = max(st.work_hours, 1 / 3600)
        out.append(f"    work: {_y({'dist': 'fixed', 'value': hours_text(value, 'h')})}  # {st.work_note}")
    probs = _probabilities(st.outcomes)
    out.append(f"    outcomes:  # {st.entered:,} stays"
               + (f"; rarer than 0.2%, folded into the rest: {', '.join(st.folded)}" if st.folded else ""))
    for target, fig in st.outcomes.items():
        p = probs[target]
        after = st.after.get(target)
        out.append(f"      # {target}: {fig.comment('{:.3f}')}")
        if after is not None:
            out.append(f"      #   time: {after.n:,} stays, mean {hours_text(after.mean)}; {after.note}")
            out.append(f"      {_y(target)}: {{p: {p}, after: {_y(after.scenario())}}}")
        else:
            out.append(f"      {_y(target)}: {p}")
    return out


def scenario_text(est: Estimates, name: str, pipeline_file: str | None, horizon: str = f"{FORECAST_WEEKS}w") -> str:
    """The scenario file; `horizon` is the forecast's length (the holdout check asks for its period)."""
    ex = est.export
    start = est.as_of.date()
    lines = [
        f"# Calibrated by `salesmap calibrate` from {', '.join(ex.files)} ({ex.kind}): {len(ex.deals):,} deals,",
        f"# {est.first:%Y-%m-%d} to {est.as_of:%Y-%m-%d} (the as-of date). Each number's comment gives its source:",
        "# n, a 95% interval and how it was measured, or ASSUMED where the data cannot tell.",
        "schema_version: 1",
        f"name: {_y(name)}",
        "description: " + _y(f"Calibrated from {len(ex.deals):,} deals; forecasts the {FORECAST_WEEKS} weeks "
                             f"after {start}"),
    ]
    cal = dict(est.calendar or {})
    cal_out: dict[str, Any] = {}
    if cal:
        cal_out = {"hours_per_day": cal["hours_per_day"], "days_per_week": cal["days_per_week"],
                   "day_starts": f"{cal['day_starts']:g}h"}
    cal_out["start_date"] = start.isoformat()
    lines.append(f"calendar: {_y(cal_out)}  # {est.calendar_note}")
    lines += [f"horizon: {horizon}", "warmup: 0h  # a forecast from today's open deals",
              "replications: 20", "seed: 1", "sources:"]
    for src in est.sources:
        a = src.arrivals
        lines.append(f"  - name: {_y(src.name)}")
        lines.append(f"    enters: {_y(src.enters)}")
        lines.append(f"    rate: {a.rate_per_week.value:.4g}/week  # {a.rate_per_week.comment('{:.4g}')}")
        lines.append(f"    dispersion: {a.dispersion.value:g}  # {a.dispersion.comment()}")
        if a.weekly:
            lines.append(f"    weekly: {_y(a.weekly)}  # mean arrivals on each weekday over their mean")
        if a.monthly:
            lines.append(f"    monthly: {_y(a.monthly)}  # {a.monthly_note}")
        else:
            lines.append(f"    # monthly: {a.monthly_note}")
        qe = src.quarter_end
        if qe is not None and (qe.arrivals or qe.wins):
            qe_spec: dict[str, Any] = {"weeks": WEEKS}
            notes = []
            for key, fig in (("arrivals", qe.arrivals), ("wins", qe.wins)):
                if fig is not None:
                    qe_spec[key] = fig.value
                    notes.append(f"{key}: {fig.comment('{:.2f}')}")
            lines.append(f"    quarter_end: {_y(qe_spec)}  # {'; '.join(notes)}")
        elif qe is not None:
            lines.append(f"    # quarter_end: {qe.note}")
        if src.value is not None:
            lines.append(_value_line(src.value))
    if est.segments:
        lines.append("segments:")
        sources = sorted({k for g in est.segments for k in g.shares})
        per_source = {src: _probabilities({g.name: g.shares.get(src, Figure(0.0)) for g in est.segments})
                      for src in sources}
        for g in est.segments:
            lines.append(f"  - name: {_y(g.name)}")
            share = {src: float(per_source[src][g.name]) for src in per_source}
            lines.append(f"    share: {_y(share)}  # of each source's deals with a segment")
            if g.value is not None:
                lines.append(_value_line(g.value))
            if g.win:
                lines.append(f"    stages: {_y({k: {'win': f.value} for k, f in g.win.items()})}  # "
                             + "; ".join(f"{k}: {f.comment()}" for k, f in g.win.items()))
    team = est.team
    roles = sorted({r for st in est.stages for r in st.roles})
    lines.append(f"roles:  # {team.note}")
    for r in roles:
        spec: dict[str, Any] = {}
        if r == SYSTEM:
            spec = {"headcount": 1, "calendar": {"hours_per_day": 24, "days_per_week": 7, "day_starts": "0h"}}
            lines.append(f"  {_y(r)}: {_y(spec)}  # the automated steps: no person's work in the data")
            continue
        if r == OWNER_ROLE and team.routing == "owner":
            spec = {"routing": "owner", "assign": "weighted"}
        util = est.implied_utilization.get(r)
        note = f"implied utilization {util:.0%} at the data's stage entries" if util is not None else ""
        lines.append(f"  {_y(r)}: {_y(spec)}" + (f"  # {note}" if note else ""))
    if team.members:
        lines.append("people:")
        for m in team.members:
            person: dict[str, Any] = {"name": m.name, "role": m.role, "stages": m.stages}
            notes = []
            if m.share is not None:
                person["share"] = round(max(m.share.value, 1e-4), 4)
                notes.append(f"share: {m.share.comment('{:.3f}')}")
            if m.speed is not None and abs(m.speed.value - 1) >= 0.01:
                person["speed"] = m.speed.value
                notes.append(f"speed: {m.speed.comment()}")
            if m.win_rate is not None and abs(m.win_rate.value - 1) >= 0.01:
                person["win_rate"] = m.win_rate.value
                notes.append(f"win_rate: {m.win_rate.comment()}")
            lines.append(f"  - {_y(person)}" + (f"  # {'; '.join(notes)}" if notes else ""))
    lines.append("stages:")
    for st in est.stages:
        lines += _stage(st, st.roles)
    if pipeline_file is not None and est.open_deals:
        lines.append(f"pipeline: {_y(pipeline_file)}  # {len(est.open_deals):,} deals open on {start}")
    return "\n".join(lines) + "\n"


def pipeline_csv(deals: Sequence[Deal], as_of: dt.datetime, owners: set[str] | None) -> str:
    """Open deals at the as-of date in the pipeline CSV format (ages in days, exact to the minute)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "stage", "entered", "created", "owner", "value", "segment"])
    for d in deals:
        v = d.visits[-1]
        raw = d.owner or v.owner  # calibrate.fitness._owner reads it the same way
        owner = person_name(raw) if raw else None
        w.writerow([d.id, v.stage, _days((as_of - v.entered).total_seconds() / 3600),
                    _days((as_of - d.created).total_seconds() / 3600),
                    owner if owners is not None and owner in owners else "",
                    "" if d.value is None else f"{d.value:g}", stage_id(d.segment) if d.segment else ""])
    return buf.getvalue()
