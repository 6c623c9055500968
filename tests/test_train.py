import io
import re
import sys

import numpy as np
import pytest

import w2v
from w2v.query import nearest
from w2v.train import init_weights, linear_alphas

SMALL = dict(dim=16, min_count=1, sample=0, epochs=3, seed=3)


@pytest.mark.parametrize("arch,exact", [("skipgram", False), ("skipgram", True), ("cbow", False)])
def test_planted_families_are_each_others_neighbours(family_file, arch, exact):
    model = w2v.train(str(family_file), w2v.TrainConfig(arch=arch, exact=exact, **SMALL), quiet=True)
    assert len(model) == 16
    for word in model.words:
        family = word.rstrip("0123456789")
        top = [n.word for n in nearest(model, word, k=5)]
        assert all(n.startswith(family) for n in top), (word, top)
    losses = model.meta["training"]["epoch_loss"]
    assert losses[-1] < 0.6 * 6 * np.log(2)  # far below an untrained model's (1 + negative) log 2 per term
    if not exact:  # word2vec.c's per-pair update levels off within the first epoch here (2.00-2.02 from then on)
        assert losses[-1] < losses[0]


def test_one_thread_and_a_seed_reproduce_bit_for_bit(family_file, tmp_path):
    config = w2v.TrainConfig(threads=1, **SMALL)
    first = w2v.save(w2v.train(str(family_file), config, quiet=True), tmp_path / "a")
    second = w2v.save(w2v.train(str(family_file), config, quiet=True), tmp_path / "b")
    for name in ("input.npy", "output.npy", "vocab.tsv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    other = w2v.train(str(family_file), w2v.TrainConfig(threads=1, **{**SMALL, "seed": 4}), quiet=True)
    assert not np.array_equal(np.load(first / "input.npy"), other.input_vectors)


def test_a_two_million_token_line_is_trained_whole(tmp_path):
    rng = np.random.default_rng(0)
    words = np.array([f"w{i}".encode() for i in range(50)])
    path = tmp_path / "long.txt"
    path.write_bytes(b" ".join(words[rng.integers(0, 50, 2_000_000)]))  # no newline at all
    model = w2v.train(str(path), w2v.TrainConfig(dim=8, epochs=1, min_count=1, threads=2), quiet=True)
    assert model.meta["corpus"]["tokens"] == 2_000_000
    assert model.meta["corpus"]["training_tokens"] == 2_000_000
    assert model.meta["corpus"]["lines"] == 1
    assert int(model.vocab.counts.sum()) == 2_000_000


def test_stdin_and_gzip_give_the_same_model(gz_file, family_text, monkeypatch):
    config = w2v.TrainConfig(threads=1, **SMALL)
    from_gz = w2v.train(str(gz_file), config, quiet=True)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(family_text.encode())))
    from_stdin = w2v.train("-", config, quiet=True)
    assert from_gz.words == from_stdin.words
    np.testing.assert_array_equal(from_gz.input_vectors, from_stdin.input_vectors)


def test_progress_and_summary_go_to_stderr(family_file, capsys):
    w2v.train(str(family_file), w2v.TrainConfig(**SMALL))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "vocabulary: 16 words" in captured.err
    assert "words/s" in captured.err


def test_init_weights_follow_word2vec_c():
    inp, out = init_weights(1000, 50, seed=1)
    assert inp.dtype == out.dtype == np.float32
    assert inp.min() >= -0.5 / 50 and inp.max() < 0.5 / 50
    assert abs(float(inp.mean())) < 1e-3 / 50 * 10
    assert not out.any()


def test_learning_rate_decays_linearly_over_all_epochs():
    config = w2v.TrainConfig(epochs=2, alpha=0.1, min_alpha=0.001)
    alphas = linear_alphas(config, np.array([0, 50]), epoch=0, n_tokens=100)
    np.testing.assert_allclose(alphas, [0.1, 0.1 - 0.099 * 0.25], rtol=1e-6)
    np.testing.assert_allclose(linear_alphas(config, np.array([100]), epoch=1, n_tokens=100), [0.001], rtol=1e-5)


