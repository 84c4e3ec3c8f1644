"""A results folder, owned by one run at a time.

Two runs writing into one folder used to mix their event logs silently (both named their part files
alike). A run now claims its folder first: a lock file inside it, held with a POSIX record lock for
as long as the run lives. The operating system drops the lock when the process dies, however it
dies (`kill -9` too), so a later run can prove that leftovers (hidden part and temp files) are dead
and remove them. Record locks are not inherited by forked worker processes, so a worker that
outlives its parent cannot keep a folder locked.

A run writes into a hidden staging folder inside its results folder (`work`); only when everything
is written are the files moved into place, so a run that fails half-way (a full disk, a value that
cannot be written) leaves the folder as it was. When a run replaces results (`--force`), the files of
the old results that the new run did not write (an event log, a report, a compare sub-folder) are
removed, so a folder never holds files of two runs.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets
import shutil
from pathlib import Path
from types import TracebackType

from sim.errors import SalesSimError

__all__ = ["LOCK_NAME", "OUTPUT_NAMES", "RESULT_MARKERS", "STAGING_PREFIX", "FolderInUseError", "ResultsFolder",
           "plain_name"]

LOCK_NAME = ".salesmap.lock"
RESULT_MARKERS = ("summary.json", "comparison.json", "recommendation.json", "staffing.json", "sweep.json",
                  "sensitivity.json")
"""A folder holding any of these holds results: writing into it needs --force, whichever command."""
OUTPUT_NAMES = (*RESULT_MARKERS, "scenario.yaml", "stages.csv", "staff.csv", "weekly.csv", "cycle_times.csv",
                "events.csv", "report.html", "recommended.yaml", "today.yaml", "staffed.yaml", "sweep.csv",
                "sweep.parquet", "sensitivity.csv")
"""Every file name a salesmap command writes into a results folder (and so may remove on --force)."""

STAGING_PREFIX = ".staging-"
_HELD: set[Path] = set()  # record locks are per process: a second claim here must be refused by hand


class FolderInUseError(SalesSimError):
    """Another run is writing into the results folder."""


def _leftover(name: str) -> bool:
    """Hidden part and temp files of salesmap's own writers (sim.atomic, sim.eventlog)."""
    return name.startswith(".") and name.endswith((".part", ".tmp"))


