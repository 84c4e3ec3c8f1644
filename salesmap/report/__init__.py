"""The HTML report and the sales-process map."""

from salesmap.report.html import ReportError, compare_report, map_page, report_for, run_report

__all__ = ["ReportError", "compare_report", "map_page", "report_for", "run_report"]
