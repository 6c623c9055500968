"""The vocabulary of a corpus counted by N workers: exact counts, the same vocabulary as one machine.

Each worker counts its share (corpus.scan) and cuts its (word, count, first appearance) triples
into N partitions by a stable hash of the word's bytes (CRC-32: the same on every machine and
Python, unlike hash()). Worker j merges partition j of every share, so that each word's counts
meet in one place, keeps the words with count >= min_count, and only those survivors travel to
the driver, which orders them as vocab.build_vocab does.

A word's first appearance is ranked by the corpus's line where its share first met it (shares.py),
then by its place among the words first met in that line, so that hierarchical softmax's tree
breaks ties as a one-machine run does.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from ..vocab import Vocab, ordered_vocab

_LINE_SHIFT = 24  # fewer than 2**24 words are first met in one line, and a corpus has fewer than 2**39 lines


@dataclass(frozen=True)
class WordCounts:
    """Words (their UTF-8 bytes, concatenated) with counts and first-appearance ranks."""

    text: bytes
    lengths: np.ndarray  # int64[n]
    counts: np.ndarray  # int64[n]
    first_seen: np.ndarray  # int64[n]

    @property
    def words(self) -> list[bytes]:
        ends = np.cumsum(self.lengths).tolist()
        text = self.text
        return [text[end - length : end] for end, length in zip(ends, self.lengths.tolist(), strict=True)]

    @classmethod
    def of(cls, words: list[bytes], counts: np.ndarray, first_seen: np.ndarray) -> WordCounts:
        lengths = np.fromiter((len(word) for word in words), np.int64, len(words))
        return cls(b"".join(words), lengths, np.asarray(counts, np.int64), np.asarray(first_seen, np.int64))


def first_seen(first_line: np.ndarray) -> np.ndarray:
    """The first-appearance ranks of a share's words (in its scan's id order: first met first),
    given the corpus's line where each was first met."""
    first_line = np.asarray(first_line, np.int64)
    ids = np.arange(first_line.size, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], first_line[1:] != first_line[:-1]))) if ids.size else ids
    within = ids - np.repeat(starts, np.diff(np.append(starts, ids.size)))  # the word's place in its line
    return (first_line << _LINE_SHIFT) + np.minimum(within, (1 << _LINE_SHIFT) - 1)


def partition(words: list[bytes], counts: np.ndarray, first_seen: np.ndarray, n: int) -> list[WordCounts]:
    """A share's words with their counts and first-appearance ranks, cut into n partitions by the
    CRC-32 of each word."""
    owner = np.fromiter((zlib.crc32(word) for word in words), np.int64, len(words)) % n
    parts = []
    for j in range(n):
        mine = np.flatnonzero(owner == j)
        parts.append(WordCounts.of([words[k] for k in mine], counts[mine], first_seen[mine]))
    return parts


def merge(parts: list[WordCounts], min_count: int) -> tuple[WordCounts, int, int]:
    """Partition j of every share merged: (the words counted at least min_count times in all,
    how many distinct words there were, the largest count)."""
    totals: dict[bytes, list[int]] = {}
    for part in parts:
        for word, count, first in zip(part.words, part.counts.tolist(), part.first_seen.tolist(), strict=True):
            known = totals.get(word)
            if known is None:
                totals[word] = [count, first]
            else:
                known[0] += count
                known[1] = min(known[1], first)
    kept = [(word, count, first) for word, (count, first) in totals.items() if count >= min_count]
    survivors = WordCounts.of([word for word, _, _ in kept], np.array([c for _, c, _ in kept], np.int64),
                              np.array([f for _, _, f in kept], np.int64))  # fmt: skip
    return survivors, len(totals), max((count for count, _ in totals.values()), default=0)


def vocabulary(survivors: list[WordCounts], max_vocab: int | None) -> Vocab:
    """The vocabulary of every partition's survivors, ordered as vocab.build_vocab orders it."""
    words = [word for part in survivors for word in part.words]
    counts = np.concatenate([part.counts for part in survivors]) if survivors else np.zeros(0, np.int64)
    first_seen = np.concatenate([part.first_seen for part in survivors]) if survivors else np.zeros(0, np.int64)
    return ordered_vocab(words, counts, first_seen, max_vocab)[0]
