"""The scenario file format: one frozen pydantic model per YAML section.

Shapes, units and value ranges are checked here, field by field. Checks that need the whole file
(references between stages, roles and people; reachability; loops with no way out) live in
``sim.checks``. Defaults live here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import itertools
import unicodedata
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from sim.distributions import AmountDist, DurationDist, EffortDist
from sim.units import Duration, Rate, parse_duration

__all__ = [
    "CHANGE_KINDS",
    "DEFAULT_START",
    "MAX_COUNT",
    "MAX_PEOPLE",
    "MAX_STAGES",
    "MONTHS",
    "STALLED",
    "TERMINALS",
    "WEEKDAYS",
    "Activity",
    "Attrition",
    "Batch",
    "Calendar",
    "Change",
    "CheckIn",
    "Churn",
    "Customers",
    "Decay",
    "FocusPenalty",
    "Handoff",
    "Kpis",
    "Month",
    "OpenDeal",
    "Outcome",
    "Person",
    "Probability",
    "QuarterEnd",
    "Ramp",
    "Responsibilities",
    "Role",
    "RoleCalendar",
    "Scenario",
    "Segment",
    "SegmentStage",
    "Source",
    "SourceRate",
    "Stage",
    "StageOutcomes",
    "Weekday",
]

TERMINALS = ("won", "lost")
"""Outcomes that end a lead's journey through the pipeline."""
STALLED = "stalled"
"""The outcome of a deal that never closes: it stays open, with no further work (unless revived)."""

MAX_PEOPLE = 10_000
MAX_STAGES = 1_000
MAX_COUNT = 1_000_000
"""Bounds on what one file may ask for; the work estimate before simulating bounds the rest."""

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)
"""Weekday names as a scenario writes them, Monday first."""
Month = Literal["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
MONTHS: tuple[str, ...] = get_args(Month)
DEFAULT_START = dt.date(2027, 1, 4)
"""Simulated time 0 when a scenario gives no start date: a Monday."""


def _percent(value: Any) -> Any:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1]) / 100
        except ValueError:
            raise ValueError(f"cannot read {value!r} as a percentage") from None
    return value


Probability = Annotated[float, BeforeValidator(_percent), Field(ge=0, le=1)]
"""A probability as 0.4 or '40%'."""

_FORMULA = ("=", "+", "-", "@")
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def _text(value: str, what: str) -> str:
    """Names reach terminals, CSV files, SVG and HTML: no control characters (they can rewrite a
    terminal or break XML), no bidirectional overrides (they can disguise text), and nothing a
    spreadsheet would run as a formula."""
    value = unicodedata.normalize("NFC", value)
    bad = next((c for c in value if unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS), None)
    if bad is not None:
        raise ValueError(f"{what} contains the control character U+{ord(bad):04X}; use printable text")
    if value.startswith(_FORMULA):
        raise ValueError(f"{what} starts with {value[0]!r}, which spreadsheets read as a formula")
    if value != value.strip():
        raise ValueError(f"{what} starts or ends with spaces")
    return value


def _identifier(value: str) -> str:
    """An id: a letter of any script, then letters, digits, marks, '_' or '-' (Hebrew, Greek, Latin...)."""
    value = unicodedata.normalize("NFC", value)
    ok = value[:1].isalpha() and all(c.isalnum() or c in "_-" or unicodedata.category(c).startswith("M")
                                     for c in value)
    if not ok:
        raise ValueError("an id starts with a letter (any script) and holds only letters, digits, '_' and '-' "
                         "(no spaces or punctuation)")
    return value


def _name(value: str) -> str:
    return _text(value, "a name")


Identifier = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_identifier),
                       WithJsonSchema({"type": "string", "maxLength": 64,
                                       "description": "a letter of any script, then letters, digits, _ or -"})]
"""A stage, source or role id: letters of any script, digits, '_' and '-'."""

Name = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_name)]
"""A display name: any printable text."""


