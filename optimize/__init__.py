"""Decisions: who should be responsible for which stage, and how many people each role needs.

Imports `sim`; `sim` never imports it.
"""

from optimize.assign import Objective, Plan, Settings, Status, check_plan, solve_assignment
from optimize.workload import PersonCapacity, WorkItem, Workload, measure_workload

__all__ = ["Objective", "PersonCapacity", "Plan", "Settings", "Status", "WorkItem", "Workload", "check_plan",
           "measure_workload", "solve_assignment"]
