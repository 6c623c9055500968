"""Sessions of item ids: the leave-last-out split and next-item evaluation (numpy only).

A session file has one sequence of ids per line (a user's items in time order, a playlist, a
walk), separated by whitespace; ids are compared verbatim. Next-item evaluation asks, for each
line, where the model ranks the line's last id among the whole catalogue given the id before
it: the query is the second-to-last id, the target the last, every other known id a candidate
(never sampled negatives), the query itself excluded.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .errors import W2VError
from .formats import atomic_write
from .model import Model
from .query import METRICS, unit_rows

_SCORES_PER_BATCH = 1 << 25  # queries x catalogue scores held at once (128 MB of float32)


def _sessions(path: str | Path) -> Iterator[list[str]]:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as lines:
            for line in lines:
                yield line.split()
    except OSError as error:
        raise W2VError(f"cannot read {path}: {error.strerror or error}") from None


@dataclass(frozen=True)
class SplitCounts:
    lines: int
    train: int
    valid: int
    test: int


def split_sessions(
    path: str | Path, train: str | Path, test: str | Path, valid: str | Path | None = None
) -> SplitCounts:
    """Leave-last-out: `test` gets every session of 2 or more ids whole (its last id is the
    target); `train` gets each session without its last id (and, with `valid`, without its last
    two; `valid` then gets each session of 3 or more ids without its last id, whose last id is
    the validation target). Sessions left empty are not written. Each file is written atomically."""
    outputs = {"train": [], "valid": [], "test": []}
    lines = 0
    held_out = 2 if valid is not None else 1
    for ids in _sessions(path):
        lines += 1
        if len(ids) >= 2:
            outputs["test"].append(ids)
        if valid is not None and len(ids) >= 3:
            outputs["valid"].append(ids[:-1])
        if len(ids) > held_out:
            outputs["train"].append(ids[:-held_out])
    targets = {"train": train, "test": test, **({"valid": valid} if valid is not None else {})}
    for name, target in targets.items():
        text = "".join(" ".join(ids) + "\n" for ids in outputs[name])
        atomic_write(Path(target), lambda out, text=text: out.write(text.encode("utf-8", "surrogateescape")))
    return SplitCounts(lines, len(outputs["train"]), len(outputs["valid"]), len(outputs["test"]))


@dataclass(frozen=True)
class NextItemResult:
    """HR@k, NDCG@k and MRR over the `covered` lines (both ids known) of `total` (2 ids or more)."""

    hr: float
    ndcg: float
    mrr: float
    k: int
    metric: str
    covered: int
    total: int

    def to_dict(self) -> dict:
        return asdict(self)


def target_ranks(vectors: np.ndarray, queries: np.ndarray, targets: np.ndarray, metric: str = "cosine") -> np.ndarray:
    """The rank (1 = nearest) of each target among all rows for its query row, the query excluded;
    a tie counts against the target (a row as near as the target ranks before it)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    vectors = np.asarray(vectors, dtype=np.float32)
    if metric == "cosine":
        vectors = unit_rows(vectors)
    else:
        squared_norms = np.einsum("ij,ij->i", vectors, vectors)
    ranks = np.empty(len(queries), dtype=np.int64)
    batch = max(1, _SCORES_PER_BATCH // max(1, len(vectors)))
    for start in range(0, len(queries), batch):
        q, t = queries[start : start + batch], targets[start : start + batch]
        scores = vectors[q] @ vectors.T  # higher is nearer
        if metric == "euclidean":  # -|q - v|^2 up to the query's own norm, which ranks nothing
            scores = 2 * scores - squared_norms
        rows = np.arange(len(q))
        target_scores = scores[rows, t].copy()
        scores[rows, q] = -np.inf
        scores[rows, t] = -np.inf
        ranks[start : start + batch] = 1 + (scores >= target_scores[:, None]).sum(axis=1)
    return ranks


def next_item_ranks(model: Model, path: str | Path, metric: str = "cosine") -> list[int | None]:
    """For each line of `path` with 2 or more ids, in order: the rank of its last id among all the
    model's ids given the id before it (`target_ranks`), or None where the line is not covered
    (either id unknown, or both the same)."""
    index = model.vocab.index
    pairs = [(index.get(ids[-2]), index.get(ids[-1])) for ids in _sessions(path) if len(ids) >= 2]
    covered = [i for i, (query, target) in enumerate(pairs) if None not in (query, target) and query != target]
    ranks: list[int | None] = [None] * len(pairs)
    if covered:
        queries, targets = np.array([pairs[i] for i in covered], dtype=np.int64).T
        for i, rank in zip(covered, target_ranks(model.input_vectors, queries, targets, metric).tolist(), strict=True):
            ranks[i] = rank
    return ranks


def summarize_ranks(ranks: list[int | None], k: int = 10, metric: str = "cosine", source: str | Path = "the sessions"
                    ) -> NextItemResult:  # fmt: skip
    """HR@k, NDCG@k and MRR of the covered lines' ranks (`next_item_ranks`)."""
    known = np.array([rank for rank in ranks if rank is not None], dtype=np.float64)
    if not known.size:
        raise W2VError(
            f"no line of {source} has its last two ids both in the model (of {len(ranks):,} lines with two or more)"
        )
    hits = known <= k
    ndcg = np.where(hits, 1.0 / np.log2(known + 1.0), 0.0)
    return NextItemResult(hr=float(hits.mean()), ndcg=float(ndcg.mean()), mrr=float((1.0 / known).mean()), k=k,
                          metric=metric, covered=int(known.size), total=len(ranks))  # fmt: skip


def evaluate_next_item(model: Model, path: str | Path, k: int = 10, metric: str = "cosine") -> NextItemResult:
    """Next-item prediction on the session file `path` (see the module's docstring)."""
    return summarize_ranks(next_item_ranks(model, path, metric), k, metric, path)


def describe(result: NextItemResult, path: str | Path, n_items: int) -> str:
    """The table `w2v evaluate --next-item` prints."""
    share = result.covered / result.total if result.total else math.nan
    return "\n".join([
        f"next item: {path}: the last id of each line ranked by {result.metric} among {n_items:,} ids, "
        f"given the id before it",
        f"{'lines':>10}{'covered':>16}{f'HR@{result.k}':>10}{f'NDCG@{result.k}':>10}{'MRR':>10}",
        f"{result.total:>10,}{f'{result.covered:,} ({share:.0%})':>16}{result.hr:>10.4f}{result.ndcg:>10.4f}"
        f"{result.mrr:>10.4f}",
    ])  # fmt: skip
