"""The numba kernels against the slow references in tests/reference.py, on tiny inputs."""

import os
import subprocess
import sys

import numba
import numpy as np
import pytest

from tests import reference
from w2v import kernels
from w2v.kernel_types import Sampling, Segments, Settings, Tree, Weights, shared_weights
from w2v.sampling import keep_probabilities, noise_distribution

N_WORDS, DIM = 12, 8


def tables(counts):
    threshold, alias = kernels.build_alias_table(noise_distribution(counts))
    return threshold, alias


def sampling(counts, keep=None):
    keep = np.ones(len(counts), np.float32) if keep is None else keep
    return Sampling(keep, *tables(counts))


@pytest.fixture
def weights():
    rng = np.random.default_rng(0)
    inp = rng.normal(0, 0.3, (N_WORDS, DIM)).astype(np.float32)
    out = rng.normal(0, 0.3, (N_WORDS, DIM)).astype(np.float32)
    return inp, out


COUNTS = np.array([50, 40, 30, 20, 10, 9, 8, 7, 6, 5, 4, 3], dtype=np.int64)
SENTENCE = np.array([0, 3, 1, 4, 4, 2, 7, 0, 11, 5, 6, 1, 9], dtype=np.int32)


SENTENCE_KERNELS = {
    "exact": kernels.skipgram_exact_sentence,
    "shared": kernels.skipgram_sentence,
    "shared_wide": kernels.skipgram_sentence_wide,
    "cbow": kernels.cbow_sentence,
}


def run_kernel(method, inp, out, window, negative, alpha, seed, sentence=SENTENCE, counts=COUNTS, shrink=True,
               frozen=()):  # fmt: skip
    settings = Settings(window=window, negative=negative, shrink=shrink)
    scratch = kernels.new_scratch(settings, inp.shape[1], len(sentence), 0)
    scratch.sentence[:] = sentence
    frozen_rows = np.zeros(inp.shape[0], np.uint8)
    frozen_rows[list(frozen)] = 1
    return SENTENCE_KERNELS[method](
        weights=shared_weights(inp, out, frozen_rows),
        sampling=sampling(counts),
        settings=settings,
        scratch=scratch,
        length=len(sentence),
        alpha=np.float32(alpha),
        state=np.uint64(seed),
    )


REFERENCES = {
    "exact": reference.skipgram_exact,
    "shared": reference.skipgram_shared,
    "shared_wide": reference.skipgram_shared,
    "cbow": reference.cbow,
}


@pytest.mark.parametrize("method", ["exact", "shared", "shared_wide", "cbow"])
@pytest.mark.parametrize("window,negative", [(1, 1), (3, 5), (5, 2)])
def test_sentence_kernel_matches_reference(method, window, negative, weights):
    inp, out = weights
    ref_inp, ref_out = inp.astype(np.float64), out.astype(np.float64)
    start_out = out.copy()
    threshold, alias = tables(COUNTS)
    ref_loss, ref_count = REFERENCES[method](
        ref_inp, ref_out, SENTENCE.tolist(), window, negative, 0.05, threshold, alias, reference.SplitMix64(7)
    )
    loss, count, _ = run_kernel(method, inp, out, window, negative, 0.05, 7)
    assert count == ref_count
    assert loss == pytest.approx(ref_loss, rel=1e-4)
    np.testing.assert_allclose(inp, ref_inp, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-6)
    assert np.abs(out - start_out).max() > 1e-3  # the comparison is not vacuous


