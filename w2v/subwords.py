"""Subword vectors, as fastText has them (Bojanowski et al. 2017): a word's vector is the mean of
the vectors of the word and of its character n-grams, so that rare words borrow from their
parts and a word never seen still gets a vector.

The n-grams of a word w are the substrings of "<" + w + ">" of min_n..max_n characters (counted
in Unicode characters, never splitting a UTF-8 sequence; a one-character n-gram that is "<" or
">" left out), each hashed with fastText's 32-bit FNV-1a into one of `buckets` rows placed after
the words' rows: row n_words + hash % buckets. The same n-gram in two words is one row, and two
n-grams may share a row (hashing). A vocabulary word's rows are its own then its n-grams'; an
unknown word's are its n-grams' only (fastText's getWordVector, for both).

Training (kernels.py) composes the vector of each word of a sentence from its rows, trains the
sentence on the composed vectors, and adds each word's change to every one of its rows, as
fastText adds the gradient to each row.
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError

BOW, EOW = "<", ">"


def parse_subwords(text: str) -> tuple[int, int]:
    """(min_n, max_n) of a "MIN-MAX" option such as "3-6"."""
    try:
        low, high = (int(part) for part in text.split("-"))
    except ValueError:
        raise ConfigError(f"subwords must be MIN-MAX n-gram lengths such as 3-6, got {text!r}") from None
    if not 1 <= low <= high:
        raise ConfigError(f"subwords MIN-MAX needs 1 <= MIN <= MAX, got {text!r}")
    return low, high


def subword_rows(words: list[str], min_n: int, max_n: int, buckets: int, n_words: int,
                 own_rows: bool = True) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(starts int64[len(words) + 1], rows int64[...]): the rows of word k are
    rows[starts[k]:starts[k + 1]], its own row k first if `own_rows` (vocabulary words), then
    those of its n-grams (n_words + bucket)."""
    from .subword_kernels import ngram_rows

    encoded = [f"{BOW}{word}{EOW}".encode("utf-8", errors="surrogateescape") for word in words]
    pool = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    pool_starts = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(word) for word in encoded], out=pool_starts[1:])
    own = np.arange(len(words), dtype=np.int64) if own_rows else np.full(len(words), -1, dtype=np.int64)
    starts = np.zeros(len(words) + 1, dtype=np.int64)
    ngram_rows(pool, pool_starts, own, min_n, max_n, buckets, n_words, starts, np.empty(0, np.int64))
    rows = np.empty(int(starts[-1]), dtype=np.int64)
    ngram_rows(pool, pool_starts, own, min_n, max_n, buckets, n_words, starts, rows)
    return starts, rows


def compact_buckets(rows: np.ndarray, n_words: int, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """Only the buckets some vocabulary word's n-grams hash to get a row: (bucket_rows
    int32[buckets], rows) with bucket_rows[b] the table row of bucket b (n_words, n_words + 1, ...
    in bucket order) or -1, and `rows` (subword_rows') mapped to those rows. A bucket that no
    vocabulary word uses is never trained (fastText keeps its random start; here it has none
    and counts as zeros), so the table holds n_words + used buckets rows instead of n_words +
    buckets: a fifth of fastText's 2,000,000 for an 80,000-word vocabulary."""
    ngrams = rows >= n_words
    used = np.unique(rows[ngrams] - n_words)
    bucket_rows = np.full(buckets, -1, dtype=np.int32 if n_words + used.size < 2**31 else np.int64)
    bucket_rows[used] = n_words + np.arange(used.size)
    mapped = rows.copy()
    mapped[ngrams] = bucket_rows[rows[ngrams] - n_words]
    return bucket_rows, mapped


def compose_vectors(table: np.ndarray, starts: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """float32[len(starts) - 1, dim]: each word's vector, the mean of its rows of `table` (a row
    of -1, a bucket without one, counts as zeros)."""
    from .subword_kernels import compose

    out = np.empty((starts.size - 1, table.shape[1]), dtype=np.float32)
    compose(table, starts, rows, out)
    return out


def unseen_vectors(table: np.ndarray, words: list[str], min_n: int, max_n: int, buckets: int, n_words: int,
                   bucket_rows: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """The vectors of words that are not in the vocabulary: the mean of their n-grams' rows
    (zeros for a word with no n-gram of min_n..max_n characters). `bucket_rows`: the table's
    row of each bucket (compact_buckets), or None for a table with every bucket's row."""
    starts, rows = subword_rows(words, min_n, max_n, buckets, n_words, own_rows=False)
    if bucket_rows is not None:
        rows = bucket_rows[rows - n_words].astype(np.int64)
    return compose_vectors(table, starts, rows)
