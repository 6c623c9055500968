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

# In a stream of token ids read from text: the end of a line, and a word that was pruned.
LINE_BREAK = -1
DROPPED = -2

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_LOW32 = np.uint64(0xFFFFFFFF)
_MAX_SCORE = 30.0  # beyond this the sigmoid is 0 or 1 in float32; keeps exp() finite
_FLUSH_BELOW = 1e-280  # times the smallest probability (~1e-13) stays above float64's minimum


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
    """For one (input, target) score: (label - sigmoid(score) as float32, P(label) as float64).

    The exact sigmoid replaces word2vec.c's table; the update is applied at any score
    (word2vec.c also updates beyond its MAX_EXP = 6, with the sigmoid rounded to 0 or 1).
    """
    score = min(max(score, np.float32(-_MAX_SCORE)), np.float32(_MAX_SCORE))
    e = np.float32(math.exp(-abs(score)))
    one = np.float32(1.0)
    sig = one / (one + e) if score >= 0 else e / (one + e)
    # sigmoid(|s|) and sigmoid(-|s|) again in float64, so that -log P stays accurate near P = 1.
    near_one = 1.0 / (1.0 + np.float64(e))
    near_zero = np.float64(e) * near_one
    probability = near_one if (score >= 0) == (label > 0) else near_zero
    return np.float32(label) - sig, probability


@numba.njit(cache=True)
def _add_nll(loss, product, probability):
    """Accumulate -log(probability) into (loss, product) without a log per term.

    Probabilities are multiplied into `product`; its log is moved into `loss` only when it
    nears underflow (each factor is >= sigmoid(-30) ~ 1e-13), and once at the end by the
    caller: loss - log(product) is the exact sum of the -log terms.
    """
    product *= probability
    if product < _FLUSH_BELOW:
        loss -= math.log(product)
        product = 1.0
    return loss, product


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


@numba.njit(cache=True)
def new_scratch(window, negative, dim, longest):
    """One thread's scratch buffers for the sentence kernels, a tuple of
    sentence int32[longest], contexts int32[2 window], targets int64[negative + 1],
    scores float32[2 window, negative + 1], context_rows and context_grads
    float32[2 window, dim], target_rows and target_grads float32[negative + 1, dim]."""
    n_contexts, n_targets = 2 * window, negative + 1
    return (
        np.empty(longest, dtype=np.int32),
        np.empty(n_contexts, dtype=np.int32),
        np.empty(n_targets, dtype=np.int64),
        np.empty((n_contexts, n_targets), dtype=np.float32),
        np.empty((n_contexts, dim), dtype=np.float32),
        np.empty((n_contexts, dim), dtype=np.float32),
        np.empty((n_targets, dim), dtype=np.float32),
        np.empty((n_targets, dim), dtype=np.float32),
    )


@numba.njit(cache=True)
def _draw_targets(targets, centre, noise, state):
    """targets[0] = centre, the rest noise words drawn from `noise` (threshold, alias) in order.
    Returns the state."""
    targets[0] = centre
    for k in range(1, targets.shape[0]):
        state, bits = next_random(state)
        targets[k] = draw_noise(bits, noise[0], noise[1])
    return state


@numba.njit(cache=True, fastmath=True)
def skipgram_shared_sentence(weights, noise, scratch, length, window, negative, alpha, state):
    """Skip-gram with negative sampling, negatives shared across each centre word's window.

    For each centre word: targets = [centre, `negative` noise words]; every context word's input
    vector is scored against every target's output vector as one small dense block, then
    output rows and input rows are updated from the same snapshot (pWord2Vec's HogBatch). A
    noise word equal to the centre is skipped, as in word2vec.c.

    weights: (input_vectors, output_vectors), float32[n_words, dim] each, updated in place.
    noise: (threshold, alias) from `build_alias_table`.
    scratch: from `new_scratch`; its first array holds the (subsampled) sentence, `length` words.
    Returns (summed loss, number of (centre, context) pairs, state).
    """
    input_vectors, output_vectors = weights
    sentence, contexts, targets, scores, context_rows, context_grads, target_rows, target_grads = scratch
    dim = input_vectors.shape[1]
    n_targets = negative + 1
    loss, product = 0.0, 1.0
    pairs = 0
    for pos in range(length):
        n_contexts, state = _window(sentence, length, pos, window, state, contexts)
        if n_contexts == 0:
            continue
        centre = sentence[pos]
        state = _draw_targets(targets, centre, noise, state)
        # Gather the block's rows into small contiguous buffers (they stay in L1).
        # (Row ids are read into locals first: indexing through an array inside the `i` loop
        # stops LLVM from vectorising it, a 3x slowdown.)
        for c in range(n_contexts):
            row = contexts[c]
            for i in range(dim):
                context_rows[c, i] = input_vectors[row, i]
                context_grads[c, i] = 0.0
        for k in range(n_targets):
            target = targets[k]
            for i in range(dim):
                target_rows[k, i] = output_vectors[target, i]
                target_grads[k, i] = 0.0
        for c in range(n_contexts):
            for k in range(n_targets):
                if k > 0 and targets[k] == centre:
                    scores[c, k] = 0.0
                    continue
                score = np.float32(0.0)
                for i in range(dim):
                    score += context_rows[c, i] * target_rows[k, i]
                g, probability = _gradient(score, 1.0 if k == 0 else 0.0)
                scores[c, k] = g * alpha
                loss, product = _add_nll(loss, product, probability)
        pairs += n_contexts
        for c in range(n_contexts):
            for k in range(n_targets):
                g = scores[c, k]
                for i in range(dim):
                    context_grads[c, i] += g * target_rows[k, i]
                    target_grads[k, i] += g * context_rows[c, i]
        for k in range(n_targets):
            target = targets[k]
            for i in range(dim):
                output_vectors[target, i] += target_grads[k, i]
        for c in range(n_contexts):
            row = contexts[c]
            for i in range(dim):
                input_vectors[row, i] += context_grads[c, i]
    return loss - math.log(product), pairs, state


