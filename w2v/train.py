"""Training: weights, the epoch and chunk loop, the learning-rate schedule and the progress bar.

Python owns the loop; each chunk of about CHUNK_TOKENS tokens is one call of the parallel numba
kernel (kernels.train_segments), and the progress bar is updated between calls.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone

import numpy as np

from .config import DEFAULTS, TrainConfig
from .corpus import resolve_sources, scan
from .errors import W2VError
from .model import Model
from .sampling import keep_probabilities, noise_distribution
from .vocab import EncodedCorpus, Vocab, build_vocab, encode

CHUNK_TOKENS = 1 << 20
BLOCKS_PER_THREAD = 8
_SEED_MIX = 0x9E3779B97F4A7C15


def _log(message: str, quiet: bool) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def init_weights(n_words: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """word2vec.c's initialisation: input vectors uniform in [-0.5/dim, 0.5/dim), output zero."""
    rng = np.random.default_rng(seed)
    input_vectors = rng.random((n_words, dim), dtype=np.float32)
    input_vectors -= 0.5  # in place: an expression would make three temporary copies of the table
    input_vectors /= dim
    return input_vectors, np.zeros((n_words, dim), dtype=np.float32)


def chunk_bounds(segment_starts: np.ndarray, chunk_tokens: int) -> np.ndarray:
    """Indices that cut the segments into runs of about `chunk_tokens` tokens: int64[n_chunks + 1]."""
    if segment_starts.size == 0:
        return np.zeros(1, dtype=np.int64)
    marks = np.arange(0, int(segment_starts[-1]) + 1, chunk_tokens)
    cuts = np.unique(np.searchsorted(segment_starts, marks, side="left"))
    return np.append(cuts, segment_starts.size).astype(np.int64)


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
) -> Model:
    """Train word vectors on `corpus` (paths: files, directories, compressed files or "-").

    Progress and a summary go to stderr unless `quiet`. Returns the Model; nothing is written
    here: `checkpoint(model)`, if given, is called after every epoch but the last, with
    model.meta["training"]["epochs_done"] saying how far it got (the CLI saves it).
    `resume_from` continues such a checkpoint (from w2v.load; memory-mapped weights are copied,
    others trained in place): its config and weights are used, its finished epochs skipped;
    the corpus must give the same vocabulary. With threads=1 a resumed run ends bit for bit
    where an uninterrupted one would.
    """
    from tqdm import tqdm

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
    started = time.perf_counter()
    total_bytes = sum(source.size for source in sources)
    with tqdm(total=total_bytes or None, unit="B", unit_scale=True, desc="reading", disable=quiet, delay=0.5,
              file=sys.stderr, leave=False) as bar:  # fmt: skip
        scanned = scan(sources, config.tokenizer, config.lowercases, lambda done: bar.update(done - bar.n))
    name = paths[0] if len(paths) == 1 else f"{len(sources)} files"
    vocab = build_vocab(scanned, config.min_count, config.max_vocab, source="the corpus" if name == "-" else name)
    encoded = encode(scanned, vocab)
    corpus_stats = {
        "sources": [source.name for source in sources],
        "tokens": int(scanned.ids.size),
        "lines": int(np.count_nonzero(np.diff(np.concatenate(([0], scanned.line_ends))))),
        "distinct_words": len(scanned.words),
        "training_tokens": int(encoded.tokens.size),
        "invalid_utf8_bytes": scanned.invalid_bytes,
    }
    del scanned
    scan_seconds = time.perf_counter() - started
    lines = corpus_stats["lines"]
    _log(
        f"read {corpus_stats['tokens']:,} tokens in {lines:,} line{'' if lines == 1 else 's'} "
        f"({scan_seconds:.1f} s); vocabulary: {len(vocab):,} words of {corpus_stats['distinct_words']:,} "
        f"with count >= {config.min_count}",
        quiet,
    )
    if corpus_stats["invalid_utf8_bytes"]:
        _log(f"replaced {corpus_stats['invalid_utf8_bytes']:,} invalid UTF-8 bytes with U+FFFD", quiet)
    if resume_from is None:
        model = Model(vocab, *init_weights(len(vocab), config.dim, config.seed), config=config)
        done = {"epochs_done": 0, "epoch_loss": []}
    else:
        model = _resumed(resume_from, vocab)
        done = resume_from.meta["training"]
    model.meta = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus": corpus_stats,
        "training": {"scan_seconds": round(scan_seconds, 3), "complete": False},
    }
    run_epochs(model, encoded, config, quiet=quiet, first_epoch=done["epochs_done"],
               epoch_losses=done["epoch_loss"], checkpoint=checkpoint, started=started)  # fmt: skip
    return model