class ResultsFolder:
    """Claim `path` for one run: `with ResultsFolder(out, force=...) as folder:` then write into `folder.work`.

    Raises FolderInUseError when another live run holds the folder, and SalesSimError when it holds
    results and `force` is not given, or cannot be made.
    """

    def __init__(self, path: Path, force: bool = False, option: str = "--out", replace: bool = True) -> None:
        self.path = path
        self.force = force
        self.option = option
        self.replace = replace  # False: add to the results already there (a report), never remove them
        self._fd: int | None = None
        self._old_folders: list[str] = []
        self.work = path / f"{STAGING_PREFIX}{secrets.token_hex(6)}"
        """Where this run writes; moved into `path` when the run ends well."""

    def __enter__(self) -> ResultsFolder:
        out = self.path
        if out.exists() and not out.is_dir():
            raise SalesSimError(f"{self.option} {out}: exists and is not a folder")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise SalesSimError(f"{self.option} {out}: cannot make the folder ({e.strerror})") from None
        self._lock()
        try:
            held = [m for m in RESULT_MARKERS if (out / m).exists()] if self.replace else []
            if held and not self.force:
                raise SalesSimError(f"{self.option} {out}: already holds results ({held[0]}); "
                                    "pass --force to replace them")
            self._remove_leftovers()
            self._old_folders = _compared_folders(out) if self.force and self.replace else []
            self.work.mkdir()
        except BaseException:
            self._unlock()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if kind is None:
                self._commit()
            shutil.rmtree(self.work, ignore_errors=True)
        except BaseException:
            if kind is not None:
                shutil.rmtree(self.work, ignore_errors=True)
            raise
        finally:
            self._unlock()

    def _commit(self) -> None:
        """Move what this run wrote into place; then remove what is left of the old results.

        A sub-folder is replaced only if it holds nothing but salesmap's own files: a folder of the
        user's that happens to share a scenario's name is never deleted (the results then stay in the
        staging folder, and the message says where)."""
        written = {p.name for p in self.work.iterdir()}
        clash = [n for n in sorted(written) if (self.work / n).is_dir() and (self.path / n).exists()
                 and not _ours(self.path / n)]
        if clash:
            raise SalesSimError(f"{self.option} {self.path}: {clash[0]} holds files salesmap did not write; "
                                f"nothing was replaced, the new results are in {self.work}")
        for name in sorted(written):
            target = self.path / name
            if (self.work / name).is_dir() and target.is_dir():
                _remove_ours(target)
            os.replace(self.work / name, target)
        self._remove_stale(written)

    def _lock(self) -> None:
        key = self.path.resolve()
        if key in _HELD:
            raise FolderInUseError(self._in_use(str(os.getpid())))
        for _ in range(20):  # a lock file removed between our open and our lock: take the new one
            fd = self._open_lock()
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                os.close(fd)
                if e.errno in (errno.EAGAIN, errno.EACCES):
                    raise FolderInUseError(self._in_use(owner)) from None
                raise SalesSimError(f"{self.option} {self.path}: cannot lock the folder ({e.strerror})") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path / LOCK_NAME).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        else:  # pragma: no cover - twenty runs racing for one folder
            raise FolderInUseError(self._in_use(""))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        _HELD.add(key)

    def _open_lock(self) -> int:
        try:
            return os.open(self.path / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise SalesSimError(f"{self.option} {self.path}: cannot write there ({e.strerror})") from None

    def _in_use(self, owner: str) -> str:
        who = f" (process {owner})" if owner.isdigit() else ""
        return (f"{self.option} {self.path}: another salesmap run{who} is writing there; wait for it to "
                "finish or choose another folder")

    def _unlock(self) -> None:
        if self._fd is None:
            return
        _HELD.discard(self.path.resolve())
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.unlink(self.path / LOCK_NAME)  # while still locked: a waiting run then takes a new file
        os.close(fd)  # closing drops the record lock

    def _remove_leftovers(self) -> None:
        """Part, temp and staging files a dead run left (no live run holds the folder: we hold its lock)."""
        for entry in self.path.iterdir():
            if entry.name.startswith(STAGING_PREFIX) and entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
        for top, _dirs, files in os.walk(self.path):
            for name in files:
                if _leftover(name):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(Path(top) / name)

    def _remove_stale(self, written: set[str]) -> None:
        if not (self.force and self.replace):
            return
        for name in OUTPUT_NAMES:
            if name not in written:
                with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                    (self.path / name).unlink()
        for name in self._old_folders:
            sub = self.path / name
            if name not in written and sub.is_dir() and _ours(sub):
                _remove_ours(sub)


def plain_name(name: str) -> bool:
    """A sub-folder name salesmap writes: one path component, not hidden, no way out of the folder."""
    return bool(name) and name not in (".", "..") and not name.startswith(".") and not any(c in name for c in "/\\\0")


def _ours(folder: Path) -> bool:
    """A real folder holding only files salesmap writes (and so safe to replace)."""
    return folder.is_dir() and not folder.is_symlink() and all(
        e.name in OUTPUT_NAMES and e.is_file() and not e.is_symlink() for e in folder.iterdir())


def _remove_ours(folder: Path) -> None:
    for e in folder.iterdir():
        e.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def _compared_folders(out: Path) -> list[str]:
    """The scenario sub-folders an old comparison.json names: plain names inside the folder only."""
    try:
        data = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    folders = data.get("folders") if isinstance(data, dict) else None
    if not isinstance(folders, dict):
        return []
    return [f for f in folders.values() if isinstance(f, str) and plain_name(f)]