@numba.njit(cache=True, fastmath=True)
def _predict(hidden, output_vectors, centre, negative, alpha, noise, state, grad, loss, product):
    """word2vec.c's negative-sampling step for one hidden vector: score `hidden` (float32[dim], a
    context word's input row) against the centre's output row (label 1) and `negative` fresh
    noise words (label 0, skipped when equal to the centre). Output rows are updated as it goes;
    grad (float32[dim]) receives the summed gradient for the hidden vector (neu1e), which the
    caller applies.
    Returns (state, loss, product) with the -log P terms added (see `_add_nll`).
    """
    dim = hidden.shape[0]
    for i in range(dim):
        grad[i] = 0.0
    for k in range(negative + 1):
        if k == 0:
            target = centre
        else:
            state, bits = next_random(state)
            target = draw_noise(bits, noise[0], noise[1])
            if target == centre:
                continue
        score = np.float32(0.0)
        for i in range(dim):
            score += hidden[i] * output_vectors[target, i]
        g, probability = _gradient(score, 1.0 if k == 0 else 0.0)
        g *= alpha
        loss, product = _add_nll(loss, product, probability)
        for i in range(dim):
            grad[i] += g * output_vectors[target, i]
            output_vectors[target, i] += g * hidden[i]
    return state, loss, product


@numba.njit(cache=True, fastmath=True)
def skipgram_exact_sentence(weights, noise, scratch, length, window, negative, alpha, state):
    """Skip-gram with negative sampling, word2vec.c's update: for each (centre, context) pair,
    the context word's input vector is trained against the centre's output vector and
    `negative` fresh noise words; output rows are updated as it goes, the input row once at
    the end with the accumulated gradient (neu1e).

    Arguments as `skipgram_shared_sentence`. Returns (summed loss, number of pairs, state).
    """
    input_vectors, output_vectors = weights
    sentence, contexts, _, _, _, grads, _, _ = scratch
    grad = grads[0]
    dim = input_vectors.shape[1]
    loss, product = 0.0, 1.0
    pairs = 0
    for pos in range(length):
        n_contexts, state = _window(sentence, length, pos, window, state, contexts)
        centre = sentence[pos]
        for c in range(n_contexts):
            row = contexts[c]
            state, loss, product = _predict(input_vectors[row], output_vectors, centre, negative, alpha, noise,
                                            state, grad, loss, product)  # fmt: skip
            for i in range(dim):
                input_vectors[row, i] += grad[i]
        pairs += n_contexts
    return loss - math.log(product), pairs, state


