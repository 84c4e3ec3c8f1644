"""Numbers as every output file writes them: floats to 10 significant digits."""

from __future__ import annotations

from typing import Any

__all__ = ["rounded"]


def rounded(x: Any) -> Any:
    """Round floats to 10 significant digits: stable across platforms' last-bit differences."""
    if isinstance(x, float):
        return float(f"{x:.10g}")
    if isinstance(x, dict):
        return {k: rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [rounded(v) for v in x]
    return x
