"""What crosses from Python into the training kernels (kernels.py), as NamedTuples that numba
compiles, so that kernels and callers read by name; plain Python, so that the training loop can
build them without importing numba.

  Weights   the rows one thread trains (input vectors, output vectors, its private rows)
  Sampling  the random-choice tables from the counts (subsampling, noise words)
  Settings  window and negative
  Segments  a run of segments (pieces of lines) to train, with their learning rates and seed
  Scratch   one thread's work buffers (made inside the kernel)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# The training methods, one compiled entry point each (see `trainer`).
SKIPGRAM = "skipgram"  # noise words drawn once per centre word, shared by its window
SKIPGRAM_EXACT = "skipgram_exact"  # word2vec.c's per-pair update, fresh noise words per pair
CBOW = "cbow"  # the mean of the context input vectors predicts the centre (word2vec.c)
METHODS = (SKIPGRAM, SKIPGRAM_EXACT, CBOW)
WIDE_FROM_DIM = 64  # skip-gram uses its 512-bit compilation from this many dimensions


class Weights(NamedTuple):
    """The rows one thread trains.

    input_vectors:  float32[n_words, dim] (syn0)
    output_vectors: float32[n_rows, dim] (syn1neg): n_words shared rows, then the private copies
    private:        int64[2] = (n_private, offset): this thread reads and writes the output row of
                    a word below n_private (the most frequent) at word + offset, its own copy; (0, 0)
                    for a thread without one (see `output_row`)
    frozen:         uint8[n_words]: 1 for a word whose input vector is never updated (--freeze-init)
    """

    input_vectors: np.ndarray
    output_vectors: np.ndarray
    private: np.ndarray
    frozen: np.ndarray


class Sampling(NamedTuple):
    """Random-choice tables from the word counts (see sampling.py).

    keep:            float32[n_words], probability of keeping each occurrence (subsampling)
    noise_threshold: float32[n_words], noise_alias: int32[n_words]: the noise distribution's
                     alias table (`build_alias_table`)
    """

    keep: np.ndarray
    noise_threshold: np.ndarray
    noise_alias: np.ndarray


class Settings(NamedTuple):
    window: int  # largest context distance
    negative: int  # noise words per prediction
    shrink: bool = True  # each centre draws its window in 1..window (word2vec.c); else always `window`


class Segments(NamedTuple):
    """A run of segments to train, one after another.

    tokens: int32[...]; starts, ends: int64[n_segments] into tokens; alphas: float32[n_segments],
    each segment's learning rate; segment s draws its randomness from
    segment_state(seed, first + s), so a result does not depend on how segments are split
    between calls.
    """

    tokens: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    alphas: np.ndarray
    first: int
    seed: np.uint64


class Scratch(NamedTuple):
    """One thread's work buffers (`new_scratch`); n_cols = negative + 1 rounded up to even (the
    kernels take targets and contexts two at a time). Word ids are unsigned here: a row indexed
    by a signed id costs a negative-index check per row.

    sentence: uint32[longest], the subsampled segment
    contexts: uint32[2 window + 2], the current centre's context words
    plans:    uint32[2, n_cols], halves: int64[2]: the targets and window half-width drawn for a
              centre one centre ahead (see `_plan`), in two alternating turns
    scores:   float32[2 window + 2, n_cols], a block of scores, then of gradients
    labels, valid: float32[scores.size]: per flat score, its label (1 in column 0) and whether
              it counts (1 in the first negative + 1 columns)
    vectors:  float32[max(n_cols, 2), dim]: skip-gram's per-target output gradients; CBOW's
              mean (0) and gradient (1); exact skip-gram's gradient (0)
    """

    sentence: np.ndarray
    contexts: np.ndarray
    plans: np.ndarray
    halves: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    valid: np.ndarray
    vectors: np.ndarray


def shared_weights(input_vectors: np.ndarray, output_vectors: np.ndarray, frozen: np.ndarray | None = None) -> Weights:
    """Weights for a thread that keeps no private rows (`frozen`: none unless given)."""
    if frozen is None:
        frozen = np.zeros(input_vectors.shape[0], np.uint8)
    return Weights(input_vectors, output_vectors, np.zeros(2, np.int64), frozen)
