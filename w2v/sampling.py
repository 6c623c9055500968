"""Probability tables from word counts (numpy only): subsampling and the noise distribution."""

from __future__ import annotations

import numpy as np

NOISE_POWER = 0.75  # word2vec.c raises counts to 3/4 for the negative-sampling distribution


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """Probability of keeping each occurrence of a word, float32[n_words].

    word2vec.c: a word with count c is kept with probability (sqrt(c / (s T)) + 1) (s T) / c,
    T the total count of vocabulary words; capped at 1. sample = 0 keeps everything.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones(counts.shape, dtype=np.float32)
    threshold = sample * counts.sum()
    with np.errstate(divide="ignore"):  # a count of 0 (never seen) gives inf, capped to 1
        keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    return np.minimum(keep, 1.0).astype(np.float32)


def noise_distribution(counts: np.ndarray, power: float = NOISE_POWER) -> np.ndarray:
    """Probability of drawing each word as a negative sample, proportional to count**power."""
    weights = np.asarray(counts, dtype=np.float64) ** power
    return weights / weights.sum()
