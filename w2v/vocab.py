"""The vocabulary: which words are trained, in which order, and the corpus as their ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .corpus import Scan
from .errors import EmptyVocabularyError, UnknownWordError
from .spool import Spool, save_array

# A line longer than this many in-vocabulary tokens is split into pieces for scheduling across
# threads; windows do not reach across a split (word2vec.c splits every 1,000 words).
MAX_SEGMENT = 10_000
CHUNK_TOKENS = 1 << 20  # training reads the corpus in chunks of about this many tokens


@dataclass
class Vocab:
    """Words in id order: most frequent first, ties broken by the word (deterministic)."""

    words: list[str]
    counts: np.ndarray  # int64[n_words]
    # int64[n_words]: ranks each word by its first occurrence in the corpus (lower: earlier), when
    # the vocabulary was just counted (not kept in the model directory); see huffman.leaf_order
    first_seen: np.ndarray | None = field(default=None, repr=False)
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


def build_vocab(
    scan: Scan, min_count: int, max_vocab: int | None = None, source: str = "the corpus"
) -> tuple[Vocab, np.ndarray]:
    """Keep the words occurring at least `min_count` times (then the `max_vocab` most frequent).

    Returns the vocabulary and the scan's id of each of its words (for `encode`). Only the kept
    words become Python strings: a corpus with 50M distinct words costs memory for the kept ones.
    """
    counts = scan.counts
    kept = np.flatnonzero(counts >= min_count)
    if kept.size == 0:
        if counts.size == 0:
            raise EmptyVocabularyError(f"{source} has no words")
        raise EmptyVocabularyError(
            f"no word in {source} occurs {min_count} times (the most frequent occurs "
            f"{int(counts.max())}); try --min-count 1"
        )
    # The scan numbers words as it first meets them: the scan id ranks them by first appearance.
    vocab, order = ordered_vocab(scan.table.words_at(kept), counts[kept], kept.astype(np.int64), max_vocab)
    return vocab, kept[order].astype(np.int64)


def ordered_vocab(words: list[bytes], counts: np.ndarray, first_seen: np.ndarray,
                  max_vocab: int | None = None) -> tuple[Vocab, list[int]]:  # fmt: skip
    """The vocabulary of these words (UTF-8) and counts, most frequent first, ties by the word,
    cut to `max_vocab`; first_seen ranks them by first appearance. Also returns the order (the
    index in `words` of each vocabulary word)."""
    listed = counts.tolist()
    order = sorted(range(len(words)), key=lambda k: (-listed[k], words[k]))
    if max_vocab is not None:
        order = order[:max_vocab]
    vocab = Vocab([words[k].decode("utf-8") for k in order], counts[order].astype(np.int64), first_seen[order])
    return vocab, order


@dataclass
class EncodedCorpus:
    """The corpus as vocabulary ids on disk, out-of-vocabulary words removed, cut into segments
    (runs of >= 2 tokens within a line) and the segments grouped into training chunks."""

    tokens: Spool  # int32[n_tokens]
    segments: Spool  # int64[2 * n_segments]: (start, end) token offsets of each segment
    chunk_bounds: np.ndarray  # int64[n_chunks + 1]: the segments of chunk c are [bounds[c], bounds[c + 1])
    chunk_positions: np.ndarray  # int64[n_chunks + 1]: token offset where each chunk starts, then n_tokens
    longest_chunk: int  # tokens from the first segment's start to the last one's end, at most
    n_lines: int  # lines with at least one token in the vocabulary

    @property
    def n_tokens(self) -> int:
        return self.tokens.size

    @property
    def n_chunks(self) -> int:
        return self.chunk_bounds.size - 1

    def chunk(self, c: int, buffer: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Chunk c read from disk: (tokens in `buffer`, segment starts and ends relative to them,
        the token offset of tokens[0])."""
        pairs = self.segments.read(2 * int(self.chunk_bounds[c]), 2 * int(self.chunk_bounds[c + 1]))
        starts, ends = pairs[0::2], pairs[1::2]
        offset = int(starts[0])
        tokens = self.tokens.read(offset, int(ends[-1]), buffer)
        return tokens, starts - offset, ends - offset, offset


