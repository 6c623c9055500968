"""Hierarchical softmax's Huffman tree, built as word2vec.c builds it (CreateBinaryTree).

The vocabulary is sorted by count, most frequent first, so the leaves come in order from the
rarest word and the inner nodes in the order they are made, each queue already sorted: the two
smallest of the two queue heads are joined, n_words - 1 times, in linear time. As in word2vec.c,
a leaf is taken only when its count is strictly below the next inner node's (on a tie the inner
node goes first), and the first of the pair taken gets branch 0 and the second branch 1.
Among words of equal count the leaves are in order of first appearance in the corpus, as
word2vec.c has them (`leaf_order`). Two differences from word2vec.c, neither of which changes
what is trained: the node vectors' rows are in the reverse order of word2vec.c's syn1 (inner
node a, made a-th, is row n_words - 2 - a: the root is row 0 and the heaviest nodes, on most paths, come first, which is
what weights.CopiedRows gives each thread a private copy of), and paths are not cut at 40 nodes
(word2vec.c writes past its arrays when one is longer); they are stored end to end
(kernel_types.Tree), not in fixed 40-entry arrays.
"""

from __future__ import annotations

import numba
import numpy as np

from .errors import ConfigError
from .kernel_types import Tree


def huffman_tree(counts: np.ndarray, first_seen: np.ndarray | None = None) -> Tree:
    """The Tree of a vocabulary with these counts (int64[n_words], non-increasing, n_words >= 2):
    the leaves are the words in `leaf_order`, built with `_build`."""
    counts = np.ascontiguousarray(counts, dtype=np.int64)
    if counts.shape[0] < 2:
        raise ConfigError("hierarchical softmax needs a vocabulary of at least 2 words")
    if np.any(counts[1:] > counts[:-1]):
        raise ValueError("counts must be sorted, most frequent first")
    order = leaf_order(counts, first_seen)
    starts, points, codes = _build(counts[order])  # the same counts: only words of equal count move
    leaf_of_word = np.empty_like(order)
    leaf_of_word[order] = np.arange(order.size)
    lengths = np.diff(starts)[leaf_of_word]
    word_starts = np.zeros(counts.size + 1, np.int64)
    np.cumsum(lengths, out=word_starts[1:])
    source = np.repeat(starts[leaf_of_word] - word_starts[:-1], lengths) + np.arange(word_starts[-1])
    return Tree(word_starts, points[source], codes[source], int(lengths.max()))


def leaf_order(counts: np.ndarray, first_seen: np.ndarray | None = None) -> np.ndarray:
    """The words (ids) in the order the tree takes them as leaves: by count, most frequent first
    as the vocabulary is, but among words of equal count by their first occurrence in the corpus
    (`first_seen`, Vocab.first_seen), as word2vec.c has them, not in the vocabulary's order
    (alphabetical within a count). Neighbouring leaves of equal count become siblings, whose
    paths differ only in the last branch: word2vec.c's order makes siblings of rare words that
    first appear in the same text, often on one subject (lusaka, kwacha), and alphabetical order
    makes siblings of forms of one word (zambia, zambian). Single runs' semantic analogies moved
    by about 2 points with the order; no order tried closed w2v's gap to word2vec.c
    (bench/results/2026-12-01-hs.md). Without first_seen (a vocabulary that was not counted
    here): a fixed pseudo-random order."""
    if first_seen is None:
        first_seen = np.random.default_rng(0x5EED).random(counts.size)
    return np.lexsort((first_seen, -counts))


@numba.njit(cache=True)
def _build(counts):
    """(starts, points, codes) of `huffman_tree`."""
    n = counts.shape[0]
    weight = np.empty(2 * n - 1, np.int64)  # leaves 0..n-1, inner node a at n + a
    weight[:n] = counts
    parent = np.empty(2 * n - 1, np.int64)
    branch = np.zeros(2 * n - 1, np.uint8)
    leaf, inner = n - 1, n  # the next (rarest) leaf not joined yet, the next inner node not joined yet
    for a in range(n - 1):
        made = n + a  # inner nodes n .. made - 1 exist
        pair = np.empty(2, np.int64)
        for side in range(2):
            if leaf >= 0 and (inner >= made or weight[leaf] < weight[inner]):
                pair[side] = leaf
                leaf -= 1
            else:
                pair[side] = inner
                inner += 1
        weight[made] = weight[pair[0]] + weight[pair[1]]
        parent[pair[0]] = made
        parent[pair[1]] = made
        branch[pair[1]] = 1
    depth = np.zeros(2 * n - 1, np.int64)  # a parent is made after its children: fill from the root down
    for node in range(2 * n - 3, -1, -1):
        depth[node] = depth[parent[node]] + 1
    starts = np.zeros(n + 1, np.int64)
    for word in range(n):
        starts[word + 1] = starts[word] + depth[word]
    points = np.empty(starts[n], np.int32)
    codes = np.empty(starts[n], np.uint8)
    for word in range(n):
        node = word
        for i in range(starts[word + 1] - 1, starts[word] - 1, -1):  # from the leaf up to the root
            codes[i] = branch[node]
            node = parent[node]
            points[i] = 2 * n - 2 - node  # the root (made last) is row 0
    return starts, points, codes
