"""The MILP solvers, chosen by name, and the quiet they need: one place for both commands (optimize, staff).

CBC comes bundled with PuLP 3.3; HiGHS with `highspy`. A solver's banner goes straight to the process's
stdout, which would corrupt `--json` output, so every solve runs inside `quiet()`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import pulp

__all__ = ["SOLVERS", "quiet", "solver"]

SOLVERS = {"cbc": "PULP_CBC_CMD", "highs": "HiGHS"}


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence solver banners written straight to the process's stdout (HiGHS prints one): they would
    corrupt `--json` output. Also the PuLP 3.3 notice that its bundled CBC goes away in PuLP 4 (which
    needs Python >= 3.12 and `pulp[cbc]`; see docs/DESIGN.md): true, and nothing a user can act on."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="PULP_CBC_CMD is deprecated", category=DeprecationWarning)
            os.dup2(null.fileno(), 1)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def solver(name: str, time_limit: float, warm: bool = False, node_limit: int | None = None) -> Any:
    """The PuLP solver `name` (cbc or highs), silent, with an optional warm start.

    `node_limit` bounds the branch-and-bound work: the same nodes give the same answer on a quiet or a
    busy machine. `time_limit` (seconds of wall clock) is the safety net behind it; when it is what
    stops a solve, the answer depends on the machine's load, and the caller says so."""
    if name not in SOLVERS:
        raise ValueError(f"solver {name!r}: choose one of {', '.join(SOLVERS)}")
    work: dict[str, Any] = {}
    if node_limit is not None:
        work = {"maxNodes": node_limit} if name == "cbc" else {"mip_max_nodes": node_limit}
    with quiet():
        return pulp.getSolver(SOLVERS[name], msg=False, timeLimit=max(time_limit, 0.01), warmStart=warm, **work)