def _resumed(checkpoint: Model, vocab: Vocab) -> Model:
    """A model to continue from `checkpoint`, once the corpus is known to give its vocabulary."""
    if checkpoint.words != vocab.words or not np.array_equal(checkpoint.vocab.counts, vocab.counts):
        raise W2VError("this corpus is not the one the checkpoint was trained on (the vocabulary differs)")
    # Trainable copies only where needed: a checkpoint loaded with mmap=False is used as it is.
    weights = [
        np.require(np.asarray(m), np.float32, ["C", "W", "O"])
        for m in (checkpoint.input_vectors, checkpoint.output_vectors)
    ]
    return Model(vocab, *weights, config=checkpoint.config)


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
    import numba
    from tqdm import tqdm

    from . import kernels  # numba start-up is paid only by training

    threads = config.threads or numba.config.NUMBA_NUM_THREADS
    if threads > numba.config.NUMBA_NUM_THREADS:
        _log(f"--threads {threads} is more than this machine's {numba.config.NUMBA_NUM_THREADS}; using those", quiet)
        threads = numba.config.NUMBA_NUM_THREADS
    numba.set_num_threads(threads)
    method = (
        kernels.CBOW if config.arch == "cbow" else kernels.SKIPGRAM_EXACT if config.exact else kernels.SKIPGRAM_SHARED
    )
    vocab: Vocab = model.vocab
    keep = keep_probabilities(vocab.counts, config.sample)
    noise = kernels.build_alias_table(noise_distribution(vocab.counts))
    weights = (model.input_vectors, model.output_vectors)
    tokens = np.ascontiguousarray(encoded.tokens, dtype=np.int32)
    starts, ends = encoded.segment_starts, encoded.segment_ends
    n_tokens = tokens.size
    bounds = chunk_bounds(starts, CHUNK_TOKENS)
    chunk_positions = np.append(starts[bounds[:-1]], n_tokens) if starts.size else np.array([0, n_tokens])
    epoch_losses = list(epoch_losses or [])
    loss_unit = "per prediction" if config.arch == "cbow" else "per (centre, context) pair"
    # Load (or, the first time, compile) the kernel on an empty run, so that the timing below is
    # training alone and a compilation is reported once.
    loading = time.perf_counter()
    kernels.train_segments(weights, noise, tokens, starts[:0], ends[:0], np.zeros(0, np.float32), keep, method,
                           config.window, config.negative, np.uint64(0), 0, 1)  # fmt: skip
    if kernels.train_segments.stats.cache_misses:
        _log(f"compiled the training kernels in {time.perf_counter() - loading:.1f} s (once: numba caches them)", quiet)
    training = model.meta.setdefault("training", {})
    training_started = time.perf_counter()
    training.update(setup_seconds=round(training_started - (started or training_started), 3), threads=threads,
                    loss_unit=loss_unit)  # fmt: skip
    saving = 0.0
    epochs = config.epochs - first_epoch
    weight_mb = 2 * model.input_vectors.nbytes / 2**20
    _log(f"training {n_tokens:,} tokens x {epochs} epochs on {threads} threads; memory: weights {weight_mb:,.0f} MB "
         f"+ corpus {tokens.nbytes / 2**20:,.0f} MB (the bar's ETA follows the measured speed)", quiet)  # fmt: skip
    with tqdm(total=epochs * n_tokens, unit="tok", unit_scale=True, disable=quiet, file=sys.stderr,
              dynamic_ncols=True, smoothing=0.1) as bar:  # fmt: skip
        for epoch in range(first_epoch, config.epochs):
            seed = (config.seed * _SEED_MIX + epoch + 1) % 2**64
            epoch_loss, epoch_count = 0.0, 0
            bar.set_description(f"epoch {epoch + 1}/{config.epochs}")
            for c in range(bounds.size - 1):
                first, last = int(bounds[c]), int(bounds[c + 1])
                alphas = linear_alphas(config, starts[first:last], epoch, n_tokens)
                loss, count = kernels.train_segments(
                    weights, noise, tokens, starts[first:last], ends[first:last], alphas, keep,
                    method, config.window, config.negative, np.uint64(seed), first, threads * BLOCKS_PER_THREAD,
                )  # fmt: skip
                epoch_loss += loss
                epoch_count += count
                bar.update(int(chunk_positions[c + 1] - chunk_positions[c]))
                if alphas.size:
                    bar.set_postfix(lr=f"{alphas[-1]:.5f}", loss=f"{epoch_loss / max(1, epoch_count):.4f}",
                                    refresh=False)  # fmt: skip
            epoch_losses.append(epoch_loss / max(1, epoch_count))
            training.update(epochs_done=epoch + 1, epoch_loss=epoch_losses, complete=epoch + 1 == config.epochs)
            if checkpoint is not None and epoch + 1 < config.epochs:
                saving_started = time.perf_counter()
                checkpoint(model)
                saving += time.perf_counter() - saving_started
    seconds = time.perf_counter() - training_started - saving
    training.update(train_seconds=round(seconds, 3), words_per_second=round(epochs * n_tokens / max(seconds, 1e-9)),
                    checkpoint_seconds=round(saving, 3))  # fmt: skip
    _log(
        f"trained {epochs} epochs in {seconds:.1f} s ({epochs * n_tokens / max(seconds, 1e-9):,.0f} words/s, "
        f"{threads} threads); mean loss {loss_unit} by epoch: {', '.join(f'{x:.4f}' for x in epoch_losses)}",
        quiet,
    )
