"""How much does this machine give a second thread, for code that shares nothing?

A throughput-bound loop (vector multiply-adds over a private, L1-resident buffer) and a
latency-bound loop (one dependent chain), each run by 1 and by 2 Python threads calling a
nogil numba function, with the same work per thread. On two real cores both scale 2x; when
the two CPUs share a core's execution units (SMT siblings on the host) or the clock drops with
both busy, the throughput-bound loop scales less, and so does the arithmetic-bound part of
w2v's kernel (the part waiting on memory scales like the second loop): `compare.py` prints
both figures beside w2v's own 2-thread / 1-thread ratio, measured in the same session.

    python bench/machine.py
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np


@numba.njit(nogil=True, fastmath=True, cache=True)
def _throughput(buffer, reps):
    for _ in range(reps):
        for i in range(buffer.shape[0]):
            buffer[i] = buffer[i] * np.float32(0.9999) + np.float32(0.0001)
    return buffer[0]


@numba.njit(nogil=True, cache=True)
def _latency(x, reps):
    for _ in range(reps):
        x = x * 0.9999999 + 1e-7
    return x


def _seconds(function, threads: int, make_args) -> float:
    with ThreadPoolExecutor(threads) as pool:
        args = [make_args() for _ in range(threads)]
        start = time.perf_counter()
        for future in [pool.submit(function, *a) for a in args]:
            future.result()
        return time.perf_counter() - start


def scaling(runs: int = 5) -> dict[str, float]:
    """{'throughput': x, 'latency': y}: 2 threads' rate over 1 thread's, medians of `runs`."""
    loops = {
        "throughput": (_throughput, lambda: (np.ones(1024, np.float32), 3_000_000)),
        "latency": (_latency, lambda: (1.0, 100_000_000)),
    }
    result = {}
    for name, (function, make_args) in loops.items():
        _seconds(function, 1, make_args)  # compile / warm
        one = statistics.median(_seconds(function, 1, make_args) for _ in range(runs))
        two = statistics.median(_seconds(function, 2, make_args) for _ in range(runs))
        result[name] = 2 * one / two
    return result


if __name__ == "__main__":
    for name, ratio in scaling().items():
        print(f"{name}-bound loop, 2 threads / 1 thread: x{ratio:.2f}")
