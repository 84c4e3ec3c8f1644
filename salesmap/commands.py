"""The commands of `salesmap`, with their one-line help: what `salesmap --help` lists without loading any
command's machinery (the simulator, the solvers, the plotting). A command's own module loads when it runs."""

from __future__ import annotations

__all__ = ["COMMANDS", "MODULES"]

COMMANDS: dict[str, str] = {
    "run": "simulate a scenario file and report KPIs with 95%% CIs",
    "compare": "run scenarios with common random numbers and compare them with the first",
    "report": "write report.html for a results folder of `run`, `compare`, `optimize`, `staff`, `sweep` or "
              "`sensitivity`",
    "map": "draw a scenario's sales-process map without simulating",
    "optimize": "recommend who should be responsible for which stage (verified by simulation)",
    "staff": "least-cost headcount per role that meets targets (verified by simulation)",
    "calibrate": "a scenario from a CRM export or event log, with a holdout check of its fit",
    "sweep": "run a scenario over ranges of its fields (common random numbers): one row per point and measure",
    "sensitivity": "which inputs move cycle time, wins and the busiest person's load the most (one at a time, "
                   "Morris or Sobol)",
    "validate": "check scenario files; exit 0 if all are fine, 2 otherwise",
    "schema": "print the JSON Schema of the scenario format (for editors)",
}
"""Command -> its help, in the order `salesmap --help` lists them."""

MODULES: dict[str, tuple[str, str]] = {
    "optimize": ("salesmap.optimize_cmd", "run_optimize"),
    "staff": ("salesmap.staff_cmd", "run_staff"),
    "calibrate": ("salesmap.calibrate_cmd", "run_calibrate"),
    "sweep": ("salesmap.sweep_cmd", "run_sweep_command"),
    "sensitivity": ("salesmap.sensitivity_cmd", "run_sensitivity_command"),
}
"""Commands defined in a module of their own: (module, the function that runs it); each module has
`add_parser(sub)`."""