def _description(value: str) -> str:
    cleaned = value.replace("\n", " ").replace("\t", " ")
    _text(cleaned.strip() or "x", "the description")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Calendar(_Section):
    """When staff work. Customer-side waits and arrivals run on calendar time regardless."""

    hours_per_day: float = Field(8.0, ge=0.25, le=24, description="working hours per working day (15 minutes "
                                 "to 24 hours)")
    days_per_week: int = Field(5, ge=1, le=7, description="working days per week, from Monday")
    day_starts: Duration = Field(9.0, ge=0, description="opening time after midnight, e.g. 9h")
    start_date: dt.date = Field(DEFAULT_START, description="calendar date of simulated time 0")
    holidays: list[dt.date] = Field(default_factory=list, max_length=10_000,
                                    description="closed dates (ISO, 2027-12-24)")

    @model_validator(mode="after")
    def _fits_in_a_day(self) -> Calendar:
        if self.day_starts + self.hours_per_day > 24:
            raise ValueError(f"day_starts + hours_per_day = {self.day_starts + self.hours_per_day:g}h "
                             "runs past midnight: must be <= 24h")
        return self

    @property
    def hours_per_week(self) -> float:
        return self.hours_per_day * self.days_per_week


class Batch(_Section):
    """A one-off delivery of leads, e.g. 400 badge scans from a trade show on day 30."""

    at: Duration = Field(ge=0, description="when the batch arrives, from the start")
    count: int = Field(ge=1, le=MAX_COUNT, description="how many leads (at most a million)")


class QuarterEnd(_Section):
    """The last weeks of each calendar quarter: more leads, more deals closed."""

    weeks: int = Field(2, ge=1, le=13, description="how many weeks before each quarter's end")
    arrivals: float = Field(1.0, gt=0, le=100, description="arrival rate multiplier in those weeks")
    wins: float = Field(1.0, gt=0, le=10, description="multiplier on the chance to advance (next stages and won) "
                        "of decisions made in those weeks; lost and stalled scaled to keep the sum 1")


class Source(_Section):
    """Where leads come from: a Poisson stream plus optional one-off batches."""

    name: Identifier
    rate: Rate = Field(ge=0, description="mean arrivals, e.g. 120/week")
    enters: str = Field(description="id of the stage new leads start in")
    weekly: dict[Weekday, float] | None = Field(
        None, description="relative arrival weight per weekday (missing days: 0); the mean stays `rate`")
    monthly: dict[Month, float] | None = Field(
        None, description="relative arrival weight per calendar month, all twelve (the mean stays `rate`)")
    quarter_end: QuarterEnd | None = None
    dispersion: float = Field(1.0, ge=1, le=1_000, description="variance of weekly arrivals over their mean: 1 is "
                              "Poisson, 2 varies twice as much (gamma-mixed Poisson; the mean stays `rate`)")
    batches: list[Batch] = Field(default_factory=list, max_length=10_000)
    value: AmountDist | None = Field(None, description="deal value of a won lead")  # type: ignore[valid-type]

    @field_validator("weekly", "monthly")
    @classmethod
    def _weights(cls, w: dict[str, float] | None) -> dict[str, float] | None:
        if w is not None and (min(w.values()) < 0 or sum(w.values()) <= 0):
            raise ValueError("weights must be >= 0 and at least one > 0")
        return w

    @field_validator("monthly")
    @classmethod
    def _twelve(cls, w: dict[str, float] | None) -> dict[str, float] | None:
        missing = [m for m in MONTHS if w is not None and m not in w]
        if missing:
            raise ValueError(f"give all twelve months (missing: {', '.join(missing)}); 1 is an average month")
        return w

    @property
    def seasonal(self) -> bool:
        """Arrivals or chances vary by month, quarter or week beyond the weekday weights."""
        return self.monthly is not None or self.quarter_end is not None or self.dispersion != 1.0



