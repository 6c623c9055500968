"""Training kernels: every numba-compiled function that trains vectors (text_kernels.py holds
those that read text). Everything a kernel calls is in this file, because numba's cache does not
notice edits to a jitted helper in another file.

What crosses the boundary from Python is bundled in the NamedTuples of kernel_types.py.
Weights are float32 and C-contiguous, token ids int32, offsets int64; kernels update weights in
place without locks (Hogwild, as word2vec.c). Randomness is a uint64 splitmix64 state passed in
and returned, never np.random, so that a one-thread run is reproducible bit for bit.

Names from word2vec.c: input_vectors = syn0, output_vectors = syn1neg, the accumulated input
gradient = neu1e, CBOW's mean context vector = neu1. Measurements behind the choices below:
bench/results/2026-12-01-kernel-notes.md.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from .kernel_types import (
    CBOW,
    CBOW_HS,
    SKIPGRAM,
    SKIPGRAM_EXACT,
    SKIPGRAM_HS,
    WIDE_FROM_DIM,
    Sampling,
    Scratch,
    Segments,
    Settings,
    Weights,
)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_LOW32 = np.uint64(0xFFFFFFFF)
_MAX_SCORE = 30.0  # beyond this the sigmoid is 0 or 1 in float32; keeps exp() finite
_MAX_EXP = 6.0  # hierarchical softmax leaves a node alone when its score is this far out (word2vec.c's MAX_EXP)
_CACHED_DEPTH = 4  # the first nodes of every path (root side) are used by every word: not prefetched
_FLUSH_ABOVE = 1e280  # a product of loss factors (each at most 2) is logged before it overflows
_LOG_EVERY = 1000  # entries of a block per log: 2 ** 1000 is below float64's maximum


# ---- LLVM intrinsics ---------------------------------------------------------------------


@intrinsic
def _float32_from_bits(typingctx, bits):
    """The float32 whose IEEE-754 bit pattern is the int32 `bits` (an LLVM bitcast)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return types.float32(types.int32), codegen


