"""Helpers to read back what corpus.scan and vocab.encode wrote to disk, in the simple shapes
the tests compare: token lists and line ends."""

import numpy as np
from hypothesis import HealthCheck, settings

from w2v.corpus import resolve_sources, scan
from w2v.text_kernels import LINE_BREAK


def scan_paths(directory, *paths, tokenizer="simple", lowercase=True, **options):
    """scan() of `paths`, its files in `directory`."""
    return scan(resolve_sources([str(p) for p in paths]), tokenizer, lowercase, directory, **options)


def scan_bytes(directory, data: bytes, tokenizer: str, chunk_bytes: int):
    """scan() of `data` written to a file in `directory`, read in chunks of chunk_bytes."""
    path = directory / "corpus.txt"
    path.write_bytes(data)
    return scan_paths(directory, path, tokenizer=tokenizer, lowercase=tokenizer == "simple", chunk_bytes=chunk_bytes)


def ids_and_line_ends(result) -> tuple[np.ndarray, np.ndarray]:
    """A scan's stream as (token ids, line ends): each line end the number of tokens before it."""
    stream = result.ids.read(0, result.ids.size)
    breaks = stream == LINE_BREAK
    return stream[~breaks], np.flatnonzero(breaks) - np.arange(np.count_nonzero(breaks))


def lines_of(result) -> list[list[bytes]]:
    """A scan's non-empty lines, as lists of words."""
    ids, ends = ids_and_line_ends(result)
    words = result.words
    tokens = [words[i] for i in ids.tolist()]
    lines = [tokens[start:end] for start, end in zip(np.concatenate(([0], ends[:-1])), ends, strict=True)]
    return [line for line in lines if line]


def segments_of(encoded) -> list[tuple[int, int]]:
    pairs = encoded.segments.read(0, encoded.segments.size)
    return list(zip(pairs[0::2].tolist(), pairs[1::2].tolist(), strict=True))


def tokens_of(encoded) -> list[int]:
    return encoded.tokens.read(0, encoded.tokens.size).tolist()


# Property tests: many examples, no deadline (numba may compile on the first), and a tmp_path per test.
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