class Ramp(_Section):
    """A new person's productivity over their first weeks: the share of a full person's work they do in an
    hour (work takes 1/share as long), in steps (`curve`) or growing evenly from `start` to 1."""

    weeks: float = Field(gt=0, le=520, description="weeks until full productivity")
    curve: list[float] | None = Field(None, min_length=1, max_length=520, description="productivity in equal steps "
                                      "over `weeks`, e.g. [0.25, 0.5, 0.75, 1.0]: non-decreasing, each in (0, 1]")
    start: float | None = Field(None, gt=0, le=1, description="linear form: productivity on the first day, growing "
                                "evenly to 1 at `weeks`")
    win_rate: bool = Field(False, description="also multiply their chance to advance a lead by the same share")

    @model_validator(mode="after")
    def _one_form(self) -> Ramp:
        if (self.curve is None) == (self.start is None):
            raise ValueError("give `curve` (steps, e.g. [0.25, 0.5, 0.75, 1.0]) or `start` (linear from that share "
                             "to 1), one of them")
        c = self.curve or []
        bad = next((x for x in c if not 0 < x <= 1), None)
        if bad is not None:
            raise ValueError(f"curve value {bad:g}: each step is a share of full productivity, in (0, 1]")
        if any(b < a for a, b in itertools.pairwise(c)):
            raise ValueError(f"the curve {c} decreases: a new person does not get slower as they learn")
        return self

    def factor(self, hours_in: float) -> float:
        """Productivity `hours_in` hours after joining (1.0 once ramped up)."""
        span = self.weeks * 168.0
        if hours_in >= span:
            return 1.0
        if self.curve is not None:
            return self.curve[min(int(max(hours_in, 0.0) / span * len(self.curve)), len(self.curve) - 1)]
        start = self.start or 1.0
        return start + (1.0 - start) * max(hours_in, 0.0) / span


class Attrition(_Section):
    """People of a role leave at random; each is replaced after a hiring delay by a new person who ramps."""

    per_year: float = Field(ge=0, le=12, description="departures per person-year (0.25: a quarter of the role a year)")
    backfill_after: Duration | None = Field(None, ge=0, description="time until a replacement starts, e.g. 8w "
                                            "(left out: nobody is replaced)")
    ramp: Ramp | None = Field(None, description="the replacement's ramp (default: the role's `ramp`)")

class Role(_Section):
    """A kind of staff: bdr, rep, closer, retention (names are the user's)."""

    headcount: int | None = Field(None, ge=0, le=MAX_PEOPLE,
                                  description="people in the role (or list them under people; at most 10,000)")
    hours_per_week: float | None = Field(None, gt=0, le=168, description="contracted hours if below the calendar's")
    cost_per_year: float | None = Field(None, ge=0, le=1e9, description="fully loaded cost of one person")
    can_do: list[str] | None = Field(None, description="stages this role may be given (optimizer)")
    calendar: Literal["always"] | Calendar | None = Field(
        None, description="this role's own working hours (e.g. an inbound desk 8-20, 7 days); default: the "
        "scenario's calendar")
    routing: Literal["pooled", "owner"] = Field(
        "pooled", description="pooled: a shared queue per stage, the next free person takes the next lead; owner: "
        "a lead gets one owner in this role, who does the role's work on it wherever they are responsible")
    assign: Literal["round_robin", "weighted", "least_loaded", "by_segment"] | None = Field(
        None, description="how owners are chosen (routing: owner): in turn (default), at random by people's "
        "`share`, the one with the fewest open deals, or in turn among those whose `segments` (territory) "
        "include the lead's segment")
    ramp: Ramp | None = Field(None, description="how people who join this role later (changes, replacements) ramp up")
    attrition: Attrition | None = None

    @model_validator(mode="after")
    def _assign_needs_owners(self) -> Role:
        if self.assign is not None and self.routing != "owner":
            raise ValueError("`assign` chooses owners: it needs `routing: owner`")
        return self


class Person(_Section):
    """One named member of staff."""

    name: Name
    role: str
    stages: list[str] | None = Field(None, description="stages this person is responsible for "
                                     "(default: every stage naming the role)")
    capacity: float = Field(1.0, gt=0, le=1, description="fraction of full time spent on this team")
    share: float | None = Field(None, ge=0, le=1e6, description="weight in owner assignment (assign: weighted; "
                                "default 1; 0: no new deals, they finish the ones they own)")
    segments: list[str] | None = Field(None, description="their territory: the segments whose leads they own "
                                       "(assign: by_segment)")
    speed: float = Field(1.0, gt=0, le=10, description="work multiplier: 1.25 does the same work in 80% of the time")
    win_rate: float = Field(1.0, gt=0, le=10, description="multiplier on the chance that a stage this person "
                            "finishes advances the lead (the other outcomes scaled to keep the sum 1)")
    ramp: Ramp | None = Field(None, description="a new hire ramping up from the start (or from when they join, in "
                              "`changes`; default there: the role's ramp)")


