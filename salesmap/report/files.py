"""The results files a report reads, checked against typed models before anything is drawn.

A results folder is untrusted input: it may come from someone else, or be edited. Every file the
report reads must have the shape salesmap writes — numbers where numbers go (never a string that a
page would show raw), names as printable text, sub-folders as plain names inside the folder — or the
report stops with a clear message naming the file and the field. Keys are only ever added to these
files, so unknown keys are allowed; the fields the report reads are required.
"""

from __future__ import annotations

import json
import math
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)

from sim.errors import SalesSimError, format_path
from sim.folder import plain_name

__all__ = [
    "Band",
    "Change",
    "ChangeMark",
    "ComparisonFile",
    "Delta",
    "DeltaSet",
    "ForecastPart",
    "FrontierRow",
    "GapBand",
    "Kpis",
    "Money",
    "RecommendationFile",
    "ReportError",
    "RoleRow",
    "SensitivityEffect",
    "SensitivityFile",
    "Stability",
    "StaffRound",
    "StaffRow",
    "StaffingFile",
    "StageStats",
    "Stat",
    "SummaryFile",
    "SweepFile",
    "SweepPoint",
    "TransitionSeries",
    "Validation",
    "WeeklyPart",
    "read_results_file",
    "sub_folder",
]

MAX_FILE_BYTES = 200_000_000


class ReportError(SalesSimError):
    """A results folder that cannot be reported on (missing or malformed files)."""


