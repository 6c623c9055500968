"""Read a corpus and turn it into token ids.

A corpus is one or more paths: plain or compressed (gzip, bzip2, xz; recognised by their
magic bytes) files, directories (every file under them, sorted, hidden ones skipped), or "-"
for standard input. Text is read in chunks cut after a space or line break, so a 100 MB line
with no newline (text8) is read in bounded memory and never truncated. A line break, and the
end of each file, ends a sentence.

`scan` reads the text once: it tokenises, gives each distinct word an id in order of first
appearance, counts, and writes the ids (int32, with a LINE_BREAK id at each sentence end) to a
file, so that memory does not grow with the corpus. The word table itself is bounded too: past
a memory limit the rarest words are forgotten (word2vec.c's ReduceVocab). The vocabulary is then
chosen from the counts and the id file remapped in place (vocab.py): the text is parsed once.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import CorpusError
from .spool import Spool, save_array

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

    Each chunk ends at a token boundary (a token longer than MAX_TOKEN_BYTES, which is binary
    garbage, is cut into pieces that long, so memory stays bounded); `ends_line` is True when
    the chunk closes a file (the end of a file always ends a sentence); `consumed` is the
    cumulative number of source bytes read so far.
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
                while cut == 0 and len(block) >= MAX_TOKEN_BYTES:  # one token so far, too long to keep:
                    cut = _character_boundary(block[:MAX_TOKEN_BYTES])  # cut it into pieces of 1 MiB
                    yield block[:cut], False, done + position()
                    block = block[cut:]
                    cut = _cut_point(block)
                carry = block[cut:]
                if cut:
                    yield block[:cut], False, done + position()
            yield carry, True, done + position()
        done += source.size


@dataclass
class Pruning:
    """What bounded-memory counting dropped (word2vec.c's ReduceVocab): each time the word table
    passed its memory limit, the words seen fewer than `threshold` times so far were forgotten,
    the threshold rising by one each time."""

    times: int = 0
    threshold: int = 1
    words: int = 0  # distinct words forgotten (a word may be forgotten more than once)
    tokens: int = 0  # their occurrences before they were forgotten: left out of training
    # (offset in the id stream where the next generation of ids begins, file of old id -> new id)
    generations: list[tuple[int, Path]] = field(default_factory=list)


@dataclass
class Scan:
    """The corpus read once: distinct words with counts, and the text as a stream of first-seen
    ids on disk (ids.read(...)), with LINE_BREAK at each line's end and DROPPED for the
    occurrences of words that pruning forgot."""

    table: WordTable
    ids: Spool  # int32
    n_tokens: int
    n_lines: int  # lines with at least one token
    invalid_bytes: int  # invalid UTF-8 bytes replaced
    pruning: Pruning

    @property
    def n_words(self) -> int:
        return self.table.n_words

    @property
    def counts(self) -> np.ndarray:
        """int64[n_words]: occurrences of each word (since it was last forgotten, if pruned)."""
        return self.table.counts[: self.table.n_words]

    @property
    def words(self) -> list[bytes]:
        """Every distinct word, in first-seen order (a Python object each: for small corpora)."""
        return self.table.words_at(np.arange(self.table.n_words))


class WordTable:
    """Distinct words, their first-seen ids and counts, kept by the numba hash table in text_kernels.py.

    The arrays grow here, in Python, between calls of the compiled loop, which never allocates:
    the table is kept at most half full, the byte pool with room for a whole chunk. `memory()`
    is what the table keeps resident; `prune` forgets the rarest words to bring it down.
    """

    def __init__(self) -> None:
        from . import text_kernels  # numba is paid for only when a corpus is read

        self._kernels = text_kernels
        self.table = np.full(1 << 12, -1, dtype=np.int32)
        self.pool = np.empty(1 << 16, dtype=np.uint8)
        self.pool_starts = np.zeros((1 << 11) + 1, dtype=np.int64)
        self.counts = np.zeros(1 << 11, dtype=np.int64)
        self.n_words = 0

    def memory(self) -> int:
        """Bytes in use: the hash table, the words' bytes, and 16 bytes per word (offset, count).
        Room allocated past the end of the arrays is never touched, so it is not resident."""
        return self.table.nbytes + int(self.pool_starts[self.n_words]) + 16 * self.n_words

    def _grow(self, text_bytes: int) -> None:
        """Make room for at least one more word and for `text_bytes` more bytes of words."""
        used = int(self.pool_starts[self.n_words])
        if self.pool.size < used + text_bytes:
            self.pool = _grown(self.pool, used + text_bytes)
        if self.n_words + 1 >= self.pool_starts.size - 1:
            self.pool_starts = _grown(self.pool_starts, self.pool_starts.size + 1)
            self.counts = _grown(self.counts, self.pool_starts.size - 1)
        if self.n_words + 1 >= self.table.size // 2:
            if self.table.size >= 1 << 31:
                raise CorpusError("more than 2**30 distinct words; use --max-vocab-memory")
            self._rehash(2 * self.table.size)

    def _rehash(self, size: int) -> None:
        self.table = np.full(size, -1, dtype=np.int32)
        self._kernels.rehash(self.table, self.pool, self.pool_starts, self.n_words)

    def index(self, text: bytes, ids: np.ndarray, memory_limit: int | None = None,
              prune: Callable[[int], np.ndarray] | None = None) -> int:  # fmt: skip
        """Write the ids of the tokens of `text` into `ids` (room for len(text)), LINE_BREAK for
        each line break; count the words. Returns how many ids were written.

        Where growing the table would take it past `memory_limit` bytes, `prune(ids_written)` is
        called first (it forgets words and remaps the ids written so far in place)."""
        data = np.frombuffer(text, dtype=np.uint8)
        position = n_ids = 0
        while True:
            # The table doubles when half full, and is then filled to half again: memory doubles.
            if (
                memory_limit is not None
                and self.n_words + 1 >= self.table.size // 2
                and 2 * self.memory() > memory_limit
            ):
                prune(n_ids)
            self._grow(len(text) - position)
            word_limit = min(self.table.size // 2, self.pool_starts.size - 1)
            position, written, self.n_words = self._kernels.index_tokens(
                data, position, self.table, self.pool, self.pool_starts, self.counts, self.n_words, word_limit,
                ids[n_ids:], MAX_TOKEN_BYTES,
            )  # fmt: skip
            n_ids += written
            if position >= len(text):
                return n_ids

    def prune(self, at_least: int) -> np.ndarray:
        """Forget the words counted fewer than `at_least` times; the others keep their order.
        Returns old id -> new id (int32, -1 for the forgotten)."""
        n = self.n_words
        keep = self.counts[:n] >= at_least
        remap = np.where(keep, np.cumsum(keep) - 1, -1).astype(np.int32)
        lengths = np.diff(self.pool_starts[: n + 1])
        kept_bytes = self.pool[: self.pool_starts[n]][np.repeat(keep, lengths)]
        self.n_words = int(keep.sum())
        self.pool[: kept_bytes.size] = kept_bytes
        self.pool_starts[1 : self.n_words + 1] = np.cumsum(lengths[keep])
        self.counts[: self.n_words] = self.counts[:n][keep]
        self.counts[self.n_words : n] = 0
        size = self.table.size  # the smallest table that keeps the survivors under half full
        while size > 1 << 12 and self.n_words + 1 < size // 4:
            size //= 2
        self._rehash(size)
        return remap

    def find(self, words: list[bytes]) -> np.ndarray:
        """The id of each of `words` (tokens as the table has them: no ASCII space), -1 for those it
        does not have. Looking them up counts them and adds the missing ones: the counts are spent."""
        before = self.n_words
        ids = np.empty(sum(len(word) for word in words) + len(words) + 1, dtype=np.int32)
        found = ids[: self.index(b" ".join(words), ids)]
        return np.where(found < before, found, -1).astype(np.int32)

    def words_at(self, ids: np.ndarray) -> list[bytes]:
        """The words with these ids, as bytes."""
        starts, ends = self.pool_starts[ids].tolist(), self.pool_starts[np.asarray(ids) + 1].tolist()
        pool = self.pool
        return [pool[start:end].tobytes() for start, end in zip(starts, ends, strict=True)]


def forget_rare_words(table: WordTable, pruning: Pruning, memory_limit: int, chunk: np.ndarray, tokens_before: int,
                      log: Callable[[str], None] | None, what: str = "word table") -> np.ndarray:  # fmt: skip
    """Forget the words seen fewer than pruning.threshold times, the threshold rising by one
    each time, until `table` uses at most half of `memory_limit` (word2vec.c's ReduceVocab);
    record it in `pruning`, remap the ids of the current `chunk` in place (a forgotten word's
    become DROPPED), and log it. Returns old id -> new id (int32, -1 for the forgotten)."""
    from .text_kernels import DROPPED, LINE_BREAK

    before, dropped_tokens = table.n_words, 0
    remap = np.arange(table.n_words, dtype=np.int32)
    while table.memory() > memory_limit // 2 and table.n_words:
        pruning.threshold += 1
        counts = table.counts[: table.n_words]
        dropped_tokens += int(counts[counts < pruning.threshold].sum())
        step = table.prune(pruning.threshold)
        remap = np.where(remap >= 0, step[np.maximum(remap, 0)], -1).astype(np.int32)
    tokens = chunk >= 0
    chunk[tokens] = np.where(remap[chunk[tokens]] >= 0, remap[chunk[tokens]], DROPPED)
    pruning.times += 1
    pruning.words += before - table.n_words
    pruning.tokens += dropped_tokens
    if log is not None:
        seen = tokens_before + int(np.count_nonzero(chunk != LINE_BREAK))
        log(pruned_message(what, memory_limit, seen, before - table.n_words, "words", pruning.threshold,
                           dropped_tokens))  # fmt: skip
    return remap


def pruned_message(what: str, memory_limit: int, seen: int, forgotten: int, things: str, threshold: int,
                   occurrences: int) -> str:  # fmt: skip
    return (f"the {what} reached --max-vocab-memory ({memory_limit / 2**20:,.0f} MB) after {seen:,} tokens: "
            f"forgot {forgotten:,} {things} seen fewer than {threshold} times "
            f"({occurrences:,} occurrences)")  # fmt: skip


def _grown(array: np.ndarray, at_least: int) -> np.ndarray:
    """A bigger copy of `array` (zeros past the old end)."""
    bigger = np.zeros(max(at_least, 2 * array.size), dtype=array.dtype)  # calloc: untouched pages cost nothing
    bigger[: array.size] = array
    return bigger


def scan(
    sources: list[Source],
    tokenizer: str,
    lowercase: bool,
    directory: str | Path,
    progress: Callable[[int], None] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    memory_limit: int | None = None,
    log: Callable[[str], None] | None = None,
    workers: int | None = None,
    reader: Callable = read_chunks,
) -> Scan:
    """Tokenise every source once, writing the id stream to DIRECTORY/ids.npy; memory stays
    bounded by the word table (at most `memory_limit` bytes, pruning as needed) and one chunk.

    `progress(consumed_bytes)` is called after each chunk; `log(message)` when words are pruned.
    `workers`: processes segmenting under the "jieba" tokenizer (default: one per core).
    `reader`: what reads the sources' chunks (read_chunks, or a cluster worker's, which keeps its
    own lines: cluster/shares.py).
    """
    from .segment import normalized_chunks

    scanner = _Scanner(Path(directory), memory_limit, log)
    chunks = normalized_chunks(sources, tokenizer, lowercase, chunk_bytes, workers, reader)
    for text, ends_line, consumed, bad in chunks:
        scanner.add(text, ends_line, bad)
        if progress is not None:
            progress(consumed)
    return scanner.finish()


class _Scanner:
    """scan()'s state: the word table, the id spool, the counts so far, and the pruning."""

    def __init__(self, directory: Path, memory_limit: int | None, log: Callable[[str], None] | None) -> None:
        self.directory, self.memory_limit, self.log = directory, memory_limit, log
        self.table = WordTable()
        self.spool = Spool(directory / "ids.npy", np.int32)
        self.pruning = Pruning()
        self.buffer = np.empty(0, dtype=np.int32)
        self.n_tokens = self.n_lines = self.invalid = 0
        self.after_token = False  # whether the last id written was a token (for counting non-empty lines)

    def add(self, text: bytes, ends_line: bool, invalid: int) -> None:
        """Index one normalised chunk, append its ids to the spool and count its tokens and lines."""
        from .text_kernels import LINE_BREAK

        self.invalid += invalid
        if self.buffer.size < len(text) + 1:
            self.buffer = np.empty(len(text) + 1, dtype=np.int32)
        written = self.table.index(text, self.buffer, self.memory_limit, self._prune)
        if ends_line:  # the end of a file ends its last line
            self.buffer[written] = LINE_BREAK
            written += 1
        ids = self.buffer[:written]
        breaks = ids == LINE_BREAK
        self.n_tokens += written - int(np.count_nonzero(breaks))
        if written:
            follows_token = np.empty(written, dtype=bool)
            follows_token[0] = self.after_token
            np.logical_not(breaks[:-1], out=follows_token[1:])
            self.n_lines += int(np.count_nonzero(breaks & follows_token))
            self.after_token = not breaks[-1]
        self.spool.append(ids)

    def _prune(self, written: int) -> None:
        """Forget the rarest words until the table is at most half its limit; remap the current
        chunk's first `written` ids in place (those spooled before keep the old ids: a new
        generation, whose old id -> new id map is saved for vocab.encode)."""
        remap = forget_rare_words(self.table, self.pruning, self.memory_limit, self.buffer[:written],
                                  self.n_tokens, self.log)  # fmt: skip
        path = self.directory / f"generation-{len(self.pruning.generations)}.npy"
        save_array(path, remap)
        self.pruning.generations.append((self.spool.size, path))

    def finish(self) -> Scan:
        self.spool.finish()
        return Scan(self.table, self.spool, self.n_tokens, self.n_lines, self.invalid, self.pruning)
