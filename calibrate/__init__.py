"""Calibration: from a team's CRM export or event log to a scenario, with proof that it fits.

    readers   CSV exports (opportunities, stage history, event logs) and XES → observed deals
    deals     the observed deals: stage visits, owners, outcome, value (the data, apart from its format)
    estimate  rates, routing with censoring, times in stage, people and roles, values → Estimates
    write     Estimates → a scenario file with a comment per number, and the open pipeline CSV
    fitness   fit before a split date, simulate the holdout, compare with what really happened

`sim` never imports this package.
"""
