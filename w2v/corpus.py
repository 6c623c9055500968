"""Read a corpus and turn it into token ids.

A corpus is one or more paths: plain or compressed (gzip, bzip2, xz; recognised by their
magic bytes) files, directories (every file under them, sorted, hidden ones skipped), or "-"
for standard input. Text is read in chunks cut after a space or line break, so a 100 MB line
with no newline (text8) is read in bounded memory and never truncated. A line break, and the
end of each file, ends a sentence.

`scan` reads the text once: it tokenises, gives each distinct word an id in order of first
appearance, and keeps the ids (int32) and the sentence ends. The vocabulary is then chosen
from the counts (vocab.py) and the ids remapped with numpy: the text is never parsed twice.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import CorpusError
from .tokenize import NEWLINE, normalize

CHUNK_BYTES = 1 << 22  # 4 MiB of raw text per chunk
MAX_TOKEN_BYTES = 1 << 20  # a "word" longer than 1 MiB (binary garbage) is cut into pieces this long
_MAGIC = {
    b"\x1f\x8b": lambda raw: gzip.GzipFile(fileobj=raw),
    b"BZh": bz2.BZ2File,
    b"\xfd7zXZ\x00": lzma.LZMAFile,
}
_ASCII_SPACE = b" \n\t\r\x0b\x0c"


@dataclass(frozen=True)
class Source:
    """One input stream: a file path, or "-" for standard input."""

    name: str
    size: int  # bytes on disk (compressed size for compressed files); 0 for stdin
    compressed: bool = False


def resolve_sources(paths: list[str]) -> list[Source]:
    """Expand the user's corpus paths into the files to read, in order."""
    if not paths:
        raise CorpusError("no corpus given")
    sources = []
    for path in paths:
        if path == "-":
            sources.append(Source("-", 0))
            continue
        target = Path(path)
        if target.is_dir():
            files = sorted(
                file
                for file in target.rglob("*")
                if file.is_file() and not any(part.startswith(".") for part in file.relative_to(target).parts)
            )
            if not files:
                raise CorpusError(f"directory {path} has no files")
            sources.extend(Source(str(file), file.stat().st_size, _is_compressed(file)) for file in files)
        elif target.is_file():
            sources.append(Source(path, target.stat().st_size, _is_compressed(target)))
        elif target.exists():
            raise CorpusError(f"{path} is not a regular file or directory")
        else:
            raise CorpusError(f"corpus {path} does not exist")
    return sources


def _is_compressed(path: Path) -> bool:
    try:
        with open(path, "rb") as raw:
            head = raw.read(6)
    except OSError:
        return False  # reported when the file is read
    return any(head.startswith(magic) for magic in _MAGIC)


