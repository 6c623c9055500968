"""Slow, obvious reimplementations in pure Python / numpy, to test the numba kernels against.

Nothing here imports w2v.kernels: the random stream (splitmix64) and the alias draw are
rewritten from their definitions, so a kernel that drifts from word2vec.c's update rules
or consumes random numbers in another order fails the comparison.
"""

from __future__ import annotations

import math

import numpy as np

MASK = (1 << 64) - 1
MAX_EXP = 6.0  # word2vec.c: hierarchical softmax skips a node whose score is at or beyond +-MAX_EXP


class SplitMix64:
    """splitmix64 on Python integers."""

    def __init__(self, state: int) -> None:
        self.state = state & MASK

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        return ((self.next() >> 32) * n) >> 32

    def uniform(self) -> float:
        return (self.next() >> 40) / 2**24

    def noise(self, threshold: np.ndarray, alias: np.ndarray) -> int:
        bits = self.next()
        slot = ((bits >> 32) * len(threshold)) >> 32
        return slot if (bits & 0xFFFFFFFF) / 2**32 < threshold[slot] else int(alias[slot])


def segment_state(seed: int, segment: int) -> int:
    """The state a segment starts from: one splitmix64 output from seed + segment * golden."""
    return SplitMix64(seed + segment * 0x9E3779B97F4A7C15).next()


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def nll(score: float, label: float) -> float:
    """-log P(label | score) for a logistic output: softplus(-score) or softplus(score)."""
    x = -score if label else score
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def window(sentence, pos, window_size, rng, shrink=True):
    """The contexts of sentence[pos]: within a half-width drawn uniformly in 1..window_size, or
    window_size itself without `shrink` (the draw is made either way)."""
    drawn = window_size - rng.below(window_size)
    half = drawn if shrink else window_size
    return [sentence[j] for j in range(max(0, pos - half), min(len(sentence), pos + half + 1)) if j != pos]


def skipgram_exact(inp, out, sentence, window_size, negative, alpha, threshold, alias, rng, shrink=True, frozen=(),
                   nodes=None, paths=None):  # fmt: skip
    """word2vec.c skip-gram: per (centre, context) pair, fresh noise words, output rows
    updated as it goes, the context's input row once with the summed gradient. Input rows of
    `frozen` words are never updated. With `nodes` (syn1) and `paths` (huffman's), hierarchical
    softmax first: node by node along the centre's path, a node scoring beyond +-6 skipped."""
    loss, pairs = 0.0, 0
    for pos, centre in enumerate(sentence):
        for context in window(sentence, pos, window_size, rng, shrink):
            grad = np.zeros(inp.shape[1])
            for node, code in zip(*paths[centre], strict=True) if nodes is not None else ():
                score = float(inp[context] @ nodes[node])
                loss += nll(score, 1.0 - code)
                if abs(score) < MAX_EXP:
                    g = (1.0 - code - sigmoid(score)) * alpha
                    grad += g * nodes[node]
                    nodes[node] += g * inp[context]
            targets = [(centre, 1.0)] if negative else []
            for _ in range(negative):
                targets.append((rng.noise(threshold, alias), 0.0))
            for target, label in targets:
                if label == 0.0 and target == centre:
                    continue
                score = float(inp[context] @ out[target])
                g = (label - sigmoid(score)) * alpha
                loss += nll(score, label)
                grad += g * out[target]
                out[target] += g * inp[context]
            if context not in frozen:
                inp[context] += grad
            pairs += 1
    return loss, pairs


def skipgram_shared(inp, out, sentence, window_size, negative, alpha, threshold, alias, rng, shrink=True, frozen=()):
    """Skip-gram with the noise words drawn once per centre word and shared by its window;
    all gradients of a window from the same snapshot of both matrices."""
    loss, pairs = 0.0, 0
    for pos, centre in enumerate(sentence):
        contexts = window(sentence, pos, window_size, rng, shrink)
        if not contexts:
            continue
        if negative:
            targets = [centre] + [rng.noise(threshold, alias) for _ in range(negative)]
            labels = np.array([1.0] + [0.0] * negative)
            used = np.array([True] + [t != centre for t in targets[1:]])
            loss += _block(inp, out, contexts, targets, labels, used, alpha, frozen)
        pairs += len(contexts)
    return loss, pairs


def skipgram_block_hs(inp, nodes, sentence, window_size, rng, paths, frozen=(), alpha=0.05):
    """Skip-gram hierarchical softmax with a window's pairs all from one snapshot (what w2v did
    before its Gram corrections): only to show that the window kernel is not this."""
    for pos, centre in enumerate(sentence):
        contexts = window(sentence, pos, window_size, rng, True)
        if not contexts:
            continue
        points, codes = paths[centre]
        scores = inp[contexts] @ nodes[points].T
        grads = (1.0 - np.array(codes, float) - 1.0 / (1.0 + np.exp(-scores))) * alpha * (np.abs(scores) < MAX_EXP)
        input_grads = grads @ nodes[points]
        np.add.at(nodes, points, grads.T @ inp[contexts])
        learns = [c not in frozen for c in contexts]
        np.add.at(inp, np.array(contexts)[learns], input_grads[learns])


