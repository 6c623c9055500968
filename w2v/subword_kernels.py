"""Compiled loops for subword vectors (subwords.py): fastText's character n-grams of a word,
hashed into buckets, and the composition of word vectors as the mean of their rows.
Self-contained, like the other kernel modules (numba's cache does not notice edits to a jitted
helper in another file)."""

from __future__ import annotations

import numba
import numpy as np

_FNV_OFFSET_32 = np.uint64(2166136261)
_FNV_PRIME_32 = np.uint64(16777619)
_LOW_32 = np.uint64(0xFFFFFFFF)


@numba.njit(cache=True)
def fnv1a_32(data, start, end):
    """fastText's hash of data[start:end] (uint8): 32-bit FNV-1a over each byte sign-extended
    from int8, as fastText's `hash` computes it (h ^= uint32_t(int8_t(c)))."""
    h = _FNV_OFFSET_32  # 32-bit arithmetic in uint64, masked
    for i in range(start, end):
        byte = np.uint64(data[i])
        if byte >= 128:
            byte |= np.uint64(0xFFFFFF00)
        h = ((h ^ byte) * _FNV_PRIME_32) & _LOW_32
    return h


@numba.njit(cache=True)
def _word_ngrams(data, start, end, min_n, max_n, buckets, offset, rows, at):
    """The n-grams of the bracketed word data[start:end], in fastText's order (by start
    character, then length; an n-gram of one character that is "<" or ">" left out): their rows
    offset + hash % buckets written at rows[at:] unless rows is empty. Returns how many."""
    fill = rows.shape[0] > 0
    count = 0
    for i in range(start, end):
        if data[i] & 0xC0 == 0x80:
            continue
        j = i
        length = 1
        while j < end and length <= max_n:
            j += 1
            while j < end and data[j] & 0xC0 == 0x80:
                j += 1
            if length >= min_n and not (length == 1 and (i == start or j == end)):
                if fill:
                    rows[at + count] = offset + np.int64(fnv1a_32(data, i, j) % np.uint64(buckets))
                count += 1
            length += 1
    return count


@numba.njit(cache=True)
def ngram_rows(pool, pool_starts, first_ids, min_n, max_n, buckets, offset, starts, rows):
    """For each word k (its "<" + word + ">" bytes at pool[pool_starts[k]:pool_starts[k + 1]]):
    rows[starts[k]:starts[k + 1]] = first_ids[k] (if >= 0: the word's own row), then its
    n-grams' rows (_word_ngrams). With rows of size 0, only fills starts (the running sum of
    the counts)."""
    starts[0] = 0
    for k in range(pool_starts.shape[0] - 1):
        at = starts[k]
        if first_ids[k] >= 0:
            if rows.shape[0] > 0:
                rows[at] = first_ids[k]
            at += 1
        at += _word_ngrams(pool, pool_starts[k], pool_starts[k + 1], min_n, max_n, buckets, offset, rows, at)
        if rows.shape[0] == 0:
            starts[k + 1] = at


@numba.njit(cache=True, nogil=True)
def compose(table, starts, rows, out):
    """out[k] = the mean of table[rows[starts[k]:starts[k + 1]]] (zeros for a word with none; a
    row of -1 counts as a row of zeros)."""
    dim = table.shape[1]
    for k in range(starts.shape[0] - 1):
        first, last = starts[k], starts[k + 1]
        for i in range(dim):
            out[k, i] = 0.0
        for at in range(first, last):
            row = rows[at]
            if row < 0:
                continue
            for i in range(dim):
                out[k, i] += table[row, i]
        if last > first:
            scale = np.float32(1.0 / (last - first))
            for i in range(dim):
                out[k, i] *= scale
