"""Where a cluster run's shards live: in this process, one after another (the simulator), or in
the workers of a Dask cluster. Both run the same tasks (shard.py) in the same order; a backend
only places them and moves their arguments and results.

    call(w, fn, *args) -> handle   run fn on worker w (arguments may be handles)
    item(handle, key) -> handle    handle's result[key], computed where the result is
    gather(handles) -> values      the results, at the driver
    settle(handles, seconds)       wait a while for tasks whose results do not matter (clean-up)
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import operator
import time
from collections.abc import Callable

from ..errors import ConfigError, W2VError

CLUSTER_MISSING = "--cluster needs dask.distributed: pip install 'w2v[cluster]' (or pip install 'dask[distributed]')"
_POLL_SECONDS = 1.0
_WAIT_SECONDS = 60
CLOSE_SECONDS = 10  # the longest a run's clean-up waits for the workers or the scheduler


def parse_cluster(spec: str) -> tuple[str, int | str]:
    """("simulate", N), ("local", N) or ("address", ADDRESS) for a --cluster value."""
    kind, _, value = spec.partition(":")
    if kind in ("simulate", "local"):
        if not value.isdigit() or int(value) < 1:
            raise ConfigError(f"--cluster {spec}: {kind}:N needs a number of workers N >= 1")
        return kind, int(value)
    if "://" in spec or value.isdigit():
        return "address", spec
    raise ConfigError(f"--cluster {spec!r} is not local:N, simulate:N or a scheduler's address (tcp://HOST:PORT)")


class Simulated:
    """N workers in this process, their tasks run at once, in order: deterministic, no timing."""

    kind = "simulate"

    def __init__(self, n: int) -> None:
        self.n = n

    def call(self, worker: int, fn: Callable, *args):
        return fn(*args)

    def item(self, handle, key):
        return handle[key]

    def scatter(self, value):
        return value

    def gather(self, handles: list) -> list:
        return list(handles)

    def settle(self, handles: list, seconds: float) -> None:
        pass

    def close(self) -> None:
        pass


class DaskCluster:
    """The workers of a Dask cluster: a running scheduler's (`address`), or a LocalCluster of
    `n` worker processes on 127.0.0.1 started here and stopped at close. Worker w is the w-th
    worker by address when the run starts; a task runs on its worker only."""

    kind = "dask"

    def __init__(self, address: str | None = None, n: int = 0, wait_for: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise W2VError(CLUSTER_MISSING) from None
        self.cluster = None
        self._sender = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="w2v-scatter")
        if address is None:
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                        dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)  # fmt: skip
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(address, timeout=30)
            except (OSError, TimeoutError) as error:
                raise W2VError(f"cannot reach the Dask scheduler at {address}: {error}") from None
            if wait_for:  # a resumed run needs as many workers as it had (a restarted one may be on its way)
                try:
                    self.client.wait_for_workers(wait_for, timeout=_WAIT_SECONDS)
                except TimeoutError:
                    n_now = len(self.client.nthreads())
                    self.close()
                    raise W2VError(f"the checkpoint was trained by {wait_for} workers; the cluster at {address} has "
                                   f"{n_now} after {_WAIT_SECONDS} s: resume on {wait_for}") from None  # fmt: skip
        self.addresses = sorted(self.client.nthreads())
        self.n = len(self.addresses)
        if not self.n:
            self.close()
            raise W2VError(f"the Dask scheduler at {address} has no workers")
        self._where: dict[str, str] = {}

    def call(self, worker: int, fn: Callable, *args):
        address = self.addresses[worker]
        future = self.client.submit(fn, *args, workers=[address], allow_other_workers=False, pure=False)
        self._where[future.key] = address
        return future

    def item(self, handle, key):
        address = self._where[handle.key]
        future = self.client.submit(operator.getitem, handle, key, workers=[address], allow_other_workers=False,
                                    pure=False)  # fmt: skip
        self._where[future.key] = address
        return future

    def scatter(self, value):
        """`value` sent once to every worker (for arguments that every worker gets); WorkerLost if
        a worker of the run has left (the scatter would wait for it)."""
        self._check_workers()
        size = _nbytes(value)
        deadline = time.monotonic() + 60 + size / 10e6
        # In a thread of its own: a scatter to a worker that dies meanwhile can wait forever (its own
        # timeout only covers finding the workers), so the run checks the workers while it waits.
        # The value goes in a list: a dict would be scattered key by key.
        sending = self._sender.submit(self.client.scatter, [value], broadcast=True, hash=False)
        while True:
            try:
                return sending.result(timeout=_POLL_SECONDS)[0]
            except concurrent.futures.TimeoutError:
                self._check_workers()
                if time.monotonic() > deadline:
                    raise W2VError(f"sending {size / 2**20:,.0f} MB to the workers timed out") from None
            except Exception:  # a worker that left meanwhile fails the scatter (KeyError, CommClosedError)
                self._check_workers()
                raise

    def _check_workers(self) -> None:
        lost = sorted(set(self.addresses) - set(self.client.nthreads()))
        if lost:
            raise WorkerLost(lost[0])

    def gather(self, handles: list) -> list:
        """The results; W2VError if a worker of the run leaves the cluster meanwhile (its task
        would wait for it forever) or a task fails."""
        from distributed import wait

        while True:
            try:
                wait(handles, timeout=_POLL_SECONDS)
                break
            except TimeoutError:
                self._check_workers()
            except Exception as error:  # futures cancelled: the scheduler gave up on a worker's task
                self._check_workers()
                raise WorkerLost(f"{type(error).__name__}: {error}") from None
        from distributed import KilledWorker
        from distributed.client import FutureCancelledError
        from distributed.comm.core import CommClosedError

        try:
            results = self.client.gather(handles)
        except (KilledWorker, CommClosedError, FutureCancelledError) as error:  # a worker died in the task
            raise WorkerLost(f"{type(error).__name__}: {error}") from None
        for handle in handles:
            self._where.pop(handle.key, None)
        return results

    def settle(self, handles: list, seconds: float) -> None:
        """Wait at most `seconds` for these tasks, whatever becomes of them (clean-up)."""
        from distributed import wait

        with contextlib.suppress(Exception):
            wait(handles, timeout=seconds)

    def close(self) -> None:
        self._sender.shutdown(wait=False, cancel_futures=True)  # never wait for a scatter to a lost worker
        with contextlib.suppress(Exception):
            self.client.close(timeout=CLOSE_SECONDS)
        if self.cluster is not None:
            self.cluster.close()


def _nbytes(value) -> int:
    """Bytes of the arrays in a (nested) dict, tuple or list of them."""
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    return int(getattr(value, "nbytes", 0))


class WorkerLost(W2VError):
    """A worker of the run left the cluster (or failed) during a task."""

    def __init__(self, what: str) -> None:
        super().__init__(f"a worker was lost ({what})")


def open_backend(spec: str, workers: int | None = None):
    """The backend of a --cluster value; `workers`: how many a resumed run needs (waited for at an address)."""
    kind, value = parse_cluster(spec)
    if kind == "simulate":
        return Simulated(value)
    if kind == "local":
        return DaskCluster(n=value)
    return DaskCluster(address=value, wait_for=workers)
