"""Random walks on a graph in CSR form, and writing them as text (numba). Self-contained: numba's
cache does not notice edits to a jitted helper in another file, so the random-number helper is
this file's own (the same splitmix64 as kernels.py)."""

from __future__ import annotations

import numba
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@numba.njit(cache=True, inline="always")
def _next(state):
    """splitmix64: (new state, 64 random bits)."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return state, z ^ (z >> np.uint64(31))


@numba.njit(cache=True, inline="always")
def _below(bits, n):
    """An integer uniform in [0, n) from the top 32 of 64 random bits."""
    return np.int64(((bits >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@numba.njit(cache=True, inline="always")
def _uniform(bits):
    """A float64 uniform in [0, 1) from the top 53 of 64 random bits."""
    return np.float64(bits >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True, nogil=True)
def walk_batch(offsets, neighbours, cumulative, starts, length, seed, first_walk, out, ends):
    """Walk from each node of `starts`, up to `length` nodes (fewer if a node has no neighbour),
    into out[w, :] (int64, -1 after the end); ends[w] = the walk's number of nodes.

    offsets int64[n_nodes + 1], neighbours int64[n_edges]: node v's neighbours are
    neighbours[offsets[v]:offsets[v + 1]]; cumulative float64[n_edges], empty for an unweighted
    graph, else the running sum of each node's edge weights, restarting at each node (the next
    node is drawn in proportion to weight, by binary search). Walk w draws from splitmix64
    seeded by (seed, first_walk + w), so the walks do not depend on how they are batched.

    The walks advance together, one step each in turn: each step is two reads at random places
    of a large graph, and independent walks let the CPU wait for many of them at once."""
    weighted = cumulative.shape[0] > 0
    n_walks = starts.shape[0]
    states = np.empty(n_walks, dtype=np.uint64)
    for w in range(n_walks):
        states[w], _ = _next(np.uint64(seed) ^ (np.uint64(first_walk + w) * _GOLDEN))
        out[w, 0] = starts[w]
        ends[w] = length
    for n in range(1, length):
        for w in range(n_walks):
            if ends[w] < length:
                out[w, n] = -1
                continue
            node = out[w, n - 1]
            lo, hi = offsets[node], offsets[node + 1]
            if lo == hi:
                ends[w] = n
                out[w, n] = -1
                continue
            states[w], bits = _next(states[w])
            if weighted:
                target = _uniform(bits) * cumulative[hi - 1]
                a, b = lo, hi - 1
                while a < b:  # the first edge whose running sum exceeds target
                    middle = (a + b) // 2
                    if cumulative[middle] > target:
                        b = middle
                    else:
                        a = middle + 1
                out[w, n] = neighbours[a]
            else:
                out[w, n] = neighbours[lo + _below(bits, hi - lo)]


@numba.njit(cache=True, nogil=True)
def format_walks(walks, ends, name_bytes, name_offsets, buffer):
    """Write walks as text lines into `buffer` (uint8): node names (name_bytes[name_offsets[v]:
    name_offsets[v + 1]]) separated by spaces, a newline after each walk. Returns the bytes
    written; the caller sizes the buffer (sum of the names' lengths plus one byte per node)."""
    n = 0
    for w in range(walks.shape[0]):
        for k in range(ends[w]):
            node = walks[w, k]
            for i in range(name_offsets[node], name_offsets[node + 1]):
                buffer[n] = name_bytes[i]
                n += 1
            buffer[n] = 32 if k + 1 < ends[w] else 10
            n += 1
    return n
