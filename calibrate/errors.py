"""Errors in an export: each names the file and, where known, the row and the column."""

from __future__ import annotations

from sim.errors import SalesSimError

__all__ = ["ExportError"]


class ExportError(SalesSimError):
    """An input file calibrate cannot use as it is; the command line exits with code 2."""

    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None) -> None:
        where = file + (f", row {row}" if row is not None else "") + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {message}")
        self.file, self.row, self.column = file, row, column
