"""Hogwild: chunks of segments trained by several threads at once over the same weights, without
locks, as word2vec.c does. The threads are ordinary Python threads; the kernel releases the GIL.

Like word2vec.c's, each thread trains its own stretch of the corpus: with T threads an epoch is
T stretches of consecutive chunks trained side by side (train.epoch_steps), not one chunk after
another shared by all threads. A real corpus runs in topics (an encyclopaedia's articles, a
user's sessions); threads on distant stretches mix them in time where threads on neighbouring
text would make one topic's updates at once.
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
# 1: each thread trains its own stretch of the corpus (above); 0: the threads share each chunk
# (w2v before 2026-12-01; kept for bench/threads.py's comparison).
THREAD_STRETCHES = 1


def stretch_count(threads: int) -> int:
    """The stretches an epoch is cut into, trained side by side, for `threads` threads."""
    return threads if THREAD_STRETCHES else 1


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
    kernels.Weights and returns (loss, count). A step (one chunk of each stretch) is cut into
    BLOCKS_PER_THREAD blocks per thread (fewer if they would be under MIN_BLOCK_TOKENS) and
    queued; a thread takes the next block as soon as it finishes one, and after each block merges
    its private rows (TrainingWeights.merge_private). The caller submits the next step before it
    waits for the current one, so that no thread waits at a step's end for the slower one. With
    one thread a step is trained by one call a part, when it is submitted.

    Use as a context manager: `with Hogwild(train_block, weights) as submit: wait = submit(parts)`;
    wait() returns the step's summed (loss, count) once it is trained.
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

    def submit(self, parts) -> Callable[[], tuple[float, int]]:
        """Queue `parts` (kernels.Segments trained side by side, one per stretch of the corpus) in
        queue_order; return the function that waits for their summed (loss, count)."""
        if self.pool is None:
            results = [self._block(part) for part in parts]
            return lambda: _summed(results)
        futures = [self.pool.submit(self._block, block) for block in queue_order(parts, self.threads)]
        return lambda: _summed([future.result() for future in futures])


def queue_order(parts, threads: int) -> list:
    """The blocks of `parts` in the order they are queued for `threads` threads: each part cut into
    threads / parts lanes (at least one), and the blocks taken one from each lane in turn, so
    that thread t works mostly on lane t, as a static schedule would (with as many parts as
    threads, thread t trains part t)."""
    lanes = [lane for part in parts for lane in _lanes(part, max(1, threads // len(parts)))]
    return [lane[j] for j in range(max(map(len, lanes))) for lane in lanes if j < len(lane)]


def _lanes(part, n_lanes: int) -> list[list]:
    """`part` cut into at most n_lanes lanes of consecutive blocks: BLOCKS_PER_THREAD blocks a
    lane, fewer where blocks would be under MIN_BLOCK_TOKENS (never under one segment)."""
    n = part.starts.size
    tokens = int(part.ends[-1] - part.starts[0]) if n else 0
    per_lane = max(1, min(BLOCKS_PER_THREAD, n // n_lanes, tokens // (n_lanes * MIN_BLOCK_TOKENS)))
    n_blocks = max(1, min(n, n_lanes * per_lane))
    cuts = [k * n // n_blocks for k in range(n_blocks + 1)]
    blocks = [_slice(part, cuts[k], cuts[k + 1]) for k in range(n_blocks)]
    return [blocks[k : k + per_lane] for k in range(0, n_blocks, per_lane)]


def _summed(results: list[tuple[float, int]]) -> tuple[float, int]:
    return sum(loss for loss, _ in results), sum(count for _, count in results)


def _slice(segments, lo: int, hi: int):
    """Segments lo..hi-1 of a kernels.Segments, numbered as they were."""
    return segments._replace(starts=segments.starts[lo:hi], ends=segments.ends[lo:hi], alphas=segments.alphas[lo:hi],
                             first=segments.first + lo)  # fmt: skip
