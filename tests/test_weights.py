"""TrainingWeights: initialisation, the output table with private rows, resuming."""

import numpy as np

from w2v.weights import PRIVATE_WORDS, TrainingWeights, private_word_count


def test_initial_weights_follow_word2vec_c():
    weights = TrainingWeights.initial(1000, 50, seed=1, threads=1)
    inp, out = weights.input_vectors, weights.output_vectors
    assert inp.dtype == out.dtype == np.float32
    assert inp.min() >= -0.5 / 50 and inp.max() < 0.5 / 50
    assert abs(float(inp.mean())) < 1e-3 / 50 * 10
    assert not out.any()


def test_extra_threads_get_private_rows_after_the_shared_ones():
    assert private_word_count(10, 1) == 0 and private_word_count(10, 2) == 10
    assert private_word_count(5000, 3) == PRIVATE_WORDS
    weights = TrainingWeights.initial(10, 4, seed=1, threads=3)
    assert weights.output_vectors.shape == (10, 4) and weights.output_vectors.flags.c_contiguous
    first, second, third = (weights.for_thread(t) for t in range(3))
    assert first.output_vectors is second.output_vectors  # one table
    assert first.output_vectors.shape == (10 + 2 * 10, 4)
    assert np.shares_memory(first.output_vectors, weights.output_vectors)
    assert first.private.tolist() == [0, 0] and second.private.tolist() == [10, 10]
    assert third.private.tolist() == [10, 20]


def test_merge_adds_a_threads_changes_and_restarts_its_copy():
    weights = TrainingWeights.initial(4, 2, seed=1, threads=2)
    weights.start_private_copies()
    table = weights.for_thread(1).output_vectors
    table[4:8] += 1.0  # thread 1's copy
    weights.output_vectors[:] += 10.0  # the other thread, meanwhile
    weights.merge_private(1)
    np.testing.assert_array_equal(weights.output_vectors, np.full((4, 2), 11.0))
    np.testing.assert_array_equal(table[4:8], np.full((4, 2), 11.0))  # restarted from the shared rows
    weights.merge_private(1)  # nothing changed since: nothing added
    np.testing.assert_array_equal(weights.output_vectors, np.full((4, 2), 11.0))


def test_resumed_weights_are_trained_in_place_unless_they_must_be_copied():
    inp, out = np.ones((10, 4), np.float32), np.full((10, 4), 2.0, np.float32)
    one = TrainingWeights.resumed(inp, out, threads=1)
    assert one.input_vectors is inp and one.output_vectors.base is out  # trained in place
    two = TrainingWeights.resumed(inp, out, threads=2)
    assert two.input_vectors is inp and not np.shares_memory(two.output_vectors, out)  # room for private rows
    np.testing.assert_array_equal(two.output_vectors, out)
    read_only = np.ones((10, 4), np.float32)
    read_only.flags.writeable = False
    assert not np.shares_memory(TrainingWeights.resumed(read_only, out, threads=1).input_vectors, read_only)


def test_the_private_word_count_is_read_when_weights_are_made(monkeypatch):
    # bench/threads.py sets w2v.weights.PRIVATE_WORDS for its experiments: it must take effect.
    from w2v import weights

    monkeypatch.setattr(weights, "PRIVATE_WORDS", 0)
    assert TrainingWeights.initial(10, 4, seed=1, threads=2).n_private == 0
    monkeypatch.setattr(weights, "PRIVATE_WORDS", 3)
    assert TrainingWeights.initial(10, 4, seed=1, threads=2).n_private == 3


def test_node_vectors_get_private_rows_and_merges_too():
    weights = TrainingWeights.initial(6, 2, seed=1, threads=2, private_words=3, negative=False, hs=True)
    assert weights.output_vectors is None and weights.node_vectors.shape == (5, 2)
    weights.start_private_copies()
    thread = weights.for_thread(1)
    assert thread.output_vectors.shape == (0, 2) and thread.node_private.tolist() == [3, 5]
    assert thread.node_vectors.shape == (5 + 3, 2) and np.shares_memory(thread.node_vectors, weights.node_vectors)
    thread.node_vectors[5:8] += 1.0  # thread 1's copy of nodes 0..2
    weights.node_vectors[:] += 10.0  # the other thread, meanwhile
    weights.merge_private(1)
    np.testing.assert_array_equal(weights.node_vectors, [[11, 11]] * 3 + [[10, 10]] * 2)
    assert weights.for_thread(0).node_private.tolist() == [0, 0]


def test_resumed_node_vectors_are_copied_only_for_private_rows():
    inp, nodes = np.ones((10, 4), np.float32), np.full((9, 4), 2.0, np.float32)
    one = TrainingWeights.resumed(inp, None, threads=1, node_vectors=nodes)
    assert one.node_vectors.base is nodes and one.output_vectors is None
    two = TrainingWeights.resumed(inp, None, threads=2, node_vectors=nodes)
    assert not np.shares_memory(two.node_vectors, nodes)
    np.testing.assert_array_equal(two.node_vectors, nodes)
