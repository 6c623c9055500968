"""Training: weights, the epoch and chunk loop, the learning-rate schedule and the progress bar.

Python owns the loop; each chunk of about vocab.CHUNK_TOKENS tokens is read from the encoded corpus
on disk and trained by the numba kernel (kernels.train_segments) on blocks of segments, run by
threads at once (the kernel releases the GIL); the progress bar is updated between chunks.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import numpy as np

from .config import DEFAULTS, TrainConfig
from .corpus import resolve_sources, scan
from .errors import W2VError
from .model import Model
from .sampling import keep_probabilities, noise_distribution
from .spool import scratch_directory
from .vocab import EncodedCorpus, Vocab, build_vocab, encode

BLOCKS_PER_THREAD = 8
PRIVATE_ROWS = 1024  # output rows of the most frequent words that each thread but one keeps its own copy of
_TABLES: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # id -> output table made by _table
_SEED_MIX = 0x9E3779B97F4A7C15
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def _log(message: str, quiet: bool) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def init_weights(n_words: int, dim: int, seed: int, spare_rows: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """word2vec.c's initialisation: input vectors uniform in [-0.5/dim, 0.5/dim), output zero.
    The output vectors are the first n_words rows of a table with `spare_rows` more (see
    `with_spare_rows`)."""
    rng = np.random.default_rng(seed)
    input_vectors = rng.random((n_words, dim), dtype=np.float32)
    input_vectors -= 0.5  # in place: an expression would make three temporary copies of the table
    input_vectors /= dim
    return input_vectors, _table(n_words + spare_rows, dim)[:n_words]


def _table(n_rows: int, dim: int) -> np.ndarray:
    """A zero float32[n_rows, dim] table that with_spare_rows may use the end of."""
    table = np.zeros((n_rows, dim), dtype=np.float32)
    _TABLES[id(table)] = table
    return table


def with_spare_rows(matrix: np.ndarray, spare_rows: int) -> np.ndarray:
    """A C-contiguous float32 table whose first len(matrix) rows are matrix's and `spare_rows` more
    follow: the table matrix is the start of if w2v made it so (init_weights), else a copy. (Any
    other array's rows after matrix may be someone's data.) With no spare rows, matrix itself if
    it can be trained in place."""
    if not spare_rows:
        return np.require(matrix, np.float32, ["C", "W", "O"])
    n_rows, dim = matrix.shape
    base = matrix.base
    if (
        base is not None
        and _TABLES.get(id(base)) is base
        and base.shape[0] >= n_rows + spare_rows
        and base.shape[1] == dim
        and base.ctypes.data == matrix.ctypes.data
        and matrix.flags.c_contiguous
    ):
        return base[: n_rows + spare_rows]
    table = _table(n_rows + spare_rows, dim)
    table[:n_rows] = matrix
    return table


def thread_count(requested: int) -> int:
    """The threads training uses: `requested` (0: all), at most the cores this process may use."""
    return min(requested or available_cores(), available_cores())


def private_rows(n_words: int, threads: int) -> int:
    """How many of the most frequent words' output rows each thread but the first keeps its own
    copy of (see _Hogwild); none with one thread."""
    return min(PRIVATE_ROWS, n_words) if threads > 1 else 0


def spare_rows(n_words: int, threads: int) -> int:
    """The rows the output table needs after the vocabulary's: the extra threads' private copies."""
    return (threads - 1) * private_rows(n_words, threads)


def _release_big_buffers() -> None:
    """Make glibc return freed buffers of 1 MiB or more to the system. By default it raises that
    threshold to the largest buffer freed so far (up to 32 MiB) and then keeps the 4 MiB buffers
    of reading in its heap: measured +24 MB of peak RSS on a 138M-token corpus, none with this."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to tune
        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, 1 << 20)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. under taskset or a container)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class _Hogwild:
    """Trains chunks of segments on `threads` threads at once, without locks (Hogwild, as
    word2vec.c does). Each chunk is cut into BLOCKS_PER_THREAD blocks per thread and queued; a
    thread takes the next block as soon as it finishes one, and the kernel runs without the GIL.
    The caller queues the next chunk before waiting for the current one, so that the threads never
    wait at a chunk's end for the slower of them (see run_epochs). With one thread, a chunk is one
    call, made when it is queued.

    The most frequent words' output rows are written by every thread all the time, and each write
    makes the cache line travel between cores. So with `private_rows` > 0, each thread but the
    first trains its own copy of the first private_rows output rows (weights[1] holds n_words
    rows, then one such copy per extra thread), and adds what it changed in them to the shared
    rows after every block (about 8 blocks per thread per chunk). Two threads, skip-gram, against
    none: +16 % words/s on the sentences benchmark corpus, +8 % on one line; accuracy unchanged
    (bench/results/2026-11-26-scaling.md, which also has the sweep that chose 1,024).

    Used as a context manager, it gives the function queue_chunk(tokens, starts, ends, alphas,
    *rest, first_segment) -> wait, which takes the kernel's arguments after noise; wait() returns
    the chunk's (loss, count) once it is trained.
    """

    def __init__(self, kernel, weights, noise, threads: int, private_rows: int = 0) -> None:
        self.kernel, self.weights, self.noise, self.threads = kernel, weights, noise, threads
        self.private_rows = private_rows if threads > 1 else 0
        self.pool = None
        self.local = threading.local()
        self.lock = threading.Lock()
        self.thread_weights: list = [weights]  # by thread slot: the first thread's has no private rows
        self.merged: list = [None]  # each slot's private rows as of its last merge
        self.slots_given = 0

    def __enter__(self):
        if self.threads > 1:
            self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="w2v-train")
        if self.private_rows:
            input_vectors, table = self.weights
            n_words, shared = input_vectors.shape[0], table[: self.private_rows]
            for slot in range(1, self.threads):
                offset = n_words + (slot - 1) * self.private_rows
                table[offset : offset + self.private_rows] = shared
                self.thread_weights.append((input_vectors, table, np.array([self.private_rows, offset], np.int64)))
                self.merged.append(shared.copy())
        return self.queue_chunk

    def _slot(self) -> int:
        """The calling thread's slot: 0, 1, ... in the order threads first ask."""
        if not hasattr(self.local, "slot"):
            with self.lock:
                self.local.slot, self.slots_given = self.slots_given, self.slots_given + 1
        return self.local.slot

    def _merge(self, slot: int) -> None:
        """Add what slot's thread changed in its private rows since its last merge to the shared
        rows (other threads write them meanwhile, without locks, as Hogwild does), then start its
        copy again from the shared rows."""
        _, table, (n_private, offset) = self.thread_weights[slot]
        own, merged, shared = table[offset : offset + n_private], self.merged[slot], table[:n_private]
        with self.lock:  # one merge at a time
            own -= merged  # in place: the change since the last merge
            shared += own
            own[:] = shared
            merged[:] = shared

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)  # Ctrl-C: finish the running blocks only

    def queue_chunk(self, tokens, starts, ends, alphas, *rest) -> Callable[[], tuple[float, int]]:
        *settings, first_segment = rest
        n = starts.size

        def block(lo: int, hi: int) -> tuple[float, int]:
            slot = self._slot() if self.private_rows else 0
            result = self.kernel(self.thread_weights[slot], self.noise, tokens, starts[lo:hi], ends[lo:hi],
                                 alphas[lo:hi], *settings, first_segment + lo)  # fmt: skip
            if slot:
                self._merge(slot)
            return result

        if self.pool is None:
            result = block(0, n)
            return lambda: result
        per_thread = max(1, min(BLOCKS_PER_THREAD, n // self.threads))
        n_blocks = max(1, min(n, self.threads * per_thread))
        cuts = [k * n // n_blocks for k in range(n_blocks + 1)]
        # Queued so that thread t works mostly on part t of the chunk, as numba's static prange
        # schedule did (measured equal to in-order: 1,299k vs 1,315k words/s, medians of 3).
        order = [k for j in range(per_thread) for t in range(self.threads) if (k := t * per_thread + j) < n_blocks]
        futures = [self.pool.submit(block, cuts[k], cuts[k + 1]) for k in order]

        def wait() -> tuple[float, int]:
            results = dict(zip(order, (future.result() for future in futures), strict=True))
            return sum(results[k][0] for k in range(n_blocks)), sum(results[k][1] for k in range(n_blocks))

        return wait


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _estimate(tokens_done: int, seconds: float, total_tokens: int) -> str:
    """The expected training time, from the speed of the first chunk."""
    speed = tokens_done / max(seconds, 1e-9)
    left = round(total_tokens / speed)
    if left >= 3600:
        length = f"{left // 3600} h {left % 3600 // 60:02d} min"
    else:
        length = f"{left // 60} min {left % 60:02d} s" if left >= 60 else f"{left} s"
    return f"estimated training time: {length} at {speed:,.0f} words/s (measured on the first {tokens_done:,} tokens)"


def linear_alphas(config: TrainConfig, positions: np.ndarray, epoch: int, n_tokens: int) -> np.ndarray:
    """Learning rate at each token position of an epoch: linear in global progress, from
    start_alpha at the first token of the first epoch to end_alpha after the last."""
    progress = (epoch * n_tokens + positions) / max(1, config.epochs * n_tokens)
    return (config.start_alpha - (config.start_alpha - config.end_alpha) * progress).astype(np.float32)


def train(
    corpus: str | list[str],
    config: TrainConfig = DEFAULTS,
    *,
    quiet: bool = False,
    checkpoint: Callable[[Model], None] | None = None,
    resume_from: Model | None = None,
    work_dir: str | None = None,
    work_name: str = "w2v",
) -> Model:
    """Train word vectors on `corpus` (paths: files, directories, compressed files or "-").

    Progress and a summary go to stderr unless `quiet`. Returns the Model; nothing is written
    here: `checkpoint(model)`, if given, is called after every epoch but the last, with
    model.meta["training"]["epochs_done"] saying how far it got (the CLI saves it).
    `resume_from` continues such a checkpoint (from w2v.load; memory-mapped weights are copied,
    others trained in place): its config and weights are used, its finished epochs skipped;
    the corpus must give the same vocabulary. With threads=1 a resumed run ends bit for bit
    where an uninterrupted one would.
    The encoded corpus is kept on disk while training, in a directory made in `work_dir` (default:
    the system's temporary folder) and named after `work_name`, removed at the end.
    """
    if resume_from is not None:
        if resume_from.config is None or "epochs_done" not in resume_from.meta.get("training", {}):
            raise W2VError("that model has no checkpoint to resume (it was imported or made by an older w2v)")
        config = resume_from.config
        if resume_from.meta["training"]["epochs_done"] >= config.epochs:
            raise W2VError(
                f"that model is already trained ({config.epochs} of {config.epochs} epochs); nothing to resume"
            )
    paths = [corpus] if isinstance(corpus, str) else list(corpus)
    sources = resolve_sources(paths)
    _release_big_buffers()
    with scratch_directory(work_dir, work_name) as scratch:
        started = time.perf_counter()
        encoded, vocab, corpus_stats = _read_corpus(sources, paths, config, scratch, quiet)
        threads = thread_count(config.threads)
        spare = spare_rows(len(vocab), threads)  # made here: no copy in run_epochs
        if resume_from is None:
            model = Model(vocab, *init_weights(len(vocab), config.dim, config.seed, spare), config=config)
            done = {"epochs_done": 0, "epoch_loss": []}
        else:
            model = _resumed(resume_from, vocab, spare)
            done = resume_from.meta["training"]
        model.meta = {
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "corpus": corpus_stats,
            "training": {"scan_seconds": corpus_stats.pop("seconds"), "complete": False},
        }
        run_epochs(model, encoded, config, quiet=quiet, first_epoch=done["epochs_done"],
                   epoch_losses=done["epoch_loss"], checkpoint=checkpoint, started=started)  # fmt: skip
    return model


def _read_corpus(sources, paths: list[str], config: TrainConfig, scratch, quiet: bool):
    """Read, count and encode the corpus into `scratch`: (EncodedCorpus, Vocab, statistics)."""
    from tqdm import tqdm

    started = time.perf_counter()
    total_bytes = sum(source.size for source in sources)
    with tqdm(total=total_bytes or None, unit="B", unit_scale=True, desc="reading", disable=quiet, delay=0.5,
              file=sys.stderr, leave=False) as bar:  # fmt: skip
        scanned = scan(sources, config.tokenizer, config.lowercases, scratch,
                       lambda done: bar.update(done - bar.n), memory_limit=config.max_vocab_memory,
                       log=lambda message: bar.write(message, file=sys.stderr) if not quiet else None)  # fmt: skip
    name = paths[0] if len(paths) == 1 else f"{len(sources)} files"
    vocab, scan_ids = build_vocab(scanned, config.min_count, config.max_vocab,
                                  source="the corpus" if name == "-" else name)  # fmt: skip
    pruning = scanned.pruning
    stats = {
        "sources": [source.name for source in sources],
        "tokens": scanned.n_tokens,
        "lines": scanned.n_lines,
        "distinct_words": scanned.n_words + pruning.words,
        "invalid_utf8_bytes": scanned.invalid_bytes,
    }
    if pruning.times:
        stats["pruned"] = {"times": pruning.times, "below_count": pruning.threshold, "words": pruning.words,
                           "tokens": pruning.tokens}  # fmt: skip
    encoded = encode(scanned, scan_ids)
    del scanned
    stats["training_tokens"] = encoded.n_tokens
    stats["seconds"] = round(time.perf_counter() - started, 3)
    lines = stats["lines"]
    _log(
        f"read {stats['tokens']:,} tokens in {_plural(lines, 'line')} ({stats['seconds']:.1f} s); "
        f"vocabulary: {len(vocab):,} words of {stats['distinct_words']:,} with count >= {config.min_count}",
        quiet,
    )
    if pruning.times:
        _log(f"the word table was pruned {_plural(pruning.times, 'time')} to stay under "
             f"--max-vocab-memory: {pruning.words:,} words seen fewer than {pruning.threshold} times were "
             f"forgotten with their {pruning.tokens:,} occurrences; words near --min-count may be missing "
             "or under-counted", quiet)  # fmt: skip
    if stats["invalid_utf8_bytes"]:
        _log(f"replaced {stats['invalid_utf8_bytes']:,} invalid UTF-8 bytes with U+FFFD", quiet)
    return encoded, vocab, stats


def _resumed(checkpoint: Model, vocab: Vocab, spare_rows: int) -> Model:
    """A model to continue from `checkpoint`, once the corpus is known to give its vocabulary,
    with `spare_rows` after its output vectors (see init_weights)."""
    if checkpoint.words != vocab.words or not np.array_equal(checkpoint.vocab.counts, vocab.counts):
        raise W2VError("this corpus is not the one the checkpoint was trained on (the vocabulary differs)")
    # Trainable copies only where needed: a checkpoint loaded with mmap=False is used as it is
    # (its output vectors are copied once if they need spare rows).
    input_vectors = np.require(np.asarray(checkpoint.input_vectors), np.float32, ["C", "W", "O"])
    output_vectors = with_spare_rows(np.asarray(checkpoint.output_vectors), spare_rows)[: len(vocab)]
    return Model(vocab, input_vectors, output_vectors, config=checkpoint.config)


def run_epochs(
    model: Model,
    encoded: EncodedCorpus,
    config: TrainConfig,
    *,
    quiet: bool = False,
    first_epoch: int = 0,
    epoch_losses: list[float] | None = None,
    checkpoint: Callable[[Model], None] | None = None,
    started: float | None = None,
) -> None:
    """Train model's weights in place from `first_epoch` to config.epochs, recording timing and
    the mean loss of each epoch in model.meta["training"] (epoch_losses: those of earlier epochs).
    `started` is when the run began (perf_counter), for setup_seconds."""
    from tqdm import tqdm

    from . import kernels  # numba start-up is paid only by training

    threads = thread_count(config.threads)
    if config.threads > threads:
        _log(f"--threads {config.threads} is more than the {threads} cores this process may use; using {threads}",
             quiet)  # fmt: skip
    method = (
        kernels.CBOW if config.arch == "cbow" else kernels.SKIPGRAM_EXACT if config.exact else kernels.SKIPGRAM_SHARED
    )
    vocab: Vocab = model.vocab
    keep = keep_probabilities(vocab.counts, config.sample)
    noise = kernels.build_alias_table(noise_distribution(vocab.counts))
    n_private = private_rows(len(vocab), threads)
    table = with_spare_rows(model.output_vectors, spare_rows(len(vocab), threads))  # the output rows, then the copies
    model.output_vectors = table[: len(vocab)]
    weights = (model.input_vectors, table)
    n_tokens = encoded.n_tokens
    # One chunk of the corpus in memory at a time, or two with threads: one trains while the next is queued.
    buffers = [np.empty(max(1, encoded.longest_chunk), dtype=np.int32) for _ in range(min(threads, 2))]
    epoch_losses = list(epoch_losses or [])
    loss_unit = "per prediction" if config.arch == "cbow" else "per (centre, context) pair"
    # Load (or, the first time, compile) the kernel on an empty run, so that the timing below is
    # training alone and a compilation is reported once.
    loading = time.perf_counter()
    kernel = kernels.trainer(method, model.input_vectors.shape[1])
    known, loaded = len(kernel.signatures), sum(kernel.stats.cache_hits.values())
    nothing = np.zeros(0, np.int64)
    kernels.train_segments(weights, noise, buffers[0][:0], nothing, nothing, np.zeros(0, np.float32), keep, method,
                           config.window, config.negative, np.uint64(0), 0)  # fmt: skip
    if len(kernel.signatures) > known and sum(kernel.stats.cache_hits.values()) == loaded:  # new, not from the cache
        _log(f"compiled the training kernel in {time.perf_counter() - loading:.1f} s (once: numba caches it)", quiet)
    training = model.meta.setdefault("training", {})
    training_started = time.perf_counter()
    training.update(setup_seconds=round(training_started - (started or training_started), 3), threads=threads,
                    loss_unit=loss_unit)  # fmt: skip
    saving = 0.0
    epochs = config.epochs - first_epoch
    weights_mb = 2 * model.input_vectors.nbytes / 2**20
    disk_mb = (encoded.tokens.size * 4 + encoded.segments.size * 8) / 2**20
    _log(f"training {n_tokens:,} tokens x {_plural(epochs, 'epoch')} on {_plural(threads, 'thread')}; memory: "
         f"weights {weights_mb:,.0f} MB + {_plural(len(buffers), 'chunk')} of the corpus "
         f"{sum(b.nbytes for b in buffers) / 2**20:,.0f} MB "
         f"(corpus: {disk_mb:,.0f} MB on disk)", quiet)  # fmt: skip
    bar = tqdm(total=epochs * n_tokens, unit="tok", unit_scale=True, disable=quiet, file=sys.stderr,
               dynamic_ncols=True, smoothing=0.1)  # fmt: skip
    with bar, _Hogwild(kernels.train_segments, weights, noise, threads, n_private) as queue_chunk:
        for epoch in range(first_epoch, config.epochs):
            seed = (config.seed * _SEED_MIX + epoch + 1) % 2**64
            epoch_loss, epoch_count = 0.0, 0
            bar.set_description(f"epoch {epoch + 1}/{config.epochs}")
            queued: collections.deque = collections.deque()  # (chunk, its last learning rate, wait)
            for c in range(encoded.n_chunks):
                tokens, starts, ends, offset = encoded.chunk(c, buffers[c % len(buffers)])
                alphas = linear_alphas(config, starts + offset, epoch, n_tokens)
                queued.append((c, alphas[-1], queue_chunk(
                    tokens, starts, ends, alphas, keep, method, config.window, config.negative,
                    np.uint64(seed), int(encoded.chunk_bounds[c]),
                )))  # fmt: skip
                # Wait for the oldest chunk while the newest trains: its buffer is the next one to fill.
                while len(queued) == len(buffers) or (queued and c == encoded.n_chunks - 1):
                    done_chunk, last_alpha, wait = queued.popleft()
                    loss, count = wait()
                    epoch_loss += loss
                    epoch_count += count
                    done = int(encoded.chunk_positions[done_chunk + 1] - encoded.chunk_positions[done_chunk])
                    bar.update(done)
                    bar.set_postfix(lr=f"{last_alpha:.5f}", loss=f"{epoch_loss / max(1, epoch_count):.4f}",
                                    refresh=False)  # fmt: skip
                    if epoch == first_epoch and done_chunk == 0 and encoded.n_chunks > 1 and not quiet:
                        bar.write(_estimate(done, time.perf_counter() - training_started, epochs * n_tokens),
                                  sys.stderr)  # fmt: skip
            epoch_losses.append(epoch_loss / max(1, epoch_count))
            training.update(epochs_done=epoch + 1, epoch_loss=epoch_losses, complete=epoch + 1 == config.epochs)
            if checkpoint is not None and epoch + 1 < config.epochs:
                saving_started = time.perf_counter()
                checkpoint(model)
                saving += time.perf_counter() - saving_started
    seconds = time.perf_counter() - training_started - saving
    training.update(train_seconds=round(seconds, 3), words_per_second=round(epochs * n_tokens / max(seconds, 1e-9)),
                    checkpoint_seconds=round(saving, 3))  # fmt: skip
    losses = ", ".join(f"{x:.4f}" for x in epoch_losses)
    _log(f"trained {_plural(epochs, 'epoch')} in {seconds:.1f} s ({epochs * n_tokens / max(seconds, 1e-9):,.0f} "
         f"words/s, {_plural(threads, 'thread')}); mean loss {loss_unit} by epoch: {losses}", quiet)  # fmt: skip
