"""One worker's part of a cluster run: its share of the corpus, counted, encoded and trained there.

The functions at the bottom are what the driver runs on a worker (as Dask tasks, or in this
process under the simulator): each finds the worker's Shard in a registry kept by the process,
so the encoded share and the worker's copy of the weights stay where they are between rounds.
A worker that restarts has lost its Shard: the task says so and the run resumes from its last
checkpoint.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from ..config import TrainConfig
from ..corpus import Source, read_chunks, scan
from ..errors import W2VError
from ..kernel_types import Segments
from ..report import Log
from ..vocab import CHUNK_TOKENS, Vocab, encode
from .counts import WordCounts, first_seen, partition
from .shares import dealt_chunks, first_lines

_SHARDS: dict[tuple[str, int], Shard] = {}
_SCRATCH, _OWNER = "w2v-share", "owner"  # a share's scratch directory, and its file naming the process


@dataclass(frozen=True)
class RoundPlan:
    """What every worker is told about a round: which, and where the run is."""

    epoch: int
    round: int  # in the epoch
    done_before: int  # tokens the whole run trained before this round (all workers, all epochs)
    active: int  # workers with tokens to train in this round
    total: int  # tokens of the whole run: epochs x the corpus
    half: int = -1  # -1: the whole round; 0: its first half, then a merge of the hot rows; 1: its second half
    hot: int = 0  # the hot rows merged after the first half: the first `hot` rows of every table


@dataclass
class RoundResult:
    """A worker's round: each table's changed rows (their numbers and new values), its loss."""

    changed: dict[str, tuple[np.ndarray, np.ndarray]]
    loss: float
    count: int
    tokens: int
    seconds: float  # training and finding the changed rows

    @property
    def nbytes(self) -> int:
        return sum(rows.nbytes + values.nbytes for rows, values in self.changed.values())


class Shard:
    """A share of the corpus on one worker: `count` it, `encode` it with the run's vocabulary,
    `start` from the global weights, then `train_round` after round."""

    def __init__(self, share: int, n_shares: int, sources: list[Source], config: TrainConfig, threads: int,
                 work_dir: str | None) -> None:  # fmt: skip
        from ..hogwild import thread_count

        self.share, self.n_shares, self.sources, self.config = share, n_shares, sources, config
        self.threads = thread_count(threads)  # 0: every core of the worker's machine
        sweep_scratch(Path(work_dir or tempfile.gettempdir()))
        self.scratch = Path(tempfile.mkdtemp(prefix=f"{_SCRATCH}{share}-", dir=work_dir))
        (self.scratch / _OWNER).write_text(f"{socket.gethostname()} {os.getpid()}\n")
        self.scanned = self.encoded = self.weights = None
        self.round_chunks: list[int] = []  # round r trains chunks round_chunks[r] .. round_chunks[r + 1] - 1

    def count(self) -> tuple:
        """Read and count the share: (statistics, partition 0, ..., partition n - 1) of counts.py."""
        config, n, share = self.config, self.n_shares, self.share
        pieces = [0]  # of long lines, dealt out as lines of their own: not counted as lines
        reader = partial(dealt_chunks, n=n, share=share, pieces=pieces) if n > 1 else read_chunks  # shares.py
        self.scanned = scan(self.sources, config.tokenizer, config.lowercases, self.scratch,
                            memory_limit=config.max_vocab_memory, workers=1, reader=reader)  # fmt: skip
        pruning = self.scanned.pruning
        stats = {"tokens": self.scanned.n_tokens, "lines": self.scanned.n_lines - pieces[0],
                 "invalid_utf8_bytes": self.scanned.invalid_bytes, "pruned_times": pruning.times,
                 "pruned_words": pruning.words, "pruned_tokens": pruning.tokens}  # fmt: skip
        words = self.scanned.n_words
        if n > 1 and not pruning.times:
            lines = first_lines(self.scanned.ids, words, n, share)
        else:  # one share is the corpus; after pruning, ids no longer tell where words were first met
            lines = share + np.arange(words, dtype=np.int64) * n
        return (stats, *partition(self.scanned.words, self.scanned.counts, first_seen(lines), n))

    def encode(self, words: list[str], sync: int, chunk: int) -> list[int]:
        """Encode the share with the run's vocabulary (`words` in id order) into chunks of at most
        `chunk` tokens (a round's or half a round's), rounds of `sync` tokens (0: the whole
        share); returns the tokens of each of the share's rounds in an epoch."""
        scan_ids = self.scanned.table.find([word.encode("utf-8") for word in words]).astype(np.int64)
        self.encoded = encode(self.scanned, scan_ids, chunk_tokens=min(CHUNK_TOKENS, chunk) if chunk else CHUNK_TOKENS)
        self.scanned = None
        positions = self.encoded.chunk_positions
        if not self.encoded.n_tokens:
            self.round_chunks = [0]
            return []
        # Chunks (of at most a round) start at the first segment at or after a multiple of their
        # size: round r is the chunks that start in [r * sync, (r + 1) * sync).
        rounds = positions[:-1] // sync if sync else np.zeros(self.encoded.n_chunks, np.int64)
        self.round_chunks = [0, *(np.flatnonzero(np.diff(rounds)) + 1).tolist(), self.encoded.n_chunks]
        return np.diff(positions[self.round_chunks]).tolist()

    def segments(self) -> int:
        return int(self.encoded.chunk_bounds[-1])

    def start(self, vocab: Vocab, tables: dict[str, np.ndarray], first_segment: int) -> None:
        """Take the global weights and the run's vocabulary; this share's segments are numbered
        from `first_segment` (their random draws are seeded by the number, as on one machine)."""
        from ..train import kernel_settings, load_kernel, make_sampling, method_of
        from ..weights import TrainingWeights

        self.first_segment = first_segment
        own = {name: np.array(table) for name, table in tables.items()}  # never the driver's (the simulator)
        self.weights = TrainingWeights.resumed(own["input"], own.get("output"), self.threads,
                                               node_vectors=own.get("nodes"))  # fmt: skip
        self.sampling = make_sampling(self.config, vocab)
        self.settings = kernel_settings(self.config)
        self.entry = load_kernel(method_of(self.config), self.weights, self.sampling, self.settings, Log(quiet=True))
        self.buffer = np.empty(max(1, self.encoded.longest_chunk), dtype=np.int32)
        # Every row as the last merge that covered it left it: the worker's changes are measured from here.
        self.base = {name: table.copy() for name, table in self.tables().items()}

    def tables(self) -> dict[str, np.ndarray]:
        """The worker's copy of each table the run trains (views of its weights)."""
        named = {"input": self.weights.input_vectors, "output": self.weights.output_vectors,
                 "nodes": self.weights.node_vectors}  # fmt: skip
        return {name: table for name, table in named.items() if table is not None}

    def train_round(self, plan: RoundPlan, update: dict[str, tuple[np.ndarray, np.ndarray]]) -> RoundResult:
        """Write the last merge's rows, then train this round's tokens of the share (or a half of
        them) and return the rows changed since their last merge: after a first half only the hot
        rows (the others wait for the end of the round), otherwise every row."""
        from ..hogwild import Hogwild
        from ..train import alphas_at, epoch_seed

        tables = self.tables()
        for name, (rows, values) in update.items():
            tables[name][rows] = values
            self.base[name][rows] = values
        if plan.round + 1 >= len(self.round_chunks):
            return RoundResult({}, 0.0, 0, 0, 0.0)
        started = time.perf_counter()
        first, last = self.round_chunks[plan.round], self.round_chunks[plan.round + 1]
        round_start = int(self.encoded.chunk_positions[first])
        if plan.half >= 0:  # the first half is the round's first ceil(chunks / 2) chunks
            middle = first + (last - first + 1) // 2
            first, last = (first, middle) if plan.half == 0 else (middle, last)
        loss, count = 0.0, 0
        seed = epoch_seed(self.config, plan.epoch)
        entry, sampling, settings = self.entry, self.sampling, self.settings
        with Hogwild(lambda weights, segments: entry(weights, sampling, settings, segments), self.weights) as submit:
            for c in range(first, last):
                tokens, starts, ends, offset = self.encoded.chunk(c, self.buffer)
                # The whole run's tokens done by then: all workers advance together through a round.
                alphas = alphas_at(self.config, plan.done_before + plan.active * (starts + offset - round_start),
                                   plan.total)  # fmt: skip
                first_segment = self.first_segment + int(self.encoded.chunk_bounds[c])
                chunk_loss, chunk_count = submit([Segments(tokens, starts, ends, alphas, first_segment, seed)])()
                loss, count = loss + chunk_loss, count + chunk_count
        changed = {}
        for name, table in tables.items():
            scope = plan.hot if plan.half == 0 else len(table)
            rows = np.flatnonzero((table[:scope] != self.base[name][:scope]).any(axis=1)).astype(np.int32)
            changed[name] = (rows, table[rows])
        tokens = int(self.encoded.chunk_positions[last] - self.encoded.chunk_positions[first])
        return RoundResult(changed, loss, count, tokens, time.perf_counter() - started)

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


