"""Subword vectors: fastText's n-grams and hashing, the kernels' composition against the slow
reference, unseen words, the model directory, the commands."""

from __future__ import annotations

import numpy as np
import pytest

import w2v
from tests import reference
from w2v import kernels
from w2v.kernel_types import Sampling, Segments, Settings, Weights
from w2v.sampling import noise_distribution
from w2v.subwords import parse_subwords, subword_rows


def fasttext_hash(text: str) -> int:
    """fastText's hash, from its definition: 32-bit FNV-1a over the UTF-8 bytes, each byte
    sign-extended from int8 first."""
    h = 2166136261
    for byte in text.encode("utf-8"):
        h = ((h ^ (byte if byte < 128 else byte | 0xFFFFFF00)) * 16777619) & 0xFFFFFFFF
    return h


def fasttext_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """The n-grams of <word>, in fastText's order: by first character, then by length; a
    one-character n-gram that is < or > left out."""
    bracketed = f"<{word}>"
    grams = []
    for i in range(len(bracketed)):
        for n in range(1, max_n + 1):
            if i + n > len(bracketed):
                break
            if n >= min_n and not (n == 1 and (i == 0 or i + n == len(bracketed))):
                grams.append(bracketed[i : i + n])
    return grams


def test_fnv1a_sign_extends_bytes_as_fasttext_does():
    # "a": plain FNV-1a; "é" (c3 a9): its bytes are negative int8, unlike plain FNV-1a's.
    assert fasttext_hash("a") == 0xE40C292C
    plain = 2166136261
    for byte in "é".encode():
        plain = ((plain ^ byte) * 16777619) & 0xFFFFFFFF
    assert fasttext_hash("é") != plain
    starts, rows = subword_rows(["é"], 1, 1, 2**31 - 1, 0, own_rows=False)  # the n-gram "é" alone
    assert rows.tolist() == [fasttext_hash("é") % (2**31 - 1)]


@pytest.mark.parametrize("word", ["where", "a", "où", "北京大学", "naïve_café", "xyzzy123"])
@pytest.mark.parametrize("min_n,max_n", [(3, 6), (1, 2), (2, 10)])
def test_rows_are_the_word_then_its_hashed_ngrams(word, min_n, max_n):
    buckets, n_words = 1_000_003, 7
    starts, rows = subword_rows(["other", word], min_n, max_n, buckets, n_words)
    expected = [1] + [n_words + fasttext_hash(g) % buckets for g in fasttext_ngrams(word, min_n, max_n)]
    assert rows[starts[1] : starts[2]].tolist() == expected
    _, unseen = subword_rows([word], min_n, max_n, buckets, n_words, own_rows=False)
    assert unseen.tolist() == expected[1:]


def test_ngrams_count_characters_not_bytes():
    assert fasttext_ngrams("où", 3, 3) == ["<où", "où>"]
    starts, rows = subword_rows(["où"], 3, 3, 100, 0, own_rows=False)
    assert starts.tolist() == [0, 2]


def test_parse_subwords():
    assert parse_subwords("3-6") == (3, 6)
    for bad in ("3", "6-3", "0-2", "a-b"):
        with pytest.raises(w2v.ConfigError):
            parse_subwords(bad)


SENTENCE = np.array([0, 3, 1, 4, 4, 2, 7, 0, 11, 5, 6, 1, 9], dtype=np.int32)
N_WORDS, BUCKETS, DIM = 12, 9, 8


def _subword_table(rng):
    """Each word: its own row, then 0-4 of 9 bucket rows (some shared between words, one twice)."""
    lists = [[w] + (N_WORDS + rng.integers(0, BUCKETS, rng.integers(0, 5))).tolist() for w in range(N_WORDS)]
    lists[2] += [N_WORDS + 3, N_WORDS + 3]
    starts = np.cumsum([0] + [len(rows) for rows in lists]).astype(np.int64)
    return lists, starts, np.array([r for rows in lists for r in rows], dtype=np.int64)


@pytest.mark.parametrize("method,reference_kernel", [(kernels.SKIPGRAM, reference.skipgram_shared),
                                                     (kernels.SKIPGRAM_EXACT, reference.skipgram_exact),
                                                     (kernels.CBOW, reference.cbow)])  # fmt: skip
def test_kernels_train_composed_vectors_and_add_each_change_to_every_row(method, reference_kernel):
    rng = np.random.default_rng(5)
    table = rng.normal(0, 0.3, (N_WORDS + BUCKETS, DIM)).astype(np.float32)
    start = table.copy()
    out = rng.normal(0, 0.3, (N_WORDS, DIM)).astype(np.float32)
    lists, starts, rows = _subword_table(rng)
    counts = np.arange(N_WORDS, 0, -1, dtype=np.int64) * 10
    threshold, alias = kernels.build_alias_table(noise_distribution(counts))
    seed, window, negative, alpha = np.uint64(11), 3, 4, 0.05
    # The reference: the sentence trained on the words' mean vectors, each word's change then
    # added to every one of its rows.
    composed = np.array([table[r].astype(np.float64).mean(axis=0) for r in lists])
    before = composed.copy()
    ref_table, ref_out = table.astype(np.float64), out.astype(np.float64)
    state = int(kernels.segment_state(seed, 0))
    ref_loss, ref_count = reference_kernel(composed, ref_out, SENTENCE.tolist(), window, negative, alpha, threshold,
                                           alias, reference.SplitMix64(state))  # fmt: skip
    for word, word_rows in enumerate(lists):
        for row in word_rows:
            ref_table[row] += composed[word] - before[word]
    weights = Weights(table, out, np.zeros(2, np.int64), np.zeros(len(table), np.uint8), np.zeros((0, DIM), np.float32),
                      np.zeros(2, np.int64), starts, rows, np.zeros((N_WORDS, DIM), np.float32),
                      np.zeros(N_WORDS, np.int32))  # fmt: skip
    segments = Segments(SENTENCE, np.array([0]), np.array([len(SENTENCE)]), np.array([alpha], np.float32), 0, seed)
    sampling = Sampling(np.ones(N_WORDS, np.float32), threshold, alias)
    loss, count = kernels.train_segments(method, weights, sampling, Settings(window, negative), segments)
    assert count == ref_count and loss == pytest.approx(ref_loss, rel=1e-4)
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(table, ref_table, rtol=1e-4, atol=1e-6)
    assert np.abs(table[N_WORDS:] - start[N_WORDS:]).max() > 1e-3  # the n-gram rows learned: not vacuous
    assert not weights.slots.any()  # every slot cleared for the next sentence
    unused = sorted(set(range(N_WORDS)) - set(SENTENCE.tolist()))
    shared_rows = {r for w in SENTENCE.tolist() for r in lists[w]}
    untouched = [r for w in unused for r in lists[w] if r not in shared_rows]
    assert untouched and np.array_equal(table[untouched], np.asarray(ref_table[untouched], np.float32))
