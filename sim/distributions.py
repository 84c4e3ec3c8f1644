"""Probability distributions with named parameters, as written in a scenario.

One family of models per kind of quantity: staff work (``Effort``), calendar time (``Duration``)
and money (``Amount``). Every model checks its parameters when the file is loaded, so a bad
distribution never reaches the engine. ``mean_of`` gives the exact mean, used by the checks, the
optimizer and the tests; sampling lives in ``sim.streams``.
"""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.units import Duration, Effort

__all__ = [
    "Amount",
    "AmountDist",
    "Distribution",
    "DurationDist",
    "EffortDist",
    "Empirical",
    "Exponential",
    "Fixed",
    "Gamma",
    "Lognormal",
    "Triangular",
    "Uniform",
    "mean_of",
]

MAX_AMOUNT = 1e12
Amount = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]
"""A plain non-negative number (deal value in the scenario's currency), at most a trillion."""

CV_RANGE = (0.001, 20.0)
"""Coefficients of variation the samplers handle exactly (gamma's shape 1/cv^2 stays finite)."""

Q = TypeVar("Q")


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Exponential(_Dist, Generic[Q]):
    """Memoryless: the textbook service time of queueing theory."""

    dist: Literal["exponential"]
    mean: Q = Field(description="mean value")

    @field_validator("mean")
    @classmethod
    def _positive(cls, v: Q) -> Q:
        return _positive(v, "mean")


class Lognormal(_Dist, Generic[Q]):
    """Right-skewed: most calls short, a few very long. cv = standard deviation / mean."""

    dist: Literal["lognormal"]
    mean: Q = Field(description="mean value")
    cv: float = Field(ge=CV_RANGE[0], le=CV_RANGE[1],
                      description="coefficient of variation (standard deviation / mean), 0.001 to 20")

    @field_validator("mean")
    @classmethod
    def _positive(cls, v: Q) -> Q:
        return _positive(v, "mean")


class Gamma(_Dist, Generic[Q]):
    """Skewed like lognormal but with a lighter tail. cv = standard deviation / mean."""

    dist: Literal["gamma"]
    mean: Q = Field(description="mean value")
    cv: float = Field(ge=CV_RANGE[0], le=CV_RANGE[1],
                      description="coefficient of variation (standard deviation / mean), 0.001 to 20")

    @field_validator("mean")
    @classmethod
    def _positive(cls, v: Q) -> Q:
        return _positive(v, "mean")


class Triangular(_Dist, Generic[Q]):
    """Three-point estimate: shortest, most likely, longest."""

    dist: Literal["triangular"]
    min: Q = Field(description="smallest value")
    mode: Q = Field(description="most likely value")
    max: Q = Field(description="largest value")

    @model_validator(mode="after")
    def _check(self) -> Triangular[Q]:
        lo, mode, hi = float(self.min), float(self.mode), float(self.max)  # type: ignore[arg-type]
        if lo < 0:
            raise ValueError(f"min(={lo:g}) must be >= 0")
        if not lo <= mode <= hi or hi <= lo:
            raise ValueError(f"need min <= mode <= max and min < max (got {lo:g}, {mode:g}, {hi:g})")
        return self


class Uniform(_Dist, Generic[Q]):
    """Any value between min and max equally likely."""

    dist: Literal["uniform"]
    min: Q = Field(description="smallest value")
    max: Q = Field(description="largest value")

    @model_validator(mode="after")
    def _check(self) -> Uniform[Q]:
        lo, hi = float(self.min), float(self.max)  # type: ignore[arg-type]
        if lo < 0 or hi <= lo:
            raise ValueError(f"need 0 <= min < max (got min={lo:g}, max={hi:g})")
        return self


class Fixed(_Dist, Generic[Q]):
    """Always the same value: for exact timelines and what-ifs."""

    dist: Literal["fixed"]
    value: Q = Field(description="the value")

    @field_validator("value")
    @classmethod
    def _positive(cls, v: Q) -> Q:
        return _positive(v, "value")


class Empirical(_Dist, Generic[Q]):
    """Resample observed values (e.g. exported from the CRM), each equally likely."""

    dist: Literal["empirical"]
    values: list[Q] = Field(min_length=1, max_length=100_000, description="observed values")

    @model_validator(mode="after")
    def _check(self) -> Empirical[Q]:
        vals = [float(v) for v in self.values]  # type: ignore[arg-type]
        if min(vals) < 0 or max(vals) <= 0:
            raise ValueError("values must be >= 0 and at least one > 0")
        return self


def _positive(value: Q, name: str) -> Q:
    if float(value) <= 0:  # type: ignore[arg-type]
        raise ValueError(f"{name}(={float(value):g}) must be > 0")  # type: ignore[arg-type]
    return value


_FAMILY = (Exponential, Lognormal, Gamma, Triangular, Uniform, Fixed, Empirical)


def _family(quantity: object, label: str) -> object:
    """The tagged union of every distribution over one kind of quantity, with readable names."""
    members = tuple(
        type(f"{base.__name__}{label}", (base[quantity],), {"__module__": __name__})  # type: ignore[arg-type]
        for base in _FAMILY
    )
    for cls in members:  # module-level names, so scenarios pickle (replications run in worker processes)
        cls.generated = True  # type: ignore[attr-defined]  # made here, not written: no __all__ entry
        globals()[cls.__name__] = cls
    return Annotated[Union[members], Field(discriminator="dist")]  # noqa: UP007


EffortDist = _family(Effort, "Effort")
DurationDist = _family(Duration, "Duration")
AmountDist = _family(Amount, "Amount")

Distribution = Union[  # noqa: UP007
    Exponential[float], Lognormal[float], Gamma[float], Triangular[float],
    Uniform[float], Fixed[float], Empirical[float],
]


def mean_of(d: _Dist) -> float:
    """The exact mean of a distribution, in its quantity's unit (hours for times)."""
    if isinstance(d, (Exponential, Lognormal, Gamma)):
        return float(d.mean)
    if isinstance(d, Triangular):
        return (float(d.min) + float(d.mode) + float(d.max)) / 3
    if isinstance(d, Uniform):
        return (float(d.min) + float(d.max)) / 2
    if isinstance(d, Fixed):
        return float(d.value)
    if isinstance(d, Empirical):
        return sum(float(v) for v in d.values) / len(d.values)
    raise TypeError(f"not a distribution: {d!r}")
