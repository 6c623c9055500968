"""Models on disk: the model directory, saved atomically and read consistently.

A model is a directory (see README "Model directory"):
    meta.json   format_version, w2v version, config, corpus statistics, per-epoch loss, timing
    vocab.tsv   word<TAB>count per line, in id order
    input.npy   float32[n_words, dim], the word vectors (word2vec.c: syn0)
    output.npy  float32[n_words, dim], the output vectors (syn1neg); absent for imported vectors
                and for hierarchical softmax alone
    hs.npy      float32[n_words - 1, dim], hierarchical softmax's node vectors (syn1), if trained so
    subwords.npy  float32[n_words + used buckets, dim], with subwords: the words' and the n-gram
                buckets' rows (input.npy then holds each word's composed vector); meta.json's
                "ngrams" = [min_n, max_n, buckets, first bucket row]
    buckets.npy int32[buckets], with subwords: each bucket's row in subwords.npy, -1 for a bucket
                no vocabulary word uses (absent: every bucket has a row, as in fastText's .bin)
It is written into a temporary sibling directory and swapped in whole, so an interrupted or
failed save leaves the previous model as it was.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from .config import TrainConfig
from .errors import ModelFormatError, W2VError
from .model import Model, TrainingRecord
from .spool import remove_abandoned
from .vocab import Vocab

FORMAT_VERSION = 1
META, VOCAB, INPUT, OUTPUT, HS = "meta.json", "vocab.tsv", "input.npy", "output.npy", "hs.npy"
SUBWORDS, BUCKETS = "subwords.npy", "buckets.npy"
MOMENTUM = {"input": "momentum-input.npy", "output": "momentum-output.npy", "nodes": "momentum-nodes.npy"}
_RENAME_EXCHANGE = 2
T = TypeVar("T")


def create_unique(parent: Path, prefix: str, create: Callable[[Path], T]) -> tuple[Path, T]:
    """(path, create(path)) for a new path PARENT/PREFIX + a random suffix: `create` must raise
    FileExistsError where the path is taken. Files and directories made with the ordinary modes
    (0o666, 0o777) get the process umask's permissions from the system: w2v never sets the umask."""
    for _ in range(100):
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            return path, create(path)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free name for a temporary file in {parent}")


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


def check_replaceable(target: Path) -> None:
    """W2VError unless `target` is free or holds a model that a save may replace."""
    if target.exists() and not (target / META).is_file():
        raise W2VError(f"{target} exists and is not a w2v model directory; choose another --model-dir")


def _replace_directory(new: Path, target: Path) -> None:
    """Put directory `new` at `target`, replacing what is there as atomically as the system allows."""
    if not target.exists():
        new.rename(target)
        return
    check_replaceable(target)
    if _exchange(new, target):
        shutil.rmtree(new)  # it now holds the old model
        return
    old = target.with_name(f".{target.name}.tmp-{os.getpid()}-old")
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
        **{key: value for key, value in model.meta.items() if key not in ("format_version", "w2v_version", "ngrams")},
    }
    if model.training is not None:
        meta["training"] = model.training.to_dict()
    if model.has_subwords:
        meta["ngrams"] = list(model.ngrams)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned(target.parent, f".{target.name}.tmp-")
        prefix = f".{target.name}.tmp-{os.getpid()}-"
        temporary, _ = create_unique(target.parent, prefix, lambda path: path.mkdir(0o777))
    except OSError as error:
        raise W2VError(f"cannot write the model to {target}: {error.strerror}") from None
    try:
        with open(temporary / VOCAB, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(
                f"{word}\t{count}\n" for word, count in zip(model.words, model.vocab.counts.tolist(), strict=True)
            )
        np.save(temporary / INPUT, np.ascontiguousarray(model.input_vectors, dtype=np.float32))
        for name, matrix in ((OUTPUT, model.output_vectors), (HS, model.hs_vectors), (SUBWORDS, model.subword_vectors)):
            if matrix is not None:
                np.save(temporary / name, np.ascontiguousarray(matrix, dtype=np.float32))
        for table, matrix in (model.momentum or {}).items():
            np.save(temporary / MOMENTUM[table], np.ascontiguousarray(matrix, dtype=np.float32))
        if model.has_subwords and model.bucket_rows is not None:
            np.save(temporary / BUCKETS, np.asarray(model.bucket_rows))
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
    """A float32[n_words, dim] .npy (n_words: the rows it must have), memory-mapped unless mmap is False."""
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
    80,000-word file in a few ms); line by line only to name a bad line."""
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
    output_vectors = _load_optional_matrix(open_file, OUTPUT, mmap, len(words), directory)
    hs_vectors = _load_optional_matrix(open_file, HS, mmap, len(words) - 1, directory)
    config = TrainConfig.from_dict(meta["config"]) if meta.get("config") else None
    training = meta.pop("training", None)
    training = TrainingRecord.from_dict(training) if isinstance(training, dict) else None
    ngrams = meta.pop("ngrams", None)
    subword_vectors = None
    if ngrams is not None:
        try:
            min_n, max_n, buckets, first_bucket = (int(value) for value in ngrams)
        except (TypeError, ValueError):
            message = f"{directory / META}: ngrams must be [min_n, max_n, buckets, first bucket row], got {ngrams!r}"
            raise ModelFormatError(message) from None
        ngrams = (min_n, max_n, buckets, first_bucket)
        bucket_rows = _load_bucket_rows(open_file, directory, buckets)
        rows = buckets if bucket_rows is None else int((bucket_rows >= 0).sum())
        subword_vectors = _load_matrix(open_file, SUBWORDS, mmap, first_bucket + rows, directory)
    else:
        bucket_rows = None
    rows = {"input": len(words), "output": len(words), "nodes": len(words) - 1}
    momentum = {}
    for table, name in MOMENTUM.items():
        matrix = _load_optional_matrix(open_file, name, mmap, rows[table], directory)
        if matrix is not None:
            momentum[table] = matrix
    return Model(Vocab(words, counts), input_vectors, output_vectors, config, meta, training, hs_vectors,
                 subword_vectors, ngrams, bucket_rows, momentum or None)  # fmt: skip


def _load_bucket_rows(open_file, directory: Path, buckets: int) -> np.ndarray | None:
    """buckets.npy (each bucket's row; None where the file is absent: a row for every bucket)."""
    if not (directory / BUCKETS).exists():
        return None
    try:
        with open_file(BUCKETS) as file:
            bucket_rows = np.load(file, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ModelFormatError(f"{directory / BUCKETS} is not a readable .npy array: {error}") from None
    if bucket_rows.shape != (buckets,) or bucket_rows.dtype.kind != "i":
        raise ModelFormatError(f"{directory / BUCKETS} holds {bucket_rows.dtype}{list(bucket_rows.shape)}, "
                               f"expected int[{buckets}]")  # fmt: skip
    return bucket_rows


def _load_optional_matrix(open_file, name: str, mmap: bool, n_rows: int, directory: Path) -> np.ndarray | None:
    """`_load_matrix`, or None if the directory has no such file (imported vectors have no
    output vectors; a model has node vectors only with hierarchical softmax)."""
    try:
        return _load_matrix(open_file, name, mmap, n_rows, directory)
    except ModelFormatError:
        if (directory / name).exists():
            raise
        return None
