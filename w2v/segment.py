"""The corpus as normalised chunks (tokenize.normalize), and Chinese word segmentation with jieba
in worker processes for `--tokenizer jieba`.

jieba (an optional extra: pip install 'w2v[zh]') is pure Python and segments about 0.4 MB of
text a second on one core in its accurate mode, a hundred times slower than the rest of
reading. So the text is read here in chunks of SEGMENT_BYTES, sent to one worker process per
core, and the segmented chunks are taken back in order, at most two per worker in flight:
every core segments while memory stays bounded. A corpus smaller than a few chunks is
segmented in this process, which saves starting the workers (about a second each: Python,
jieba and its dictionary).
"""

from __future__ import annotations

import importlib.util
import logging
from collections import deque
from collections.abc import Iterator

from .corpus import CHUNK_BYTES, Source, read_chunks
from .errors import ConfigError
from .tokenize import normalize

SEGMENT_BYTES = 1 << 18  # 256 KiB of text per task: about 0.25 s of jieba
IN_PROCESS_BYTES = 1 << 22  # a corpus smaller than this (4 MiB) is segmented without workers
JIEBA_MISSING = "--tokenizer jieba needs the jieba package: pip install 'w2v[zh]' (or pip install jieba)"


def normalized_chunks(sources: list[Source], tokenizer: str, lowercase: bool, chunk_bytes: int = CHUNK_BYTES,
                      workers: int | None = None,
                      reader=read_chunks) -> Iterator[tuple[bytes, bool, int, int]]:  # fmt: skip
    """(normalised text, ends_line, consumed bytes, invalid UTF-8 bytes) for each chunk of the
    sources, as `reader` (read_chunks, or what has its signature) cuts them; under "jieba", in
    chunks of SEGMENT_BYTES segmented by `workers` processes (default: one per core this process
    may use; one, reading with another reader)."""
    if tokenizer != "jieba":
        for chunk, ends_line, consumed in reader(sources, chunk_bytes):
            text, invalid = normalize(chunk, tokenizer, lowercase)
            yield text, ends_line, consumed, invalid
        return
    check_jieba()
    if workers is None:
        from .hogwild import available_cores

        workers = available_cores()
    small = all(source.name != "-" for source in sources) and sum(s.size for s in sources) < IN_PROCESS_BYTES
    if workers <= 1 or small or reader is not read_chunks:
        for chunk, ends_line, consumed in reader(sources, SEGMENT_BYTES):
            yield _normalized(segment_jieba(chunk), ends_line, consumed, lowercase)
        return
    yield from _segmented_by_workers(sources, lowercase, workers)


def _segmented_by_workers(sources: list[Source], lowercase: bool, workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn: a forked child would inherit this process's threads' locks (tqdm's, numba's) half taken.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_load_jieba) as pool:
        pending: deque = deque()
        try:
            for chunk, ends_line, consumed in read_chunks(sources, SEGMENT_BYTES):
                pending.append((pool.submit(segment_jieba, chunk), ends_line, consumed))
                while len(pending) > 2 * workers or (pending and pending[0][0].done()):
                    future, ends_line, consumed = pending.popleft()
                    yield _normalized(future.result(), ends_line, consumed, lowercase)
            while pending:
                future, ends_line, consumed = pending.popleft()
                yield _normalized(future.result(), ends_line, consumed, lowercase)
        finally:
            for future, _, _ in pending:
                future.cancel()


def _normalized(segmented: tuple[bytes, int], ends_line: bool, consumed: int,
                lowercase: bool) -> tuple[bytes, bool, int, int]:  # fmt: skip
    """normalized_chunks' item for a chunk that segment_jieba returned (text, invalid bytes)."""
    text, invalid = segmented
    return normalize(text, "jieba", lowercase)[0], ends_line, consumed, invalid


def check_jieba() -> None:
    """A one-line error if jieba is not installed; else its logging kept to warnings."""
    if importlib.util.find_spec("jieba") is None:
        raise ConfigError(JIEBA_MISSING)
    _quiet_jieba()


def _quiet_jieba() -> None:
    """jieba logs its dictionary loading to stderr; keep it to warnings."""
    import jieba

    jieba.setLogLevel(logging.WARNING)


def _load_jieba() -> None:
    """A worker's start: jieba's dictionary loaded while the first chunks are read."""
    import jieba

    _quiet_jieba()
    jieba.initialize()


def segment_jieba(chunk: bytes) -> tuple[bytes, int]:
    """The chunk's words as jieba's accurate mode (with its HMM for unknown words) cuts them,
    separated by spaces, line breaks kept; and the number of invalid UTF-8 bytes replaced.
    (check_jieba, or a worker's _load_jieba, has quietened jieba's logging.)"""
    import jieba

    from .tokenize import decode

    text, invalid = decode(chunk)
    return " ".join(jieba.lcut(text)).encode("utf-8"), invalid