def _number(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError("expected a number")
    if not math.isfinite(v):
        raise ValueError("expected a finite number")
    return float(v)


def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError("expected text")
    if any(unicodedata.category(c) == "Cc" for c in v):
        raise ValueError("text with control characters")
    if len(v) > 2_000:
        raise ValueError("text longer than 2,000 characters")
    return v


Number = Annotated[float, BeforeValidator(_number)]
Text = Annotated[str, BeforeValidator(_text)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Stat(_Part):
    mean: Number | None
    ci95: tuple[Number | None, Number | None]
    p50: Number | None = None
    p90: Number | None = None


class StageStats(_Part):
    entered: Stat
    advanced: Stat
    lost: Stat
    conversion_rate: Stat
    wait_hours: Stat
    time_in_stage_days: Stat
    stuck: Stat
    handoffs: Stat


class StaffRow(_Part):
    role: Text
    stages: list[Text]
    utilization: Stat
    overloaded: StrictBool
    owner: dict[Text, Stat] | None = None


class RoleRow(_Part):
    headcount: StrictInt
    utilization: Stat


class Kpis(_Part):
    cycle_time_days: Stat
    win_rate: Stat
    won_per_week: Stat
    revenue_per_week: Stat
    leads_per_week: Stat
    wip: Stat
    stalled_per_week: Stat | None = None


class Stability(_Part):
    stable: StrictBool
    message: Text


class Band(_Part):
    mean: list[Number]
    low: list[Number]
    high: list[Number]


class ForecastPart(_Part):
    start_day: list[Number] = Field(max_length=100_000)
    won: Band
    revenue: Band
    open_pipeline: Band
    utilization: dict[Text, Band]
    total_won: Band
    total_revenue: Band

    @model_validator(mode="after")
    def _same_length(self) -> ForecastPart:
        n = len(self.start_day)
        for band in (self.won, self.revenue, self.open_pipeline, *self.utilization.values()):
            if not len(band.mean) == len(band.low) == len(band.high) == n:
                raise ValueError("forecast: every weekly series must have one value per week")
        return self


class GapBand(_Part):
    """A band with weeks that have no figure (null)."""

    mean: list[Number | None]
    low: list[Number | None]
    high: list[Number | None]


class ChangeMark(_Part):
    day: Number
    what: Text


class WeeklyPart(_Part):
    start_day: list[Number] = Field(max_length=100_000)
    fte: dict[Text, Band]
    utilization: dict[Text, GapBand]
    won: Band
    cycle_time: GapBand
    changes: list[ChangeMark] = Field(default_factory=list, max_length=10_000)

    @model_validator(mode="after")
    def _same_length(self) -> WeeklyPart:
        n = len(self.start_day)
        bands: list[Band | GapBand] = [self.won, self.cycle_time, *self.fte.values(), *self.utilization.values()]
        for band in bands:
            if not len(band.mean) == len(band.low) == len(band.high) == n:
                raise ValueError("weekly: every series must have one value per week")
        return self


class TransitionSeries(_Part):
    start_day: list[Number] = Field(max_length=100_000)
    cumulative: Band
    cost: Stat | None = None
    dip_day: Number | None = None
    break_even_day: Number | None = None

    @model_validator(mode="after")
    def _same_length(self) -> TransitionSeries:
        c = self.cumulative
        if not len(c.mean) == len(c.low) == len(c.high) == len(self.start_day):
            raise ValueError("transitions: the running total must have one value per week")
        return self


class SweepPoint(_Part):
    point: StrictInt
    values: dict[Text, Any]
    measures: dict[Text, Stat]
    overloaded_roles: list[Text]


class SweepFile(_Part):
    scenario: Text
    fields: list[Text]
    design: Text
    replications: StrictInt = Field(ge=1)
    seed: StrictInt = Field(ge=0)
    overload_threshold: Number | None = None
    points: list[SweepPoint] = Field(max_length=100_000)

    @model_validator(mode="after")
    def _consistent(self) -> SweepFile:
        for p in self.points:
            if set(p.values) != set(self.fields):
                raise ValueError(f"point {p.point}: its values are not the sweep's fields")
            for m in ("cycle_time_days", "won_per_week", "revenue_per_week", "max_utilization"):
                if m not in p.measures:
                    raise ValueError(f"point {p.point}: {m} is missing")
        return self


class SensitivityEffect(_Part):
    param: Text
    kpi: Text
    value: Number
    ci95: tuple[Number | None, Number | None]
    noise: Number | None
    within_noise: StrictBool
    at_low: Number | None = None
    at_high: Number | None = None


class SensitivityFile(_Part):
    scenario: Text
    method: Literal["oat", "morris", "sobol"]
    range: Number
    replications: StrictInt = Field(ge=1)
    seed: StrictInt = Field(ge=0)
    points: StrictInt
    simulations: StrictInt
    base: dict[Literal["cycle_time_days", "won_per_week", "max_utilization"], Number | None]
    params: list[dict[Text, Any]] = Field(max_length=100_000)
    effects: dict[Literal["cycle_time_days", "won_per_week", "max_utilization"], list[SensitivityEffect]]


class SummaryFile(_Part):
    replications: StrictInt = Field(ge=1)
    seed: StrictInt = Field(ge=0)
    horizon_days: Number
    warmup_days: Number
    bottleneck: Text | None
    kpis: Kpis
    stages: dict[Text, StageStats]
    staff: dict[Text, StaffRow]
    roles: dict[Text, RoleRow]
    flows: dict[Text, dict[Text, Stat]]
    overload_threshold: Number
    stability: Stability | None = None
    stage_names: dict[Text, Text] = Field(default_factory=dict)
    forecast: ForecastPart | None = None
    weekly: WeeklyPart | None = None
    sources: dict[Text, dict[Text, Stat]] = Field(default_factory=dict)
    segments: dict[Text, dict[Text, Stat]] | None = None


class Delta(_Part):
    mean: Number | None
    ci95: tuple[Number | None, Number | None]
    pct: Number | None = None
    verdict: Annotated[str, Field(pattern=r"^(better|worse|changed|same)$")] = "same"


class DeltaSet(_Part):
    kpis: dict[Text, Delta]
    roles: dict[Text, dict[Text, Delta | Text]] = Field(default_factory=dict)



class ComparisonFile(_Part):
    baseline: Text
    replications: StrictInt = Field(ge=1)
    seed: StrictInt = Field(ge=0)
    ranking: list[Text]
    scenarios: dict[Text, SummaryFile]
    deltas: dict[Text, DeltaSet]
    folders: dict[Text, Text] = Field(default_factory=dict)
    transitions: dict[Text, dict[Literal["won", "revenue"], TransitionSeries]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> ComparisonFile:
        if self.baseline not in self.scenarios:
            raise ValueError("baseline is not one of the scenarios")
        others = [n for n in self.scenarios if n != self.baseline]
        for n in others:
            if n not in self.deltas:
                raise ValueError(f"deltas: no entry for scenario {n[:40]!r}")
            _need_kpis(self.deltas[n].kpis, f"deltas.{n[:40]}.kpis")
        return self


class Change(_Part):
    text: Text


class FrontierRow(_Part):
    changes: StrictInt = Field(ge=0)
    predicted_max_utilization: Number
    simulated_max_utilization: Stat
    cycle_time_days: Stat
    deltas: dict[Text, Delta]
    verified: StrictBool
    reason: Text | None = None

    @model_validator(mode="after")
    def _deltas(self) -> FrontierRow:
        _need_kpis(self.deltas, "deltas", ("max_utilization", "cycle_time_days", "won_per_week"))
        return self


class Validation(_Part):
    seed: StrictInt
    changes: StrictInt
    reason: Text | None = None


class RecommendationFile(_Part):
    status: Text
    message: Text | None
    solver: Text
    objective_kind: Text
    gap: Number | None = None
    changes: list[Change]
    before: SummaryFile
    after: SummaryFile | None
    deltas: DeltaSet | None
    verified: StrictBool
    scenario: Text | None
    frontier: list[FrontierRow]
    before_max_utilization: Stat
    validation: Validation | None = None
    money: Money | None = None
    effective_day: Number | None = None
    transition: dict[Literal["won", "revenue"], TransitionSeries] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RecommendationFile:
        if self.verified:
            if self.after is None or self.deltas is None:
                raise ValueError("a verified recommendation needs `after` and `deltas`")
            _need_kpis(self.deltas.kpis, "deltas.kpis", (*KPI_KEYS, "max_utilization"))
        return self


class StaffRound(_Part):
    headcount: dict[Text, StrictInt]
    cost: Number
    simulated: dict[Text, Stat]
    met: StrictBool


class Money(_Part):
    cost_change_per_year: Number
    revenue_change_per_year: Stat
    net_per_year: Stat


class StaffingFile(_Part):
    status: Text
    message: Text | None
    targets: list[Text]
    headcount_before: dict[Text, StrictInt]
    headcount_after: dict[Text, StrictInt]
    cost_before: Number
    cost_after: Number | None
    rounds: list[StaffRound]
    before: SummaryFile
    after: SummaryFile | None
    deltas: DeltaSet | None
    scenario: Text | None
    validation: dict[Text, Any] | None = None
    money: Money | None = None

    @model_validator(mode="after")
    def _consistent(self) -> StaffingFile:
        if self.after is not None and self.deltas is not None:
            _need_kpis(self.deltas.kpis, "deltas.kpis", (*KPI_KEYS, "max_utilization"))
        return self


KPI_KEYS = ("cycle_time_days", "win_rate", "won_per_week", "revenue_per_week", "leads_per_week", "wip")


def _need_kpis(kpis: dict[str, Any], where: str, keys: tuple[str, ...] = KPI_KEYS) -> None:
    missing = [k for k in keys if k not in kpis]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")


def read_results_file(path: Path, model: type[BaseModel]) -> dict[str, Any]:
    """The JSON file at `path`, checked against `model`; the plain data, as the report reads it."""
    try:
        if path.is_symlink() or not path.is_file():
            raise ReportError(f"{path}: not a regular file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ReportError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes; not a file salesmap wrote")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise ReportError(f"{path}: not valid JSON ({type(e).__name__})") from None
    except OSError as e:
        raise ReportError(f"{path}: cannot read ({e.strerror})") from None
    try:
        model.model_validate(data)
    except ValidationError as e:
        lines = [f"{format_path(err['loc']) or '(top level)'}: {err['msg']}" for err in e.errors()[:5]]
        more = f" (and {e.error_count() - 5} more)" if e.error_count() > 5 else ""
        raise ReportError(f"{path}: not a {path.name} as salesmap writes it: " + "; ".join(lines) + more) from None
    return dict(data)


def sub_folder(folder: Path, name: str) -> Path:
    """A sub-folder named in comparison.json: a plain name inside `folder`, never a path out of it."""
    if not plain_name(name):
        raise ReportError(f"{folder / 'comparison.json'}: folders: {name[:40]!r} is not a plain folder name")
    sub = folder / name
    if sub.is_symlink():
        raise ReportError(f"{sub}: a symbolic link; a results folder holds its own sub-folders")
    return sub