@pytest.mark.parametrize("method", ["exact", "shared", "shared_wide", "cbow"])
@pytest.mark.parametrize("window,frozen", [(3, (0, 4, 11)), (2, ())])
def test_full_windows_and_frozen_rows_match_reference(method, window, frozen, weights):
    # --no-shrink-window: every centre uses the whole window; --freeze-init: the frozen words'
    # input rows never move, their output rows still learn.
    inp, out = weights
    start_inp = inp.copy()
    ref_inp, ref_out = inp.astype(np.float64), out.astype(np.float64)
    threshold, alias = tables(COUNTS)
    ref_loss, ref_count = REFERENCES[method](ref_inp, ref_out, SENTENCE.tolist(), window, 3, 0.05, threshold, alias,
                                             reference.SplitMix64(7), shrink=False, frozen=frozen)  # fmt: skip
    loss, count, _ = run_kernel(method, inp, out, window, 3, 0.05, 7, shrink=False, frozen=frozen)
    assert count == ref_count
    assert loss == pytest.approx(ref_loss, rel=1e-4)
    np.testing.assert_allclose(inp, ref_inp, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-6)
    moved = np.abs(inp - start_inp).max(axis=1) > 0
    assert not moved[list(frozen)].any() and moved[[w for w in SENTENCE if w not in frozen]].all()


@pytest.mark.parametrize("method", ["exact", "shared", "cbow"])
def test_a_window_wider_than_the_sentence_makes_every_pair(method, weights):
    # --window 0 trains with a window as wide as the longest segment, never shrunk: each centre's
    # contexts are all the other tokens (item2vec), and the scratch is sized by the sentence.
    inp, out = weights
    ref_inp, ref_out = inp.astype(np.float64), out.astype(np.float64)
    threshold, alias = tables(COUNTS)
    n = len(SENTENCE)
    ref_loss, ref_count = REFERENCES[method](ref_inp, ref_out, SENTENCE.tolist(), 10_000, 2, 0.05, threshold, alias,
                                             reference.SplitMix64(4), shrink=False)  # fmt: skip
    loss, count, _ = run_kernel(method, inp, out, 10_000, 2, 0.05, 4, shrink=False)
    assert count == ref_count == (n if method == "cbow" else n * (n - 1))
    assert loss == pytest.approx(ref_loss, rel=1e-4)
    np.testing.assert_allclose(inp, ref_inp, rtol=1e-4, atol=1e-6)
    assert kernels.new_scratch(Settings(10_000, 2, False), DIM, n, 0).contexts.size == 2 * n + 2


