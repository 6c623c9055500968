"""TrainingWeights: the arrays one training run updates, made once per run.

With several threads, the most frequent words' output rows are written by every thread all the
time, and each write makes the row's cache lines travel between the cores. So each thread but
the first trains a private copy of the PRIVATE_WORDS most frequent words' output rows and, after
every block of work, adds what it changed to the shared rows (`merge_private`): no update is
lost. The copies are kept after the shared rows in one output table, so that a kernel indexes a
single array (kernels.output_row); the model's output vectors are a view of the table's first
n_words rows. Why 1,024 and what it gained: bench/results/2026-11-26-scaling.md.
"""

from __future__ import annotations

import threading

import numpy as np

from .kernel_types import Weights

PRIVATE_WORDS = 1024


def private_word_count(n_words: int, threads: int, private_words: int | None = None) -> int:
    """How many of the most frequent words' output rows each thread but the first keeps a copy
    of (at most `private_words`, default PRIVATE_WORDS as it is at the call): none with one thread."""
    return min(PRIVATE_WORDS if private_words is None else private_words, n_words) if threads > 1 else 0


class TrainingWeights:
    """The input vectors (word2vec.c: syn0) and the output table (syn1neg, then each extra
    thread's private rows) of a run on `threads` threads.

    input_vectors:  float32[n_words, dim]
    output_vectors: float32[n_words, dim], a view of the table's shared rows
    Thread t (0 .. threads - 1) trains `for_thread(t)`.
    """

    def __init__(self, input_vectors: np.ndarray, table: np.ndarray, threads: int,
                 private_words: int | None = None) -> None:  # fmt: skip
        """Weights trained in place: input_vectors float32[n_words, dim] and the output table
        float32[n_words + (threads - 1) * n_private, dim]. Made by `initial` or `resumed`."""
        n_words = input_vectors.shape[0]
        self.threads = threads
        self.n_private = private_word_count(n_words, threads, private_words)
        if table.shape[0] != self._table_rows(n_words, threads, private_words):
            raise ValueError(f"an output table of {table.shape[0]} rows for {n_words} words on {threads} threads")
        self.input_vectors = input_vectors
        self._table = table
        self.output_vectors = table[:n_words]
        self.frozen = np.zeros(n_words, np.uint8)  # see `freeze`
        self._lock = threading.Lock()
        self._merged: list[np.ndarray | None] = [None] * threads  # each thread's private rows at its last merge

    @staticmethod
    def _table_rows(n_words: int, threads: int, private_words: int | None) -> int:
        return n_words + (threads - 1) * private_word_count(n_words, threads, private_words)

    @classmethod
    def initial(cls, n_words: int, dim: int, seed: int, threads: int,
                private_words: int | None = None) -> TrainingWeights:  # fmt: skip
        """word2vec.c's initialisation: input vectors uniform in [-0.5/dim, 0.5/dim), output zero."""
        rng = np.random.default_rng(seed)
        input_vectors = rng.random((n_words, dim), dtype=np.float32)
        input_vectors -= 0.5  # in place: an expression would make temporary copies of the table
        input_vectors /= dim
        table = np.zeros((cls._table_rows(n_words, threads, private_words), dim), np.float32)
        return cls(input_vectors, table, threads, private_words)

    @classmethod
    def resumed(cls, input_vectors: np.ndarray, output_vectors: np.ndarray, threads: int,
                private_words: int | None = None) -> TrainingWeights:  # fmt: skip
        """Weights that continue from these vectors (a checkpoint's): trained in place where they
        are writable, C-contiguous float32 arrays owning their memory (a model loaded with
        mmap=False), else copied; the output vectors are copied into a larger table if threads
        need private rows."""
        n_words, dim = input_vectors.shape
        rows = cls._table_rows(n_words, threads, private_words)
        if rows == n_words:
            table = np.require(output_vectors, np.float32, ["C", "W", "O"])
        else:
            table = np.empty((rows, dim), np.float32)
            table[:n_words] = output_vectors
        return cls(np.require(input_vectors, np.float32, ["C", "W", "O"]), table, threads, private_words)

    def _private_rows(self, thread: int) -> np.ndarray:
        """Thread `thread`'s copy of the first n_private output rows (a view of the table)."""
        offset = self._offset(thread)
        return self._table[offset : offset + self.n_private]

    def _offset(self, thread: int) -> int:
        return len(self.output_vectors) + (thread - 1) * self.n_private

    def start_private_copies(self) -> None:
        """Set every extra thread's private rows to the shared rows (before a run of epochs)."""
        shared = self.output_vectors[: self.n_private]
        for thread in range(1, self.threads if self.n_private else 1):
            self._private_rows(thread)[:] = shared
            self._merged[thread] = shared.copy()

    def for_thread(self, thread: int):
        """The kernels.Weights that thread `thread` trains: the first thread, and every thread
        when there are no private rows, the shared rows only."""
        private = (self.n_private, self._offset(thread)) if self.n_private and thread else (0, 0)
        return Weights(self.input_vectors, self._table, np.array(private, np.int64), self.frozen)

    def freeze(self, words: np.ndarray) -> None:
        """Never update the input vectors of `words` (row numbers) from now on: the kernels skip
        their input updates (--freeze-init); their output vectors still learn."""
        self.frozen[words] = 1

    def merge_private(self, thread: int) -> None:
        """Add what thread `thread` changed in its private rows since its last merge to the shared
        rows (which other threads write meanwhile, without locks, as Hogwild does), then restart
        its copy from the shared rows. One merge at a time."""
        if not (self.n_private and thread):
            return
        own, merged, shared = self._private_rows(thread), self._merged[thread], self.output_vectors[: self.n_private]
        with self._lock:
            own -= merged  # in place: the change since the last merge
            shared += own
            own[:] = shared
            merged[:] = shared
