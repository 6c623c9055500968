"""fastText's .bin models (the format of its published cc.*.300.bin files), read into a Model
with subword vectors, so that words it has never seen can be queried too.

The layout (fastText 0.9, FastText::saveModel), little-endian: int32 magic 793712314 and
version 12; the arguments (12 int32: dim, ws, epoch, minCount, neg, wordNgrams, loss, model,
bucket, minn, maxn, lrUpdateRate; then the float64 t); the dictionary (int32 size, nwords,
nlabels; int64 ntokens, pruneidx_size; each entry a NUL-terminated word, int64 count, int8
type; then pruneidx_size pairs of int32); a byte saying whether the input matrix is quantized;
the input matrix (int64 rows, int64 columns, float32 data: nwords + bucket rows). The output
matrix follows; it is not needed for word vectors. The input matrix is memory-mapped.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from .errors import ModelFormatError
from .model import Model
from .vocab import Vocab

MAGIC = 793712314
VERSION = 12
EOS = "</s>"


def is_fasttext_bin(head: bytes) -> bool:
    return len(head) >= 4 and struct.unpack("<i", head[:4])[0] == MAGIC


def read_fasttext_bin(path: str | Path, data, limit: int | None = None) -> Model:
    """The model in `data` (the bytes of `path`, memory-mapped): its words (the first `limit`),
    each word's vector as fastText's get_word_vector composes it, and the n-gram rows."""
    from .subwords import compose_vectors, subword_rows

    path = Path(path)
    reader = _Reader(data, path)
    magic, version = reader.unpack("<ii")
    if magic != MAGIC or version != VERSION:
        raise ModelFormatError(f"{path}: fastText model version {version}; this reads version {VERSION}")
    dim, _ws, _epoch, _min_count, _neg, _word_ngrams, _loss, _model, buckets, min_n, max_n, _lr_update = reader.unpack(
        "<12i"
    )
    reader.unpack("<d")
    size, n_words, _n_labels, _n_tokens, prune_size = reader.unpack("<iiiqq")
    words, counts = [], []
    for _ in range(size):
        word = reader.word()
        count, kind = reader.unpack("<qb")
        if kind == 0:
            words.append(word)
            counts.append(count)
    if prune_size > 0:
        raise ModelFormatError(f"{path} is a pruned (quantized) fastText model; w2v reads unquantized .bin files")
    (quantized,) = reader.unpack("<?")
    if quantized:
        raise ModelFormatError(f"{path} is a quantized fastText model (.ftz); w2v reads unquantized .bin files")
    rows, columns = reader.unpack("<qq")
    if columns != dim or rows != n_words + buckets or len(words) != n_words:
        raise ModelFormatError(f"{path}: input matrix of {rows} x {columns}, expected {n_words} words + "
                               f"{buckets} buckets x {dim}")  # fmt: skip
    end = reader.offset + rows * columns * 4
    if end > len(data):
        raise ModelFormatError(f"{path} is truncated: its input matrix needs {end:,} bytes, the file has {len(data):,}")
    if isinstance(data, bytes):  # a compressed file, decompressed into memory
        table = np.frombuffer(data, np.float32, rows * columns, reader.offset).reshape(rows, columns)
    else:
        table = np.memmap(path, dtype=np.float32, mode="r", offset=reader.offset, shape=(rows, columns))
    kept = words[:limit] if limit else words
    if max_n > 0:
        starts, own_rows = subword_rows(kept, min_n, max_n, buckets, n_words)
        if EOS in kept:  # fastText gives the end of a line no n-grams
            starts, own_rows = _without_ngrams(starts, own_rows, kept.index(EOS))
        vectors = compose_vectors(table, starts, own_rows)
        ngrams = (min_n, max_n, buckets, n_words)
    else:
        vectors, ngrams = np.array(table[: len(kept)]), None
    return Model(Vocab(kept, np.array(counts[: len(kept)], dtype=np.int64)), vectors,
                 meta={"imported_from": str(path), "format": "fastText .bin", "replaced_words": reader.replaced},
                 subword_vectors=table if ngrams else None, ngrams=ngrams)  # fmt: skip


def _without_ngrams(starts: np.ndarray, rows: np.ndarray, word: int) -> tuple[np.ndarray, np.ndarray]:
    """starts, rows with `word` keeping only its own row."""
    first, last = starts[word], starts[word + 1]
    rows = np.concatenate([rows[: first + 1], rows[last:]])
    starts = starts.copy()
    starts[word + 1 :] -= last - first - 1
    return starts, rows


class _Reader:
    def __init__(self, data, path: Path) -> None:
        self.data, self.path, self.offset = data, path, 0
        self.replaced = 0  # words whose bytes were not UTF-8

    def unpack(self, layout: str) -> tuple:
        size = struct.calcsize(layout)
        if self.offset + size > len(self.data):
            raise ModelFormatError(f"{self.path} ends inside its header: not a whole fastText model")
        values = struct.unpack_from(layout, self.data, self.offset)
        self.offset += size
        return values

    def word(self) -> str:
        end = self.data.find(b"\0", self.offset)
        if end < 0:
            raise ModelFormatError(f"{self.path} ends inside its dictionary: not a whole fastText model")
        raw = bytes(self.data[self.offset : end])
        try:
            word = raw.decode("utf-8")
        except UnicodeDecodeError:
            word = raw.decode("utf-8", errors="replace")
            self.replaced += 1
        self.offset = end + 1
        return word
