"""Replications on a Dask cluster: `--scheduler tcp://HOST:PORT` (or $SALESMAP_SCHEDULER), or
`--scheduler local` for a `LocalCluster` of this machine's cores.

Each scenario is sent to the workers once (scattered), then every (scenario, replication) is a task
running `sim.backend.replicate`; results come back by task number, so they are byte for byte those of a
local run. A worker that dies has its tasks run again elsewhere (Dask reschedules them, and each is
retried twice more on error): a replication depends only on the seed and its number, so a rerun gives
the same result. Ctrl-C cancels the tasks on the cluster. Workers need only salesmap installed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from sim.backend import Task, replicate
from sim.errors import SalesSimError
from sim.metrics import ReplicationResult
from sim.schema import Scenario
from sim.workers import default_workers

__all__ = ["SCHEDULER_ENV", "DaskBackend", "scheduler_address"]

SCHEDULER_ENV = "SALESMAP_SCHEDULER"
CONNECT_SECONDS = 10


def scheduler_address(given: str | None) -> str | None:
    """--scheduler, else $SALESMAP_SCHEDULER, else None (local processes)."""
    return given if given is not None else os.environ.get(SCHEDULER_ENV, "").strip() or None


class DaskBackend:
    """A Dask client for one command; the LocalCluster it started (if any, with `workers` processes, default
    every core) ends with it."""

    def __init__(self, address: str, workers: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as e:  # pragma: no cover - a dependency of salesmap
            raise SalesSimError(f"the Dask backend needs the `distributed` package: {e}") from None
        self.address = address
        self._cluster: Any = None
        try:
            if address == "local":
                self._cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1,
                                             processes=True, dashboard_address=None,
                                             worker_dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self._cluster)
            else:
                if not address.startswith(("tcp://", "tls://", "inproc://", "ws://", "wss://", "ucx://")):
                    raise SalesSimError(f"--scheduler {address}: a Dask scheduler address such as "
                                        "tcp://10.0.0.5:8786, or `local`")
                self.client = Client(address, timeout=f"{CONNECT_SECONDS}s")
        except SalesSimError:
            raise
        except (OSError, TimeoutError) as e:
            self.close()
            raise SalesSimError(f"cannot reach the Dask scheduler at {address} within {CONNECT_SECONDS} s "
                                f"({type(e).__name__}: {e}); is it running? (dask scheduler, then dask worker "
                                f"{address} on each machine)") from None

    def run(self, scenarios: Sequence[Scenario], tasks: Sequence[Task], seed: int) -> Iterator[
            tuple[Task, ReplicationResult]]:
        from distributed import as_completed

        client = self.client
        shared = client.scatter(list(scenarios), broadcast=True, hash=False)
        run_id = uuid.uuid4().hex[:12]
        futures = {client.submit(replicate, shared[k], r, seed, key=f"salesmap-{run_id}-{k}-{r}", retries=2,
                                 pure=False): (k, r) for k, r in tasks}
        try:
            for fut in as_completed(list(futures)):
                yield futures[fut], fut.result()
        except BaseException:
            client.cancel(list(futures))
            raise
        finally:
            with contextlib.suppress(Exception):
                client.cancel(shared)

    def close(self) -> None:
        for thing in (getattr(self, "client", None), self._cluster):
            if thing is not None:
                with contextlib.suppress(Exception):
                    thing.close()