class Activity(_Section):
    """A piece of staff work inside a stage."""

    name: Name
    work: EffortDist = Field(description="staff effort, in working hours")  # type: ignore[valid-type]
    role: str | None = Field(None, description="who does it, if not the stage's role")


class Decay(_Section):
    """Lead cooling: the chance to advance is multiplied by f + (1 - f)(1 + w/theta)^-alpha.

    w is the calendar time the lead waited for the stage's first touch. A lead that cooled off goes
    to `cooled` (lost unless named otherwise, e.g. nurture).
    """

    theta: Duration = Field(gt=0, description="time scale of cooling, e.g. 2.4m")
    alpha: float = Field(gt=0, le=100, description="steepness")
    floor: Probability = Field(0.0, description="share of leads that never cool")
    cooled: str = Field("lost", description="where a cooled lead goes: lost or a stage id")

    def multiplier(self, wait_hours: float) -> float:
        return float(self.floor + (1 - self.floor) * (1 + wait_hours / self.theta) ** (-self.alpha))


class Outcome(_Section):
    """An outcome with its own timing: `won: {p: 53%, after: DIST}`.

    `after` is the customer-side time from the end of the stage's work (and its `wait`) until the lead
    leaves for this outcome: lost deals often die early, won ones take longer. For `stalled`, `after`
    and `to` revive the deal: after that time it goes on to stage `to`."""

    p: Probability
    after: DurationDist | None = Field(None, description="time until the lead leaves for this outcome")  # type: ignore[valid-type]
    to: str | None = Field(None, description="stalled only: the stage a stalled deal is revived into, `after` "
                           "it stalled")

    @model_validator(mode="after")
    def _revival(self) -> Outcome:
        if self.to is not None and self.after is None:
            raise ValueError("`to` revives a stalled deal and needs `after` (how long it stays stalled)")
        return self


def _outcome_table(o: dict[str, float | Outcome]) -> dict[str, float | Outcome]:
    if not o:
        raise ValueError("at least one outcome is needed (a stage id, won, lost or stalled)")
    total = sum(v.p if isinstance(v, Outcome) else v for v in o.values())
    if abs(total - 1) > 1e-9:
        raise ValueError(f"probabilities sum to {total:.6g}; they must sum to 1")
    misplaced = [t for t, v in o.items() if isinstance(v, Outcome) and v.to is not None and t != STALLED]
    if misplaced:
        raise ValueError(f"outcome {misplaced[0]!r}: `to` is for `stalled` only (a stalled deal revived later)")
    return o


class _WithOutcomes(_Section):
    """A table of outcomes (a stage's, or a dated change of it): probabilities that sum to 1."""

    if TYPE_CHECKING:  # each subclass declares the field where its file writes it
        outcomes: dict[str, float | Outcome]

    @field_validator("outcomes", check_fields=False)
    @classmethod
    def _sums_to_one(cls, o: dict[str, float | Outcome]) -> dict[str, float | Outcome]:
        return _outcome_table(o)

    @property
    def probabilities(self) -> dict[str, float]:
        """Outcome -> probability, whatever form the file gives it in."""
        outcomes: dict[str, float | Outcome] = self.outcomes
        return {t: v.p if isinstance(v, Outcome) else v for t, v in outcomes.items()}


