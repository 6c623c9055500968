"""The Hogwild thread pool, with fake kernels: which blocks go where, in which order, and the
merging of private rows."""

import threading

import numpy as np
import pytest

from w2v.hogwild import MIN_BLOCK_TOKENS, Hogwild, queue_order
from w2v.kernel_types import Segments
from w2v.weights import TrainingWeights


def segments(n: int, first: int = 0) -> Segments:
    starts = np.arange(n, dtype=np.int64) * 10
    alphas = np.linspace(0.1, 0.2, n).astype(np.float32)
    return Segments(np.zeros(0, np.int32), starts, starts + 5, alphas, first=first, seed=np.uint64(1))


def weights(threads: int, n_words: int = 8) -> TrainingWeights:
    return TrainingWeights.initial(n_words, 4, seed=1, threads=threads)


@pytest.mark.parametrize("threads,n_segments", [(1, 5), (2, 1), (2, 7), (2, 100), (3, 40)])
def test_blocks_cover_every_segment_once_and_sum_in_order(threads, n_segments):
    calls = []

    def train_block(thread_weights, block):
        calls.append((block.first, block.starts.tolist(), block.ends.tolist(), block.alphas.tolist()))
        return float(block.first), len(block.starts)

    chunk = segments(n_segments, first=100)
    with Hogwild(train_block, weights(threads)) as submit:
        loss, count = submit([chunk])()
    covered = sorted((first, s) for first, starts, _, _ in calls for s in starts)
    assert [s for _, s in covered] == chunk.starts.tolist()  # each segment once
    for first, starts, ends, alphas in calls:  # a block's first segment number goes with it
        assert starts[0] == (first - 100) * 10 and ends == [s + 5 for s in starts]
        assert alphas == chunk.alphas[first - 100 : first - 100 + len(starts)].tolist()
    assert count == n_segments and loss == sum(first for first, *_ in calls)
    assert (len(calls) == 1) == (threads == 1 or n_segments < threads)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_parts_side_by_side_are_each_trained_once_in_blocks_of_their_own(threads):
    calls = []

    def train_block(thread_weights, block):
        calls.append((block.first, len(block.starts)))
        return float(block.first), len(block.starts)

    parts = [segments(30, first=0), segments(7, first=500)]
    with Hogwild(train_block, weights(threads)) as submit:
        loss, count = submit(parts)()
    numbers = sorted(first + k for first, n in calls for k in range(n))
    assert numbers == [*range(30), *range(500, 507)]  # every segment once, numbered as it was
    assert all(first + n <= 30 or first >= 500 for first, n in calls)  # no block spans two parts
    assert count == 37 and loss == sum(first for first, _ in calls)
    assert len(calls) == 2  # small parts: one block each


def test_with_as_many_parts_as_threads_the_queue_alternates_between_them():
    # Parts of 32 segments of 1,024 tokens: 8 blocks of 4 segments each (MIN_BLOCK_TOKENS, 4,096,
    # allows no more); the queue takes a block from each part in turn, so each of two threads,
    # taking the next block as it finishes one, works on its own part.
    parts = []
    for first in (0, 1000):
        starts = np.arange(32, dtype=np.int64) * 1024
        parts.append(Segments(np.zeros(0, np.int32), starts, starts + 1024, np.zeros(32, np.float32), first,
                              np.uint64(1)))  # fmt: skip
    order = [block.first for block in queue_order(parts, 2)]
    assert order == [x for k in range(8) for x in (4 * k, 1000 + 4 * k)]
    # one part on two threads: its two halves in turn (blocks 0, 4, 1, 5, ... of 4 segments)
    assert [block.first for block in queue_order(parts[:1], 2)] == [x for k in range(4) for x in (4 * k, 16 + 4 * k)]


@pytest.mark.parametrize("n_segments,blocks", [(40, 8), (4000, 128), (3, 2)])
def test_blocks_are_never_under_the_minimum_size_unless_the_chunk_is(n_segments, blocks):
    # Segments of 1,000 tokens: 40 of them make 4 blocks per thread of at least MIN_BLOCK_TOKENS
    # (4,096); 4,000 reach BLOCKS_PER_THREAD (64 per thread); 3 still give each thread one block.
    sizes = []

    def train_block(thread_weights, block):
        sizes.append(int(block.ends[-1] - block.starts[0]))
        return 0.0, 0

    starts = np.arange(n_segments, dtype=np.int64) * 1000
    chunk = Segments(np.zeros(0, np.int32), starts, starts + 1000, np.zeros(n_segments, np.float32), 0, np.uint64(1))
    with Hogwild(train_block, weights(2)) as submit:
        submit([chunk])()
    assert len(sizes) == blocks and sum(sizes) == 1000 * n_segments
    assert min(sizes) >= (MIN_BLOCK_TOKENS if n_segments * 1000 >= 2 * MIN_BLOCK_TOKENS else 1000)


def test_the_next_chunk_trains_before_the_current_one_is_waited_for():
    """Two threads, chunk 0 of one segment stuck until chunk 1 runs: only if submitting chunk 1
    does not wait for chunk 0, and the idle thread takes it, does chunk 0 finish before the timeout."""
    chunk_1_ran = threading.Event()

    def train_block(thread_weights, block):
        if block.first == 0:
            return float(chunk_1_ran.wait(timeout=10)), len(block.starts)
        chunk_1_ran.set()
        return 0.0, len(block.starts)

    with Hogwild(train_block, weights(2)) as submit:
        wait_0 = submit([segments(1, first=0)])
        wait_1 = submit([segments(1, first=1)])
        assert wait_0() == (1.0, 1)  # the event was set by chunk 1
        assert wait_1() == (0.0, 1)


def test_every_private_row_update_is_merged_into_the_shared_rows():
    """Three threads, each block adds 1 to every word's output row as the kernels find it (a
    thread's own copy for the most frequent words): at the end every shared row holds every
    block's update: none made in a copy is lost."""
    n_words, n_private, threads = 8, 3, 3
    trained = TrainingWeights.initial(n_words, 4, seed=1, threads=threads, private_words=n_private)
    offsets, lock = [], threading.Lock()
    all_started = threading.Barrier(threads, timeout=10)

    def train_block(thread_weights, block):
        rows = thread_weights.output_vectors
        n_private, offset = thread_weights.private
        for word in range(n_words):
            rows[word + offset if word < n_private else word] += 1.0
        with lock:
            offsets.append(int(offset))
            first_round = len(offsets) <= threads
        if first_round:
            all_started.wait()  # the first three blocks are taken by three different threads
        return 0.0, len(block.starts)

    with Hogwild(train_block, trained) as submit:
        submit([segments(60)])()
        submit([segments(60, first=60)])()
    assert sorted(set(offsets)) == [0, n_words, n_words + n_private]  # the shared rows and both copies were trained
    np.testing.assert_array_equal(trained.output_vectors, np.full((n_words, 4), len(offsets)))  # nothing lost
