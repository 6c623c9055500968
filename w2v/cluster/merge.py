"""The merge of a synchronous round: how the workers' changes to one row become the row's change.

Every worker trained from the same weights, so a row changed by several workers has several
changes, each made as if the others had not happened. A row changed by one worker takes its
value exactly (so one worker reproduces a one-machine run bit for bit). For a row changed by k
workers, with changes d_1..d_k, their sum S and the sum of their squared lengths Q:

    change = S / max(1, |S|^2 / Q)

|S|^2 / Q is how many of the k changes point the same way: k when they are equal, 1 when they
are orthogonal (less when they oppose). So k equal changes (every worker pushed the row to the
same place: a frequent word's row, whose round saturates it) give their mean, and k orthogonal
changes (each worker's own occurrences, independent information) give their sum; the merged
change is never longer than sqrt(Q), so it cannot run away as a plain sum does (Spark's Word2Vec
with many partitions). Measured against the plain mean and sum in docs/cluster.md.
"""

from __future__ import annotations

import numpy as np


def merge_rows(table: np.ndarray, changes: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Apply the workers' changes to `table` in place. changes[w] = (distinct row numbers, their
    new values) from worker w. Returns (the rows that changed, sorted; their merged values)."""
    if not changes:
        return np.zeros(0, np.int32), np.zeros((0, table.shape[1]), table.dtype)
    everyone = np.concatenate([rows for rows, _ in changes])
    rows, where, writers = np.unique(everyone, return_inverse=True, return_counts=True)
    summed = np.zeros((rows.size, table.shape[1]), np.float32)
    squares = np.zeros(rows.size, np.float64)
    latest = np.empty_like(summed)
    start = 0
    for worker_rows, values in changes:  # in worker order: the same sums on every run
        at = where[start : start + worker_rows.size]
        change = values - table[worker_rows]
        summed[at] += change
        squares[at] += np.einsum("ij,ij->i", change, change, dtype=np.float64)
        latest[at] = values
        start += worker_rows.size
    aligned = np.einsum("ij,ij->i", summed, summed, dtype=np.float64) / np.maximum(squares, np.finfo(np.float64).tiny)
    summed /= np.maximum(1.0, aligned).astype(np.float32)[:, None]
    merged = np.where((writers == 1)[:, None], latest, table[rows] + summed)
    table[rows] = merged
    return rows.astype(np.int32), merged