@intrinsic
def _prefetch(typingctx, matrix, row, offset):
    """Prefetch the cache line holding byte `offset` of matrix[row] (a 2-d array), for reading,
    into all cache levels (LLVM's llvm.prefetch; a hint, never a fault)."""

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        row_stride = cgutils.unpack_tuple(builder, array.strides)[0]
        address = builder.add(
            builder.ptrtoint(array.data, ir.IntType(64)), builder.add(builder.mul(args[1], row_stride), args[2])
        )
        pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [pointer, i32, i32, i32])
        prefetch = builder.module.declare_intrinsic("llvm.prefetch", [pointer], function_type)  # .p0 or .p0i8
        builder.call(prefetch, [builder.inttoptr(address, pointer), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(matrix, types.intp, types.intp), codegen


@intrinsic
def _prefer_512_bit_vectors(typingctx):
    """Let LLVM vectorise the calling function with 512-bit registers where the CPU has them: on
    AVX-512 CPUs it otherwise keeps to 256 bits (its "prefer-vector-width" function attribute).
    llvmlite's attribute set checks names against a fixed list without string attributes, so the
    attribute is added past that check (`tests/test_kernels.py` checks that it takes effect)."""

    def codegen(context, builder, signature, args):
        set.add(builder.function.attributes, '"prefer-vector-width"="512"')
        return context.get_dummy_value()

    return types.void(), codegen


# ---- Randomness --------------------------------------------------------------------------


@numba.njit(cache=True)
def next_random(state):
    """splitmix64: return (new state, 64 random bits). state: uint64."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return state, z ^ (z >> np.uint64(31))


@numba.njit(cache=True)
def segment_state(seed, segment):
    """The RNG state a segment starts from: independent of which thread runs it."""
    _, bits = next_random(np.uint64(seed) + np.uint64(segment) * _GOLDEN)
    return bits


@numba.njit(cache=True)
def _uniform(bits):
    """A float in [0, 1) from 64 random bits (the top 24, enough for float32 comparisons)."""
    return np.float32(bits >> np.uint64(40)) * np.float32(1.0 / 16777216.0)


@numba.njit(cache=True)
def _below(bits, n):
    """An integer uniform in [0, n) from the top 32 of 64 random bits (multiply-shift)."""
    return np.int64(((bits >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@numba.njit(cache=True, inline="always")
def draw_noise(bits, noise_threshold, noise_alias):
    """A word id drawn from the noise distribution via its alias table (Sampling's noise_threshold
    and noise_alias): one random bucket (high bits), kept if a uniform (low bits) falls under its
    threshold, else the bucket's alias."""
    bucket = _below(bits, noise_threshold.shape[0])
    alias = np.int64(noise_alias[bucket])  # read either way: a select, not an unpredictable branch
    keep = np.float32(bits & _LOW32) * np.float32(1.0 / 4294967296.0) < noise_threshold[bucket]
    return bucket if keep else alias


@numba.njit(cache=True)
def build_alias_table(probabilities):
    """Walker's alias table (Vose's construction) for a distribution float64[n] summing to 1.

    Returns (threshold float32[n], alias int32[n]) for `draw_noise`.
    """
    n = probabilities.shape[0]
    scaled = probabilities * n
    threshold = np.ones(n, dtype=np.float32)
    alias = np.arange(n).astype(np.int32)
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    n_small = 0
    n_large = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[n_small] = i
            n_small += 1
        else:
            large[n_large] = i
            n_large += 1
    while n_small > 0 and n_large > 0:
        n_small -= 1
        lacking = small[n_small]
        donor = large[n_large - 1]
        threshold[lacking] = scaled[lacking]
        alias[lacking] = donor
        scaled[donor] -= 1.0 - scaled[lacking]
        if scaled[donor] < 1.0:
            n_large -= 1
            small[n_small] = donor
            n_small += 1
    return threshold, alias


@numba.njit(cache=True)
def draw_noise_samples(sampling, n, seed):
    """n draws from the noise distribution (for tests and diagnostics): int64[n]."""
    state = np.uint64(seed)
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        state, bits = next_random(state)
        out[i] = draw_noise(bits, sampling.noise_threshold, sampling.noise_alias)
    return out


@numba.njit(cache=True)
def _subsample(tokens, start, end, keep, state, sentence):
    """Copy tokens[start:end] into `sentence`, each kept with probability keep[token].
    Returns (number kept, state). Called once a segment, so not inlined (inlining only lengthens
    each method's compilation)."""
    n = 0
    for pos in range(start, end):
        word = tokens[pos]
        if keep[word] < 1.0:
            state, bits = next_random(state)
            if _uniform(bits) >= keep[word]:
                continue
        sentence[n] = word
        n += 1
    return n, state


# ---- The logistic loss -------------------------------------------------------------------


@numba.njit(cache=True, fastmath=True)
def _exp_negative(a):
    """exp(-a) for a float32 a in [0, _MAX_SCORE], in plain arithmetic so that a loop of them
    vectorises (a libm call does not): exp(-a) = 2**n * exp(r) with n = round(-a / ln 2), ln 2
    split in two for an exact r in [-ln2/2, ln2/2], exp(r) from Cephes expf's polynomial, and
    2**n built from its exponent bits. Within 2 float32 ulps of exp (tested)."""
    x = -a
    n = np.floor(x * np.float32(1.4426950408889634) + np.float32(0.5))
    r = (x - n * np.float32(0.693359375)) + n * np.float32(2.12194440e-4)
    p = np.float32(1.9875691500e-4)
    p = p * r + np.float32(1.3981999507e-3)
    p = p * r + np.float32(8.3334519073e-3)
    p = p * r + np.float32(4.1665795894e-2)
    p = p * r + np.float32(1.6666665459e-1)
    p = p * r + np.float32(5.0000001201e-1)
    p = p * r * r + r + np.float32(1.0)
    return p * _float32_from_bits((np.int32(n) + np.int32(127)) << np.int32(23))


@numba.njit(cache=True, fastmath=True)
def _logistic(score, label):
    """For one (input, target) score and its label (1.0 or 0.0): (label - sigmoid(score),
    1 + e as float64, d as float64), where -log P(label | score) = log(1 + e) + d exactly:
    e = exp(-|score|), d = |score| when the score's sign disagrees with the label, else 0.

    The exact sigmoid replaces word2vec.c's table; scores are clamped to +-_MAX_SCORE (the
    update is applied at any score: word2vec.c also updates beyond its MAX_EXP = 6). The loss
    is kept as log(1 + e) in float64 so that -log P stays accurate near P = 1.
    """
    s = min(max(score, np.float32(-_MAX_SCORE)), np.float32(_MAX_SCORE))
    a = abs(s)
    e = _exp_negative(a)
    sigmoid_abs = np.float32(1.0) / (np.float32(1.0) + e)
    sigmoid = sigmoid_abs if s >= 0 else e * sigmoid_abs
    disagreement = np.float64(a) if (s >= 0) != (label > 0) else 0.0
    return label - sigmoid, 1.0 + np.float64(e), disagreement


@numba.njit(cache=True, fastmath=True, inline="always")
def _logistic_block(scores, valid, labels, start, end, alpha):
    """In place over scores[start:end] (float32, flat): score -> alpha * (label - sigmoid(score))
    where valid[j] is 1.0, and 0.0 where it is 0.0 (padding, skipped noise words; their score
    may be garbage). Returns the summed -log P of the valid entries (float64).

    One branch-free loop that LLVM vectorises; the index is unsigned because with a signed one
    numba adds negative-index wraparound, which stops the vectorisation. The log(1 + e) factors
    are multiplied together and one log taken: each factor is at most 2, so the caller passes at
    most _LOG_EVERY entries at a time.
    """
    product = 1.0
    disagreements = 0.0
    for j in range(np.uint64(start), np.uint64(end)):
        v = valid[j]
        g, factor, disagreement = _logistic(scores[j] if v > 0 else np.float32(0.0), labels[j])
        scores[j] = v * alpha * g
        product *= factor if v > 0 else 1.0
        disagreements += disagreement * v
    return math.log(product) + disagreements


@numba.njit(cache=True)
def _add_nll(loss, product, factor, disagreement):
    """Accumulate one -log P = log(factor) + disagreement (from `_logistic`) into (loss, product):
    factors are multiplied into `product` and its log moved into `loss` only when it grows large
    (each factor is at most 2); the caller adds log(product) once at the end."""
    product *= factor
    if product > _FLUSH_ABOVE:
        loss += math.log(product)
        product = 1.0
    return loss + disagreement, product


# ---- Rows and windows --------------------------------------------------------------------


@numba.njit(cache=True, inline="always")
def output_row(word, private):
    """The row of the output vectors that holds `word`'s output vector for this thread: its own
    copy (word + offset) for the private words, the shared row (word) for all others. See
    Weights.private; the caller merges the copies into the shared rows (train.Hogwild)."""
    return word + private[1] if word < private[0] else np.int64(word)


@numba.njit(cache=True, inline="always")
def _half_width(bits, window, shrink):
    """A centre's window half-width: uniform in 1..window from `bits` if `shrink`, else `window`."""
    return window - _below(bits, window) if shrink else window


@numba.njit(cache=True, inline="always")
def _gather_window(sentence, length, pos, half, contexts):
    """Fill `contexts` with the words within `half` positions of sentence[pos], itself excluded.
    Returns their number."""
    n = 0
    for j in range(max(0, pos - half), min(length, pos + half + 1)):
        if j != pos:
            contexts[n] = sentence[j]
            n += 1
    return n


@numba.njit(cache=True, inline="always")
def _prefetch_row(matrix, row):
    """Ask the CPU to start loading matrix[row] (float32[n, dim]) into its caches."""
    row_bytes = matrix.shape[1] * 4
    for offset in range(0, row_bytes, 64):
        _prefetch(matrix, row, offset)
    _prefetch(matrix, row, row_bytes - 1)


@numba.njit(cache=True, inline="always")
def _plan(weights, sampling, sentence, plans, halves, length, pos, window, shrink, n_targets, state):
    """Draw centre sentence[pos]'s random choices one centre ahead of training it: its window
    half-width (uniform in 1..window, word2vec.c's `b`, if `shrink`, else `window`) into
    halves[turn], and its targets (the
    centre, then n_targets - 1 noise words, then the centre again as padding) into plans[turn],
    as rows of the output vectors (`output_row`), where turn = pos & 1 (scratch buffers, see
    Scratch); then prefetch those rows and the input row of the word a window ahead, so that they
    arrive from memory while the previous centre trains. Returns the state. (Arrays, not the
    Scratch: reading a field of a tuple in the per-centre loop costs a reference-count update.)"""
    private, noise_threshold, noise_alias = weights.private, sampling.noise_threshold, sampling.noise_alias
    turn = pos & 1
    state, bits = next_random(state)
    halves[turn] = _half_width(bits, window, shrink)
    centre = output_row(sentence[pos], private)
    plans[turn, 0] = centre
    for k in range(1, n_targets):
        state, bits = next_random(state)
        plans[turn, k] = output_row(draw_noise(bits, noise_threshold, noise_alias), private)
    for k in range(n_targets, plans.shape[1]):
        plans[turn, k] = centre
    for k in range(n_targets):
        _prefetch_row(weights.output_vectors, plans[turn, k])
    _prefetch_row(weights.input_vectors, sentence[min(pos + window, length - 1)])
    return state


@numba.njit(cache=True, inline="always")
def _plan_path(weights, sampling, sentence, plans, halves, path_arrays, length, pos, window, shrink, negative, state):
    """`_plan` for hierarchical softmax (with negative sampling too if `negative` > 0): the
    window half-width (and noise words), then the centre's path of inner nodes into
    paths[turn] (padded to an even length with the root, whose gradient will be 0), the labels
    its nodes predict (1 - code) into path_labels[turn] and its length into path_lengths[turn];
    the deeper nodes' rows are prefetched (the few near the root are used by every word and stay
    in the caches). path_arrays = (tree starts, points, codes, node vectors, paths, path_labels,
    path_lengths), unpacked once by the caller. Returns the state."""
    starts, points, codes, node_vectors, paths, path_labels, path_lengths = path_arrays
    turn = pos & 1
    if negative > 0:
        state = _plan(weights, sampling, sentence, plans, halves, length, pos, window, shrink, negative + 1, state)
    else:
        state, bits = next_random(state)
        halves[turn] = _half_width(bits, window, shrink)
        _prefetch_row(weights.input_vectors, sentence[min(pos + window, length - 1)])
    word = sentence[pos]
    start = starts[word]
    n_nodes = starts[word + 1] - start
    node_private = weights.node_private
    for k in range(n_nodes):
        node = output_row(points[start + k], node_private)
        paths[turn, k] = node
        path_labels[turn, k] = np.float32(1 - np.int32(codes[start + k]))
        if k >= _CACHED_DEPTH:
            _prefetch_row(node_vectors, node)
    paths[turn, n_nodes] = paths[turn, 0]
    path_labels[turn, n_nodes] = 0.0
    path_lengths[turn] = n_nodes
    return state


@numba.njit(cache=True)
def new_scratch(settings, dim, longest, longest_path):
    """One thread's Scratch for `settings` at `dim` dimensions, for segments of up to `longest` words
    (a window wider than the longest segment needs no more rows than it) and tree paths of up to
    `longest_path` nodes."""
    n_rows = 2 * min(settings.window, longest) + 2
    n_cols = (settings.negative + 2) // 2 * 2
    n_path_cols = (longest_path + 2) // 2 * 2 if settings.hs else 0
    labels = np.zeros(n_rows * n_cols, dtype=np.float32)
    valid = np.zeros(n_rows * n_cols, dtype=np.float32)
    for row in range(n_rows):
        labels[row * n_cols] = 1.0
        valid[row * n_cols : row * n_cols + settings.negative + 1] = 1.0
    return Scratch(
        sentence=np.empty(longest, dtype=np.uint32),
        contexts=np.empty(n_rows, dtype=np.uint32),
        plans=np.empty((2, n_cols), dtype=np.uint32),
        halves=np.empty(2, dtype=np.int64),
        scores=np.zeros((n_rows, n_cols), dtype=np.float32),
        labels=labels,
        valid=valid,
        vectors=np.empty((max(n_cols, n_path_cols, 2), dim), dtype=np.float32),
        paths=np.zeros((2, n_path_cols), dtype=np.uint32),
        path_labels=np.zeros((2, n_path_cols), dtype=np.float32),
        path_lengths=np.zeros(2, dtype=np.int64),
        node_scores=np.zeros((n_rows, n_path_cols), dtype=np.float32),
        gram=np.zeros((n_rows if settings.hs else 0, n_rows), dtype=np.float32),
    )


@numba.njit(cache=True, inline="always")
def _set_to_2_rows(dst, d, src, r0, g0, r1, g1):
    """dst[d] = g0 src[r0] + g1 src[r1] (rows of 2-d float32 arrays, by index: no views)."""
    for i in range(dst.shape[1]):
        dst[d, i] = g0 * src[r0, i] + g1 * src[r1, i]


@numba.njit(cache=True, inline="always")
def _add_2_rows(dst, d, src, r0, g0, r1, g1):
    """dst[d] += g0 src[r0] + g1 src[r1]."""
    for i in range(dst.shape[1]):
        dst[d, i] += g0 * src[r0, i] + g1 * src[r1, i]


@numba.njit(cache=True, inline="always")
def _add_4_rows(dst, d, src, r0, g0, r1, g1, r2, g2, r3, g3):
    """dst[d] += g0 src[r0] + g1 src[r1] + g2 src[r2] + g3 src[r3]."""
    for i in range(dst.shape[1]):
        dst[d, i] += (g0 * src[r0, i] + g1 * src[r1, i]) + (g2 * src[r2, i] + g3 * src[r3, i])


@numba.njit(cache=True, inline="always")
def _skip_noise_equal_to_centre(valid, plans, turn, n_targets, n_rows, n_cols, use):
    """In the first n_rows rows of the flat block `valid`, set the use of every noise column whose
    word equals the centre (plans[turn, 0]) to `use`: 0.0 to skip them, as word2vec.c does, 1.0
    to restore the pattern. Returns whether there was one."""
    found = False
    for k in range(1, n_targets):
        if plans[turn, k] == plans[turn, 0]:
            found = True
            for c in range(n_rows):
                valid[c * n_cols + k] = use
    return found


# ---- Blocks: every context word against every target at once -----------------------------


@numba.njit(cache=True, fastmath=True, inline="always")
def _score_block(input_vectors, table, contexts, padded_contexts, targets, turn, n_cols, scores):
    """scores[c, k] = input_vectors[contexts[c]] . table[targets[turn, k]] for c < padded_contexts,
    k < n_cols (both even): two rows by two columns at a time, each load used twice."""
    dim = input_vectors.shape[1]
    for c in range(0, padded_contexts, 2):
        r0, r1 = contexts[c], contexts[c + 1]
        for k in range(0, n_cols, 2):
            t0, t1 = targets[turn, k], targets[turn, k + 1]
            s00 = np.float32(0.0)
            s01 = np.float32(0.0)
            s10 = np.float32(0.0)
            s11 = np.float32(0.0)
            for i in range(dim):
                x0, x1 = input_vectors[r0, i], input_vectors[r1, i]
                y0, y1 = table[t0, i], table[t1, i]
                s00 += x0 * y0
                s01 += x0 * y1
                s10 += x1 * y0
                s11 += x1 * y1
            scores[c, k], scores[c, k + 1] = s00, s01
            scores[c + 1, k], scores[c + 1, k + 1] = s10, s11


@numba.njit(cache=True, fastmath=True, inline="always")
def _target_gradients(input_vectors, contexts, padded_contexts, n_targets, scores, target_grads):
    """target_grads[k] = sum over contexts c of scores[c, k] input_vectors[contexts[c]], for the
    first n_targets columns (contexts padded to an even number, the padding row's scores 0), the
    input rows combined two or four at a time."""
    for k in range(n_targets):
        _set_to_2_rows(target_grads, k, input_vectors, contexts[0], scores[0, k], contexts[1], scores[1, k])
        c = 2
        while c + 4 <= padded_contexts:
            _add_4_rows(target_grads, k, input_vectors,
                        contexts[c], scores[c, k], contexts[c + 1], scores[c + 1, k],
                        contexts[c + 2], scores[c + 2, k], contexts[c + 3], scores[c + 3, k])  # fmt: skip
            c += 4
        if c < padded_contexts:
            _add_2_rows(target_grads, k, input_vectors,
                        contexts[c], scores[c, k], contexts[c + 1], scores[c + 1, k])  # fmt: skip


@numba.njit(cache=True, fastmath=True, inline="always")
def _add_targets_to_row(input_vectors, row, table, targets, turn, n_cols, scores, c):
    """input_vectors[row] += sum over the n_cols (even) targets k of scores[c, k] table[targets[turn, k]],
    the target rows combined four (or two) at a time."""
    k = 0
    while k + 4 <= n_cols:
        _add_4_rows(input_vectors, row, table,
                    targets[turn, k], scores[c, k], targets[turn, k + 1], scores[c, k + 1],
                    targets[turn, k + 2], scores[c, k + 2], targets[turn, k + 3], scores[c, k + 3])  # fmt: skip
        k += 4
    if k < n_cols:
        _add_2_rows(input_vectors, row, table,
                    targets[turn, k], scores[c, k], targets[turn, k + 1], scores[c, k + 1])  # fmt: skip


@numba.njit(cache=True, fastmath=True, inline="always")
def _apply_target_gradients(table, targets, turn, n_targets, target_grads):
    """table[targets[turn, k]] += target_grads[k] for the first n_targets targets."""
    for k in range(n_targets):
        target = targets[turn, k]
        for i in range(table.shape[1]):
            table[target, i] += target_grads[k, i]


@numba.njit(cache=True, fastmath=True, inline="always")
def _update_block(input_vectors, table, frozen, contexts, n_contexts, padded_contexts, targets, turn, n_targets,
                  n_cols, scores, target_grads):  # fmt: skip
    """Apply a block of gradients (scores[c, k], 0 in padding rows and columns): the targets'
    gradients from the input rows before they change, then the input rows (unless frozen) from
    the target rows before they change, then the target rows. Rows are combined two or four at a
    time, so that each pass over a row does several multiply-adds per load and store."""
    _target_gradients(input_vectors, contexts, padded_contexts, n_targets, scores, target_grads)
    for c in range(n_contexts):
        row = contexts[c]
        if not frozen[row]:
            _add_targets_to_row(input_vectors, row, table, targets, turn, n_cols, scores, c)
    _apply_target_gradients(table, targets, turn, n_targets, target_grads)


@numba.njit(cache=True, fastmath=True, inline="always")
def _negative_block(input_vectors, output_vectors, frozen, contexts, plans, scores, labels, valid, target_grads,
                    n_contexts, padded_contexts, turn, n_targets, alpha):  # fmt: skip
    """Negative sampling for one window: every context word (contexts, padded to an even number)
    against the centre and its noise words (plans[turn]), scored and updated as one block (the
    Scratch arrays of the same names). Returns the summed -log P."""
    n_cols = scores.shape[1]
    flat_scores = scores.reshape(-1)
    rows_per_log = max(1, _LOG_EVERY // n_cols)  # see _logistic_block
    _score_block(input_vectors, output_vectors, contexts, padded_contexts, plans, turn, n_cols, scores)
    skipped = _skip_noise_equal_to_centre(valid, plans, turn, n_targets, n_contexts, n_cols, 0.0)
    loss = 0.0
    for first in range(0, n_contexts, rows_per_log):
        last = min(n_contexts, first + rows_per_log)
        loss += _logistic_block(flat_scores, valid, labels, first * n_cols, last * n_cols, alpha)
    if skipped:
        _skip_noise_equal_to_centre(valid, plans, turn, n_targets, n_contexts, n_cols, 1.0)
    for k in range(n_cols):
        scores[n_contexts, k] = 0.0  # the padding row, if any
    _update_block(input_vectors, output_vectors, frozen, contexts, n_contexts, padded_contexts, plans, turn, n_targets,
                  n_cols, scores, target_grads)  # fmt: skip
    return loss


@numba.njit(cache=True, fastmath=True, inline="always")
def _hierarchical_scores(scores, path_labels, turn, first_row, n_rows, n_nodes, n_cols, alpha):
    """Hierarchical softmax's logistic step, in place over scores[first_row:n_rows, :n_cols] (the first
    n_nodes columns are the path's nodes, then at most one padding column, set to 0):
    score -> alpha * (label - sigmoid(score)) with label = path_labels[turn, k] (1 - code),
    except that, as in word2vec.c, a node whose score is at or beyond +-MAX_EXP (6) is left
    alone (gradient 0). Returns the summed -log P of every node of the path (those left alone
    included: the loss is the model's). Flat rows with unsigned indices, so that the loop over a
    row vectorises (see _logistic_block)."""
    flat_scores = scores.reshape(-1)
    labels = path_labels.reshape(-1)
    stride = scores.shape[1]
    first_label = np.uint64(turn * path_labels.shape[1])
    loss = 0.0
    for c in range(first_row, n_rows):
        first = np.uint64(c * stride)
        product = 1.0  # at most 2 ** n_nodes: no overflow
        disagreements = 0.0
        for k in range(np.uint64(0), np.uint64(n_nodes)):
            score = flat_scores[first + k]
            g, factor, disagreement = _logistic(score, labels[first_label + k])
            flat_scores[first + k] = alpha * g if abs(score) < _MAX_EXP else np.float32(0.0)
            product *= factor
            disagreements += disagreement
        if n_cols > n_nodes:
            scores[c, n_nodes] = 0.0
        loss += math.log(product) + disagreements
    return loss


@numba.njit(cache=True, fastmath=True, inline="always")
def _hierarchical_window(input_vectors, node_vectors, frozen, paths, path_labels, path_lengths, contexts, n_contexts,
                         padded_contexts, turn, node_scores, gram, target_grads, alpha):  # fmt: skip
    """Hierarchical softmax for one window, word2vec.c's pair-by-pair update computed as a block.

    word2vec.c trains the window's pairs one after another against the centre's path, each
    pair's node updates (node += g x) seen by the next pair. Context c therefore scores node k
    as x_c . (s_k + sum over earlier pairs i of g_ik x_i) = x_c . s_k + sum_i g_ik (x_c . x_i):
    the block of scores from the window's snapshot, corrected row by row with the contexts'
    Gram matrix. Its input gradient is likewise sum_k g_ck s_k + sum_i (sum_k g_ck g_ik) x_i,
    and node k moves by sum_c g_ck x_c. So every pair gets word2vec.c's scores and gradients
    (up to float rounding) in dense passes; only a word that is twice in one window differs (its
    second pair sees its row before the first pair's update). Returns the summed -log P."""
    dim = input_vectors.shape[1]
    n_nodes = path_lengths[turn]
    n_cols = n_nodes + (n_nodes & 1)
    _score_block(input_vectors, node_vectors, contexts, padded_contexts, paths, turn, n_cols, node_scores)
    for c in range(1, n_contexts):  # gram[c, i] = x_c . x_i, i < c
        rc = contexts[c]
        for i in range(c):
            ri = contexts[i]
            total = np.float32(0.0)
            for j in range(dim):
                total += input_vectors[rc, j] * input_vectors[ri, j]
            gram[c, i] = total
    loss = 0.0
    for c in range(n_contexts):
        for i in range(c):  # rows before c hold their gradients already
            weight = gram[c, i]
            for k in range(n_nodes):
                node_scores[c, k] += weight * node_scores[i, k]
        loss += _hierarchical_scores(node_scores, path_labels, turn, c, c + 1, n_nodes, n_cols, alpha)
    for c in range(1, n_contexts):  # gram[c, i] = g_c . g_i: how much of x_i reaches x_c through the nodes
        for i in range(c):
            total = np.float32(0.0)
            for k in range(n_nodes):
                total += node_scores[c, k] * node_scores[i, k]
            gram[c, i] = total
    for k in range(n_cols):
        node_scores[n_contexts, k] = 0.0  # the padding row, if any
    _target_gradients(input_vectors, contexts, padded_contexts, n_nodes, node_scores, target_grads)
    for c in range(n_contexts - 1, -1, -1):  # last first: the rows before c are still unchanged
        row = contexts[c]
        if frozen[row]:
            continue
        _add_targets_to_row(input_vectors, row, node_vectors, paths, turn, n_cols, node_scores, c)
        i = 0
        while i + 2 <= c:
            _add_2_rows(input_vectors, row, input_vectors, contexts[i], gram[c, i], contexts[i + 1], gram[c, i + 1])
            i += 2
        if i < c:
            _add_2_rows(input_vectors, row, input_vectors, contexts[i], gram[c, i], contexts[i], np.float32(0.0))
    _apply_target_gradients(node_vectors, paths, turn, n_nodes, target_grads)
    return loss


# ---- The sentence kernels ----------------------------------------------------------------
# Each trains one subsampled segment, scratch.sentence[:length], at learning rate `alpha`, and
# returns (summed loss, number of loss terms, state): the terms are (centre, context) pairs for
# skip-gram, predictions for CBOW.


@numba.njit(cache=True, fastmath=True, error_model="numpy", inline="always")
def _skipgram(weights, sampling, settings, scratch, length, alpha, state):
    """Skip-gram with negative sampling, noise words shared across each centre word's window.

    For each centre word: targets = [centre, `negative` noise words]; every context word's input
    vector is scored against every target's output vector as one small dense block, then
    output rows and input rows are updated from the same snapshot (pWord2Vec's HogBatch). A
    noise word equal to the centre is skipped, as in word2vec.c.
    """
    input_vectors, output_vectors, frozen = weights.input_vectors, weights.output_vectors, weights.frozen
    sentence, contexts, plans, halves = scratch.sentence, scratch.contexts, scratch.plans, scratch.halves
    scores, labels, valid, target_grads = scratch.scores, scratch.labels, scratch.valid, scratch.vectors
    window, shrink, n_targets = settings.window, settings.shrink, settings.negative + 1
    loss = 0.0
    pairs = 0
    if length > 0:
        state = _plan(weights, sampling, sentence, plans, halves, length, 0, window, shrink, n_targets, state)
    for pos in range(length):
        if pos + 1 < length:
            state = _plan(weights, sampling, sentence, plans, halves, length, pos + 1, window, shrink, n_targets, state)
        turn = pos & 1
        n_contexts = _gather_window(sentence, length, pos, halves[turn], contexts)
        if n_contexts == 0:
            continue
        padded_contexts = n_contexts + (n_contexts & 1)
        contexts[n_contexts] = contexts[0]  # padding, if n_contexts is odd
        loss += _negative_block(input_vectors, output_vectors, frozen, contexts, plans, scores, labels, valid,
                                target_grads, n_contexts, padded_contexts, turn, n_targets, alpha)  # fmt: skip
        pairs += n_contexts
    return loss, pairs, state


@numba.njit(cache=True, fastmath=True, error_model="numpy")
def skipgram_sentence(weights, sampling, settings, scratch, length, alpha, state):
    """`_skipgram` at LLVM's default vector width for the CPU (the faster below WIDE_FROM_DIM)."""
    return _skipgram(weights, sampling, settings, scratch, length, alpha, state)


@numba.njit(cache=True, fastmath=True, error_model="numpy")
def skipgram_sentence_wide(weights, sampling, settings, scratch, length, alpha, state):
    """`_skipgram` with 512-bit vectors where the CPU has them (AVX-512; elsewhere the same code
    as `skipgram_sentence`): faster from WIDE_FROM_DIM dimensions, slower below, where the
    vector loops' remainders dominate."""
    _prefer_512_bit_vectors()
    return _skipgram(weights, sampling, settings, scratch, length, alpha, state)


@numba.njit(cache=True, fastmath=True, error_model="numpy", inline="always")
def _skipgram_hs(weights, sampling, settings, scratch, length, alpha, state):
    """Skip-gram with hierarchical softmax alone: for each centre word, its window's pairs
    against the centre's path as word2vec.c trains them, computed a window at a time
    (`_hierarchical_window`)."""
    sentence, contexts, halves = scratch.sentence, scratch.contexts, scratch.halves
    paths, path_labels, path_lengths = scratch.paths, scratch.path_labels, scratch.path_lengths
    tree = sampling.tree
    path_arrays = (tree.starts, tree.points, tree.codes, weights.node_vectors, paths, path_labels, path_lengths)
    input_vectors, node_vectors, frozen = weights.input_vectors, weights.node_vectors, weights.frozen
    plans, target_grads, node_scores, gram = scratch.plans, scratch.vectors, scratch.node_scores, scratch.gram
    window, shrink = settings.window, settings.shrink
    loss = 0.0
    pairs = 0
    if length > 0:
        state = _plan_path(weights, sampling, sentence, plans, halves, path_arrays, length, 0, window, shrink, 0, state)
    for pos in range(length):
        if pos + 1 < length:
            state = _plan_path(weights, sampling, sentence, plans, halves, path_arrays, length, pos + 1, window,
                               shrink, 0, state)  # fmt: skip
        turn = pos & 1
        n_contexts = _gather_window(sentence, length, pos, halves[turn], contexts)
        if n_contexts == 0:
            continue
        padded_contexts = n_contexts + (n_contexts & 1)
        contexts[n_contexts] = contexts[0]  # padding, if n_contexts is odd
        loss += _hierarchical_window(input_vectors, node_vectors, frozen, paths, path_labels, path_lengths,
                                     contexts, n_contexts, padded_contexts, turn, node_scores, gram, target_grads,
                                     alpha)  # fmt: skip
        pairs += n_contexts
    return loss, pairs, state


@numba.njit(cache=True, fastmath=True, error_model="numpy")
def skipgram_hs_sentence(weights, sampling, settings, scratch, length, alpha, state):
    """`_skipgram_hs` at LLVM's default vector width for the CPU."""
    return _skipgram_hs(weights, sampling, settings, scratch, length, alpha, state)


@numba.njit(cache=True, fastmath=True, error_model="numpy")
def skipgram_hs_sentence_wide(weights, sampling, settings, scratch, length, alpha, state):
    """`_skipgram_hs` with 512-bit vectors where the CPU has them (see skipgram_sentence_wide)."""
    _prefer_512_bit_vectors()
    return _skipgram_hs(weights, sampling, settings, scratch, length, alpha, state)


@numba.njit(cache=True, fastmath=True, error_model="numpy")
def _predict(weights, row, centre, sampling, negative, alpha, state, grad, loss, product):
    """word2vec.c's negative-sampling step for one hidden vector: score input_vectors[row] (a
    context word's input row) against the centre's output row `centre` (label 1; a row as given
    by `output_row`) and `negative` fresh noise words (label 0, skipped when equal to the
    centre). Output rows are updated as it goes; the gradient for the hidden vector is added to
    grad (float32[dim], neu1e), which the caller applies.
    Returns (state, loss, product) with the -log P terms added (see `_add_nll`).
    """
    input_vectors, output_vectors, private = weights.input_vectors, weights.output_vectors, weights.private
    noise_threshold, noise_alias = sampling.noise_threshold, sampling.noise_alias
    dim = grad.shape[0]
    for k in range(negative + 1):
        if k == 0:
            target = centre
        else:
            state, bits = next_random(state)
            target = output_row(draw_noise(bits, noise_threshold, noise_alias), private)
            if target == centre:
                continue
        score = np.float32(0.0)
        for i in range(dim):
            score += input_vectors[row, i] * output_vectors[target, i]
        g, factor, disagreement = _logistic(score, np.float32(1.0 if k == 0 else 0.0))
        g *= alpha
        loss, product = _add_nll(loss, product, factor, disagreement)
        for i in range(dim):
            grad[i] += g * output_vectors[target, i]
            output_vectors[target, i] += g * input_vectors[row, i]
    return state, loss, product


@numba.njit(cache=True, fastmath=True, error_model="numpy")
def _predict_path(weights, row, word, tree, alpha, grad, loss, product):
    """word2vec.c's hierarchical-softmax step for one hidden vector, input_vectors[row], and the
    word `word`: node by node along its path, score, skip a node at or beyond +-MAX_EXP, update
    the node as it goes; the gradient for the hidden vector is added to grad (float32[dim]).
    Returns (loss, product) with every node's -log P added (see `_add_nll`)."""
    input_vectors, node_vectors = weights.input_vectors, weights.node_vectors
    dim = grad.shape[0]
    for i in range(tree.starts[word], tree.starts[word + 1]):
        node = output_row(tree.points[i], weights.node_private)
        score = np.float32(0.0)
        for j in range(dim):
            score += input_vectors[row, j] * node_vectors[node, j]
        g, factor, disagreement = _logistic(score, np.float32(1 - np.int32(tree.codes[i])))
        loss, product = _add_nll(loss, product, factor, disagreement)
        if abs(score) >= _MAX_EXP:
            continue
        g *= alpha
        for j in range(dim):
            grad[j] += g * node_vectors[node, j]
            node_vectors[node, j] += g * input_vectors[row, j]
    return loss, product


@numba.njit(cache=True, fastmath=True, error_model="numpy")
def skipgram_exact_sentence(weights, sampling, settings, scratch, length, alpha, state):
    """Skip-gram, word2vec.c's update: for each (centre, context) pair, the context word's input
    vector is trained against the centre's path in the tree (hierarchical softmax, if
    settings.hs), then against the centre's output vector and `negative` fresh noise words (if
    negative > 0); node and output rows are updated as it goes, the input row once at the end
    with the accumulated gradient (neu1e)."""
    input_vectors, private, frozen = weights.input_vectors, weights.private, weights.frozen
    sentence, contexts = scratch.sentence, scratch.contexts
    grad = scratch.vectors[0]
    dim = input_vectors.shape[1]
    window, shrink, negative, hs = settings.window, settings.shrink, settings.negative, settings.hs
    loss, product = 0.0, 1.0
    pairs = 0
    for pos in range(length):
        state, bits = next_random(state)
        n_contexts = _gather_window(sentence, length, pos, _half_width(bits, window, shrink), contexts)
        word = sentence[pos]
        centre = output_row(word, private)
        for c in range(n_contexts):
            row = contexts[c]
            for i in range(dim):
                grad[i] = 0.0
            if hs:
                loss, product = _predict_path(weights, row, word, sampling.tree, alpha, grad, loss, product)
            if negative > 0:
                state, loss, product = _predict(weights, row, centre, sampling, negative, alpha, state, grad,
                                                loss, product)  # fmt: skip
            if not frozen[row]:
                for i in range(dim):
                    input_vectors[row, i] += grad[i]
        pairs += n_contexts
    return loss + math.log(product), pairs, state


@numba.njit(cache=True, fastmath=True, inline="always")
def _cbow_mean(input_vectors, contexts, n_contexts, mean):
    """mean = the mean of the context words' input vectors (neu1)."""
    dim = input_vectors.shape[1]
    row = contexts[0]
    for i in range(dim):
        mean[i] = input_vectors[row, i]
    for c in range(1, n_contexts):
        row = contexts[c]
        for i in range(dim):
            mean[i] += input_vectors[row, i]
    scale = np.float32(1.0 / n_contexts)
    for i in range(dim):
        mean[i] *= scale


@numba.njit(cache=True, fastmath=True, inline="always")
def _cbow_scores(mean, table, targets, turn, n_cols, scores):
    """scores[0, k] = mean . table[targets[turn, k]] for k < n_cols (even), two targets at a time."""
    for k in range(0, n_cols, 2):
        t0, t1 = targets[turn, k], targets[turn, k + 1]
        s0 = np.float32(0.0)
        s1 = np.float32(0.0)
        for i in range(mean.shape[0]):
            x = mean[i]
            s0 += x * table[t0, i]
            s1 += x * table[t1, i]
        scores[0, k] = s0
        scores[0, k + 1] = s1


@numba.njit(cache=True, fastmath=True, inline="always")
def _cbow_update(mean, grad, table, targets, turn, n_targets, n_cols, scores, accumulate):
    """From the gradients scores[0, k] (0 in padding columns): grad (neu1e) = (or += if
    `accumulate`) the sum of g_k table[targets[turn, k]], then every target row += g_k mean."""
    dim = mean.shape[0]
    for k in range(0, n_cols, 2):
        t0, t1 = targets[turn, k], targets[turn, k + 1]
        g0, g1 = scores[0, k], scores[0, k + 1]
        if k == 0 and not accumulate:
            for i in range(dim):
                grad[i] = g0 * table[t0, i] + g1 * table[t1, i]
        else:
            for i in range(dim):
                grad[i] += g0 * table[t0, i] + g1 * table[t1, i]
    for k in range(n_targets):
        target = targets[turn, k]
        g = scores[0, k]
        for i in range(dim):
            table[target, i] += g * mean[i]


@numba.njit(cache=True, fastmath=True, error_model="numpy", inline="always")
def _cbow_negative(output_vectors, plans, scores, labels, valid, turn, n_targets, mean, grad, accumulate, alpha):
    """CBOW's negative sampling for one centre: the mean predicts the centre against its noise
    words (plans[turn]); grad = (or += if `accumulate`) the mean's gradient. Returns -log P."""
    n_cols = scores.shape[1]
    _cbow_scores(mean, output_vectors, plans, turn, n_cols, scores)
    skipped = _skip_noise_equal_to_centre(valid, plans, turn, n_targets, 1, n_cols, 0.0)
    loss = _logistic_block(scores.reshape(-1), valid, labels, 0, n_cols, alpha)
    if skipped:
        _skip_noise_equal_to_centre(valid, plans, turn, n_targets, 1, n_cols, 1.0)
    _cbow_update(mean, grad, output_vectors, plans, turn, n_targets, n_cols, scores, accumulate)
    return loss


@numba.njit(cache=True, fastmath=True, error_model="numpy")
def cbow_sentence(weights, sampling, settings, scratch, length, alpha, state):
    """CBOW with negative sampling, word2vec.c's update (cbow_mean): the mean of the context
    input vectors (neu1) predicts the centre against `negative` noise words (one equal to the
    centre is skipped); the accumulated gradient (neu1e), undivided, is added to every context
    word's input vector.

    The centre and its noise words are scored in one pass, so that their output rows are fetched
    together; this equals word2vec.c's one-target-at-a-time loop except when a noise word is
    drawn twice for the same centre (then both draws see the same row).
    """
    input_vectors, output_vectors, frozen = weights.input_vectors, weights.output_vectors, weights.frozen
    sentence, contexts, plans, halves = scratch.sentence, scratch.contexts, scratch.plans, scratch.halves
    scores, labels, valid = scratch.scores, scratch.labels, scratch.valid
    mean, grad = scratch.vectors[0], scratch.vectors[1]
    dim = input_vectors.shape[1]
    window, shrink, n_targets = settings.window, settings.shrink, settings.negative + 1
    loss = 0.0
    predictions = 0
    if length > 0:
        state = _plan(weights, sampling, sentence, plans, halves, length, 0, window, shrink, n_targets, state)
    for pos in range(length):
        if pos + 1 < length:
            state = _plan(weights, sampling, sentence, plans, halves, length, pos + 1, window, shrink, n_targets, state)
        turn = pos & 1
        n_contexts = _gather_window(sentence, length, pos, halves[turn], contexts)
        if n_contexts == 0:
            continue
        _cbow_mean(input_vectors, contexts, n_contexts, mean)
        loss += _cbow_negative(output_vectors, plans, scores, labels, valid, turn, n_targets, mean, grad, False, alpha)
        for c in range(n_contexts):
            row = contexts[c]
            if not frozen[row]:
                for i in range(dim):
                    input_vectors[row, i] += grad[i]
        predictions += 1
    return loss, predictions, state


@numba.njit(cache=True, fastmath=True, error_model="numpy")
def cbow_hs_sentence(weights, sampling, settings, scratch, length, alpha, state):
    """CBOW with hierarchical softmax (and negative sampling too if settings.negative > 0),
    word2vec.c's update: the mean of the context input vectors predicts the centre node by node
    along its path (a node at or beyond +-MAX_EXP skipped); the path's nodes are distinct rows,
    so scoring them all before updating any equals word2vec.c's node-by-node loop."""
    input_vectors, output_vectors, node_vectors = weights.input_vectors, weights.output_vectors, weights.node_vectors
    frozen = weights.frozen
    sentence, contexts, plans, halves = scratch.sentence, scratch.contexts, scratch.plans, scratch.halves
    paths, path_labels, path_lengths, node_scores = scratch.paths, scratch.path_labels, scratch.path_lengths, \
        scratch.node_scores  # fmt: skip
    tree = sampling.tree
    path_arrays = (tree.starts, tree.points, tree.codes, node_vectors, paths, path_labels, path_lengths)
    scores, labels, valid = scratch.scores, scratch.labels, scratch.valid
    mean, grad = scratch.vectors[0], scratch.vectors[1]
    dim = input_vectors.shape[1]
    window, shrink, negative = settings.window, settings.shrink, settings.negative
    loss = 0.0
    predictions = 0
    if length > 0:
        state = _plan_path(weights, sampling, sentence, plans, halves, path_arrays, length, 0, window, shrink,
                           negative, state)  # fmt: skip
    for pos in range(length):
        if pos + 1 < length:
            state = _plan_path(weights, sampling, sentence, plans, halves, path_arrays, length, pos + 1, window,
                               shrink, negative, state)  # fmt: skip
        turn = pos & 1
        n_contexts = _gather_window(sentence, length, pos, halves[turn], contexts)
        if n_contexts == 0:
            continue
        _cbow_mean(input_vectors, contexts, n_contexts, mean)
        n_nodes = path_lengths[turn]
        n_cols = n_nodes + (n_nodes & 1)
        _cbow_scores(mean, node_vectors, paths, turn, n_cols, node_scores)
        loss += _hierarchical_scores(node_scores, path_labels, turn, 0, 1, n_nodes, n_cols, alpha)
        _cbow_update(mean, grad, node_vectors, paths, turn, n_nodes, n_cols, node_scores, False)
        if negative > 0:
            loss += _cbow_negative(output_vectors, plans, scores, labels, valid, turn, negative + 1, mean, grad, True,
                                   alpha)  # fmt: skip
        for c in range(n_contexts):
            row = contexts[c]
            if not frozen[row]:
                for i in range(dim):
                    input_vectors[row, i] += grad[i]
        predictions += 1
    return loss, predictions, state


# ---- Entry points: a run of segments, without the GIL ------------------------------------


@numba.njit(cache=True, nogil=True, inline="always")
def _train_segments(kernel, weights, sampling, settings, segments):
    """The entry points' body for one sentence kernel, a compiled function passed as an argument.

    Inlined, so that the kernel is a constant of each entry point: a pointer argument cannot be
    cached, and a method number chosen with numba.literally would type (and compile) every
    kernel on a cold cache, not just the one used."""
    tokens, starts, ends, alphas = segments.tokens, segments.starts, segments.ends, segments.alphas
    longest = 0
    for s in range(starts.shape[0]):
        longest = max(longest, ends[s] - starts[s])
    dim = weights.input_vectors.shape[1]
    scratch = new_scratch(settings, dim, longest, sampling.tree.longest)
    sentence, keep = scratch.sentence, sampling.keep
    # With subwords the kernel trains the composed vectors of the sentence's words (see _compose).
    subwords = weights.subword_starts.shape[0] > 0
    kernel_weights = Weights(weights.composed if subwords else weights.input_vectors, weights.output_vectors,
                             weights.private, weights.frozen, weights.node_vectors, weights.node_private,
                             weights.subword_starts, weights.subword_rows, weights.composed, weights.slots)  # fmt: skip
    before = np.empty((longest if subwords else 0, dim), np.float32)
    distinct = np.empty(longest if subwords else 0, np.int32)
    loss = 0.0
    count = 0
    for s in range(starts.shape[0]):
        state = segment_state(segments.seed, segments.first + s)
        length, state = _subsample(tokens, starts[s], ends[s], keep, state, sentence)
        n_distinct = _compose(weights, sentence, length, before, distinct) if subwords else 0
        segment_loss, segment_count, _ = kernel(kernel_weights, sampling, settings, scratch, length, alphas[s], state)
        if subwords:
            _spread(weights, before, distinct, n_distinct)
        loss += segment_loss
        count += segment_count
    return loss, count


@numba.njit(cache=True, nogil=True)
def _compose(weights, sentence, length, before, distinct):
    """Subwords: for each distinct word w of sentence[:length], composed[w] = before[k] = the
    mean of its rows (its own and its n-grams'), k its slot (slots[w] = k + 1, distinct[k] = w).
    Returns the number of distinct words."""
    table, starts, rows, composed, slots = weights.input_vectors, weights.subword_starts, weights.subword_rows, \
        weights.composed, weights.slots  # fmt: skip
    dim = table.shape[1]
    n = 0
    for pos in range(length):
        word = sentence[pos]
        if slots[word] != 0:
            continue
        distinct[n] = word
        n += 1
        slots[word] = n
        first, last = starts[word], starts[word + 1]
        for i in range(dim):
            before[n - 1, i] = 0.0
        for at in range(first, last):
            row = rows[at]
            for i in range(dim):
                before[n - 1, i] += table[row, i]
        scale = np.float32(1.0 / max(1, last - first))
        for i in range(dim):
            before[n - 1, i] *= scale
            composed[word, i] = before[n - 1, i]
    return n


@numba.njit(cache=True, nogil=True)
def _spread(weights, before, distinct, n_distinct):
    """Subwords, after the sentence: add what training changed in each word's composed vector to
    every one of its rows (fastText adds the gradient to each row), and clear its slot."""
    table, starts, rows, composed, slots = weights.input_vectors, weights.subword_starts, weights.subword_rows, \
        weights.composed, weights.slots  # fmt: skip
    dim = table.shape[1]
    for k in range(n_distinct):
        word = distinct[k]
        slots[word] = 0
        for i in range(dim):
            before[k, i] = composed[word, i] - before[k, i]
        for at in range(starts[word], starts[word + 1]):
            row = rows[at]
            for i in range(dim):
                table[row, i] += before[k, i]


@numba.njit(cache=True, nogil=True)
def _train_skipgram(weights, sampling, settings, segments):
    return _train_segments(skipgram_sentence, weights, sampling, settings, segments)


@numba.njit(cache=True, nogil=True)
def _train_skipgram_wide(weights, sampling, settings, segments):
    return _train_segments(skipgram_sentence_wide, weights, sampling, settings, segments)


@numba.njit(cache=True, nogil=True)
def _train_skipgram_exact(weights, sampling, settings, segments):
    return _train_segments(skipgram_exact_sentence, weights, sampling, settings, segments)


@numba.njit(cache=True, nogil=True)
def _train_cbow(weights, sampling, settings, segments):
    return _train_segments(cbow_sentence, weights, sampling, settings, segments)


@numba.njit(cache=True, nogil=True)
def _train_skipgram_hs(weights, sampling, settings, segments):
    return _train_segments(skipgram_hs_sentence, weights, sampling, settings, segments)


@numba.njit(cache=True, nogil=True)
def _train_skipgram_hs_wide(weights, sampling, settings, segments):
    return _train_segments(skipgram_hs_sentence_wide, weights, sampling, settings, segments)


@numba.njit(cache=True, nogil=True)
def _train_cbow_hs(weights, sampling, settings, segments):
    return _train_segments(cbow_hs_sentence, weights, sampling, settings, segments)


def trainer(method: str, dim: int):
    """The compiled entry point that trains `method` (one of METHODS) at `dim` dimensions:
    entry(weights: Weights, sampling: Sampling, settings: Settings, segments: Segments) ->
    (summed loss float64, number of loss terms). It trains the segments one after another
    without the GIL, so that several calls run on threads at once over the same weights
    (Hogwild); each segment is subsampled with sampling.keep before windowing.
    There is one entry point per method (and vector width), so a cold cache compiles only the one used."""
    if method == SKIPGRAM:
        return _train_skipgram_wide if dim >= WIDE_FROM_DIM else _train_skipgram
    if method == SKIPGRAM_HS:
        return _train_skipgram_hs_wide if dim >= WIDE_FROM_DIM else _train_skipgram_hs
    return {SKIPGRAM_EXACT: _train_skipgram_exact, CBOW: _train_cbow, CBOW_HS: _train_cbow_hs}[method]


def train_segments(method: str, weights: Weights, sampling: Sampling, settings: Settings, segments: Segments):
    """Train `segments` with `method`: the entry point `trainer` picks, called once."""
    return trainer(method, weights.input_vectors.shape[1])(weights, sampling, settings, segments)
