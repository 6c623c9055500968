"""The merge of a synchronous round: each row becomes the mean of what the workers that changed it
made of it.

A row changed by k workers moves by the mean of their k changes: not by their sum (k workers
pushing a frequent word's row the same way would move it k times too far: the divergence Spark's
Word2Vec shows with many partitions), and not by the sum divided by all N workers (a rare word
met by one worker would learn at 1/N of the rate). A row changed by one worker takes its value
exactly, so one worker reproduces a one-machine run bit for bit.
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
    latest = np.empty_like(summed)
    start = 0
    for worker_rows, values in changes:  # in worker order: the same sums on every run
        at = where[start : start + worker_rows.size]
        summed[at] += values - table[worker_rows]
        latest[at] = values
        start += worker_rows.size
    summed /= writers[:, None].astype(np.float32)
    merged = np.where((writers == 1)[:, None], latest, table[rows] + summed)
    table[rows] = merged
    return rows.astype(np.int32), merged
