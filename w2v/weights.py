"""TrainingWeights: the arrays one training run updates, made once per run.

With several threads, the output rows that every prediction touches are written by every thread
all the time, and each write makes the row's cache lines travel between the cores. Those are
the most frequent words' rows (negative sampling) and the nodes nearest the root of the
Huffman tree (hierarchical softmax: the root is on every path). So each thread but the first
trains a private copy of the first PRIVATE_ROWS rows of such a table (the words, and the nodes,
are numbered most used first) and, after every block of work, adds what it changed to the
shared rows (`merge_private`): no update is lost. The copies are kept after the shared rows in
one table (`CopiedRows`), so that a kernel indexes a single array (kernels.output_row); the
model's vectors are a view of the table's shared rows. Why 1,024 and what it gained:
bench/results/2026-11-26-scaling.md (words) and 2026-12-01-hs.md (nodes).
"""

from __future__ import annotations

import threading

import numpy as np

from .kernel_types import Weights

PRIVATE_WORDS = 1024  # rows of a table that each extra thread keeps a copy of


def private_word_count(n_rows: int, threads: int, private_words: int | None = None) -> int:
    """How many of a table's first rows each thread but the first keeps a copy of (at most
    `private_words`, default PRIVATE_WORDS as it is at the call): none with one thread."""
    return min(PRIVATE_WORDS if private_words is None else private_words, n_rows) if threads > 1 else 0


class CopiedRows:
    """A table of n_rows shared rows followed by each extra thread's copy of the first n_private.

    rows: float32[n_rows, dim], a view of the shared rows (what the model keeps)
    table: the whole float32[n_rows + (threads - 1) * n_private, dim] array the kernels index
    """

    def __init__(self, rows: np.ndarray | None, threads: int, private_words: int | None = None,
                 shape: tuple[int, int] = (0, 0)) -> None:  # fmt: skip
        """The table for these shared rows: trained in place where they are writable,
        C-contiguous float32 arrays owning their memory and no private rows are needed, else
        copied into a table with room for them. rows=None: `shape` rows of zeros."""
        n_rows, dim = shape if rows is None else rows.shape
        self.threads = threads
        self.n_private = private_word_count(n_rows, threads, private_words)
        if rows is None:
            self.table = np.zeros((n_rows + (threads - 1) * self.n_private, dim), np.float32)
        elif self.n_private:
            self.table = np.empty((n_rows + (threads - 1) * self.n_private, dim), np.float32)
            self.table[:n_rows] = rows
        else:
            self.table = np.require(rows, np.float32, ["C", "W", "O"])
        self.rows = self.table[:n_rows]
        self._merged: list[np.ndarray | None] = [None] * threads  # each thread's private rows at its last merge

    def private(self, thread: int) -> np.ndarray:
        """kernel_types.Weights' (n_private, offset) for thread `thread`: (0, 0) for the first thread
        and for every thread when there are no private rows."""
        return np.array((self.n_private, self._offset(thread)) if self.n_private and thread else (0, 0), np.int64)

    def _offset(self, thread: int) -> int:
        return len(self.rows) + (thread - 1) * self.n_private

    def _private_rows(self, thread: int) -> np.ndarray:
        offset = self._offset(thread)
        return self.table[offset : offset + self.n_private]

    def start_private_copies(self) -> None:
        """Set every extra thread's private rows to the shared rows (before a run of epochs)."""
        shared = self.rows[: self.n_private]
        for thread in range(1, self.threads if self.n_private else 1):
            self._private_rows(thread)[:] = shared
            self._merged[thread] = shared.copy()

    def merge_private(self, thread: int) -> None:
        """Add what thread `thread` changed in its private rows since its last merge to the shared
        rows (which other threads write meanwhile, without locks, as Hogwild does), then restart
        its copy from the shared rows. The caller holds a lock: one merge at a time."""
        if not (self.n_private and thread):
            return
        own, merged, shared = self._private_rows(thread), self._merged[thread], self.rows[: self.n_private]
        own -= merged  # in place: the change since the last merge
        shared += own
        own[:] = shared
        merged[:] = shared


