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
with many partitions).

A row that several workers move the same way still moves once, though sequential training
would have moved it further if it is still drifting rather than saturated. So with two or more
workers the merged changes carry momentum from round to round (SlowMo, Wang et al. 2020): a
row that keeps drifting the same way gathers up to 1 / (1 - MOMENTUM) = 2 rounds' worth of
change, while a saturated row's changes, which do not persist, do not build up. Measured
against the plain mean, sums and other momenta in docs/cluster.md.
"""

from __future__ import annotations

import numpy as np

MOMENTUM = 0.5  # of the merged changes, with 2 or more workers (docs/cluster.md: measured 0.5, 0.75, 0.875)


def merge_rows(table: np.ndarray, changes: list[tuple[np.ndarray, np.ndarray]],
               momentum: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Apply the workers' changes to `table` in place. changes[w] = (distinct row numbers, their
    new values) from worker w. With `momentum` (float32 like `table`, kept from round to round),
    each changed row moves by momentum[row] = MOMENTUM * momentum[row] + its merged change.
    Returns (the rows that changed, sorted; their new values)."""
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
    if momentum is not None:
        start = table[rows]
        moved = MOMENTUM * momentum[rows] + (merged - start)
        momentum[rows] = moved
        merged = start + moved
    table[rows] = merged
    return rows.astype(np.int32), merged
