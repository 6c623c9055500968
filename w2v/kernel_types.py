"""What crosses from Python into the training kernels (kernels.py), as NamedTuples that numba
compiles, so that kernels and callers read by name; plain Python, so that the training loop can
build them without importing numba.

  Weights   the rows one thread trains (input vectors, output vectors, its private rows, and
            hierarchical softmax's node vectors)
  Sampling  the tables made from the counts: subsampling, noise words, the Huffman tree
  Tree      hierarchical softmax's Huffman tree: each word's path of nodes and branches
  Settings  window, negative, hierarchical softmax or not
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
# Hierarchical softmax (Settings.hs): skip-gram alone in SKIPGRAM_HS (word2vec.c's pair-by-pair
# update computed a window at a time), with negative sampling too in SKIPGRAM_EXACT; CBOW in
# CBOW_HS. (A block of a window's pairs from one snapshot, without SKIPGRAM_HS's corrections,
# scored 0.8-0.9 analogy points lower: bench/results/2026-12-01-stretches.md.)
SKIPGRAM_HS = "skipgram_hs"
CBOW_HS = "cbow_hs"
METHODS = (SKIPGRAM, SKIPGRAM_EXACT, CBOW, SKIPGRAM_HS, CBOW_HS)
WIDE_FROM_DIM = 64  # skip-gram uses its 512-bit compilation from this many dimensions


_NO_ROWS = np.zeros(0, np.int64)
_NO_VECTORS = np.zeros((0, 0), np.float32)
_NO_SLOTS = np.zeros(0, np.int32)


class Weights(NamedTuple):
    """The rows one thread trains.

    input_vectors:  float32[n_words, dim] (syn0)
    output_vectors: float32[n_rows, dim] (syn1neg): n_words shared rows, then the private copies
    private:        int64[2] = (n_private, offset): this thread reads and writes the output row of
                    a word below n_private (the most frequent) at word + offset, its own copy; (0, 0)
                    for a thread without one (see `output_row`)
    frozen:         uint8[n_words]: 1 for a word whose input vector is never updated (--freeze-init)
    node_vectors:   float32[n_rows, dim] (syn1): hierarchical softmax's inner nodes, as numbered by
                    Tree.points (n_words - 1 shared rows), then the private copies; no rows
                    without hierarchical softmax
    node_private:   int64[2], as `private` for node_vectors (the nodes nearest the root come first)
    With subwords (subwords.py), input_vectors holds n_words + buckets rows and:
    subword_starts: int64[n_words + 1], subword_rows: int64[...]: word w's rows are
                    subword_rows[subword_starts[w]:subword_starts[w + 1]]; both empty without subwords
    composed:       float32[n_words, dim], this thread's: the composed vectors of the words of the
                    sentence being trained (the sentence kernels read and train these)
    slots:          int32[n_words], this thread's, 0 except while a sentence trains (see _compose)
    """

    input_vectors: np.ndarray
    output_vectors: np.ndarray
    private: np.ndarray
    frozen: np.ndarray
    node_vectors: np.ndarray
    node_private: np.ndarray
    subword_starts: np.ndarray = _NO_ROWS
    subword_rows: np.ndarray = _NO_ROWS
    composed: np.ndarray = _NO_VECTORS
    slots: np.ndarray = _NO_SLOTS


class Tree(NamedTuple):
    """Hierarchical softmax's Huffman tree over the vocabulary (huffman.py), as word2vec.c walks
    it: word w's path from the root is points[starts[w]:starts[w + 1]] (inner nodes: rows of
    Weights.node_vectors, the root first), and codes[i] says which branch leads on from
    points[i] towards w (0 or 1; the node predicts 1 - code).

    starts: int64[n_words + 1]; points: int32[total]; codes: uint8[total]
    longest: the longest path (0 for no tree)
    """

    starts: np.ndarray
    points: np.ndarray
    codes: np.ndarray
    longest: int


NO_TREE = Tree(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.uint8), 0)


class Sampling(NamedTuple):
    """The tables made from the word counts (see sampling.py and huffman.py).

    keep:            float32[n_words], probability of keeping each occurrence (subsampling)
    noise_threshold: float32[n_words], noise_alias: int32[n_words]: the noise distribution's
                     alias table (`build_alias_table`)
    tree:            the Huffman tree, for hierarchical softmax (NO_TREE without it)
    """

    keep: np.ndarray
    noise_threshold: np.ndarray
    noise_alias: np.ndarray
    tree: Tree = NO_TREE


class Settings(NamedTuple):
    window: int  # largest context distance
    negative: int  # noise words per prediction (0: no negative sampling)
    shrink: bool = True  # each centre draws its window in 1..window (word2vec.c); else always `window`
    hs: bool = False  # hierarchical softmax over Sampling.tree (SKIPGRAM_EXACT reads it; the *_HS methods imply it)


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
    vectors:  float32[max(n_cols, n_path_cols, 2), dim]: skip-gram's per-target output
              gradients; CBOW's mean (0) and gradient (1); exact skip-gram's gradient (0)
    paths, path_labels: uint32 and float32[2, n_path_cols], path_lengths: int64[2]: with
              hierarchical softmax, the centre's path of nodes, the labels they predict and its
              length, one centre ahead like plans (n_path_cols: the longest path + 1, rounded
              up to even; 0 without hierarchical softmax)
    node_scores: float32[2 window + 2, n_path_cols], scores then gradients against the path
    gram:     float32[2 window + 2, 2 window + 2] with hierarchical softmax (else 0 rows): the
              window's context vectors' dot products, then their gradients' (SKIPGRAM_HS)
    """

    sentence: np.ndarray
    contexts: np.ndarray
    plans: np.ndarray
    halves: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    valid: np.ndarray
    vectors: np.ndarray
    paths: np.ndarray
    path_labels: np.ndarray
    path_lengths: np.ndarray
    node_scores: np.ndarray
    gram: np.ndarray


def shared_weights(input_vectors: np.ndarray, output_vectors: np.ndarray, frozen: np.ndarray | None = None,
                   node_vectors: np.ndarray | None = None) -> Weights:  # fmt: skip
    """Weights for a thread that keeps no private rows (`frozen`: none unless given; no node
    vectors unless given)."""
    if frozen is None:
        frozen = np.zeros(input_vectors.shape[0], np.uint8)
    if node_vectors is None:
        node_vectors = np.zeros((0, input_vectors.shape[1]), np.float32)
    return Weights(input_vectors, output_vectors, np.zeros(2, np.int64), frozen, node_vectors, np.zeros(2, np.int64))