def _block(inp, table, contexts, targets, labels, used, alpha, frozen):
    """Every context against every used target from one snapshot. Returns the loss."""
    scores = inp[contexts] @ table[targets].T  # [contexts, targets]
    grads = (labels - 1.0 / (1.0 + np.exp(-scores))) * alpha * used
    loss = sum(nll(scores[c, k], labels[k]) for c in range(len(contexts)) for k in range(len(targets)) if used[k])
    input_grads = grads @ table[targets]
    np.add.at(table, targets, grads.T @ inp[contexts])
    learns = [c not in frozen for c in contexts]
    np.add.at(inp, np.array(contexts)[learns], input_grads[learns])
    return loss


def cbow(inp, out, sentence, window_size, negative, alpha, threshold, alias, rng, shrink=True, frozen=(),
         nodes=None, paths=None):  # fmt: skip
    """word2vec.c CBOW (mean): the mean context vector predicts the centre; the summed
    gradient, undivided, is added to every context word. The centre and its noise words are
    scored against one snapshot of the output rows (as the kernel does; word2vec.c's sequential
    loop differs only when a noise word repeats). With `nodes` and `paths`, hierarchical
    softmax first (node by node; a score beyond +-6 skipped), then negative sampling if
    `negative`."""
    loss, predictions = 0.0, 0
    for pos, centre in enumerate(sentence):
        contexts = window(sentence, pos, window_size, rng, shrink)
        if not contexts:
            continue
        mean = inp[contexts].mean(axis=0)
        grad = np.zeros(inp.shape[1])
        for node, code in zip(*paths[centre], strict=True) if nodes is not None else ():
            score = float(nodes[node] @ mean)
            loss += nll(score, 1.0 - code)
            if abs(score) < MAX_EXP:
                g = (1.0 - code - sigmoid(score)) * alpha
                grad += g * nodes[node]
                nodes[node] += g * mean
        if negative:
            targets = [centre] + [rng.noise(threshold, alias) for _ in range(negative)]
            labels = np.array([1.0] + [0.0] * negative)
            used = np.array([True] + [t != centre for t in targets[1:]])
            scores = out[targets] @ mean
            grads = (labels - 1.0 / (1.0 + np.exp(-scores))) * alpha * used
            loss += sum(nll(scores[k], labels[k]) for k in range(len(targets)) if used[k])
            grad += grads @ out[targets]
            np.add.at(out, targets, np.outer(grads, mean))
        for context in contexts:
            if context not in frozen:
                inp[context] += grad
        predictions += 1
    return loss, predictions


def subsample(tokens, keep, rng):
    """Keep each token with probability keep[token]; a random number is drawn only when keep < 1."""
    kept = []
    for token in tokens:
        if keep[token] < 1.0 and rng.uniform() >= keep[token]:
            continue
        kept.append(token)
    return kept


def huffman(counts):
    """word2vec.c's Huffman tree, built with a heap instead of its two sorted queues: the two
    lightest nodes are joined, ties going to inner nodes before leaves, leaves from the highest
    id (the rarest) and inner nodes in the order made; the first of a pair has code 0. Inner
    node a (in the order made) is number n - 2 - a (the root is 0). Returns [(points, codes)]
    per word, root first."""
    import heapq

    n = len(counts)
    heap = [(int(count), 1, n - 1 - word, word) for word, count in enumerate(counts)]
    heapq.heapify(heap)
    parent, code = {}, {}
    for a in range(n - 1):
        first, second = heapq.heappop(heap), heapq.heappop(heap)
        node = n + a
        parent[first[3]], code[first[3]] = node, 0
        parent[second[3]], code[second[3]] = node, 1
        heapq.heappush(heap, (first[0] + second[0], 0, a, node))
    paths = []
    for word in range(n):
        points, codes, node = [], [], word
        while node in parent:
            points.insert(0, 2 * n - 2 - parent[node])
            codes.insert(0, code[node])
            node = parent[node]
        paths.append((points, codes))
    return paths


def word2phrase(lines: list[list[str]], min_count: int, threshold: float, scorer: str = "default") -> list[list[str]]:
    """One pass of word2phrase.c on tokenised lines, from its definition: count words and the
    pairs adjacent on a line; a pair joins (a_b) where score > threshold, the default score
    (count(ab) - min_count) / count(a) / count(b) * tokens in float32 arithmetic, npmi
    ln(p(ab) / p(a) p(b)) / -ln(p(ab)); a pair or word seen fewer than min_count times never
    joins; left to right, a word joined to the one before it joins nothing after it."""
    words: dict[str, int] = {}
    pairs: dict[tuple[str, str], int] = {}
    for line in lines:
        for i, word in enumerate(line):
            words[word] = words.get(word, 0) + 1
            if i:
                pairs[(line[i - 1], word)] = pairs.get((line[i - 1], word), 0) + 1
    tokens = sum(words.values())

    def score(a: str, b: str) -> float:
        ab, ca, cb = pairs.get((a, b), 0), words[a], words[b]
        if min(ab, ca, cb) < min_count:
            return -math.inf
        if scorer == "default":
            f32 = np.float32
            return float(f32(ab - min_count) / f32(ca) / f32(cb) * f32(tokens))
        return math.log((ab / tokens) / ((ca / tokens) * (cb / tokens))) / -math.log(ab / tokens)

    limit = np.float32(threshold) if scorer == "default" else threshold
    out = []
    for line in lines:
        joined: list[str] = []
        can_join = False
        for i, word in enumerate(line):
            if can_join and score(line[i - 1], word) > limit:
                joined[-1] += "_" + word
                can_join = False
            else:
                joined.append(word)
                can_join = True
        out.append(joined)
    return out