class Stage(_WithOutcomes):
    """A step of the sales-process map."""

    id: Identifier
    name: Name | None = Field(None, description="display name (default: the id)")
    role: str | list[str] = Field(description="role(s) responsible for the stage")
    activities: list[Activity] | None = Field(None, min_length=1)
    work: EffortDist | None = Field(None, description="shorthand for one activity")  # type: ignore[valid-type]
    wait: DurationDist | None = Field(  # type: ignore[valid-type]
        None, description="customer-side delay after the work (calendar time, no staff busy)")
    outcomes: dict[str, Probability | Outcome] = Field(
        description="next stage id, won, lost or stalled -> probability, or {p, after} to give the outcome its "
        "own timing")
    decay: Decay | None = None
    stuck_after: Duration | None = Field(None, gt=0, description="time in stage after which a lead is stuck")
    priority: int = Field(0, ge=-1_000_000, le=1_000_000,
                          description="larger numbers are picked up first by a person who can choose")

    @model_validator(mode="after")
    def _work_or_activities(self) -> Stage:
        if (self.work is None) == (self.activities is None):
            raise ValueError("give either `work` (one activity) or `activities`, not both or neither")
        return self

    @property
    def timed(self) -> dict[str, Any]:
        """Outcome -> its own `after` distribution, for the outcomes that have one."""
        out: dict[str, Any] = {}
        for t, v in self.outcomes.items():
            if isinstance(v, Outcome) and v.after is not None:
                out[t] = v.after
        return out

    @property
    def revival(self) -> tuple[str, Any] | None:
        """(stage, delay) a stalled deal is revived into, when the stage says so."""
        v = self.outcomes.get(STALLED)
        return (v.to, v.after) if isinstance(v, Outcome) and v.to is not None else None

    @property
    def display_name(self) -> str:
        return self.name or self.id

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,) if isinstance(self.role, str) else tuple(self.role)

    @property
    def work_items(self) -> tuple[Activity, ...]:
        """The activities, with the `work` shorthand expanded to one activity named like the stage."""
        if self.activities is not None:
            return tuple(self.activities)
        return (Activity(name=self.display_name, work=self.work),)


class Handoff(_Section):
    """What it costs when work on a lead passes to someone who has not worked on it before."""

    delay: DurationDist | None = Field(None, description="calendar delay before the new person starts")  # type: ignore[valid-type]
    loss: Probability = Field(0.0, description="chance the lead is dropped in the handoff")


class FocusPenalty(_Section):
    """Extra work for people spread over many stages: tasks fall through the cracks."""

    free_stages: int = Field(2, ge=0, le=1_000, description="stages a person can cover without penalty")
    per_extra_stage: float = Field(ge=0, le=10, description="extra share of work per stage beyond free_stages")


class CheckIn(_Section):
    stage: str = Field(description="stage id of the recurring account-management work")
    every: Duration = Field(gt=0, description="time between check-ins")


class Churn(_Section):
    per_year: Probability = Field(description="share of customers lost per year when looked after on time")
    late_after: Duration | None = Field(None, gt=0, description="a check-in starting this long after it "
                                        "was due is late")
    late_multiplier: float = Field(1.0, ge=1, le=1_000, description="churn hazard multiplier after a late check-in")


class Customers(_Section):
    """Life after won: onboarding, recurring check-ins and churn; the retention team's load."""

    initial: int = Field(0, ge=0, le=MAX_COUNT, description="customers already on the books at time 0 (at most "
                         "a million)")
    onboarding: str | None = Field(None, description="stage id every new customer goes through")
    check_in: CheckIn | None = None
    churn: Churn | None = None


class SegmentStage(_Section):
    """How a segment's leads differ at one stage."""

    work: float = Field(1.0, gt=0, le=100, description="multiplier on the stage's work")
    win: float = Field(1.0, gt=0, le=10, description="multiplier on the chance to advance (next stages and won); "
                       "lost and stalled scaled to keep the sum 1")


class Segment(_Section):
    """A kind of deal (product, size, region...): its share of each source's leads, its value, and how its
    leads differ stage by stage."""

    name: Identifier
    share: Probability | dict[str, Probability] = Field(
        description="share of every source's leads, or source name -> share (each source's shares sum to 1)")
    value: AmountDist | None = Field(None, description="deal value of a won lead of this segment (default: the "  # type: ignore[valid-type]
                                     "source's)")
    stages: dict[str, SegmentStage] = Field(default_factory=dict, description="stage id -> work and win multipliers")

    def share_of(self, source: str) -> float:
        return self.share if isinstance(self.share, float | int) else float(self.share.get(source, 0.0))


