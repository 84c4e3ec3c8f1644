"""Calibration: from a team's CRM export or event log to a scenario, with proof that it fits.

    readers, xes, mapping   CSV exports (opportunities, stage history, event logs) and XES -> observed deals
    deals                   the observed deals: stage visits, work items, outcome, or open at the as-of date
    outcomes, fit           where deals go (competing risks) and how long it takes (likelihood, KS check)
    arrivals, quarters      arrivals per source: rate, weekday and monthly profile, dispersion, quarter-ends
    team                    the working week, people, roles, personal speed and win rates (shrunk)
    estimate                all of it for one export -> Estimates; write: the scenario and the pipeline CSV
    measures, fitness       the holdout check: fit before a split date, simulate after, compare alike
    calibration             one calibration start to end (data problems, checks, nothing written early)

`sim` never imports this package; this package never imports `optimize` or `salesmap`.
"""
