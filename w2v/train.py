"""Training: weights, the epoch and chunk loop, the learning-rate schedule and the progress bar.

Python owns the loop; each chunk of about CHUNK_TOKENS tokens is one call of the parallel numba
kernel (kernels.train_segments), and the progress bar is updated between calls.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone

import numpy as np

from .config import DEFAULTS, TrainConfig
from .corpus import resolve_sources, scan
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
    input_vectors = ((rng.random((n_words, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
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


def train(corpus: str | list[str], config: TrainConfig = DEFAULTS, *, quiet: bool = False) -> Model:
    """Train word vectors on `corpus` (paths: files, directories, compressed files or "-").

    Progress and a summary go to stderr unless `quiet`. Returns the Model; nothing is written.
    """
    from tqdm import tqdm

    paths = [corpus] if isinstance(corpus, str) else list(corpus)
    sources = resolve_sources(paths)
    started = time.perf_counter()
    total_bytes = sum(source.size for source in sources)
    with tqdm(
        total=total_bytes or None,
        unit="B",
        unit_scale=True,
        desc="reading",
        disable=quiet,
        delay=0.5,
        file=sys.stderr,
        leave=False,
    ) as bar:
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
    _log(
        f"read {corpus_stats['tokens']:,} tokens in {corpus_stats['lines']:,} lines "
        f"({scan_seconds:.1f} s); vocabulary: {len(vocab):,} words of {corpus_stats['distinct_words']:,} "
        f"with count >= {config.min_count}",
        quiet,
    )
    if corpus_stats["invalid_utf8_bytes"]:
        _log(f"replaced {corpus_stats['invalid_utf8_bytes']:,} invalid UTF-8 bytes with U+FFFD", quiet)
    model = Model(vocab, *init_weights(len(vocab), config.dim, config.seed), config=config)
    training = run_epochs(model, encoded, config, quiet=quiet)
    setup_seconds = training.pop("training_started") - started
    model.meta = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus": corpus_stats,
        "training": {"scan_seconds": round(scan_seconds, 3), "setup_seconds": round(setup_seconds, 3), **training},
    }
    return model


def run_epochs(model: Model, encoded: EncodedCorpus, config: TrainConfig, *, quiet: bool = False) -> dict:
    """Train model's weights in place for config.epochs epochs; return timing and loss figures."""
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
    epoch_losses = []
    loss_unit = "per prediction" if config.arch == "cbow" else "per (centre, context) pair"
    # Load (or, the first time, compile) the kernel on an empty run, so that the timing below is
    # training alone and a compilation is reported once.
    loading = time.perf_counter()
    kernels.train_segments(weights, noise, tokens, starts[:0], ends[:0], np.zeros(0, np.float32), keep, method,
                           config.window, config.negative, np.uint64(0), 0, 1)  # fmt: skip
    if kernels.train_segments.stats.cache_misses:
        _log(f"compiled the training kernels in {time.perf_counter() - loading:.1f} s (once: numba caches them)", quiet)
    started = time.perf_counter()
    with tqdm(
        total=config.epochs * n_tokens,
        unit="tok",
        unit_scale=True,
        disable=quiet,
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
    ) as bar:
        for epoch in range(config.epochs):
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
                    bar.set_postfix(
                        lr=f"{alphas[-1]:.5f}", loss=f"{epoch_loss / max(1, epoch_count):.4f}", refresh=False
                    )
            epoch_losses.append(epoch_loss / max(1, epoch_count))
    seconds = time.perf_counter() - started
    _log(
        f"trained {config.epochs} epochs in {seconds:.1f} s ({config.epochs * n_tokens / seconds:,.0f} words/s, "
        f"{threads} threads); mean loss {loss_unit} by epoch: {', '.join(f'{x:.4f}' for x in epoch_losses)}",
        quiet,
    )
    return {
        "training_started": started,
        "threads": threads,
        "train_seconds": round(seconds, 3),
        "words_per_second": round(config.epochs * n_tokens / seconds),
        "epoch_loss": epoch_losses,
        "loss_unit": loss_unit,
    }
