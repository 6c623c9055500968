"""The Huffman tree of hierarchical softmax against a hand-built case and a heap-based reference."""

import numpy as np
import pytest

from tests import reference
from w2v.errors import ConfigError
from w2v.huffman import huffman_tree, leaf_order


def paths_of(tree):
    return [
        (tree.points[a:b].tolist(), tree.codes[a:b].tolist())
        for a, b in zip(tree.starts[:-1], tree.starts[1:], strict=True)
    ]


def test_a_small_tree_built_by_hand():
    # Counts 5, 3, 2, 1: join 1+2 -> inner node a=0 (3); the tie a=0 (3) vs word 1 (3) goes to
    # the inner node first -> a=1 (6) = a=0 + word 1; then word 0 (5) + a=1 (6) -> the root, a=2.
    # The second of each pair takes code 1; inner node a is row 2 - a (the root is row 0).
    tree = huffman_tree(np.array([5, 3, 2, 1]))
    assert paths_of(tree) == [([0], [0]), ([0, 1], [1, 1]), ([0, 1, 2], [1, 0, 1]), ([0, 1, 2], [1, 0, 0])]
    assert tree.longest == 3


@pytest.mark.parametrize("seed", range(6))
def test_trees_with_many_ties_match_the_heap_reference(seed):
    rng = np.random.default_rng(seed)
    counts = np.sort(rng.integers(1, 6 if seed % 2 else 1000, size=int(rng.integers(2, 60))))[::-1]
    tree = huffman_tree(counts)
    order = leaf_order(counts)
    assert [paths_of(tree)[word] for word in order] == reference.huffman(counts)  # leaf j is word order[j]
    lengths = np.diff(tree.starts)
    assert np.sum(2.0**-lengths) == pytest.approx(1.0)  # a full binary tree: Kraft's equality
    assert tree.points.max() == len(counts) - 2 and (tree.points[tree.starts[:-1]] == 0).all()  # the root is row 0


def test_two_words_and_equal_counts():
    assert paths_of(huffman_tree(np.array([7, 7]))) == [([0], [1]), ([0], [0])]
    equal = huffman_tree(np.full(8, 3))
    assert np.diff(equal.starts).tolist() == [3] * 8


def test_deep_trees_are_not_cut_at_40_nodes():
    # Fibonacci counts make the deepest Huffman tree; word2vec.c's 40-entry arrays would overflow.
    fibonacci = [1, 1]
    while len(fibonacci) < 50:
        fibonacci.append(fibonacci[-1] + fibonacci[-2])
    tree = huffman_tree(np.array(fibonacci[::-1]))
    assert tree.longest == 49
    assert sorted(paths_of(tree)) == sorted(reference.huffman(fibonacci[::-1]))


def test_bad_vocabularies():
    with pytest.raises(ConfigError, match="at least 2 words"):
        huffman_tree(np.array([5]))
    with pytest.raises(ValueError, match="sorted"):
        huffman_tree(np.array([1, 5]))


def test_words_of_equal_count_are_leaves_in_an_order_unrelated_to_the_vocabulary():
    # The vocabulary orders a count's words alphabetically, so neighbours are often forms of one
    # word; the tree must not make them siblings on that account.
    counts = np.repeat([50, 9, 2], [3, 400, 600])
    order = leaf_order(counts)
    assert sorted(order.tolist()) == list(range(counts.size))
    assert (counts[order] == counts).all()  # only words of equal count change places
    assert order[:3].tolist() != [0, 1, 2] or order[3:403].tolist() != list(range(3, 403))
    within = order[403:] - 403
    assert abs(np.corrcoef(within, np.arange(600))[0, 1]) < 0.2  # not the vocabulary's order
    assert (leaf_order(counts) == order).all()  # and the same every time
    tree, siblings = huffman_tree(counts), 0
    for word in range(403, 1002):
        a, b = tree.starts[word], tree.starts[word + 1]
        c, d = tree.starts[word + 1], tree.starts[word + 2]
        siblings += tree.points[a:b].tolist() == tree.points[c:d].tolist()  # same parent: vocabulary neighbours
    assert siblings < 30  # were they leaves in vocabulary order, most of these pairs would be siblings


def test_words_of_equal_count_are_leaves_in_order_of_first_appearance_as_in_word2vec_c():
    counts = np.array([9, 4, 4, 4, 1, 1])
    first_seen = np.array([0, 7, 2, 5, 9, 3])  # the vocabulary's order within a count is alphabetical
    assert leaf_order(counts, first_seen).tolist() == [0, 2, 3, 1, 5, 4]
    tree = huffman_tree(counts, first_seen)
    assert [paths_of(tree)[word] for word in leaf_order(counts, first_seen)] == reference.huffman(counts)
