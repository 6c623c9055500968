"""Models on disk, and the word2vec text and binary formats.

A model is a directory (see README "Model directory"):
    meta.json   format_version, w2v version, config, corpus statistics, per-epoch loss, timing
    vocab.tsv   word<TAB>count per line, in id order
    input.npy   float32[n_words, dim], the word vectors (word2vec.c: syn0)
    output.npy  float32[n_words, dim], the output vectors (syn1neg); absent for imported vectors
It is written into a temporary sibling directory and swapped in whole, so an interrupted or
failed save leaves the previous model as it was.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import mmap
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .config import TrainConfig
from .errors import ModelFormatError, W2VError
from .model import Model
from .vocab import Vocab

FORMAT_VERSION = 1
META, VOCAB, INPUT, OUTPUT = "meta.json", "vocab.tsv", "input.npy", "output.npy"
_RENAME_EXCHANGE = 2


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    try:
        renameat2 = ctypes.CDLL(libc_name, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), _RENAME_EXCHANGE)
    return result == 0


def _replace_directory(new: Path, target: Path) -> None:
    """Put directory `new` at `target`, replacing what is there as atomically as the system allows."""
    if not target.exists():
        new.rename(target)
        return
    if not (target / META).is_file():
        raise W2VError(f"{target} exists and is not a w2v model directory; choose another --model-dir")
    if _exchange(new, target):
        shutil.rmtree(new)  # it now holds the old model
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    target.rename(old)
    new.rename(target)
    shutil.rmtree(old)


def save_model(model: Model, path: str | Path) -> Path:
    """Write `model` to the directory `path`, replacing an existing model there atomically."""
    from . import __version__

    target = Path(path)
    meta = {
        "format_version": FORMAT_VERSION,
        "w2v_version": __version__,
        "vocab_size": len(model),
        "dim": model.dim,
        "config": model.config.to_dict() if model.config else None,
        **{key: value for key, value in model.meta.items() if key not in ("format_version", "w2v_version")},
    }
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        temporary.chmod(0o777 & ~_umask())  # mkdtemp makes it private; a model is an ordinary directory
    except OSError as error:
        raise W2VError(f"cannot write the model to {target}: {error.strerror}") from None
    try:
        with open(temporary / VOCAB, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(
                f"{word}\t{count}\n" for word, count in zip(model.words, model.vocab.counts.tolist(), strict=True)
            )
        np.save(temporary / INPUT, np.ascontiguousarray(model.input_vectors, dtype=np.float32))
        if model.output_vectors is not None:
            np.save(temporary / OUTPUT, np.ascontiguousarray(model.output_vectors, dtype=np.float32))
        (temporary / META).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for name in os.listdir(temporary):
            with open(temporary / name, "rb") as written:
                os.fsync(written.fileno())
        _replace_directory(temporary, target)
    except OSError as error:
        shutil.rmtree(temporary, ignore_errors=True)
        reason = error.strerror or error
        raise W2VError(f"cannot write the model to {target}: {reason}; the old model is intact") from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return target


_NPY_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _load_matrix(open_file, name: str, mmap: bool, n_words: int, directory: Path) -> np.ndarray:
    """A float32[n_words, dim] .npy, memory-mapped unless mmap is False."""
    path = directory / name
    try:
        with open_file(name) as file:
            version = np.lib.format.read_magic(file)
            read_header = _NPY_HEADER_READERS.get(version)
            if read_header is None:
                raise ValueError(f"unsupported .npy format version {version}")
            shape, fortran_order, dtype = read_header(file)
            if mmap and not fortran_order and len(shape) == 2 and shape[0] == n_words and dtype == np.float32:
                matrix = np.memmap(file, dtype=dtype, mode="r", offset=file.tell(), shape=shape)
            else:
                file.seek(0)
                matrix = np.load(file, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ModelFormatError(f"{path} is not a readable .npy matrix: {error}") from None
    if matrix.ndim != 2 or matrix.shape[0] != n_words or matrix.dtype != np.float32:
        raise ModelFormatError(
            f"{path} holds {matrix.dtype}{list(matrix.shape)}, expected float32[{n_words}, dim] to match {VOCAB}"
        )
    return matrix


def _read_vocab(path: Path, open_file) -> tuple[list[str], np.ndarray]:
    """vocab.tsv: word<TAB>count per line. Parsed with whole-file string operations (an
    80,000-word file in ~15 ms); line by line only to name a bad line."""
    try:
        with open_file(path.name) as file:
            text = file.read().decode("utf-8").removesuffix("\n")
    except (OSError, UnicodeDecodeError) as error:
        raise ModelFormatError(f"cannot read {path}: {error}") from None
    n_lines = text.count("\n") + 1 if text else 0
    parts = text.replace("\t", "\n").split("\n") if text else []
    words = parts[0::2]
    try:
        if len(parts) != 2 * n_lines or "" in words:
            raise ValueError
        return words, np.array(parts[1::2], dtype=np.int64)
    except ValueError:
        for number, line in enumerate(text.split("\n"), 1):
            word, tab, count = line.partition("\t")
            if not word or not tab or not count.isdigit():
                raise ModelFormatError(f"{path}:{number}: expected 'word<TAB>count'") from None
        raise ModelFormatError(f"{path}: expected 'word<TAB>count' lines") from None


def load_model(path: str | Path, mmap: bool = True) -> Model:
    """Open the model directory `path`; the matrices are memory-mapped unless mmap=False.

    Every file is opened relative to one handle on the directory, so a model replaced while it
    is being read (see `save_model`) is read whole from one version or the other, never mixed.
    """
    directory = Path(path)
    for attempt in range(3):
        if not directory.is_dir():
            raise ModelFormatError(
                f"no model at {directory}; train one with `w2v train CORPUS --model-dir {directory}`"
            )
        try:
            directory_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as error:
            raise ModelFormatError(f"cannot read {directory}: {error.strerror}") from None

        def open_file(name: str, directory_fd=directory_fd):
            return open(name, "rb", opener=lambda file, flags: os.open(file, flags, dir_fd=directory_fd))

        try:
            return _load(directory, open_file, mmap)
        except ModelFormatError:
            # Replaced (and being removed) while we read it: read the version now in its place.
            if not _replaced(directory, directory_fd) or attempt == 2:
                raise
        finally:
            os.close(directory_fd)
    raise AssertionError("unreachable")


def _replaced(directory: Path, directory_fd: int) -> bool:
    """Whether the directory open as directory_fd is no longer the one at `directory`."""
    held = os.fstat(directory_fd)
    try:
        current = os.stat(directory)
    except OSError:
        return True
    return (held.st_dev, held.st_ino) != (current.st_dev, current.st_ino)


def _load(directory: Path, open_file, mmap: bool) -> Model:
    try:
        with open_file(META) as file:
            meta = json.loads(file.read().decode("utf-8"))
    except FileNotFoundError:
        raise ModelFormatError(f"{directory} is not a w2v model directory (no {META})") from None
    except (OSError, ValueError) as error:
        raise ModelFormatError(f"{directory / META} is unreadable: {error}") from None
    version = meta.get("format_version") if isinstance(meta, dict) else None
    if version != FORMAT_VERSION:
        raise ModelFormatError(
            f"{directory} has model format version {version}; this w2v reads version {FORMAT_VERSION}"
        )
    words, counts = _read_vocab(directory / VOCAB, open_file)
    input_vectors = _load_matrix(open_file, INPUT, mmap, len(words), directory)
    try:
        output_vectors = _load_matrix(open_file, OUTPUT, mmap, len(words), directory)
    except ModelFormatError:
        if (directory / OUTPUT).exists():
            raise
        output_vectors = None  # imported vectors have none
    config = TrainConfig.from_dict(meta["config"]) if meta.get("config") else None
    return Model(Vocab(words, counts), input_vectors, output_vectors, config, meta)


def _atomic_write(path: Path, write) -> None:
    """Call write(binary_file) on a temporary file beside `path`, then rename it into place."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as error:
        raise W2VError(f"cannot write {path}: {error.strerror}") from None
    try:
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private
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

    _atomic_write(path, write)


def write_npy(path: str | Path, words: list[str], vectors: np.ndarray) -> Path:
    """Write the matrix as .npy and the words, one per line in row order, beside it as
    <stem>.vocab.txt. Returns the vocabulary file's path."""
    path = Path(path)
    vocab_path = path.with_name(path.stem + ".vocab.txt")
    _atomic_write(path, lambda out: np.save(out, np.ascontiguousarray(vectors, dtype=np.float32)))
    _atomic_write(vocab_path, lambda out: out.write("".join(f"{word}\n" for word in words).encode()))
    return vocab_path


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
    """Read word vectors in word2vec's text or binary format (auto-detected), with or without the
    "n_words dim" header (GloVe files have none; binary files need one). Binary vectors may or
    may not be followed by a newline. Words are decoded with `encoding`, invalid bytes replaced
    (the number of such words is model.meta["replaced_words"]); `limit` keeps the first N words."""
    path = Path(path)
    decode = _WordDecoder(encoding)
    with _open_vectors(path) as data:
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