class OpenDeal(_Section):
    """A deal open today (a row of the CRM's open pipeline): where it is and for how long."""

    id: Name
    stage: str
    age: Duration | None = Field(None, ge=0, description="time already spent in the stage, e.g. 45d")
    entered: dt.date | None = Field(None, description="or the date it entered the stage (before the start date)")
    deal_age: Duration | None = Field(None, ge=0, description="time since the deal was created, e.g. 90d (its cycle "
                                      "time counts from then; default: from entering its stage)")
    created: dt.date | None = Field(None, description="or the date it was created")
    owner: str | None = Field(None, description="the person who owns it (routing: owner roles)")
    value: float | None = Field(None, ge=0, le=1e12, description="deal value (default: its segment's value "
                                "distribution, else 0)")
    segment: str | None = None

    @model_validator(mode="after")
    def _age_or_date(self) -> OpenDeal:
        if (self.age is None) == (self.entered is None):
            raise ValueError("give the deal's `age` in the stage or the date it `entered` the stage (one of them)")
        if self.deal_age is not None and self.created is not None:
            raise ValueError("give the deal's `deal_age` or the date it was `created`, not both")
        return self


def _when(value: Any) -> Any:
    """A change's `at`: a date (2027-03-01) or calendar time from the start (10w)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10 and value.strip()[4:5] == "-":
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"cannot read {value!r} as a date (YYYY-MM-DD)") from None
    return parse_duration(value)


When = Annotated[float | dt.date, BeforeValidator(_when),
                 WithJsonSchema({"type": "string", "examples": ["2027-03-01", "10w"],
                                 "description": "a date, or calendar time from the start"})]


class Responsibilities(_Section):
    """Stages a person takes on or gives up."""

    person: str
    add: list[str] = Field(default_factory=list, max_length=MAX_STAGES)
    remove: list[str] = Field(default_factory=list, max_length=MAX_STAGES)

    @model_validator(mode="after")
    def _something(self) -> Responsibilities:
        if not self.add and not self.remove:
            raise ValueError("give the stages to `add` or `remove` (or both)")
        both = set(self.add) & set(self.remove)
        if both:
            raise ValueError(f"stage {sorted(both)[0]!r} is both added and removed")
        return self


class RoleCalendar(_Section):
    """A role's working hours change (e.g. the inbound desk starts covering evenings)."""

    role: str
    calendar: Literal["always"] | Calendar


class SourceRate(_Section):
    """A source's arrival rate changes (a campaign starts, a channel is cut)."""

    source: str
    rate: Rate = Field(ge=0, description="the new mean arrivals, e.g. 150/week")


class StageOutcomes(_WithOutcomes):
    """A stage's outcomes change, e.g. a new step (a stage nobody reached before) is put in the flow."""

    stage: str
    outcomes: dict[str, Probability | Outcome]


CHANGE_KINDS = ("joins", "leaves", "responsibilities", "calendar", "source", "stage")


class Change(_Section):
    """One thing that changes on a date: a person joins or leaves, responsibilities move, a role's
    working hours, a source's rate or a stage's outcomes change. Exactly one of the kinds."""

    at: When = Field(description="a date (2027-03-01) or calendar time from the start (10w)")
    note: Name | None = Field(None, description="label on the timeline (default: what changes)")
    joins: Person | None = Field(None, description="a new person (their `ramp` defaults to the role's)")
    leaves: str | None = Field(None, description="name of a person who leaves")
    to: str | None = Field(None, description="leaves only: the person of the same role who takes over their open work "
                           "and owned deals (default: their queues go to the pool, owned deals to new owners by the "
                           "role's routing)")
    responsibilities: Responsibilities | None = None
    calendar: RoleCalendar | None = None
    source: SourceRate | None = None
    stage: StageOutcomes | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Change:
        given = [k for k in CHANGE_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(CHANGE_KINDS)} per change"
                             + (f" (this one has {', '.join(given)})" if given else ""))
        if self.to is not None and self.leaves is None:
            raise ValueError("`to` names who takes over the open work of a person who `leaves`")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in CHANGE_KINDS if getattr(self, k) is not None)

    @property
    def label(self) -> str:
        """What the timeline says at this change."""
        if self.note:
            return self.note
        if self.joins is not None:
            return f"{self.joins.name} joins"
        if self.leaves is not None:
            return f"{self.leaves} leaves"
        if self.responsibilities is not None:
            r = self.responsibilities
            parts = ([f"+{', '.join(r.add)}"] if r.add else []) + ([f"-{', '.join(r.remove)}"] if r.remove else [])
            return f"{r.person}: {' '.join(parts)}"
        if self.calendar is not None:
            return f"{self.calendar.role}: new hours"
        if self.source is not None:
            return f"{self.source.source}: new rate"
        assert self.stage is not None
        return f"{self.stage.stage}: new outcomes"



