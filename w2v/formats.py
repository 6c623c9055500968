"""Word vectors in other tools' formats: word2vec text and binary (read and written), GloVe
text (read), NumPy .npy with a word list and the Embedding Projector's TSV files (written).
Files are written to a temporary name beside the target and renamed into place."""

from __future__ import annotations

import mmap
import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .errors import ModelFormatError, W2VError
from .model import Model
from .storage import create_unique
from .vocab import Vocab


def atomic_write(path: Path, write) -> None:
    """Call write(binary_file) on a new temporary file beside `path`, then rename it into place.
    The file is created with mode 0o666 less the umask, as an ordinary file."""
    directory = path.parent if str(path.parent) else Path(".")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        temporary, handle = create_unique(directory, f".{path.name}.", lambda name: os.open(name, flags, 0o666))
    except OSError as error:
        raise W2VError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temporary, path)
    except OSError as error:
        os.unlink(temporary)
        raise W2VError(f"cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        os.unlink(temporary)
        raise


def write_word2vec(path: str | Path, words: list[str], vectors: np.ndarray, binary: bool = False) -> None:
    """Write word2vec's format: a "n_words dim" header line, then per word either
    "word v1 ... vdim" as text, or (binary) the word, a space, dim little-endian float32 and a
    newline, as word2vec.c writes it."""
    path = Path(path)
    n_words, dim = vectors.shape

    def write(out):
        out.write(f"{n_words} {dim}\n".encode())
        for start in range(0, n_words, 10_000):
            block = np.asarray(vectors[start : start + 10_000], dtype="<f4")
            names = words[start : start + 10_000]
            if binary:
                out.write(
                    b"".join(
                        name.encode() + b" " + row.tobytes() + b"\n" for name, row in zip(names, block, strict=True)
                    )
                )
            else:
                # '%.6f' as word2vec.c; a row format string is far faster than per-value str().
                row_format = " ".join(["%.6f"] * dim)
                rows = zip(names, block.tolist(), strict=True)
                out.write("".join(f"{name} {row_format % tuple(row)}\n" for name, row in rows).encode())

    atomic_write(path, write)


PAD, UNK = "<pad>", "<unk>"
_BLOCK_ROWS = 1 << 16  # rows formatted or copied at a time when a table is written


def special_tokens(pad: bool, unk: bool) -> list[str]:
    """The tokens of the rows `write_npy` puts before the words: <pad> then <unk>, as asked."""
    return [PAD] * pad + [UNK] * unk


def write_npy(path: str | Path, words: list[str], vectors: np.ndarray, pad: bool = False, unk: bool = False) -> Path:
    """Write the matrix as float32 .npy and the token of every row, one per line in row order,
    beside it as <stem>.vocab.txt. Returns the vocabulary file's path.

    For torch.nn.Embedding: `pad` puts a row of zeros first (padding_idx=0), `unk` then a row for
    unknown tokens (the mean of the vectors); the words follow, each shifted by the rows before
    it. Rows are written in blocks: the table is never copied whole in memory."""
    path = Path(path)
    specials = special_tokens(pad, unk)
    clash = next((word for word in specials if word in set(words)), None)
    if clash is not None:
        raise W2VError(f"the vocabulary has a word {clash!r}, which would be confused with the special row")
    n_rows, dim = len(specials) + vectors.shape[0], vectors.shape[1]

    def write_matrix(out):
        np.lib.format.write_array_header_1_0(out, {"descr": "<f4", "fortran_order": False, "shape": (n_rows, dim)})
        if pad:
            out.write(np.zeros(dim, "<f4").tobytes())
        if unk:
            mean = vectors.mean(axis=0, dtype=np.float64) if vectors.shape[0] else np.zeros(dim)
            out.write(mean.astype("<f4").tobytes())
        for start in range(0, vectors.shape[0], _BLOCK_ROWS):
            out.write(np.ascontiguousarray(vectors[start : start + _BLOCK_ROWS], dtype="<f4").tobytes())

    vocab_path = path.with_name(path.stem + ".vocab.txt")
    atomic_write(path, write_matrix)
    atomic_write(vocab_path, lambda out: out.write("".join(f"{token}\n" for token in specials + words).encode()))
    return vocab_path


def write_projector(path: str | Path, words: list[str], vectors: np.ndarray) -> tuple[Path, Path]:
    """The TensorBoard Embedding Projector's files: <path>.vectors.tsv (one row of tab-separated
    floats per word) and <path>.metadata.tsv (the words, one per line, no header: one column).
    A `.tsv` ending of `path` is dropped first. Returns the two paths."""
    path = Path(path)
    base = path.with_name(path.name.removesuffix(".tsv"))
    vectors_path, metadata_path = Path(f"{base}.vectors.tsv"), Path(f"{base}.metadata.tsv")
    row_format = "\t".join(["%.6g"] * vectors.shape[1]) + "\n"

    def write_vectors(out) -> None:
        for start in range(0, vectors.shape[0], _BLOCK_ROWS):
            block = np.asarray(vectors[start : start + _BLOCK_ROWS], dtype=np.float64)
            out.write("".join(row_format % tuple(row) for row in block.tolist()).encode())

    atomic_write(vectors_path, write_vectors)
    atomic_write(metadata_path, lambda out: out.write("".join(f"{word}\n" for word in words).encode()))
    return vectors_path, metadata_path


def _parse_header(line: bytes) -> tuple[int, int] | None:
    """(n_words, dim) if `line` is a word2vec header "n_words dim", else None."""
    fields = line.split()
    if len(fields) == 2 and all(field.isdigit() for field in fields):
        n_words, dim = int(fields[0]), int(fields[1])
        if dim > 0:
            return n_words, dim
    return None


def _looks_binary(sample: bytes, dim: int) -> bool:
    """Whether the first record after a header is binary: a text record is the word and `dim`
    numbers on one line."""
    line = sample.split(b"\n", 1)[0]
    fields = line.split()
    if len(fields) != dim + 1:
        return True
    try:
        [float(field) for field in fields[1:]]
    except ValueError:
        return True
    return False


class _WordDecoder:
    """Decodes words, replacing invalid bytes and counting them."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.replaced = 0

    def __call__(self, raw: bytes) -> str:
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError:
            self.replaced += 1
            return raw.decode(self.encoding, errors="replace")


def _check_finite(path: Path, words: list[str], vectors: np.ndarray) -> None:
    bad = np.flatnonzero(~np.isfinite(vectors).all(axis=1))
    if bad.size:
        raise ModelFormatError(f"{path}: the vector of {words[bad[0]]!r} has NaN or infinite values")


def _read_binary(data, offset: int, n_words: int, dim: int, path: Path, decode) -> tuple[list[str], np.ndarray]:
    """Records "word<space><dim float32>" from `data` (bytes or mmap), each optionally followed by a
    newline, as word2vec.c and gensim write them."""
    vectors = np.empty((n_words, dim), dtype=np.float32)
    words = []
    row_bytes = 4 * dim
    size = len(data)
    for row in range(n_words):
        while offset < size and data[offset : offset + 1] in (b"\n", b"\r"):
            offset += 1
        space = data.find(b" ", offset)
        if space < 0 or space + 1 + row_bytes > size:
            raise ModelFormatError(
                f"{path}: truncated: the header promises {n_words} words, the file ends at word {row + 1}"
            )
        words.append(decode(data[offset:space]))
        vectors[row] = np.frombuffer(data, dtype="<f4", count=dim, offset=space + 1)
        offset = space + 1 + row_bytes
    return words, vectors


def _read_text(lines, n_words: int | None, dim: int | None, first_number: int, path: Path, decode):
    """Lines "word v1 ... vdim"; dim from the first line when there is no header."""
    words, rows = [], []
    for number, line in enumerate(lines, first_number):
        if n_words is not None and len(words) >= n_words:
            break
        fields = line.split()
        if not fields:
            continue
        if dim is None:
            dim = len(fields) - 1
            if dim < 1:
                raise ModelFormatError(f"{path}:{number}: expected a word and its vector, got one field")
        if len(fields) != dim + 1:
            raise ModelFormatError(
                f"{path}:{number}: expected {dim} values after {decode(fields[0])!r}, got {len(fields) - 1}"
            )
        try:
            rows.append(np.array(fields[1:], dtype=np.float32))
        except ValueError:
            raise ModelFormatError(f"{path}:{number}: a value of {decode(fields[0])!r} is not a number") from None
        words.append(decode(fields[0]))
    if n_words is not None and len(words) < n_words:
        raise ModelFormatError(f"{path}: truncated: the header promises {n_words} words, the file has {len(words)}")
    if not words:
        raise ModelFormatError(f"{path} has no vectors")
    return words, np.vstack(rows)


@contextmanager
def _open_vectors(path: Path):
    """The file's bytes: memory-mapped when plain, decompressed into memory when gzip."""
    try:
        with open(path, "rb") as raw:
            if raw.read(2) == b"\x1f\x8b":
                import gzip

                raw.seek(0)
                yield gzip.decompress(raw.read())
                return
            if os.fstat(raw.fileno()).st_size == 0:
                raise ModelFormatError(f"{path} is empty")
            with mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ) as data:
                yield data
    except OSError as error:
        raise ModelFormatError(f"cannot read {path}: {error.strerror or error}") from None


