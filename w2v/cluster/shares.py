"""Each worker's share of the corpus: its lines dealt out in turn. Worker w of N keeps lines w,
w + N, w + 2N, ... of the corpus (every file in order, a file's end ending its last line), so
that every line is trained by exactly one worker, and in each round all the workers train the
same stretch of the corpus, as one machine would go through it, each a different line of every
N. A corpus is rarely shuffled (Wikipedia comes article by article, logs day by day): cut into
N runs instead, the workers would each train a different stretch in a round, their changes to a
row would disagree, and the merged model lost 1.8 analogy points at N = 8 (docs/cluster.md).

Every worker reads the whole corpus once, when it counts (the encoded share it trains from is
its own lines only): the corpus must be at the same path on every machine (a shared file
system, or copies). A line longer than DEAL_LINE_BYTES is dealt out in pieces (text8 is one
100 MB line), cut after a space or tab once a piece is that long: no word is split, only the
windows across those places are lost (as at the ends of the 10,000-token segments such a line
is trained in anyway). A line with no space or tab is dealt out whole however long it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from ..corpus import CHUNK_BYTES, Source, read_chunks
from ..errors import CorpusError
from ..text_kernels import LINE_BREAK

DEAL_LINE_BYTES = 1 << 12  # a longer line is dealt out in pieces of about this size
_WORD_END = re.compile(rb"[ \t]")


def check_shareable(sources: list[Source]) -> None:
    if any(source.name == "-" for source in sources):
        raise CorpusError("a cluster reads the corpus from files that every worker can open, not from standard input")


def dealt_chunks(sources: list[Source], chunk_bytes: int = CHUNK_BYTES, *, n: int, share: int,
                 pieces: list[int] | None = None) -> Iterator[tuple[bytes, bool, int]]:  # fmt: skip
    """read_chunks(sources, chunk_bytes), keeping lines `share`, share + n, share + 2n, ... of
    their concatenation (long lines counted in pieces), each ending with a line break. Adds to
    pieces[0] the kept pieces of long lines that their line goes on after."""
    line, length = 0, 0  # the corpus's line being read (or piece of a long one), and its bytes so far
    for chunk, file_ends, consumed in read_chunks(sources, chunk_bytes):
        ends = _line_ends(chunk, length)
        starts = np.concatenate(([0], ends[:-1]))
        kept = []
        for k in np.flatnonzero((line + np.arange(ends.size)) % n == share).tolist():
            whole = chunk[ends[k] - 1] == 0x0A
            kept += [chunk[starts[k] : ends[k]], b"" if whole else b"\n"]
            if pieces is not None and not whole:
                pieces[0] += 1
        line += ends.size
        tail = int(ends[-1]) if ends.size else 0
        length = len(chunk) - tail + (0 if ends.size else length)
        if line % n == share:
            kept.append(chunk[tail:])
        if file_ends and length:  # a file's end ends its last line
            if line % n == share:
                kept.append(b"\n")
            line, length = line + 1, 0
        yield b"".join(kept), False, consumed


def _line_ends(chunk: bytes, length: int) -> np.ndarray:
    """The offsets in `chunk` where a line (or a piece of a long line) ends: after each line
    break, and in a line longer than DEAL_LINE_BYTES after the first space or tab at least that
    far into each piece (the chunk's first line has `length` bytes before it)."""
    breaks = np.flatnonzero(np.frombuffer(chunk, np.uint8) == 0x0A) + 1
    bounds = np.concatenate(([0], breaks, [len(chunk)]))
    sizes = np.diff(bounds)
    sizes[0] += length
    cuts = []
    for k in np.flatnonzero(sizes > DEAL_LINE_BYTES).tolist():
        start, end = int(bounds[k]), int(bounds[k + 1])
        end -= end > start and chunk[end - 1] == 0x0A  # never cut just before a line break
        at = start + max(0, DEAL_LINE_BYTES - (length if k == 0 else 0))
        while (found := _WORD_END.search(chunk, at, end)) is not None and found.end() < end:
            cuts.append(found.end())
            at = found.end() + DEAL_LINE_BYTES
    return np.union1d(breaks, np.array(cuts, np.int64)) if cuts else breaks


def first_lines(ids, n_words: int, n: int, share: int, step: int = 1 << 22) -> np.ndarray:
    """The corpus's line (or piece of a long one) where a share first met each of its words,
    from its scan's id stream `ids` (a Spool): ids number words as first met, and the share's
    k-th line break ends the corpus's line share + k n."""
    first = np.zeros(n_words, np.int64)
    seen, lines = 0, 0  # words met so far, the share's line breaks so far
    for at in range(0, ids.size, step):
        block = ids.read(at, min(at + step, ids.size)).astype(np.int64)
        breaks = block == LINE_BREAK
        # A word's first occurrence is where the running maximum of the ids rises.
        rising = np.maximum.accumulate(np.concatenate(([seen - 1], block)))
        firsts = np.flatnonzero(rising[1:] > rising[:-1])
        first[block[firsts]] = share + (lines + np.cumsum(breaks)[firsts]) * n
        seen, lines = seen + firsts.size, lines + int(np.count_nonzero(breaks))
    return first