def encode(
    scan: Scan, scan_ids: np.ndarray, chunk_tokens: int = CHUNK_TOKENS, max_segment: int = MAX_SEGMENT,
    block: int = 1 << 22,
) -> EncodedCorpus:  # fmt: skip
    """Map the scan's first-seen ids to vocabulary ids (scan_ids[i] is the scan's id of word i,
    -1 if the scan has not met it), drop the rest, and cut the lines into segments, `block` ids at a time.

    Works in place on the scan's id file, which becomes the tokens file: the scan is used up.
    """
    from . import text_kernels  # numba only when a corpus is encoded, never for queries

    final = np.full(scan.n_words, -1, dtype=np.int32)
    present = scan_ids >= 0  # a cluster's share may lack some of the vocabulary's words (-1)
    final[scan_ids[present]] = np.flatnonzero(present).astype(np.int32)
    ids = scan.ids
    segmenter = _Segmenter(Spool(ids.path.with_name("segments.npy"), np.int64), max_segment, chunk_tokens)
    buffer = np.empty(max(1, min(block, ids.size)), dtype=np.int32)
    line_ends = np.empty(buffer.size, dtype=np.int64)
    kept_total = begin = 0
    for end, remap in _generation_maps(scan.pruning.generations, final, ids.size):
        for first in range(begin, end, block):
            chunk = ids.read(first, min(first + block, end), buffer)
            kept, n_breaks = text_kernels.compact_ids(chunk, remap, line_ends)
            ids.write_at(kept_total, chunk[:kept])
            segmenter.add(line_ends[:n_breaks] + kept_total, kept_total + kept)
            kept_total += kept
        begin = end
    ids.truncate(kept_total)
    ids.finish()
    return segmenter.finish(ids, kept_total)


def _generation_maps(generations: list[tuple[int, Path]], final: np.ndarray, n_ids: int):
    """Yield (end offset, scan id -> vocabulary id) for each generation of ids in the stream.

    Each pruning renumbered the words (saved as old id -> new id); composed here from the last
    generation back to the first, one map in memory at a time, then read again in stream order.
    """
    current = final
    for _, path in reversed(generations):
        step = np.load(path)
        current = np.where(step >= 0, current[np.maximum(step, 0)], -1).astype(np.int32)
        save_array(path, current)
    for offset, path in generations:
        yield offset, np.load(path)
    yield n_ids, final


class _Segmenter:
    """Cuts lines, as their ends arrive, into segments of at most `max_length` tokens (the same
    pieces as split_segments on whole lines: a long line's pieces are written as soon as they are
    complete) and groups segments into chunks of about `chunk_tokens` tokens."""

    def __init__(self, spool: Spool, max_length: int, chunk_tokens: int) -> None:
        self.spool, self.max_length, self.chunk_tokens = spool, max_length, chunk_tokens
        self.line_origin = 0  # where the current line began
        self.line_start = 0  # where the part of it not yet cut into segments begins
        self.n_lines = self.n_segments = self.last_end = self.longest = 0
        self.next_mark = 0
        self.bounds: list[int] = []
        self.positions: list[int] = []

    def add(self, line_ends: np.ndarray, written: int) -> None:
        """Lines ending at `line_ends` (token offsets), and `written` tokens so far in all."""
        if line_ends.size:
            origins = np.concatenate(([self.line_origin], line_ends[:-1]))
            self.n_lines += int(np.count_nonzero(line_ends > origins))
            starts = np.concatenate(([self.line_start], line_ends[:-1]))
            self._emit(*split_segments(starts, line_ends, self.max_length))
            self.line_origin = self.line_start = int(line_ends[-1])
        complete = (written - self.line_start) // self.max_length
        if complete:
            starts = self.line_start + self.max_length * np.arange(complete, dtype=np.int64)
            self._emit(starts, starts + self.max_length)
            self.line_start += complete * self.max_length

    def _emit(self, starts: np.ndarray, ends: np.ndarray) -> None:
        if not starts.size:
            return
        while (i := int(np.searchsorted(starts, self.next_mark, side="left"))) < starts.size:
            if self.positions:  # segment i begins a new chunk: the previous one ends before it
                self.longest = max(self.longest, (int(ends[i - 1]) if i else self.last_end) - self.positions[-1])
            self.bounds.append(self.n_segments + i)
            self.positions.append(int(starts[i]))
            self.next_mark = (int(starts[i]) // self.chunk_tokens + 1) * self.chunk_tokens
        self.spool.append(np.column_stack((starts, ends)).ravel())
        self.n_segments += starts.size
        self.last_end = int(ends[-1])

    def finish(self, tokens: Spool, n_tokens: int) -> EncodedCorpus:
        if n_tokens > self.line_start:  # a stream that does not end with a line break
            self.add(np.array([n_tokens], dtype=np.int64), n_tokens)
        if self.positions:
            self.longest = max(self.longest, self.last_end - self.positions[-1])
        self.spool.finish()
        return EncodedCorpus(
            tokens, self.spool, np.array(self.bounds + [self.n_segments], dtype=np.int64),
            np.array(self.positions + [n_tokens], dtype=np.int64), self.longest, self.n_lines,
        )  # fmt: skip


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