@pytest.mark.parametrize("threads,n_segments", [(1, 5), (2, 1), (2, 7), (2, 100), (3, 40)])
def test_hogwild_blocks_cover_every_segment_once_and_sum_in_order(threads, n_segments):
    from w2v.train import _Hogwild

    calls = []

    def kernel(weights, noise, tokens, starts, ends, alphas, keep, method, first_segment):
        calls.append((first_segment, starts.tolist(), ends.tolist(), alphas.tolist()))
        return float(first_segment), len(starts)

    starts = np.arange(n_segments, dtype=np.int64) * 10
    alphas = np.linspace(0.1, 0.2, n_segments).astype(np.float32)
    with _Hogwild(kernel, "weights", "noise", threads) as queue_chunk:
        loss, count = queue_chunk("tokens", starts, starts + 5, alphas, "keep", "method", 100)()
    covered = sorted((first, s) for first, segments, _, _ in calls for s in segments)
    assert [s for _, s in covered] == starts.tolist()  # each segment once
    for first, segments, ends, block_alphas in calls:  # a block's first segment number goes with it
        assert segments[0] == (first - 100) * 10 and ends == [s + 5 for s in segments]
        assert block_alphas == alphas[first - 100 : first - 100 + len(segments)].tolist()
    assert count == n_segments and loss == sum(first for first, *_ in calls)
    assert (len(calls) == 1) == (threads == 1 or n_segments < threads)


def test_hogwild_trains_the_next_chunk_before_the_current_one_is_waited_for():
    """Two threads, chunk 0 of one segment stuck until chunk 1 runs: only if queueing chunk 1 does
    not wait for chunk 0, and the idle thread takes it, does chunk 0 finish before the timeout."""
    import threading

    from w2v.train import _Hogwild

    chunk_1_ran = threading.Event()

    def kernel(weights, noise, tokens, starts, ends, alphas, first_segment):
        if first_segment == 0:
            return float(chunk_1_ran.wait(timeout=10)), len(starts)
        chunk_1_ran.set()
        return 0.0, len(starts)

    one = np.zeros(1, dtype=np.int64)
    with _Hogwild(kernel, "weights", "noise", 2) as queue_chunk:
        wait_0 = queue_chunk("tokens", one, one + 5, one, 0)
        wait_1 = queue_chunk("tokens", one, one + 5, one, 1)
        assert wait_0() == (1.0, 1)  # the event was set by chunk 1
        assert wait_1() == (0.0, 1)


def test_every_segment_is_trained_once_per_epoch_from_an_unchanging_buffer(tmp_path, monkeypatch):
    """Over several chunks on two threads, each segment goes to the kernel once per epoch, and the
    tokens of a block do not change while it trains (the next chunk is read into another buffer)."""
    import time

    from w2v import kernels
    from w2v.train import available_cores

    calls, changed = [], []

    def kernel(weights, noise, tokens, starts, ends, alphas, keep, method, window, negative, seed, first):
        before = tokens.copy()
        time.sleep(0.002)  # while the main thread reads the next chunk
        changed.append(not np.array_equal(before, tokens))
        if len(starts):  # not the warm-up call on nothing
            calls.append((int(seed), first, len(starts)))
        return 0.0, len(starts)

    monkeypatch.setattr(kernels, "train_segments", kernel)
    rng = np.random.default_rng(5)
    words = np.array([f"w{i}".encode() for i in range(50)])
    corpus = tmp_path / "c.txt"
    lines = words[rng.integers(0, 50, (3_300, 1_000))]  # 3.3M tokens, 4 chunks of about 1M
    corpus.write_bytes(b"\n".join(b" ".join(line) for line in lines))
    model = w2v.train(str(corpus), w2v.TrainConfig(dim=4, epochs=2, min_count=1, threads=2), quiet=True)
    assert model.meta["training"]["threads"] == min(2, available_cores())
    by_epoch = {}
    for seed, first, n in calls:
        by_epoch.setdefault(seed, []).extend(range(first, first + n))
    assert len(by_epoch) == 2
    assert all(sorted(segments) == list(range(3_300)) for segments in by_epoch.values())
    assert not any(changed)


