"""Every numba-compiled function of w2v; no other module imports numba.

Conventions: weights are float32[n_words, dim] and C-contiguous, token ids int32, offsets
int64. Kernels update weights in place (Hogwild: threads write without locks, as word2vec.c
does). Randomness is a uint64 state (splitmix64) passed in and returned, never np.random,
so that a one-thread run with a given seed is reproducible bit for bit.

Names from word2vec.c: input_vectors = syn0, output_vectors = syn1neg, the accumulated input
gradient = neu1e, CBOW's mean context vector = neu1.
"""

from __future__ import annotations

import math

import numba
import numpy as np

# Training methods, chosen once per segment (never inside the per-word loop).
SKIPGRAM_SHARED = 0  # skip-gram, negatives drawn once per centre word, shared by its window
SKIPGRAM_EXACT = 1  # skip-gram, word2vec.c's per-pair update with fresh negatives per pair
CBOW = 2  # CBOW, mean of the context input vectors, word2vec.c's update

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_LOW32 = np.uint64(0xFFFFFFFF)
_MAX_SCORE = 30.0  # beyond this the sigmoid is 0 or 1 in float32; keeps exp() finite


@numba.njit(cache=True)
def next_random(state):
    """splitmix64: return (new state, 64 random bits). state: uint64."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return state, z ^ (z >> np.uint64(31))


@numba.njit(cache=True)
def _uniform(bits):
    """A float in [0, 1) from 64 random bits (the top 24, enough for float32 comparisons)."""
    return np.float32(bits >> np.uint64(40)) * np.float32(1.0 / 16777216.0)


@numba.njit(cache=True)
def _below(bits, n):
    """An integer uniform in [0, n) from the top 32 of 64 random bits (multiply-shift)."""
    return np.int64(((bits >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@numba.njit(cache=True)
def draw_noise(bits, noise_threshold, noise_alias):
    """A word id drawn from the noise distribution via its alias table: one random slot (high
    bits), kept if a uniform (low bits) falls under its threshold, else the slot's alias."""
    slot = _below(bits, noise_threshold.shape[0])
    if np.float32(bits & _LOW32) * np.float32(1.0 / 4294967296.0) < noise_threshold[slot]:
        return slot
    return np.int64(noise_alias[slot])


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
def draw_noise_samples(noise_threshold, noise_alias, n, seed):
    """n draws from the noise distribution (for tests and diagnostics): int64[n]."""
    state = np.uint64(seed)
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        state, bits = next_random(state)
        out[i] = draw_noise(bits, noise_threshold, noise_alias)
    return out


@numba.njit(cache=True, fastmath=True)
def _gradient(score, label):
    """For one (input, target) score: (label - sigmoid(score), -log P(label)).

    The exact sigmoid replaces word2vec.c's table; the update is applied at any score
    (word2vec.c also updates beyond its MAX_EXP = 6, with the sigmoid rounded to 0 or 1).
    """
    score = min(max(score, -_MAX_SCORE), _MAX_SCORE)
    e = math.exp(-abs(score))
    sig = 1.0 / (1.0 + e) if score >= 0 else e / (1.0 + e)
    # -log sigmoid(x) = log1p(exp(-|x|)) + max(-x, 0); label 0 scores -x.
    signed = score if label > 0 else -score
    loss = math.log1p(e) + max(-signed, 0.0)
    return np.float32(label - sig), loss


@numba.njit(cache=True)
def _subsample(tokens, start, end, keep, state, sentence):
    """Copy tokens[start:end] into `sentence`, each kept with probability keep[token].
    Returns (number kept, state)."""
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


@numba.njit(cache=True)
def _window(sentence, length, pos, window, state, contexts):
    """Fill `contexts` with the words around sentence[pos] within a dynamic window: a half-width
    drawn uniformly from 1..window (word2vec.c's `b`). Returns (number of contexts, state)."""
    state, bits = next_random(state)
    half = window - _below(bits, window)
    n = 0
    for j in range(max(0, pos - half), min(length, pos + half + 1)):
        if j != pos:
            contexts[n] = sentence[j]
            n += 1
    return n, state