def _lines(data, start: int):
    """Iterate the lines of `data` (bytes or mmap) from offset `start`."""
    size = len(data)
    while start < size:
        end = data.find(b"\n", start)
        end = size if end < 0 else end
        yield data[start:end]
        start = end + 1


def read_word2vec(path: str | Path, *, encoding: str = "utf-8", limit: int | None = None) -> Model:
    """Read word vectors in word2vec's text or binary format, or a fastText .bin model with its
    subword vectors (fasttext_bin.py; all auto-detected), with or without the
    "n_words dim" header (GloVe files have none; binary files need one). Binary vectors may or
    may not be followed by a newline. Words are decoded with `encoding`, invalid bytes replaced
    (the number of such words is model.meta["replaced_words"]); `limit` keeps the first N words."""
    path = Path(path)
    decode = _WordDecoder(encoding)
    with _open_vectors(path) as data:
        from .fasttext_bin import is_fasttext_bin, read_fasttext_bin

        if is_fasttext_bin(data[:4]):
            return read_fasttext_bin(path, data, limit)
        end_of_first = data.find(b"\n")
        first = data[: end_of_first if end_of_first >= 0 else len(data)]
        header = _parse_header(first)
        if header is None:
            if not first.strip():
                raise ModelFormatError(f"{path}:1: expected a 'n_words dim' header or a word and its vector")
            words, vectors = _read_text(_lines(data, 0), limit, None, 1, path, decode)
            limit = None  # a file without header may hold fewer than `limit` words
        else:
            n_words, dim = header
            n_words = min(n_words, limit) if limit else n_words
            body = end_of_first + 1
            if _looks_binary(data[body : body + 64 + 40 * dim], dim):
                words, vectors = _read_binary(data, body, n_words, dim, path, decode)
            else:
                words, vectors = _read_text(_lines(data, body), n_words, dim, 2, path, decode)
    _check_finite(path, words, vectors)
    return Model(Vocab(words, np.zeros(len(words), dtype=np.int64)), vectors, meta={"replaced_words": decode.replaced})