def test_estimates_are_readable():
    from w2v.train import _estimate

    assert _estimate(1000, 1.0, 8_000).startswith("estimated training time: 8 s at 1,000 words/s")
    assert _estimate(1000, 1.0, 75_000).startswith("estimated training time: 1 min 15 s")
    assert _estimate(1000, 2.0, 7_500_000).startswith("estimated training time: 4 h 10 min at 500 words/s")


def test_memory_and_time_are_estimated_before_most_of_the_training(tmp_path, capsys):
    rng = np.random.default_rng(4)
    words = np.array([f"w{i}".encode() for i in range(300)])
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(b" ".join(words[rng.integers(0, 300, 1_300_000)]))  # more than one 1M-token chunk
    w2v.train(str(corpus), w2v.TrainConfig(dim=8, epochs=2, min_count=1), work_dir=str(tmp_path))
    err = capsys.readouterr().err
    memory = re.search(r"memory: weights 0 MB \+ (1 chunk|2 chunks) of the corpus", err).start()
    estimate = err.index("estimated training time:")
    assert memory < estimate < err.index("trained 2 epochs")
    assert re.search(r"at [\d,]+ words/s \(measured on the first [\d,]+ tokens\)", err)


def test_hogwild_merges_every_private_row_update_into_the_shared_rows():
    """Three threads, each block adds 1 to every word's output row as the kernels find it (a
    thread's own copy for the 3 most frequent words): at the end every shared row holds every
    block's update: none made in a copy is lost."""
    import threading
    import time

    from w2v.train import _Hogwild

    n_words, n_private, threads = 8, 3, 3
    input_vectors = np.zeros((n_words, 4), np.float32)
    table = np.zeros((n_words + (threads - 1) * n_private, 4), np.float32)
    seen, lock = [], threading.Lock()

    def kernel(weights, noise, tokens, starts, ends, alphas, first_segment):
        _, rows, *private = weights
        n, offset = private[0] if private else (0, 0)
        for word in range(n_words):
            rows[word + offset if word < n else word] += 1.0
        with lock:
            seen.append(int(offset))
        time.sleep(0.003)  # so that every thread takes blocks
        return 0.0, len(starts)

    starts = np.arange(60, dtype=np.int64)
    with _Hogwild(kernel, (input_vectors, table), "noise", threads, n_private) as queue_chunk:
        queue_chunk("tokens", starts, starts + 1, starts, 0)()
        queue_chunk("tokens", starts, starts + 1, starts, 60)()
    blocks = len(seen)
    assert sorted(set(seen)) == [0, n_words, n_words + n_private]  # the shared rows and both copies were trained
    np.testing.assert_array_equal(table[:n_words], np.full((n_words, 4), blocks))


def test_output_vectors_are_the_start_of_a_table_with_room_for_private_rows():
    from w2v.train import init_weights, with_spare_rows

    _, output_vectors = init_weights(10, 4, seed=1, spare_rows=6)
    assert output_vectors.shape == (10, 4) and output_vectors.flags.c_contiguous
    table = with_spare_rows(output_vectors, 6)
    assert table.shape == (16, 4) and np.shares_memory(table, output_vectors)  # no copy
    mine = np.zeros((12, 4), np.float32)
    table = with_spare_rows(mine[:10], 2)  # someone else's rows after it: copied
    assert table.shape == (12, 4) and not np.shares_memory(table, mine)
    mine[:10] = np.arange(40).reshape(10, 4)
    np.testing.assert_array_equal(with_spare_rows(mine[:10], 5)[:10], mine[:10])
    assert with_spare_rows(mine, 0) is mine  # one thread: trained in place


def test_two_threads_leave_output_vectors_of_the_vocabulary_only(family_file):
    model = w2v.train(str(family_file), w2v.TrainConfig(threads=2, **{**SMALL, "epochs": 1}), quiet=True)
    assert model.output_vectors.shape == model.input_vectors.shape
    assert model.output_vectors.flags.c_contiguous and model.output_vectors.dtype == np.float32
