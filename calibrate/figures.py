"""A number calibration wrote, with where it came from: n, a 95% interval, measured or ASSUMED."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Figure"]


@dataclass(frozen=True)
class Figure:
    value: float
    n: int = 0
    low: float | None = None
    high: float | None = None
    source: str = ""
    """How it was measured, or `ASSUMED: why` when the data cannot tell."""

    @property
    def assumed(self) -> bool:
        return self.source.startswith("ASSUMED")

    def comment(self, fmt: str = "{:.3g}") -> str:
        """The YAML comment a scenario carries beside the number."""
        if self.assumed:
            return self.source
        ci = f", 95% CI {fmt.format(self.low)}–{fmt.format(self.high)}" if self.low is not None \
            and self.high is not None else ""
        return f"n={self.n:,}{ci}; {self.source}" if self.source else f"n={self.n:,}{ci}"

    def json(self) -> dict[str, object]:
        return {"value": self.value, "n": self.n, "ci95": None if self.low is None else [self.low, self.high],
                "source": self.source, "assumed": self.assumed}