def sweep_scratch(parent: Path) -> None:
    """Remove the scratch directories in `parent` left by workers of this machine that died (a
    killed worker cannot remove its encoded share, which may be gigabytes): those whose owner
    file names this host and a process that no longer exists. Never an error: a directory that
    cannot be read or removed is left as it is."""
    host = socket.gethostname()
    for scratch in parent.glob(f"{_SCRATCH}*"):
        try:
            owner_host, pid = (scratch / _OWNER).read_text().split()
            if owner_host == host and not _alive(int(pid)):
                shutil.rmtree(scratch, ignore_errors=True)
        except (OSError, ValueError):
            continue


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, and belongs to someone else
        return True
    return True


def _shard(run: str, share: int) -> Shard:
    try:
        return _SHARDS[run, share]
    except KeyError:
        raise W2VError(f"the worker holding share {share} lost it (it restarted); resume the run from its "
                       "checkpoint with --resume") from None  # fmt: skip


def open_share(run: str, share: int, n_shares: int, sources: list[Source], config: TrainConfig, threads: int,
               work_dir: str | None) -> tuple:  # fmt: skip
    """Task: make this worker's Shard and count its share (Shard.count)."""
    shard = Shard(share, n_shares, sources, config, threads, work_dir)
    _SHARDS[run, share] = shard
    return shard.count()


def merge_counts(parts: list[WordCounts], min_count: int) -> tuple[WordCounts, int, int]:
    """Task: merge partition j of every share (counts.merge)."""
    from .counts import merge

    return merge(parts, min_count)


def encode_share(run: str, share: int, words: list[str], sync: int, chunk: int) -> tuple[list[int], int]:
    """Task: encode the share (Shard.encode); returns its rounds' tokens and its segment count."""
    shard = _shard(run, share)
    rounds = shard.encode(words, sync, chunk)
    return rounds, shard.segments()


def start_share(run: str, share: int, vocab: Vocab, tables: dict[str, np.ndarray], first_segment: int) -> None:
    _shard(run, share).start(vocab, tables, first_segment)


def train_share(run: str, share: int, plan: RoundPlan, update: dict) -> RoundResult:
    return _shard(run, share).train_round(plan, update)


def close_share(run: str, share: int) -> None:
    shard = _SHARDS.pop((run, share), None)
    if shard is not None:
        shard.close()