class TrainingWeights:
    """The input vectors (word2vec.c: syn0), the output vectors (syn1neg) and hierarchical
    softmax's node vectors (syn1) of a run on `threads` threads.

    input_vectors:  float32[n_words, dim]; with subwords float32[n_words + buckets, dim]
    output_vectors: float32[n_words, dim] (shared rows of a CopiedRows); None without negative sampling
    node_vectors:   float32[n_words - 1, dim] (the same); None without hierarchical softmax
    Thread t (0 .. threads - 1) trains `for_thread(t)`.
    """

    def __init__(self, input_vectors: np.ndarray, outputs: CopiedRows | None, nodes: CopiedRows | None,
                 threads: int, subwords: tuple[np.ndarray, np.ndarray] | None = None) -> None:  # fmt: skip
        """Weights trained in place; made by `initial` or `resumed`. `subwords`: (starts, rows)
        of subwords.subword_rows, the rows each word's vector is made of; input_vectors then has
        the words' rows and the n-gram buckets' (kernel_types.Weights)."""
        n_rows, dim = input_vectors.shape
        self.threads = threads
        self.input_vectors = input_vectors
        self._outputs = outputs or CopiedRows(None, threads, shape=(0, dim))
        self._nodes = nodes or CopiedRows(None, threads, shape=(0, dim))
        self.output_vectors = None if outputs is None else outputs.rows
        self.node_vectors = None if nodes is None else nodes.rows
        self.n_private = self._outputs.n_private
        self.frozen = np.zeros(n_rows, np.uint8)  # see `freeze`
        self.subwords = subwords
        # Each thread's composed vectors (only the rows of words it has trained become resident).
        n_words = 0 if subwords is None else subwords[0].size - 1
        self._composed = [np.zeros((n_words, dim), np.float32) for _ in range(threads if subwords else 0)]
        self._slots = [np.zeros(n_words, np.int32) for _ in range(threads if subwords else 0)]
        self._lock = threading.Lock()

    def word_vectors(self) -> np.ndarray:
        """Every word's vector: the input vectors, or with subwords each word's composed vector
        (a new array)."""
        if self.subwords is None:
            return self.input_vectors
        from .subwords import compose_vectors

        return compose_vectors(self.input_vectors, *self.subwords)

    @classmethod
    def initial(cls, n_words: int, dim: int, seed: int, threads: int, private_words: int | None = None, *,
                negative: bool = True, hs: bool = False, subwords: tuple[np.ndarray, np.ndarray] | None = None,
                buckets: int = 0) -> TrainingWeights:  # fmt: skip
        """word2vec.c's initialisation: input vectors uniform in [-0.5/dim, 0.5/dim), output and
        node vectors zero; output vectors for `negative` sampling, node vectors for `hs`; with
        `subwords`, `buckets` more input rows for the n-grams (the buckets that have rows:
        subwords.compact_buckets), initialised alike."""
        rng = np.random.default_rng(seed)
        input_vectors = rng.random((n_words + (buckets if subwords is not None else 0), dim), dtype=np.float32)
        input_vectors -= 0.5  # in place: an expression would make temporary copies of the table
        input_vectors /= dim
        outputs = CopiedRows(None, threads, private_words, (n_words, dim)) if negative else None
        nodes = CopiedRows(None, threads, private_words, (n_words - 1, dim)) if hs else None
        return cls(input_vectors, outputs, nodes, threads, subwords)

    @classmethod
    def resumed(cls, input_vectors: np.ndarray, output_vectors: np.ndarray | None, threads: int,
                private_words: int | None = None, node_vectors: np.ndarray | None = None,
                subwords: tuple[np.ndarray, np.ndarray] | None = None) -> TrainingWeights:  # fmt: skip
        """Weights that continue from these vectors (a checkpoint's): trained in place where they
        are writable, C-contiguous float32 arrays owning their memory (a model loaded with
        mmap=False), else copied; output and node vectors are copied into larger tables if threads
        need private rows."""
        outputs = None if output_vectors is None else CopiedRows(output_vectors, threads, private_words)
        nodes = None if node_vectors is None else CopiedRows(node_vectors, threads, private_words)
        return cls(np.require(input_vectors, np.float32, ["C", "W", "O"]), outputs, nodes, threads, subwords)

    @property
    def nbytes(self) -> int:
        """The memory of every table: input vectors, output and node tables with private rows,
        and with subwords each thread's composed vectors and the words' rows."""
        subwords = sum(c.nbytes for c in self._composed) + sum(a.nbytes for a in self.subwords or ())
        return self.input_vectors.nbytes + self._outputs.table.nbytes + self._nodes.table.nbytes + subwords

    def start_private_copies(self) -> None:
        """Set every extra thread's private rows to the shared rows (before a run of epochs)."""
        self._outputs.start_private_copies()
        self._nodes.start_private_copies()

    def for_thread(self, thread: int) -> Weights:
        """The kernels.Weights that thread `thread` trains: the first thread, and every thread
        when there are no private rows, the shared rows only."""
        if self.subwords is None:
            return Weights(self.input_vectors, self._outputs.table, self._outputs.private(thread), self.frozen,
                           self._nodes.table, self._nodes.private(thread))  # fmt: skip
        return Weights(self.input_vectors, self._outputs.table, self._outputs.private(thread), self.frozen,
                       self._nodes.table, self._nodes.private(thread), *self.subwords, self._composed[thread],
                       self._slots[thread])  # fmt: skip

    def freeze(self, words: np.ndarray) -> None:
        """Never update the input vectors of `words` (row numbers) from now on: the kernels skip
        their input updates (--freeze-init); their output vectors still learn."""
        self.frozen[words] = 1

    def merge_private(self, thread: int) -> None:
        """Add what thread `thread` changed in its private rows (output and node tables) since its
        last merge to the shared rows, then restart its copies from them. One merge at a time."""
        if not (self._outputs.n_private or self._nodes.n_private) or not thread:
            return
        with self._lock:
            self._outputs.merge_private(thread)
            self._nodes.merge_private(thread)
