"""Each worker's share of the corpus: the input cut into N runs of about equal bytes, at line
breaks, so that every line is read by exactly one worker and the shares in order are the corpus.
A line with no break within 1 MiB of a cut (text8 is one 100 MB line) is cut between two words
instead: no word is split, only the windows across that one place are lost (as at the ends of
the 10,000-token segments such a line is trained in anyway).

An uncompressed file may be cut anywhere (a share then reads a byte range of it); a compressed
one cannot be entered in the middle, so a cut that falls inside it moves to its end. Every worker
reads its share itself: the corpus must be at the same path on every machine (a shared file
system, or copies).
"""

from __future__ import annotations

from dataclasses import replace

from ..corpus import Source
from ..errors import CorpusError

_LINE_SEARCH_BYTES = 1 << 20  # how far a cut looks for a line break before it settles for a space


def split_shares(sources: list[Source], n: int) -> list[list[Source]]:
    """`sources` cut into `n` shares of about equal size (some may be empty: fewer lines than
    workers, or a compressed file larger than a share)."""
    if any(source.name == "-" for source in sources):
        raise CorpusError("a cluster reads the corpus from files that every worker can open, not from standard input")
    starts = [0]
    for source in sources:
        starts.append(starts[-1] + source.size)
    total = starts[-1]
    cuts = [0]
    for k in range(1, n):
        cuts.append(max(cuts[-1], _line_end_after(sources, starts, k * total // n)))
    cuts.append(total)
    return [_pieces(sources, starts, cuts[k], cuts[k + 1]) for k in range(n)]


def _line_end_after(sources: list[Source], starts: list[int], position: int) -> int:
    """The first offset at or after `position` (in the sources' concatenation) that begins a
    line: after a line break, or at a file's start or end; in a very long line, a word."""
    i = next(i for i in range(len(sources)) if starts[i] <= position < starts[i + 1] or i == len(sources) - 1)
    source, offset = sources[i], position - starts[i]
    if offset == 0 or source.compressed:
        return starts[i] if offset == 0 else starts[i + 1]
    try:
        with open(source.name, "rb") as file:
            file.seek(offset - 1)  # a line break just before `position` makes it a line's start
            block = file.read(_LINE_SEARCH_BYTES)
    except OSError as error:
        raise CorpusError(f"cannot read {source.name}: {error.strerror}") from None
    found = block.find(b"\n")
    if found < 0:  # no line break near: a very long line (text8) is cut between two words
        found = min((k for k in (block.find(space) for space in b" \t\r\x0b\x0c") if k >= 0), default=-1)
    return starts[i] + offset + found if found >= 0 else starts[i + 1]


def _pieces(sources: list[Source], starts: list[int], begin: int, end: int) -> list[Source]:
    """The sources, or ranges of them, that make bytes [begin, end) of their concatenation."""
    pieces = []
    for source, first, last in zip(sources, starts, starts[1:], strict=False):
        lo, hi = max(begin, first), min(end, last)
        if lo >= hi:
            continue
        whole = lo == first and hi == last
        pieces.append(source if whole else replace(source, size=hi - lo, start=lo - first, whole=False))
    return pieces