@numba.njit(cache=True, fastmath=True)
def skipgram_shared_sentence(
    input_vectors,
    output_vectors,
    sentence,
    length,
    window,
    negative,
    alpha,
    noise_threshold,
    noise_alias,
    state,
    contexts,
    targets,
    scores,
    context_grads,
):
    """Skip-gram with negative sampling, negatives shared across each centre word's window.

    For each centre word: targets = [centre, `negative` noise words]; every context word's input
    vector is scored against every target's output vector as one small dense block, then
    output rows and input rows are updated from the same snapshot (pWord2Vec's HogBatch). A
    noise word equal to the centre is skipped, as in word2vec.c.

    input_vectors, output_vectors: float32[n_words, dim], updated in place.
    sentence: int32[>= length]. Scratch (overwritten): contexts int32[2 window],
    targets int64[negative + 1], scores float32[2 window, negative + 1],
    context_grads float32[2 window, dim].
    Returns (summed loss, number of (centre, context) pairs, state).
    """
    dim = input_vectors.shape[1]
    loss = 0.0
    pairs = 0
    for pos in range(length):
        n_contexts, state = _window(sentence, length, pos, window, state, contexts)
        if n_contexts == 0:
            continue
        centre = sentence[pos]
        targets[0] = centre
        for k in range(1, negative + 1):
            state, bits = next_random(state)
            targets[k] = draw_noise(bits, noise_threshold, noise_alias)
        for c in range(n_contexts):
            row = contexts[c]
            for k in range(negative + 1):
                target = targets[k]
                if k > 0 and target == centre:
                    scores[c, k] = 0.0
                    continue
                score = np.float32(0.0)
                for i in range(dim):
                    score += input_vectors[row, i] * output_vectors[target, i]
                g, pair_loss = _gradient(score, 1.0 if k == 0 else 0.0)
                scores[c, k] = g * alpha
                loss += pair_loss
        pairs += n_contexts
        for c in range(n_contexts):
            for i in range(dim):
                context_grads[c, i] = 0.0
            for k in range(negative + 1):
                g = scores[c, k]
                target = targets[k]
                for i in range(dim):
                    context_grads[c, i] += g * output_vectors[target, i]
        for k in range(negative + 1):
            target = targets[k]
            for c in range(n_contexts):
                g = scores[c, k]
                row = contexts[c]
                for i in range(dim):
                    output_vectors[target, i] += g * input_vectors[row, i]
        for c in range(n_contexts):
            row = contexts[c]
            for i in range(dim):
                input_vectors[row, i] += context_grads[c, i]
    return loss, pairs, state


@numba.njit(cache=True, fastmath=True)
def skipgram_exact_sentence(
    input_vectors,
    output_vectors,
    sentence,
    length,
    window,
    negative,
    alpha,
    noise_threshold,
    noise_alias,
    state,
    contexts,
    grad,
):
    """Skip-gram with negative sampling, word2vec.c's update: for each (centre, context) pair,
    the context word's input vector is trained against the centre's output vector and
    `negative` fresh noise words; output rows are updated as it goes, the input row once at
    the end with the accumulated gradient (neu1e).

    Arrays as in `skipgram_shared_sentence`; grad: float32[dim] scratch.
    Returns (summed loss, number of pairs, state).
    """
    dim = input_vectors.shape[1]
    loss = 0.0
    pairs = 0
    for pos in range(length):
        n_contexts, state = _window(sentence, length, pos, window, state, contexts)
        centre = sentence[pos]
        for c in range(n_contexts):
            row = contexts[c]
            for i in range(dim):
                grad[i] = 0.0
            for k in range(negative + 1):
                if k == 0:
                    target = centre
                else:
                    state, bits = next_random(state)
                    target = draw_noise(bits, noise_threshold, noise_alias)
                    if target == centre:
                        continue
                score = np.float32(0.0)
                for i in range(dim):
                    score += input_vectors[row, i] * output_vectors[target, i]
                g, pair_loss = _gradient(score, 1.0 if k == 0 else 0.0)
                g *= alpha
                loss += pair_loss
                for i in range(dim):
                    grad[i] += g * output_vectors[target, i]
                    output_vectors[target, i] += g * input_vectors[row, i]
            for i in range(dim):
                input_vectors[row, i] += grad[i]
        pairs += n_contexts
    return loss, pairs, state