@pytest.mark.parametrize("method", ["shared", "shared_wide", "cbow"])
def test_wide_windows_match_reference(method):
    # 2 x 60 contexts times 22 targets: a block of 2,640 scores, more than one log's worth
    # (each loss factor can be 2: one product of them all would overflow to inf).
    rng = np.random.default_rng(1)
    n_words, window, negative = 40, 60, 20
    inp = rng.normal(0, 0.01, (n_words, DIM)).astype(np.float32)
    out = rng.normal(0, 0.01, (n_words, DIM)).astype(np.float32)
    sentence = rng.integers(0, n_words, 130).astype(np.int32)
    counts = np.arange(1, n_words + 1, dtype=np.int64)
    ref_inp, ref_out = inp.astype(np.float64), out.astype(np.float64)
    threshold, alias = tables(counts)
    ref_loss, ref_count = REFERENCES[method](
        ref_inp, ref_out, sentence.tolist(), window, negative, 0.002, threshold, alias, reference.SplitMix64(3)
    )
    loss, count, _ = run_kernel(method, inp, out, window, negative, 0.002, 3, sentence, counts)
    assert count == ref_count
    assert np.isfinite(loss) and loss == pytest.approx(ref_loss, rel=1e-5)
    np.testing.assert_allclose(inp, ref_inp, rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(out, ref_out, rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("method", ["shared", "shared_wide", "cbow"])
def test_vector_loops_and_their_remainders_match_reference(method):
    # 100 dimensions: 16-wide vector loops plus a remainder of 4 (at DIM = 8 there is only a remainder).
    rng = np.random.default_rng(2)
    inp = rng.normal(0, 0.3, (N_WORDS, 100)).astype(np.float32)
    out = rng.normal(0, 0.3, (N_WORDS, 100)).astype(np.float32)
    ref_inp, ref_out = inp.astype(np.float64), out.astype(np.float64)
    threshold, alias = tables(COUNTS)
    ref_loss, ref_count = REFERENCES[method](
        ref_inp, ref_out, SENTENCE.tolist(), 4, 5, 0.02, threshold, alias, reference.SplitMix64(5)
    )
    loss, count, _ = run_kernel(method, inp, out, 4, 5, 0.02, 5)
    assert count == ref_count
    assert loss == pytest.approx(ref_loss, rel=1e-4)
    np.testing.assert_allclose(inp, ref_inp, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-5)


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next((line.split() for line in cpuinfo if line.startswith("flags")), [])
    except OSError:
        return []


@pytest.mark.slow
@pytest.mark.skipif("avx512f" not in _cpu_flags(), reason="the CPU has no 512-bit vectors")
def test_wide_kernel_uses_512_bit_vectors():
    # Compiled afresh (numba cannot show the code of a cached function). On this CPU LLVM keeps to
    # 256-bit registers for floats unless the attribute set by _prefer_512_bit_vectors reaches it.
    kernel = numba.njit(fastmath=True, error_model="numpy")(kernels.skipgram_sentence_wide.py_func)
    inp = np.zeros((N_WORDS, 100), np.float32)
    settings = Settings(window=2, negative=3)
    scratch = kernels.new_scratch(settings, 100, len(SENTENCE), 0)
    scratch.sentence[:] = SENTENCE
    kernel(shared_weights(inp, inp.copy()), sampling(COUNTS), settings, scratch, len(SENTENCE), np.float32(0.1),
           np.uint64(1))  # fmt: skip
    multiply_adds = [line for line in kernel.inspect_asm(kernel.signatures[0]).split("\n") if "vfmadd" in line]
    assert any("zmm" in line for line in multiply_adds)  # the float arithmetic runs 16 lanes wide


def test_trainer_picks_the_wide_kernel_from_64_dimensions():
    assert kernels.trainer(kernels.SKIPGRAM, 100) is kernels._train_skipgram_wide
    assert kernels.trainer(kernels.SKIPGRAM, kernels.WIDE_FROM_DIM - 1) is kernels._train_skipgram
    assert kernels.trainer(kernels.CBOW, 100) is kernels._train_cbow


def test_exp_is_within_two_float32_ulps():
    # The kernels' own exp (vectorisable, unlike libm's) over the whole clamped score range.
    a = np.concatenate([np.linspace(0, 30, 20_001, dtype=np.float32), np.float32([1e-8, 1e-30, 29.999])])
    got = np.array([kernels._exp_negative(x) for x in a], dtype=np.float64)
    exact = np.exp(-a.astype(np.float64))
    assert (np.abs(got - exact) / exact).max() < 2.0**-22


@pytest.mark.parametrize("method", ["exact", "shared"])
def test_noise_word_equal_to_centre_is_skipped(method):
    # All noise mass on word 0. Centre 0 (context 1): its 3 noise words equal the centre and
    # are skipped. Centre 1 (context 0): its 3 noise words (word 0) are used.
    inp = np.full((2, 4), 0.1, np.float32)
    out = np.zeros((2, 4), np.float32)
    counts = np.array([1, 0], np.int64)
    loss, pairs, _ = run_kernel(method, inp, out, 1, 3, 0.5, 1, np.array([0, 1], np.int32), counts)
    assert pairs == 2
    # Centre 0: positive at score 0 (log 2), then output[0] += 0.5 * 0.5 * 0.1 = 0.025 per dim.
    # Centre 1: positive at score 0 (log 2); noise word 0 at score 4 * 0.1 * 0.025 = 0.01, three
    # times (shared: same snapshot; exact: the row moves a little between draws).
    expected = 2 * np.log(2.0) + 3 * np.log1p(np.exp(0.01))
    assert loss == pytest.approx(expected, rel=1e-6 if method == "shared" else 1e-2)
    # Were the skipped noise words counted, three more terms of about log 2 would be added.
    loss_alone, pairs_alone, _ = run_kernel(method, inp, out, 1, 3, 0.5, 1, np.array([0], np.int32), counts)
    assert (pairs_alone, loss_alone) == (0, 0.0)  # one word alone has no context


METHOD_IDS = {"shared": kernels.SKIPGRAM, "exact": kernels.SKIPGRAM_EXACT, "cbow": kernels.CBOW}


@pytest.mark.parametrize("method", METHOD_IDS)
def test_train_segments_matches_reference(method, weights):
    inp, out = weights
    tokens = np.tile(SENTENCE, 3)
    starts = np.array([0, 13, 26], np.int64)
    ends = np.array([13, 26, 39], np.int64)
    alphas = np.array([0.05, 0.04, 0.03], np.float32)
    counts = np.bincount(tokens, minlength=N_WORDS)
    keep = keep_probabilities(counts, 0.05)
    assert (keep < 1).any()  # subsampling is exercised
    threshold, alias = kernels.build_alias_table(noise_distribution(counts))
    seed = 12345
    ref_inp, ref_out = inp.astype(np.float64), out.astype(np.float64)
    ref_loss = ref_count = 0
    for s in range(3):
        rng = reference.SplitMix64(0)
        rng.state = reference.segment_state(seed, 100 + s)
        sentence = reference.subsample(tokens[starts[s] : ends[s]].tolist(), keep, rng)
        loss, count = REFERENCES[method](ref_inp, ref_out, sentence, 3, 4, float(alphas[s]), threshold, alias, rng)
        ref_loss += loss
        ref_count += count
    loss, count = kernels.train_segments(
        METHOD_IDS[method],
        weights=shared_weights(inp, out),
        sampling=Sampling(keep, threshold, alias),
        settings=Settings(window=3, negative=4),
        segments=Segments(tokens, starts, ends, alphas, first=100, seed=np.uint64(seed)),
    )
    assert count == ref_count
    assert loss == pytest.approx(ref_loss, rel=1e-4)
    np.testing.assert_allclose(inp, ref_inp, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-6)


COMPILED_KERNELS = """
import numpy as np
from w2v import kernels
from w2v.kernel_types import Sampling, Segments, Settings, shared_weights
sampling = Sampling(np.ones(4, np.float32), *kernels.build_alias_table(np.full(4, 0.25)))
weights = shared_weights(np.zeros((4, 8), np.float32), np.zeros((4, 8), np.float32))
segments = Segments(np.arange(4, dtype=np.int32), np.array([0]), np.array([4]), np.array([0.025], np.float32), 0,
                    np.uint64(1))
kernels.train_segments(kernels.{method}, weights, sampling, Settings(2, 2), segments)
print(*[name for name in ("skipgram_sentence", "skipgram_sentence_wide", "skipgram_exact_sentence", "cbow_sentence")
        if getattr(kernels, name).signatures])
"""


@pytest.mark.slow
def test_a_cold_cache_compiles_only_the_method_used(tmp_path):
    # The first run of each method compiles it; compiling the other two as well tripled the wait.
    environment = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    script = COMPILED_KERNELS.format(method="SKIPGRAM_EXACT")
    result = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["skipgram_exact_sentence"]


def test_alias_table_represents_the_distribution_exactly():
    probabilities = noise_distribution(np.array([1000, 500, 20, 7, 7, 1, 300], np.int64))
    threshold, alias = kernels.build_alias_table(probabilities)
    n = len(probabilities)
    implied = threshold.astype(np.float64).copy()
    for slot in range(n):
        if alias[slot] != slot:
            implied[alias[slot]] += 1.0 - threshold[slot]
    np.testing.assert_allclose(implied / n, probabilities, rtol=1e-5)


@pytest.mark.parametrize("exponent", [0.75, 0.0, -0.5, 1.0, -1.0])
def test_noise_draws_follow_count_to_the_exponent(exponent):
    counts = np.array([10_000, 1_000, 100, 10, 1], np.int64)
    threshold, alias = kernels.build_alias_table(noise_distribution(counts, exponent))
    draws = kernels.draw_noise_samples(Sampling(np.ones(5, np.float32), threshold, alias), 400_000, 3)
    observed = np.bincount(draws, minlength=5) / draws.size
    weights = [float(c) ** exponent for c in counts.tolist()]  # in Python floats: no numpy formula
    expected = [w / sum(weights) for w in weights]
    np.testing.assert_allclose(observed, expected, atol=0.003)


def test_subsampling_keeps_words_at_the_formula_rate():
    counts = np.array([100_000, 10_000, 100], np.int64)
    keep = keep_probabilities(counts, 1e-3)
    tokens = np.repeat(np.arange(3, dtype=np.int32), [200_000, 200_000, 200_000])
    sentence = np.empty(tokens.size, np.int32)
    length, _ = kernels._subsample(tokens, 0, tokens.size, keep, np.uint64(5), sentence)
    kept = np.bincount(sentence[:length], minlength=3) / 200_000
    np.testing.assert_allclose(kept, keep, atol=0.005)


@pytest.mark.parametrize("method", METHOD_IDS)
def test_private_rows_are_trained_as_the_shared_rows_would_be(method, weights):
    # A thread with its own copy of the 4 most frequent words' output rows (placed after the 12
    # shared rows) trains exactly as a thread without, except that those words' updates go to its copy.
    inp, out = weights
    n_private = 4
    tokens = np.tile(SENTENCE, 4)
    starts, ends = np.array([0, 13, 26, 39], np.int64), np.array([13, 26, 39, 52], np.int64)
    segments = Segments(tokens, starts, ends, np.full(4, 0.05, np.float32), first=0, seed=np.uint64(9))
    settings = Settings(window=3, negative=5)
    shared_inp, shared_out = inp.copy(), out.copy()
    shared = kernels.train_segments(METHOD_IDS[method], shared_weights(shared_inp, shared_out), sampling(COUNTS),
                                    settings, segments)  # fmt: skip
    table = np.concatenate([out, out[:n_private]])
    thread = Weights(inp, table, np.array([n_private, N_WORDS]), np.zeros(N_WORDS, np.uint8),
                     np.zeros((0, DIM), np.float32), np.zeros(2, np.int64))  # fmt: skip
    private = kernels.train_segments(METHOD_IDS[method], thread,
                                     sampling(COUNTS), settings, segments)  # fmt: skip
    assert private == shared
    np.testing.assert_array_equal(inp, shared_inp)
    np.testing.assert_array_equal(table[N_WORDS:], shared_out[:n_private])  # the copy was trained
    np.testing.assert_array_equal(table[:n_private], out[:n_private])  # the shared rows were not
    np.testing.assert_array_equal(table[n_private:N_WORDS], shared_out[n_private:])
    assert np.abs(shared_out[:n_private] - out[:n_private]).max() > 1e-3  # frequent words were trained


# ---- Hierarchical softmax -------------------------------------------------------------------

HS_KERNELS = {
    "exact": kernels.skipgram_exact_sentence,
    "window": kernels.skipgram_hs_sentence,
    "window_wide": kernels.skipgram_hs_sentence_wide,
    "cbow": kernels.cbow_hs_sentence,
}
DISTINCT = np.array([0, 3, 1, 4, 2, 7, 11, 5, 6, 10, 9, 8, 0, 3, 1], dtype=np.int32)  # no word twice in 7


def tree_of(paths):
    """A kernel Tree from the reference's [(points, codes)] (not from w2v.huffman)."""
    lengths = [len(points) for points, _ in paths]
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    points = np.array([p for points, _ in paths for p in points], np.int32)
    codes = np.array([c for _, codes in paths for c in codes], np.uint8)
    return Tree(starts, points, codes, max(lengths))


def run_hs_kernel(method, inp, out, nodes, paths, window, negative, alpha, seed, sentence=SENTENCE, counts=COUNTS,
                  frozen=()):  # fmt: skip
    tree = tree_of(paths)
    settings = Settings(window=window, negative=negative, hs=True)
    scratch = kernels.new_scratch(settings, inp.shape[1], len(sentence), tree.longest)
    scratch.sentence[:] = sentence
    frozen_rows = np.zeros(inp.shape[0], np.uint8)
    frozen_rows[list(frozen)] = 1
    return HS_KERNELS[method](shared_weights(inp, out, frozen_rows, nodes), sampling(counts)._replace(tree=tree),
                              settings, scratch, len(sentence), np.float32(alpha), np.uint64(seed))  # fmt: skip


@pytest.mark.parametrize("method", ["exact", "cbow"])
@pytest.mark.parametrize("negative,node_scale,frozen", [(0, 0.3, ()), (0, 3.0, ()), (3, 0.3, (0, 4)), (2, 3.0, ())])
def test_hierarchical_softmax_matches_reference(method, negative, node_scale, frozen, weights):
    # node_scale 3.0 makes scores beyond +-6 (those nodes are skipped, as word2vec.c does) common.
    inp, out = weights
    out = out if negative else np.zeros((0, DIM), np.float32)  # hierarchical softmax alone has no output table
    paths = reference.huffman(COUNTS)
    nodes = np.random.default_rng(5).normal(0, node_scale, (N_WORDS - 1, DIM)).astype(np.float32)
    start_nodes = nodes.copy()
    ref_inp, ref_out, ref_nodes = inp.astype(np.float64), out.astype(np.float64), nodes.astype(np.float64)
    threshold, alias = tables(COUNTS)
    ref_loss, ref_count = REFERENCES[method](ref_inp, ref_out, SENTENCE.tolist(), 3, negative, 0.05, threshold, alias,
                                             reference.SplitMix64(7), frozen=frozen, nodes=ref_nodes,
                                             paths=paths)  # fmt: skip
    loss, count, _ = run_hs_kernel(method, inp, out, nodes, paths, 3, negative, 0.05, 7, frozen=frozen)
    assert count == ref_count
    assert loss == pytest.approx(ref_loss, rel=1e-4)
    np.testing.assert_allclose(inp, ref_inp, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(nodes, ref_nodes, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-5)
    assert np.abs(nodes - start_nodes).max() > 1e-3  # the comparison is not vacuous
    if node_scale > 1:  # some nodes were left alone for scoring beyond +-6: the rule was exercised
        scores = np.abs(weights[0] @ start_nodes.T)
        assert (scores >= 6).any() and (scores < 6).any()


@pytest.mark.parametrize("method", ["window", "window_wide"])
@pytest.mark.parametrize("node_scale,frozen", [(0.3, ()), (3.0, ()), (0.3, (0, 4))])
def test_skipgram_hs_a_window_at_a_time_is_word2vec_c_pair_by_pair(method, node_scale, frozen, weights):
    # The window kernel against the slow pair-by-pair reference (word2vec.c's loop): the Gram
    # corrections give every pair the node vectors as the earlier pairs left them. (A word twice
    # in one window is the one difference, so the sentence has none.)
    inp = weights[0]
    start_inp = inp.copy()
    empty = np.zeros((0, DIM), np.float32)
    paths = reference.huffman(COUNTS)
    nodes = np.random.default_rng(5).normal(0, node_scale, (N_WORDS - 1, DIM)).astype(np.float32)
    start_nodes = nodes.copy()
    ref_inp, ref_nodes = inp.astype(np.float64), nodes.astype(np.float64)
    threshold, alias = tables(COUNTS)
    ref_loss, ref_count = reference.skipgram_exact(ref_inp, empty.astype(np.float64), DISTINCT.tolist(), 3, 0, 0.05,
                                                   threshold, alias, reference.SplitMix64(7), frozen=frozen,
                                                   nodes=ref_nodes, paths=paths)  # fmt: skip
    loss, count, _ = run_hs_kernel(method, inp, empty, nodes, paths, 3, 0, 0.05, 7, sentence=DISTINCT, frozen=frozen)
    assert count == ref_count
    assert loss == pytest.approx(ref_loss, rel=1e-4)
    np.testing.assert_allclose(inp, ref_inp, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(nodes, ref_nodes, rtol=1e-4, atol=1e-5)
    assert np.abs(nodes - start_nodes).max() > 1e-3  # the comparison is not vacuous
    # ... and it is not the block from one snapshot (which the reference's shared form computes)
    block_inp, block_nodes = start_inp.astype(np.float64), start_nodes.astype(np.float64)
    reference.skipgram_block_hs(block_inp, block_nodes, DISTINCT.tolist(), 3, reference.SplitMix64(7), paths, frozen)
    assert np.abs(block_nodes - nodes).max() > 1e-4


def test_hierarchical_softmax_with_100_dimensions_and_a_deep_tree():
    # Vector loops and remainders, and paths of up to 9 nodes (40 words, skewed counts).
    rng = np.random.default_rng(8)
    n_words = 40
    counts = np.sort(rng.zipf(1.3, n_words))[::-1].astype(np.int64)
    paths = reference.huffman(counts)
    sentence = rng.integers(0, n_words, 60).astype(np.int32)
    for method in ("exact", "cbow", "window", "window_wide"):
        if method.startswith("window"):  # no word twice in a window (see above): each word once
            sentence = rng.permutation(n_words).astype(np.int32)
        inp = rng.normal(0, 0.3, (n_words, 100)).astype(np.float32)
        nodes = rng.normal(0, 0.3, (n_words - 1, 100)).astype(np.float32)
        ref_inp, ref_nodes = inp.astype(np.float64), nodes.astype(np.float64)
        threshold, alias = tables(counts)
        empty = np.zeros((0, 100), np.float32)
        ref_loss, _ = REFERENCES.get(method, reference.skipgram_exact)(
            ref_inp, empty.astype(np.float64), sentence.tolist(), 5, 0, 0.02, threshold, alias, reference.SplitMix64(2),
            nodes=ref_nodes, paths=paths)  # fmt: skip
        loss, _, _ = run_hs_kernel(method, inp, empty, nodes, paths, 5, 0, 0.02, 2, sentence, counts)
        assert loss == pytest.approx(ref_loss, rel=1e-4), method
        np.testing.assert_allclose(inp, ref_inp, rtol=1e-3, atol=1e-5)
        np.testing.assert_allclose(nodes, ref_nodes, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("method", [kernels.SKIPGRAM_HS, kernels.CBOW_HS, kernels.SKIPGRAM_EXACT])
def test_private_node_rows_are_trained_as_the_shared_rows_would_be(method, weights):
    # The nodes nearest the root (rows 0..3) in a thread's own copy, after the 11 shared rows.
    inp, _ = weights
    n_private = 4
    tree = tree_of(reference.huffman(COUNTS))
    nodes = np.random.default_rng(3).normal(0, 0.3, (N_WORDS - 1, DIM)).astype(np.float32)
    segments = Segments(np.tile(SENTENCE, 3), np.array([0, 13, 26], np.int64), np.array([13, 26, 39], np.int64),
                        np.full(3, 0.05, np.float32), first=0, seed=np.uint64(4))  # fmt: skip
    settings = Settings(window=3, negative=0, hs=True)
    no_output = np.zeros((0, DIM), np.float32)
    shared_inp, shared_nodes = inp.copy(), nodes.copy()
    shared = kernels.train_segments(method, shared_weights(shared_inp, no_output, None, shared_nodes),
                                    sampling(COUNTS)._replace(tree=tree), settings, segments)  # fmt: skip
    table = np.concatenate([nodes, nodes[:n_private]])
    thread = Weights(inp, no_output, np.zeros(2, np.int64), np.zeros(N_WORDS, np.uint8), table,
                     np.array([n_private, N_WORDS - 1]))  # fmt: skip
    private = kernels.train_segments(method, thread, sampling(COUNTS)._replace(tree=tree), settings, segments)
    assert private == shared
    np.testing.assert_array_equal(inp, shared_inp)
    np.testing.assert_array_equal(table[N_WORDS - 1 :], shared_nodes[:n_private])  # the copy was trained
    np.testing.assert_array_equal(table[:n_private], nodes[:n_private])  # the shared rows were not
    np.testing.assert_array_equal(table[n_private : N_WORDS - 1], shared_nodes[n_private:])
    assert np.abs(shared_nodes[:n_private] - nodes[:n_private]).max() > 1e-3