@contextmanager
def _open_binary(source: Source) -> Iterator[tuple[io.BufferedIOBase, Callable[[], int]]]:
    """Open a source for reading bytes, decompressing if needed.

    Yields the stream and a function giving how many bytes of the source have been consumed
    so far (compressed bytes for compressed files), for the progress bar.
    """
    if source.name == "-":
        yield sys.stdin.buffer, lambda: 0
        return
    try:
        raw = open(source.name, "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise CorpusError(f"cannot read {source.name}: {error.strerror}") from None
    with raw:
        head = raw.peek(6)[:6]
        opener = next((opener for magic, opener in _MAGIC.items() if head.startswith(magic)), None)
        if opener is None:
            yield raw, raw.tell
        else:
            with opener(raw) as stream:
                yield stream, raw.tell


def _cut_point(block: bytes) -> int:
    """Where to cut a block so that no token and no UTF-8 sequence is split: after the last
    ASCII space or line break; 0 if there is none."""
    return max(block.rfind(space) for space in _ASCII_SPACE) + 1


def _character_boundary(block: bytes) -> int:
    """The last offset in `block` that does not split a UTF-8 sequence (for cutting a token that
    is too long to keep whole)."""
    cut = len(block)
    while cut > len(block) - 4 and cut > 0 and block[cut - 1] & 0xC0 == 0x80:
        cut -= 1  # step back over UTF-8 continuation bytes
    if cut > 0 and block[cut - 1] >= 0xC0:
        cut -= 1  # and the lead byte of the split sequence
    return cut or len(block)


def read_chunks(sources: list[Source], chunk_bytes: int = CHUNK_BYTES) -> Iterator[tuple[bytes, bool, int]]:
    """Yield (chunk, ends_line, consumed) over all sources.

    Each chunk ends at a token boundary; `ends_line` is True when the chunk closes a file (the
    end of a file always ends a sentence); `consumed` is the cumulative number of source bytes
    read so far.
    """
    done = 0
    for source in sources:
        with _open_binary(source) as (stream, position):
            carry = b""
            while True:
                try:
                    block = stream.read(chunk_bytes)
                except (OSError, EOFError, lzma.LZMAError) as error:
                    raise CorpusError(f"cannot read {source.name}: {error}") from None
                if not block:
                    break
                block = carry + block
                cut = _cut_point(block)
                if cut == 0:  # no space yet: one token so far
                    if len(block) < MAX_TOKEN_BYTES:
                        carry = block
                        continue
                    cut = _character_boundary(block)  # a token this long is cut, to bound memory
                carry = block[cut:]
                yield block[:cut], False, done + position()
            yield carry, True, done + position()
        done += source.size


@dataclass
class Scan:
    """The corpus read once: distinct words with counts, and the text as first-seen ids."""

    words: list[bytes]  # distinct words, in order of first appearance
    counts: np.ndarray  # int64[n_distinct]
    ids: np.ndarray  # int32[n_tokens], indexes into words
    line_ends: np.ndarray  # int64[n_lines]: token offset just past each line's last token
    invalid_bytes: int  # invalid UTF-8 bytes replaced


class WordTable:
    """Distinct words and their first-seen ids, kept by the numba hash table in kernels.py.

    The arrays grow here, in Python, between calls of the compiled loop, which never allocates:
    the table is kept at most half full, the byte pool with room for a whole chunk.
    """

    def __init__(self) -> None:
        from . import kernels  # numba is paid for only when a corpus is read

        self._kernels = kernels
        self.table = np.full(1 << 16, -1, dtype=np.int32)
        self.pool = np.empty(1 << 20, dtype=np.uint8)
        self.pool_starts = np.zeros((1 << 15) + 1, dtype=np.int64)
        self.n_words = 0

    def _grow(self, text_bytes: int) -> None:
        """Make room for at least one more word and for `text_bytes` more bytes of words."""
        used = int(self.pool_starts[self.n_words])
        if self.pool.size < used + text_bytes:
            self.pool = _grown(self.pool, used + text_bytes)
        if self.n_words + 1 >= self.pool_starts.size - 1:
            self.pool_starts = _grown(self.pool_starts, self.pool_starts.size + 1)
        if self.n_words + 1 >= self.table.size // 2:
            if self.table.size >= 1 << 31:
                raise CorpusError("more than 2**30 distinct words; use a smaller corpus")
            self.table = np.full(2 * self.table.size, -1, dtype=np.int32)
            self._kernels.rehash(self.table, self.pool, self.pool_starts, self.n_words)

    def index(self, text: bytes, ids: np.ndarray) -> tuple[int, np.ndarray]:
        """Write the ids of the tokens of `text` into `ids` (room for len(text) // 2 + 1); return
        their number and the token counts at each of the text's line breaks."""
        data = np.frombuffer(text, dtype=np.uint8)
        line_ends = np.empty(text.count(NEWLINE), dtype=np.int64)
        position = n_tokens = n_lines = 0
        while True:
            self._grow(len(text) - position)
            word_limit = min(self.table.size // 2, self.pool_starts.size - 1)
            position, tokens, lines, self.n_words = self._kernels.index_tokens(
                data, position, self.table, self.pool, self.pool_starts, self.n_words, word_limit,
                ids[n_tokens:], line_ends[n_lines:],
            )  # fmt: skip
            line_ends[n_lines : n_lines + lines] += n_tokens
            n_tokens += tokens
            n_lines += lines
            if position >= len(text):
                return n_tokens, line_ends

    def words(self) -> list[bytes]:
        pool, starts = self.pool.tobytes(), self.pool_starts[: self.n_words + 1].tolist()
        return [pool[start:end] for start, end in zip(starts[:-1], starts[1:], strict=True)]


def _grown(array: np.ndarray, at_least: int) -> np.ndarray:
    bigger = np.empty(max(at_least, 2 * array.size), dtype=array.dtype)
    bigger[: array.size] = array
    return bigger


def scan(
    sources: list[Source],
    tokenizer: str,
    lowercase: bool,
    progress: Callable[[int], None] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Scan:
    """Tokenise every source once; `progress(consumed_bytes)` is called after each chunk.

    The ids go into one buffer sized for the worst case (a token every two bytes): memory that
    is never written is never touched, so only the real ids take room.
    """
    table = WordTable()
    ids = np.empty(0, dtype=np.int32)
    counts = np.zeros(0, dtype=np.int64)
    end_chunks: list[np.ndarray] = []
    n_tokens = 0
    invalid = 0
    for chunk, ends_line, consumed in read_chunks(sources, chunk_bytes):
        text, bad = normalize(chunk, tokenizer, lowercase)
        invalid += bad
        if ids.size < n_tokens + len(text) // 2 + 1:
            ids = _grown(ids[:n_tokens], n_tokens + max(len(text), _expected_bytes(sources) - consumed) // 2 + 1)
        tokens, ends = table.index(text, ids[n_tokens:])
        counts = _add_counts(counts, ids[n_tokens : n_tokens + tokens], table.n_words)
        end_chunks.append(n_tokens + ends)
        n_tokens += tokens
        if ends_line:  # the end of a file ends its last line
            end_chunks.append(np.array([n_tokens], dtype=np.int64))
        if progress is not None:
            progress(consumed)
    ids = ids[:n_tokens]
    line_ends = np.concatenate(end_chunks) if end_chunks else np.zeros(0, np.int64)
    return Scan(table.words(), counts, ids, line_ends, invalid)


def _add_counts(counts: np.ndarray, ids: np.ndarray, n_words: int) -> np.ndarray:
    """counts + occurrences of each id, grown to n_words; counted a chunk at a time, as
    np.bincount makes an int64 copy of its input."""
    chunk_counts = np.bincount(ids, minlength=n_words)
    chunk_counts[: counts.size] += counts
    return chunk_counts


def _expected_bytes(sources: list[Source]) -> int:
    """A guess of the text's size, for sizing buffers: compressed files expand about 4x."""
    return sum(source.size * (4 if source.compressed else 1) for source in sources)
