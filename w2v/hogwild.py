"""Hogwild: chunks of segments trained by several threads at once over the same weights, without
locks, as word2vec.c does. The threads are ordinary Python threads; the kernel releases the GIL.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .weights import TrainingWeights

# A chunk (about 1M tokens) is cut into this many blocks per thread: about 8k tokens a block on
# sentences (a block is whole segments, at most 10,000 tokens). A thread merges its private rows
# after each block, so this bounds how stale its copies of the frequent words' rows get
# (bench/results/2026-12-01-threads-accuracy.md).
BLOCKS_PER_THREAD = 64
# ... but no block under this many tokens (where a chunk is small: a small corpus, many epochs),
# so that a block's fixed costs (queueing, waking a thread, merging) stay small next to its work.
MIN_BLOCK_TOKENS = 4096


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. under taskset or a container)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def thread_count(requested: int) -> int:
    """The threads training uses: `requested` (0: all), at most the cores this process may use."""
    return min(requested or available_cores(), available_cores())


class Hogwild:
    """Trains chunks of segments on weights.threads threads.

    `train_block(weights, segments)` trains one block (a kernels.Segments) with the given
    kernels.Weights and returns (loss, count). Each chunk is cut into BLOCKS_PER_THREAD blocks per
    thread (fewer if they would be under MIN_BLOCK_TOKENS) and queued; a thread takes the next
    block as soon as it finishes one, and after each block merges its private rows
    (TrainingWeights.merge_private). The caller submits the next
    chunk before it waits for the current one, so that no thread waits at a chunk's end for the
    slower one. With one thread a chunk is trained by one call, when it is submitted.

    Use as a context manager: `with Hogwild(train_block, weights) as submit: wait = submit(chunk)`;
    wait() returns the chunk's summed (loss, count) once it is trained.
    """

    def __init__(self, train_block: Callable, weights: TrainingWeights) -> None:
        self.train_block, self.weights, self.threads = train_block, weights, weights.threads
        self.pool: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._next_thread = 0
        self._thread_weights = [weights.for_thread(thread) for thread in range(self.threads)]

    def __enter__(self) -> Callable:
        self.weights.start_private_copies()
        if self.threads > 1:
            self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="w2v-train")
        return self.submit

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)  # Ctrl-C: finish the running blocks only

    def _thread(self) -> int:
        """The calling thread's number: 0, 1, ... in the order threads first ask."""
        if not hasattr(self._local, "thread"):
            with self._lock:
                self._local.thread, self._next_thread = self._next_thread, self._next_thread + 1
        return self._local.thread

    def _block(self, segments) -> tuple[float, int]:
        thread = self._thread() if self.pool is not None else 0
        result = self.train_block(self._thread_weights[thread], segments)
        self.weights.merge_private(thread)
        return result

    def submit(self, chunk) -> Callable[[], tuple[float, int]]:
        """Queue `chunk` (a kernels.Segments); return the function that waits for its result."""
        if self.pool is None:
            result = self._block(chunk)
            return lambda: result
        n = chunk.starts.size
        tokens = int(chunk.ends[-1] - chunk.starts[0]) if n else 0
        per_thread = max(1, min(BLOCKS_PER_THREAD, n // self.threads, tokens // (self.threads * MIN_BLOCK_TOKENS)))
        n_blocks = max(1, min(n, self.threads * per_thread))
        cuts = [k * n // n_blocks for k in range(n_blocks + 1)]
        # Queued so that thread t works mostly on the t-th part of the chunk (its j-th block is
        # block t * per_thread + j), as a static schedule would.
        order = [k for j in range(per_thread) for t in range(self.threads) if (k := t * per_thread + j) < n_blocks]
        futures = [self.pool.submit(self._block, _slice(chunk, cuts[k], cuts[k + 1])) for k in order]

        def wait() -> tuple[float, int]:
            results = dict(zip(order, (future.result() for future in futures), strict=True))
            return sum(results[k][0] for k in range(n_blocks)), sum(results[k][1] for k in range(n_blocks))

        return wait


def _slice(segments, lo: int, hi: int):
    """Segments lo..hi-1 of a kernels.Segments, numbered as they were."""
    return segments._replace(starts=segments.starts[lo:hi], ends=segments.ends[lo:hi], alphas=segments.alphas[lo:hi],
                             first=segments.first + lo)  # fmt: skip