@numba.njit(cache=True, fastmath=True)
def cbow_sentence(weights, noise, scratch, length, window, negative, alpha, state):
    """CBOW with negative sampling, word2vec.c's update (cbow_mean): the mean of the context
    input vectors (neu1) predicts the centre against `negative` noise words (one equal to the
    centre is skipped); the accumulated gradient (neu1e), undivided, is added to every context
    word's input vector.

    The centre and its noise words are scored in one pass, so that their output rows are fetched
    together (+29 % words/s, measured); this equals word2vec.c's one-target-at-a-time loop except
    when a noise word is drawn twice for the same centre (then both draws see the same row).

    Arguments as `skipgram_shared_sentence`. Returns (summed loss, number of predictions, state).
    """
    input_vectors, output_vectors = weights
    sentence, contexts, targets, scores, _, buffers, _, _ = scratch
    mean, grad = buffers[0], buffers[1]
    dim = input_vectors.shape[1]
    n_targets = negative + 1
    loss, product = 0.0, 1.0
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
        state = _draw_targets(targets, centre, noise, state)
        for k in range(n_targets):
            target = targets[k]
            score = np.float32(0.0)
            for i in range(dim):
                score += mean[i] * output_vectors[target, i]
            scores[0, k] = score
        for k in range(n_targets):
            if k > 0 and targets[k] == centre:
                scores[0, k] = 0.0
                continue
            g, probability = _gradient(scores[0, k], 1.0 if k == 0 else 0.0)
            loss, product = _add_nll(loss, product, probability)
            scores[0, k] = g * alpha
        for k in range(n_targets):
            target = targets[k]
            g = scores[0, k]
            for i in range(dim):
                grad[i] += g * output_vectors[target, i]
        for k in range(n_targets):
            target = targets[k]
            g = scores[0, k]
            for i in range(dim):
                output_vectors[target, i] += g * mean[i]
        for c in range(n_contexts):
            row = contexts[c]
            for i in range(dim):
                input_vectors[row, i] += grad[i]
        predictions += 1
    return loss - math.log(product), predictions, state


@numba.njit(cache=True)
def segment_state(seed, segment):
    """The RNG state a segment starts from: independent of which thread runs it."""
    _, bits = next_random(np.uint64(seed) + np.uint64(segment) * _GOLDEN)
    return bits


@numba.njit(cache=True, nogil=True)
def _train_segments(method, weights, noise, tokens, segment_starts, segment_ends, segment_alphas, keep,
                    window, negative, seed, first_segment):  # fmt: skip
    """train_segments' body, for a `method` known when compiling (the branches of the others are
    pruned, so each method compiles only its own code)."""
    numba.literally(method)
    n_segments = segment_starts.shape[0]
    longest = 0
    for s in range(n_segments):
        longest = max(longest, segment_ends[s] - segment_starts[s])
    scratch = new_scratch(window, negative, weights[0].shape[1], longest)
    loss = 0.0
    count = 0
    for s in range(n_segments):
        state = segment_state(seed, first_segment + s)
        length, state = _subsample(tokens, segment_starts[s], segment_ends[s], keep, state, scratch[0])
        args = (weights, noise, scratch, length, window, negative, segment_alphas[s], state)
        if method == SKIPGRAM_SHARED:
            segment_loss, segment_count, _ = skipgram_shared_sentence(*args)
        elif method == SKIPGRAM_EXACT:
            segment_loss, segment_count, _ = skipgram_exact_sentence(*args)
        else:
            segment_loss, segment_count, _ = cbow_sentence(*args)
        loss += segment_loss
        count += segment_count
    return loss, count


@numba.njit(cache=True, nogil=True)
def _train_skipgram_shared(weights, noise, tokens, starts, ends, alphas, keep, window, negative, seed, first):
    return _train_segments(SKIPGRAM_SHARED, weights, noise, tokens, starts, ends, alphas, keep, window, negative,
                           seed, first)  # fmt: skip


@numba.njit(cache=True, nogil=True)
def _train_skipgram_exact(weights, noise, tokens, starts, ends, alphas, keep, window, negative, seed, first):
    return _train_segments(SKIPGRAM_EXACT, weights, noise, tokens, starts, ends, alphas, keep, window, negative,
                           seed, first)  # fmt: skip


@numba.njit(cache=True, nogil=True)
def _train_cbow(weights, noise, tokens, starts, ends, alphas, keep, window, negative, seed, first):
    return _train_segments(CBOW, weights, noise, tokens, starts, ends, alphas, keep, window, negative, seed, first)


# One compiled entry point per method: a cold cache compiles only the method used.
TRAINERS = {SKIPGRAM_SHARED: _train_skipgram_shared, SKIPGRAM_EXACT: _train_skipgram_exact, CBOW: _train_cbow}


def train_segments(weights, noise, tokens, segment_starts, segment_ends, segment_alphas, keep,
                   method, window, negative, seed, first_segment):  # fmt: skip
    """Train on a run of segments (pieces of lines), one after another, without the GIL: the
    caller runs several calls on threads at once over the same weights (Hogwild, as word2vec.c).

    Segment s draws its randomness from `segment_state(seed, first_segment + s)`, so the result
    does not depend on how the caller splits the segments between calls. Each segment is
    subsampled with `keep` (float32[n_words]) before windowing, and trained at the learning rate
    segment_alphas[s] (float32) with `method` (SKIPGRAM_SHARED, SKIPGRAM_EXACT or CBOW).

    weights: (input_vectors, output_vectors), float32[n_words, dim] each, updated in place.
    noise: (threshold, alias) from `build_alias_table`.
    tokens: int32[n_tokens]; segment_starts, segment_ends: int64[n_segments].
    Returns (summed loss float64, number of loss terms: pairs for skip-gram, predictions for CBOW).
    """
    return TRAINERS[method](weights, noise, tokens, segment_starts, segment_ends, segment_alphas, keep, window,
                            negative, seed, first_segment)  # fmt: skip


