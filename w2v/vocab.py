"""The vocabulary: which words are trained, in which order, and the corpus as their ids."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .corpus import Scan
from .errors import EmptyVocabularyError, UnknownWordError

# A line longer than this many in-vocabulary tokens is split into pieces for scheduling across
# threads; windows do not reach across a split (word2vec.c splits every 1,000 words).
MAX_SEGMENT = 10_000


@dataclass
class Vocab:
    """Words in id order: most frequent first, ties broken by the word (deterministic)."""

    words: list[str]
    counts: np.ndarray  # int64[n_words]
    _index: dict[str, int] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.words)

    @property
    def index(self) -> dict[str, int]:
        """word -> id, built on first use."""
        if self._index is None:
            self._index = {word: i for i, word in enumerate(self.words)}
        return self._index

    def id_of(self, word: str) -> int:
        """The id of `word`; UnknownWordError (with close matches) if it is not in the vocabulary."""
        try:
            # One look-up does not need the dictionary: scanning the list is quicker than building it.
            return self._index[word] if self._index is not None else self.words.index(word)
        except (KeyError, ValueError):
            raise UnknownWordError(unknown_word_message(word, self.words)) from None


def unknown_word_message(word: str, words: list[str], limit: int = 100_000) -> str:
    """'word' is not in the vocabulary, with up to three close matches (difflib's similarity
    ratio >= 0.75) among the `limit` most frequent words; ties go to the more frequent word."""
    from difflib import SequenceMatcher

    matcher = SequenceMatcher(b=word)
    scored = []
    for rank, candidate in enumerate(words[:limit]):
        if abs(len(candidate) - len(word)) > 2:
            continue
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() >= 0.75 and matcher.quick_ratio() >= 0.75:
            score = matcher.ratio()
            if score >= 0.75:
                scored.append((-score, rank, candidate))
    close = [candidate for _, _, candidate in sorted(scored)[:3]]
    hint = f"; did you mean {', '.join(repr(w) for w in close)}?" if close else ""
    return f"{word!r} is not in the vocabulary{hint}"


def build_vocab(scan: Scan, min_count: int, max_vocab: int | None = None, source: str = "the corpus") -> Vocab:
    """Keep the words occurring at least `min_count` times (then the `max_vocab` most frequent)."""
    kept = np.flatnonzero(scan.counts >= min_count)
    if kept.size == 0:
        if scan.counts.size == 0:
            raise EmptyVocabularyError(f"{source} has no words")
        raise EmptyVocabularyError(
            f"no word in {source} occurs {min_count} times (the most frequent occurs "
            f"{int(scan.counts.max())}); try --min-count 1"
        )
    order = sorted(kept.tolist(), key=lambda i: (-scan.counts[i], scan.words[i]))
    if max_vocab is not None:
        order = order[:max_vocab]
    words = [scan.words[i].decode("utf-8") for i in order]
    return Vocab(words, scan.counts[order].astype(np.int64))


@dataclass
class EncodedCorpus:
    """The corpus as vocabulary ids, out-of-vocabulary words removed, cut into segments."""

    tokens: np.ndarray  # int32[n_tokens]
    segment_starts: np.ndarray  # int64[n_segments], each segment a run of >= 2 tokens
    segment_ends: np.ndarray  # int64[n_segments]
    n_lines: int


def encode(scan: Scan, vocab: Vocab) -> EncodedCorpus:
    """Map the scan's first-seen ids to vocabulary ids, drop the rest, and segment the lines.

    Works in place on scan.ids (no copy of the corpus is made); the scan cannot be encoded twice.
    """
    from . import kernels  # numba only when a corpus is encoded, never for queries

    position = {word.encode("utf-8"): i for i, word in enumerate(vocab.words)}
    remap = np.fromiter((position.get(word, -1) for word in scan.words), dtype=np.int32, count=len(scan.words))
    del position
    line_ends = scan.line_ends.copy()
    kept = kernels.compact_ids(scan.ids, remap, line_ends)  # in place: the scan's ids are used up
    tokens = scan.ids[:kept]
    line_starts = np.concatenate(([0], line_ends[:-1]))
    starts, ends = split_segments(line_starts, line_ends, MAX_SEGMENT)
    return EncodedCorpus(tokens, starts, ends, n_lines=int(np.count_nonzero(line_ends > line_starts)))


def split_segments(starts: np.ndarray, ends: np.ndarray, max_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut each [start, end) into pieces of at most `max_length`; drop pieces under 2 tokens
    (a single word has no context)."""
    lengths = ends - starts
    if lengths.size == 0 or lengths.max() <= max_length:  # the common case: nothing to cut
        useful = lengths >= 2
        return starts[useful].astype(np.int64), ends[useful].astype(np.int64)
    pieces = np.maximum(1, -(-lengths // max_length))
    piece_starts = np.repeat(starts, pieces) + max_length * (
        np.arange(pieces.sum()) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    )
    piece_ends = np.minimum(piece_starts + max_length, np.repeat(ends, pieces))
    useful = piece_ends - piece_starts >= 2
    return piece_starts[useful].astype(np.int64), piece_ends[useful].astype(np.int64)