@numba.njit(cache=True, fastmath=True)
def cbow_sentence(
    input_vectors,
    output_vectors,
    sentence,
    length,
    window,
    negative,
    alpha,
    noise_threshold,
    noise_alias,
    state,
    contexts,
    mean,
    grad,
):
    """CBOW with negative sampling, word2vec.c's update (cbow_mean): the mean of the context
    input vectors (neu1) predicts the centre against `negative` noise words; the accumulated
    gradient (neu1e), undivided, is added to every context word's input vector.

    Arrays as in `skipgram_shared_sentence`; mean, grad: float32[dim] scratch.
    Returns (summed loss, number of predictions, state).
    """
    dim = input_vectors.shape[1]
    loss = 0.0
    predictions = 0
    for pos in range(length):
        n_contexts, state = _window(sentence, length, pos, window, state, contexts)
        if n_contexts == 0:
            continue
        centre = sentence[pos]
        for i in range(dim):
            mean[i] = 0.0
            grad[i] = 0.0
        for c in range(n_contexts):
            row = contexts[c]
            for i in range(dim):
                mean[i] += input_vectors[row, i]
        scale = np.float32(1.0 / n_contexts)
        for i in range(dim):
            mean[i] *= scale
        for k in range(negative + 1):
            if k == 0:
                target = centre
            else:
                state, bits = next_random(state)
                target = draw_noise(bits, noise_threshold, noise_alias)
                if target == centre:
                    continue
            score = np.float32(0.0)
            for i in range(dim):
                score += mean[i] * output_vectors[target, i]
            g, target_loss = _gradient(score, 1.0 if k == 0 else 0.0)
            g *= alpha
            loss += target_loss
            for i in range(dim):
                grad[i] += g * output_vectors[target, i]
                output_vectors[target, i] += g * mean[i]
        for c in range(n_contexts):
            row = contexts[c]
            for i in range(dim):
                input_vectors[row, i] += grad[i]
        predictions += 1
    return loss, predictions, state


@numba.njit(cache=True)
def segment_state(seed, segment):
    """The RNG state a segment starts from: independent of which thread runs it."""
    _, bits = next_random(np.uint64(seed) + np.uint64(segment) * _GOLDEN)
    return bits


@numba.njit(cache=True, parallel=True)
def train_segments(
    input_vectors,
    output_vectors,
    tokens,
    segment_starts,
    segment_ends,
    segment_alphas,
    keep,
    noise_threshold,
    noise_alias,
    method,
    window,
    negative,
    seed,
    first_segment,
    n_blocks,
):
    """Train on a run of segments (pieces of lines) in parallel, Hogwild.

    The segments are split into `n_blocks` contiguous blocks run by numba's threads; each block
    owns its scratch buffers. Segment s draws its randomness from `segment_state(seed,
    first_segment + s)`, so with one thread the result does not depend on the blocking.
    Each segment is subsampled with `keep` (float32[n_words]) before windowing, and trained at
    the learning rate segment_alphas[s] (float32) with the given method (SKIPGRAM_SHARED,
    SKIPGRAM_EXACT or CBOW).

    input_vectors, output_vectors: float32[n_words, dim], updated in place.
    tokens: int32[n_tokens]; segment_starts, segment_ends: int64[n_segments].
    Returns (summed loss float64, number of loss terms: pairs for skip-gram, predictions for CBOW).
    """
    dim = input_vectors.shape[1]
    n_segments = segment_starts.shape[0]
    longest = 0
    for s in range(n_segments):
        longest = max(longest, segment_ends[s] - segment_starts[s])
    loss = 0.0
    count = 0
    for block in numba.prange(n_blocks):
        sentence = np.empty(longest, dtype=np.int32)
        contexts = np.empty(2 * window, dtype=np.int32)
        targets = np.empty(negative + 1, dtype=np.int64)
        scores = np.empty((2 * window, negative + 1), dtype=np.float32)
        context_grads = np.empty((2 * window, dim), dtype=np.float32)
        mean = np.empty(dim, dtype=np.float32)
        grad = np.empty(dim, dtype=np.float32)
        block_loss = 0.0
        block_count = 0
        for s in range(block * n_segments // n_blocks, (block + 1) * n_segments // n_blocks):
            state = segment_state(seed, first_segment + s)
            length, state = _subsample(tokens, segment_starts[s], segment_ends[s], keep, state, sentence)
            alpha = segment_alphas[s]
            if method == SKIPGRAM_SHARED:
                seg_loss, seg_count, state = skipgram_shared_sentence(
                    input_vectors,
                    output_vectors,
                    sentence,
                    length,
                    window,
                    negative,
                    alpha,
                    noise_threshold,
                    noise_alias,
                    state,
                    contexts,
                    targets,
                    scores,
                    context_grads,
                )
            elif method == SKIPGRAM_EXACT:
                seg_loss, seg_count, state = skipgram_exact_sentence(
                    input_vectors,
                    output_vectors,
                    sentence,
                    length,
                    window,
                    negative,
                    alpha,
                    noise_threshold,
                    noise_alias,
                    state,
                    contexts,
                    grad,
                )
            else:
                seg_loss, seg_count, state = cbow_sentence(
                    input_vectors,
                    output_vectors,
                    sentence,
                    length,
                    window,
                    negative,
                    alpha,
                    noise_threshold,
                    noise_alias,
                    state,
                    contexts,
                    mean,
                    grad,
                )
            block_loss += seg_loss
            block_count += seg_count
        loss += block_loss
        count += block_count
    return loss, count
