"""Graphs for embeddings: an edge list read into CSR adjacency, and uniform (or weighted) random
walks from every node written one per line (DeepWalk), to train on with `--tokenizer whitespace`.

Edge list: one edge a line, `u v` or `u v weight` (every line the same), fields separated by
whitespace; a line that starts with `#` is a comment, an empty line is skipped. Node names are
kept verbatim (bytes), numbered in order of first appearance. Undirected unless `directed`:
then an edge u v is followed only from u. A weight must be a positive number; the walk then
moves to a neighbour with probability proportional to its edge's weight.
"""

from __future__ import annotations

import collections
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import W2VError
from .formats import atomic_write
from .hogwild import available_cores

_WALKS_PER_BATCH = 1 << 12  # walks advanced together: their rows of 40 ids stay in cache


@dataclass(frozen=True)
class Graph:
    """CSR adjacency: node v's neighbours are neighbours[offsets[v]:offsets[v + 1]];
    cumulative holds, per node, the running sum of its edges' weights (empty if unweighted)."""

    names: list[bytes]
    offsets: np.ndarray
    neighbours: np.ndarray
    cumulative: np.ndarray
    n_edges: int  # edges read from the file
    directed: bool

    @property
    def n_nodes(self) -> int:
        return len(self.names)


class GraphError(W2VError):
    pass


def _parse(data: bytes, path: str) -> tuple[list[bytes], np.ndarray, np.ndarray, np.ndarray | None]:
    """(node names, source ids, target ids, weights or None) from an edge list's bytes."""
    index: dict[bytes, int] = {}
    number = index.setdefault
    sources, targets, weights = [], [], []
    width = 0
    for line_number, line in enumerate(data.split(b"\n"), 1):
        fields = line.split()
        if not fields or fields[0].startswith(b"#"):
            continue
        if len(fields) != width:
            if width or len(fields) not in (2, 3):
                expected = f"{width} fields like the first edge" if width else "'u v' or 'u v weight'"
                got = f"{len(fields)} field{'s' if len(fields) != 1 else ''}"
                text = line.strip().decode(errors="replace")
                raise GraphError(f"{path}:{line_number}: expected {expected}, got {got}: {text!r}")
            width = len(fields)
        sources.append(number(fields[0], len(index)))
        targets.append(number(fields[1], len(index)))
        if width == 3:
            weights.append(_weight(fields[2], path, line_number))
    if not sources:
        raise GraphError(f"{path} has no edges (one 'u v' or 'u v weight' a line; '#' starts a comment)")
    weight_array = np.array(weights, dtype=np.float64) if width == 3 else None
    return list(index), np.array(sources, dtype=np.int64), np.array(targets, dtype=np.int64), weight_array


def _weight(field: bytes, path: str, line_number: int) -> float:
    try:
        weight = float(field)
    except ValueError:
        weight = float("nan")
    if not 0 < weight < float("inf"):
        raise GraphError(
            f"{path}:{line_number}: the weight {field.decode(errors='replace')!r} is not a positive number"
        )
    return weight


def read_edge_list(path: str | Path, directed: bool = False) -> Graph:
    """The graph of an edge list file ("-": standard input)."""
    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else Path(path).read_bytes()
    except OSError as error:
        raise GraphError(f"cannot read {path}: {error.strerror or error}") from None
    names, sources, targets, weights = _parse(data, str(path))
    n_edges = sources.size
    if not directed:
        sources, targets = np.concatenate([sources, targets]), np.concatenate([targets, sources])
        weights = None if weights is None else np.concatenate([weights, weights])
    order = np.argsort(sources, kind="stable")
    offsets = np.zeros(len(names) + 1, dtype=np.int64)
    np.cumsum(np.bincount(sources, minlength=len(names)), out=offsets[1:])
    cumulative = np.zeros(0, dtype=np.float64)
    if weights is not None:
        weights = weights[order]
        running = np.cumsum(weights)
        before = np.repeat(np.concatenate([[0.0], running])[offsets[:-1]], np.diff(offsets))
        cumulative = running - before  # restarts at each node
    return Graph(names, offsets, targets[order], cumulative, n_edges, directed)


@dataclass(frozen=True)
class WalkCounts:
    walks: int
    nodes: int
    seconds: float


def write_walks(graph: Graph, out: str | Path | None, walks_per_node: int = 10, length: int = 40,
                seed: int = 1) -> WalkCounts:  # fmt: skip
    """Write `walks_per_node` walks of up to `length` nodes from every node, one per line, to
    `out` (atomically) or to standard output if None. Each round starts from every node once, in
    an order shuffled by `seed` and the round; the same seed gives the same walks."""
    from .walk_kernels import format_walks, walk_batch

    started = time.perf_counter()
    name_lengths = np.array([len(name) for name in graph.names], dtype=np.int64)
    name_offsets = np.zeros(graph.n_nodes + 1, dtype=np.int64)
    np.cumsum(name_lengths, out=name_offsets[1:])
    name_bytes = np.frombuffer(b"".join(graph.names), dtype=np.uint8)
    totals = {"walks": 0, "nodes": 0}

    def batch_text(round_: int, starts: np.ndarray, first: int) -> tuple[bytes, int]:
        walks = np.empty((starts.size, length), dtype=np.int64)
        ends = np.empty(starts.size, dtype=np.int64)
        walk_batch(graph.offsets, graph.neighbours, graph.cumulative, starts, length, seed,
                   round_ * graph.n_nodes + first, walks, ends)  # fmt: skip
        visited = walks[walks >= 0]
        buffer = np.empty(int(name_lengths[visited].sum()) + visited.size, dtype=np.uint8)
        size = format_walks(walks, ends, name_bytes, name_offsets, buffer)
        return buffer[:size].tobytes(), visited.size

    def batches():
        for round_ in range(walks_per_node):
            order = np.random.default_rng([seed, round_]).permutation(graph.n_nodes)
            for first in range(0, graph.n_nodes, _WALKS_PER_BATCH):
                yield round_, order[first : first + _WALKS_PER_BATCH], first

    def write(stream) -> None:
        # The kernels release the GIL: batches are walked and formatted on every core, written in order.
        with ThreadPoolExecutor(available_cores()) as pool:
            pending: collections.deque = collections.deque()
            for batch in batches():
                pending.append((batch[1].size, pool.submit(batch_text, *batch)))
                while len(pending) > 2 * available_cores() or (pending and pending[0][1].done()):
                    _write_batch(stream, *pending.popleft(), totals)
            while pending:
                _write_batch(stream, *pending.popleft(), totals)

    if out is None:
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        atomic_write(Path(out), write)
    return WalkCounts(totals["walks"], totals["nodes"], time.perf_counter() - started)


def _write_batch(stream, n_walks: int, future, totals: dict) -> None:
    text, n_nodes = future.result()
    stream.write(text)
    totals["walks"] += n_walks
    totals["nodes"] += n_nodes