# ---- Tokens to ids: an open-addressing hash table of byte strings ---------------------------

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@numba.njit(cache=True)
def _hash_bytes(data, start, end):
    """FNV-1a over data[start:end] (uint8)."""
    h = _FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(data[i])) * _FNV_PRIME
    return h


@numba.njit(cache=True)
def _find_slot(table, pool, pool_starts, data, start, end, h):
    """The slot of the word data[start:end] in `table` (its id there, or -1 where it would go)."""
    mask = table.shape[0] - 1
    slot = np.int64(h & np.uint64(mask))
    length = end - start
    while True:
        word = table[slot]
        if word < 0:
            return slot
        word_start = pool_starts[word]
        if pool_starts[word + 1] - word_start == length:
            same = True
            for i in range(length):
                if pool[word_start + i] != data[start + i]:
                    same = False
                    break
            if same:
                return slot
        slot = (slot + 1) & mask


@numba.njit(cache=True)
def index_tokens(text, start, table, pool, pool_starts, counts, n_words, word_limit, ids, max_token_bytes):
    """Split normalised text into tokens and give each distinct token an id, in order of first
    appearance, in one pass from byte `start`; count each word's occurrences.

    text: uint8[n], tokens separated by ASCII whitespace; b"\n" also ends a line.
    table: int32[capacity], capacity a power of two, -1 for empty slots, word ids otherwise.
    pool: uint8[...], the bytes of word i are pool[pool_starts[i]:pool_starts[i + 1]], with room
    for n more bytes. pool_starts: int64[> word_limit]; counts: int64[>= word_limit], added to.
    n_words: the words already known. Stops before adding word number `word_limit` (the caller
    grows the table and calls again from the returned position), so the table never fills.
    ids: int32[>= n - start], out: the id of each token, and LINE_BREAK for each b"\n".
    A token longer than `max_token_bytes` is cut into pieces that long (to the next character).
    Returns (position reached, number of ids written, n_words).
    """
    n = text.shape[0]
    n_ids = 0
    pos = start
    while pos < n:
        byte = text[pos]
        if byte == 32 or (9 <= byte <= 13):
            if byte == 10:
                ids[n_ids] = LINE_BREAK
                n_ids += 1
            pos += 1
            continue
        token_start = pos
        while pos < n:
            byte = text[pos]
            if byte == 32 or (9 <= byte <= 13):
                break
            if pos - token_start >= max_token_bytes and byte & 0xC0 != 0x80:
                break  # a giant "word" (binary garbage) ends at the first character boundary past the limit
            pos += 1
        slot = _find_slot(table, pool, pool_starts, text, token_start, pos, _hash_bytes(text, token_start, pos))
        word = table[slot]
        if word < 0:
            if n_words >= word_limit:
                return token_start, n_ids, n_words
            word = n_words
            word_start = pool_starts[word]
            for i in range(token_start, pos):
                pool[word_start + i - token_start] = text[i]
            pool_starts[word + 1] = word_start + pos - token_start
            table[slot] = word
            n_words += 1
        counts[word] += 1
        ids[n_ids] = word
        n_ids += 1
    return n, n_ids, n_words


@numba.njit(cache=True)
def rehash(table, pool, pool_starts, n_words):
    """Insert words 0..n_words-1 into the empty `table` (all -1), e.g. after growing it."""
    for word in range(n_words):
        start, end = pool_starts[word], pool_starts[word + 1]
        table[_find_slot(table, pool, pool_starts, pool, start, end, _hash_bytes(pool, start, end))] = word


@numba.njit(cache=True)
def compact_ids(ids, remap, line_ends):
    """Map ids in place through `remap` (-1: drop the token; DROPPED ids are dropped too) and take
    out the LINE_BREAKs, whose positions among the kept tokens go into line_ends (int64[>= their
    number]).
    Returns (tokens kept, line breaks): ids[:kept] holds the kept tokens."""
    kept = 0
    n_lines = 0
    for pos in range(ids.shape[0]):
        word = ids[pos]
        if word == LINE_BREAK:
            line_ends[n_lines] = kept
            n_lines += 1
            continue
        if word < 0:
            continue
        word = remap[word]
        if word >= 0:
            ids[kept] = word
            kept += 1
    return kept, n_lines
