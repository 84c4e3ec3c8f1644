"""Read a text file a user points salesmap at (a scenario, an open pipeline) with errors they can act on:
too large, not UTF-8, unreadable — each a ScenarioError naming the file, never a traceback."""

from __future__ import annotations

from pathlib import Path

from sim.errors import Problem, ScenarioError

__all__ = ["read_text"]


def read_text(path: Path, source: str, max_bytes: int, too_big: str = "", encoding: str = "utf-8") -> str:
    """The file's text; `too_big` is added to the message of a file over `max_bytes`."""
    try:
        if path.stat().st_size > max_bytes:
            raise ScenarioError(source, [Problem((), f"larger than {max_bytes:,} bytes{too_big}")])
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError as e:
        raise ScenarioError(source, [Problem((), f"not UTF-8 text ({e.reason} at byte {e.start})")]) from None
    except OSError as e:
        raise ScenarioError(source, [Problem((), f"cannot read: {e.strerror}")]) from None