class Kpis(_Section):
    """How the headline figures are counted."""

    cycle_time_from: str | None = Field(None, description="stage id the cycle time is counted from (default: the "
                                        "lead's arrival), e.g. the stage where a CRM opens the opportunity")


class Scenario(_Section):
    """A whole sales-process map, ready to simulate."""

    schema_version: Literal[1]
    name: Name
    description: Annotated[str, Field(max_length=2_000), AfterValidator(_description)] = ""
    horizon: Duration = Field(gt=0, description="simulated calendar time per replication")
    warmup: Duration = Field(0.0, ge=0, description="start-up time left out of every measure")
    replications: int = Field(10, ge=1, le=10_000)
    seed: int = Field(1, ge=0, lt=2**63)
    calendar: Literal["always"] | Calendar = Field(default_factory=Calendar)
    sources: list[Source] = Field(min_length=1, max_length=1_000)
    roles: dict[Identifier, Role] = Field(min_length=1, max_length=1_000)
    people: list[Person] | None = Field(None, max_length=MAX_PEOPLE)
    stages: list[Stage] = Field(min_length=1, max_length=MAX_STAGES)
    handoff: Handoff | None = None
    focus_penalty: FocusPenalty | None = None
    customers: Customers | None = None
    overload_threshold: float = Field(0.85, gt=0, le=1)
    kpis: Kpis | None = None
    segments: list[Segment] | None = Field(None, max_length=1_000)
    pipeline: str | list[OpenDeal] | None = Field(
        None, description="today's open deals: a CSV file (id, stage, entered or age, owner, value, segment; path "
        "relative to this file) or a list; the run starts with them in place and forecasts from there")
    changes: list[Change] | None = Field(None, max_length=10_000, description="what changes on which date: people "
                                         "join and leave, responsibilities move, hours, rates and outcomes change")

    def hours_at(self, change: Change) -> float:
        """When a change happens, in hours from the start."""
        if isinstance(change.at, dt.date):
            return 24.0 * (change.at - self.start_date).days
        return float(change.at)

    def open_deals(self) -> tuple[OpenDeal, ...]:
        """The open pipeline (after loading, a CSV file has been read into deals)."""
        return tuple(self.pipeline) if isinstance(self.pipeline, list) else ()

    def age_of(self, deal: OpenDeal) -> float:
        """Hours the deal has spent in its stage at the start."""
        if deal.age is not None:
            return float(deal.age)
        assert deal.entered is not None
        return 24.0 * (self.start_date - deal.entered).days

    def deal_age_of(self, deal: OpenDeal) -> float:
        """Hours since the deal was created (never less than its time in the stage)."""
        in_stage = self.age_of(deal)
        if deal.deal_age is not None:
            return max(in_stage, float(deal.deal_age))
        if deal.created is not None:
            return max(in_stage, 24.0 * (self.start_date - deal.created).days)
        return in_stage

    def stage(self, stage_id: str) -> Stage:
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise KeyError(stage_id)

    @property
    def hours_per_week(self) -> float:
        """Working hours in a full week of the calendar."""
        return 168.0 if self.calendar == "always" else self.calendar.hours_per_week

    @property
    def start_date(self) -> dt.date:
        """The calendar date of simulated time 0."""
        return DEFAULT_START if self.calendar == "always" else self.calendar.start_date

    def role_hours_per_week(self, role: str) -> float:
        """Working hours in a full week of the calendar this role works by."""
        cal = self.roles[role].calendar
        if cal is None:
            return self.hours_per_week
        return 168.0 if cal == "always" else cal.hours_per_week
