"""Training: from a corpus to a Model, epoch by epoch.

    train()        reads the corpus (corpus.scan -> vocab.build_vocab -> vocab.encode), makes the
                   TrainingWeights, runs the epochs, saves to the model directory if given
    run_epochs()   the epochs: chunks of the encoded corpus read from disk and submitted to the
                   Hogwild threads, the learning-rate schedule, the progress bar, checkpoints
    load_kernel()  the compiled entry point of the run's method (compiled once, then cached)
Python owns the loop; the numba kernels (kernels.py) train blocks of segments without the GIL.
"""

from __future__ import annotations

import collections
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .checkpoints import ModelDirectory, load_checkpoint, resume_config
from .config import DEFAULTS, TrainConfig
from .corpus import resolve_sources, scan
from .errors import ConfigError, W2VError
from .hogwild import Hogwild, stretch_count, thread_count
from .init_vectors import apply_init_vectors
from .kernel_types import CBOW, CBOW_HS, NO_TREE, SKIPGRAM, SKIPGRAM_EXACT, SKIPGRAM_HS, Sampling, Segments, Settings
from .model import Model, TrainingRecord
from .report import Log, estimate, plural
from .sampling import keep_probabilities, noise_distribution
from .spool import scratch_directory
from .vocab import CHUNK_TOKENS, MAX_SEGMENT, EncodedCorpus, build_vocab, encode
from .weights import TrainingWeights

_SEED_MIX = 0x9E3779B97F4A7C15


def train(
    corpus: str | list[str],
    config: TrainConfig | Mapping[str, Any] | None = None,
    *,
    model_dir: str | Path | None = None,
    checkpoints: bool = True,
    resume: bool = False,
    quiet: bool = False,
    work_dir: str | Path | None = None,
    checkpoint_rounds: int | None = None,
) -> Model:
    """Train word vectors on `corpus` (paths: files, directories, compressed files or "-").

    config: how to train (default: DEFAULTS). With `model_dir`, the model is saved there at the
    end, and after epochs as a checkpoint unless `checkpoints` is False (checkpoints.ModelDirectory:
    every epoch, unless saving would cost over 5 % of the time); each save replaces
    the directory atomically. `resume=True` continues the checkpoint in model_dir on the same
    corpus (it must give the same vocabulary) with the options it was started with: `config` may
    then be None, or a config or a mapping of options that agree with the checkpoint's except
    `threads`. A finished model is returned as it is. With threads=1 a resumed run ends bit for
    bit where an uninterrupted one would.
    Progress and a summary go to stderr unless `quiet`. The encoded corpus is kept on disk while
    training, in a directory made in `work_dir` (default: beside model_dir, else the system's
    temporary folder) and removed at the end. Ctrl-C with a model_dir raises
    checkpoints.Interrupted (a KeyboardInterrupt) saying what the directory holds.
    With config.cluster, training runs on a cluster's workers (cluster/driver.py; docs/cluster.md),
    saving a checkpoint every `checkpoint_rounds` rounds if given.
    """
    log = Log(quiet)
    checkpoint = None
    if resume:
        if model_dir is None:
            raise ConfigError("resume=True continues the checkpoint in a model_dir; none was given")
        checkpoint = load_checkpoint(model_dir)
        config = resume_config(checkpoint.config, config)
        if checkpoint.training.complete:
            log(f"{model_dir} is already trained ({config.epochs} of {config.epochs} epochs); nothing to resume")
            return checkpoint
    elif not isinstance(config, TrainConfig):
        config = TrainConfig.from_options(config) if config is not None else DEFAULTS
    directory = None
    if model_dir is not None:
        done = checkpoint.training.epochs_done if checkpoint else 0
        directory = ModelDirectory(model_dir, config.epochs, checkpoints, done, log)
        work_dir = Path(model_dir).absolute().parent if work_dir is None else work_dir
    try:
        if config.cluster is not None:
            from .cluster.driver import train_on_cluster

            paths = [corpus] if isinstance(corpus, str) else list(corpus)
            shares_dir = Path(tempfile.gettempdir()) if work_dir is None else work_dir
            model = train_on_cluster(paths, config, checkpoint, directory, log, shares_dir, checkpoint_rounds)
        else:
            model = _train(corpus, config, checkpoint, directory, log, work_dir, model_dir)
        if directory is not None:
            directory.save_final(model)
    except KeyboardInterrupt:
        if directory is None:
            raise
        raise directory.interrupted() from None
    return model


def _train(corpus, config: TrainConfig, checkpoint: Model | None, directory: ModelDirectory | None, log: Log,
           work_dir, model_dir) -> Model:  # fmt: skip
    """train() once the config is settled: read, make or resume the weights, run the epochs."""
    paths = [corpus] if isinstance(corpus, str) else list(corpus)
    sources = resolve_sources(paths)
    work_name = Path(model_dir).absolute().name if model_dir is not None else "w2v"
    with scratch_directory(work_dir, work_name) as scratch:
        started = time.perf_counter()
        encoded, vocab, corpus_stats = read_corpus(sources, paths, config, scratch, log)
        threads = thread_count(config.threads)
        if config.threads > threads:
            log(f"--threads {config.threads} is more than the {threads} cores this process may use; using {threads}")
        check_vocabulary(config, vocab, checkpoint)
        subwords = bucket_rows = None
        used_buckets = 0
        if config.subwords is not None:
            from .subwords import compact_buckets, subword_rows

            starts, rows = subword_rows(vocab.words, *config.ngram_lengths, config.buckets, len(vocab))
            bucket_rows, rows = compact_buckets(rows, len(vocab), config.buckets)
            subwords = (starts, rows)
            used_buckets = int((bucket_rows >= 0).sum())
            log(f"subwords: {rows.size - len(vocab):,} n-grams in {used_buckets:,} of {config.buckets:,} buckets")
        if checkpoint is None:
            weights = TrainingWeights.initial(len(vocab), config.dim, config.seed, threads,
                                              negative=config.negative > 0, hs=config.hs, subwords=subwords,
                                              buckets=used_buckets)  # fmt: skip
            record = TrainingRecord()
        else:
            hs_vectors, output_vectors = checkpoint.hs_vectors, checkpoint.output_vectors
            if (hs_vectors is None) == config.hs or (output_vectors is None) == (config.negative > 0):
                raise W2VError(f"{model_dir} lacks the output or node vectors its options train; it cannot be resumed")
            if (checkpoint.subword_vectors is None) == (subwords is not None):
                raise W2VError(f"{model_dir} lacks the subword vectors its options train; it cannot be resumed")
            inputs = checkpoint.input_vectors if subwords is None else checkpoint.subword_vectors
            weights = TrainingWeights.resumed(inputs, output_vectors, threads, node_vectors=hs_vectors,
                                              subwords=subwords)  # fmt: skip
            record = TrainingRecord(epochs_done=checkpoint.training.epochs_done,
                                    epoch_loss=list(checkpoint.training.epoch_loss))  # fmt: skip
        if config.init_vectors is not None:
            found = apply_init_vectors(weights, vocab.words, config.init_vectors, config.freeze_init,
                                       resumed=checkpoint is not None)  # fmt: skip
            log(f"{found:,} of {len(vocab):,} words {'keep' if config.freeze_init else 'start from'} their vectors "
                f"in {config.init_vectors}{' (frozen)' if config.freeze_init else ''}")  # fmt: skip
        record.scan_seconds = corpus_stats.pop("seconds")
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        model = Model(vocab, weights.word_vectors(), weights.output_vectors, config,
                      meta={"created": created, "corpus": corpus_stats}, training=record,
                      hs_vectors=weights.node_vectors,
                      subword_vectors=None if subwords is None else weights.input_vectors,
                      bucket_rows=bucket_rows)  # fmt: skip
        run_epochs(model, weights, encoded, log, directory.after_epoch if directory else None, started)
    return model


def check_vocabulary(config: TrainConfig, vocab, checkpoint: Model | None) -> None:
    """W2VError if `vocab` cannot be trained with `config` (hierarchical softmax needs 2 words),
    or is not the vocabulary the `checkpoint` being resumed was trained on."""
    if config.hs and len(vocab) < 2:
        raise W2VError(f"hierarchical softmax needs a vocabulary of at least 2 words; this corpus has "
                       f"{plural(len(vocab), 'word')} with count >= {config.min_count}")  # fmt: skip
    if checkpoint is not None and (checkpoint.words != vocab.words
                                   or not np.array_equal(checkpoint.vocab.counts, vocab.counts)):  # fmt: skip
        raise W2VError("this corpus is not the one the checkpoint was trained on (the vocabulary differs)")


def loss_unit(config: TrainConfig) -> str:
    """What a run's loss is a mean over."""
    return "per prediction" if config.arch == "cbow" else "per (centre, context) pair"


def read_corpus(sources, paths: list[str], config: TrainConfig, scratch: Path, log: Log):
    """Read, count and encode the corpus into `scratch`: (EncodedCorpus, Vocab, statistics)."""
    started = time.perf_counter()
    with log.reading(sum(source.size for source in sources)) as bar:
        scanned = scan(sources, config.tokenizer, config.lowercases, scratch, lambda done: bar.update(done - bar.n),
                       memory_limit=config.max_vocab_memory, log=log, workers=config.threads or None)  # fmt: skip
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
    # Chunks of 1/T of the usual size with T threads: a step (one chunk of each thread's stretch)
    # holds as many tokens as one chunk did.
    stretches = stretch_count(thread_count(config.threads))
    encoded = encode(scanned, scan_ids, chunk_tokens=max(1, CHUNK_TOKENS // stretches))
    del scanned
    stats["training_tokens"] = encoded.n_tokens
    stats["seconds"] = round(time.perf_counter() - started, 3)
    log(f"read {stats['tokens']:,} tokens in {plural(stats['lines'], 'line')} ({stats['seconds']:.1f} s); vocabulary: "
        f"{len(vocab):,} words of {stats['distinct_words']:,} with count >= {config.min_count}")  # fmt: skip
    if pruning.times:
        log(f"the word table was pruned {plural(pruning.times, 'time')} to stay under --max-vocab-memory: "
            f"{pruning.words:,} words seen fewer than {pruning.threshold} times were forgotten with their "
            f"{pruning.tokens:,} occurrences; words near --min-count may be missing or under-counted")  # fmt: skip
    if stats["invalid_utf8_bytes"]:
        log(f"replaced {stats['invalid_utf8_bytes']:,} invalid UTF-8 bytes with U+FFFD")
    return encoded, vocab, stats


def method_of(config: TrainConfig) -> str:
    """The kernels' method that trains `config`."""
    if config.arch == "cbow":
        return CBOW_HS if config.hs else CBOW
    if config.hs and not config.exact and config.negative == 0:
        return SKIPGRAM_HS
    return SKIPGRAM_EXACT if config.exact or config.hs else SKIPGRAM


def kernel_settings(config: TrainConfig) -> Settings:
    """The kernels' Settings for `config`: window 0 (the whole line) is a window as wide as the
    longest segment, never shrunk."""
    if config.whole_line:
        return Settings(window=MAX_SEGMENT, negative=config.negative, shrink=False, hs=config.hs)
    return Settings(window=config.window, negative=config.negative, shrink=config.shrink_window, hs=config.hs)


def linear_alphas(config: TrainConfig, positions: np.ndarray, epoch: int, n_tokens: int) -> np.ndarray:
    """Learning rate at each token position of an epoch: linear in global progress, from
    start_alpha at the first token of the first epoch to end_alpha after the last."""
    return alphas_at(config, epoch * n_tokens + positions, config.epochs * n_tokens)


def alphas_at(config: TrainConfig, done: np.ndarray, total: int) -> np.ndarray:
    """Learning rate after `done` of the run's `total` tokens (epochs x corpus)."""
    progress = done / max(1, total)
    return (config.start_alpha - (config.start_alpha - config.end_alpha) * progress).astype(np.float32)


def epoch_seed(config: TrainConfig, epoch: int) -> np.uint64:
    """The seed of an epoch's random draws (each segment's are seeded by it and the segment's number)."""
    return np.uint64((config.seed * _SEED_MIX + epoch + 1) % 2**64)


def make_sampling(config: TrainConfig, vocab) -> Sampling:
    """The kernels' Sampling of a run: subsampling's keep probabilities, the noise words' alias
    table, and with hierarchical softmax the Huffman tree."""
    from . import kernels
    from .huffman import huffman_tree

    keep = keep_probabilities(vocab.counts, config.sample)
    tree = huffman_tree(vocab.counts, vocab.first_seen) if config.hs else NO_TREE
    return Sampling(keep, *kernels.build_alias_table(noise_distribution(vocab.counts, config.ns_exponent)), tree)


def run_epochs(model: Model, weights: TrainingWeights, encoded: EncodedCorpus, log: Log,
               after_epoch: Callable[[Model], None] | None = None, started: float | None = None) -> None:  # fmt: skip
    """Train `weights` (model's vectors) in place from epoch model.training.epochs_done to
    config.epochs, recording in model.training the mean loss of each epoch and the timing;
    after_epoch(model) is called after each epoch (checkpoints). `started` is when the run
    began (perf_counter), for setup_seconds."""
    config, record, vocab = model.config, model.training, model.vocab
    threads = weights.threads
    sampling = make_sampling(config, vocab)  # numba start-up is paid only by training
    settings = kernel_settings(config)
    entry = load_kernel(method_of(config), weights, sampling, settings, log)
    record.loss_unit = loss_unit(config)
    record.threads, record.complete = threads, False
    training_started = time.perf_counter()
    record.setup_seconds = round(training_started - (started or training_started), 3)
    n_tokens, first_epoch = encoded.n_tokens, record.epochs_done
    epochs = config.epochs - first_epoch
    steps = epoch_steps(encoded.n_chunks, stretch_count(threads))
    # One step (a chunk of each stretch) in memory at a time, or two with threads: one trains while the next is queued.
    buffers = [[np.empty(max(1, encoded.longest_chunk), dtype=np.int32) for _ in range(max(map(len, steps), default=1))]
               for _ in range(min(threads, 2))]  # fmt: skip
    log(f"training {n_tokens:,} tokens x {plural(epochs, 'epoch')} on {plural(threads, 'thread')}; memory: "
        f"weights {weights.nbytes / 2**20:,.0f} MB + {plural(sum(map(len, buffers)), 'chunk')} of the "
        f"corpus {sum(b.nbytes for step in buffers for b in step) / 2**20:,.0f} MB (corpus: "
        f"{(encoded.tokens.size * 4 + encoded.segments.size * 8) / 2**20:,.0f} MB on disk)")  # fmt: skip
    saving = 0.0

    def train_block(thread_weights, segments):
        return entry(thread_weights, sampling, settings, segments)

    with log.training(epochs * n_tokens) as bar, Hogwild(train_block, weights) as submit:
        for epoch in range(first_epoch, config.epochs):
            bar.set_description(f"epoch {epoch + 1}/{config.epochs}")
            seed = epoch_seed(config, epoch)
            epoch_loss, epoch_count = 0.0, 0
            for step, tokens_done, last_alpha, loss, count in _epoch_run(submit, encoded, steps, config, epoch, seed,
                                                                         buffers):  # fmt: skip
                epoch_loss, epoch_count = epoch_loss + loss, epoch_count + count
                bar.update(tokens_done)
                bar.set_postfix(lr=f"{last_alpha:.5f}", loss=f"{epoch_loss / max(1, epoch_count):.4f}", refresh=False)
                if epoch == first_epoch and step == 0 and len(steps) > 1:
                    log(estimate(tokens_done, time.perf_counter() - training_started, epochs * n_tokens))
            record.epoch_loss.append(epoch_loss / max(1, epoch_count))
            record.epochs_done, record.complete = epoch + 1, epoch + 1 == config.epochs
            if weights.subwords is not None and (after_epoch is not None or record.complete):
                model.input_vectors = weights.word_vectors()  # the words' vectors as their rows now make them
            if after_epoch is not None:
                saving_started = time.perf_counter()
                after_epoch(model)
                saving += time.perf_counter() - saving_started
    seconds = time.perf_counter() - training_started - saving
    record.train_seconds, record.checkpoint_seconds = round(seconds, 3), round(saving, 3)
    record.words_per_second = round(epochs * n_tokens / max(seconds, 1e-9))
    shown = [f"{x:.4f}" for x in record.epoch_loss]
    losses = ", ".join(shown if len(shown) <= 8 else [*shown[:3], "...", *shown[-3:]])  # all are in meta.json
    log(f"trained {plural(epochs, 'epoch')} in {seconds:.1f} s ({record.words_per_second:,} words/s, "
        f"{plural(threads, 'thread')}); mean loss {record.loss_unit} by epoch: {losses}")  # fmt: skip


def load_kernel(method: str, weights: TrainingWeights, sampling, settings, log: Log):
    """The entry point that trains `method`, run once on nothing so that it is loaded (or, the
    first time, compiled) before training is timed; a compilation is reported."""
    from . import kernels

    loading = time.perf_counter()
    entry = kernels.trainer(method, weights.input_vectors.shape[1])
    known, loaded = len(entry.signatures), sum(entry.stats.cache_hits.values())
    nothing = np.zeros(0, np.int64)
    empty = Segments(np.zeros(0, np.int32), nothing, nothing, np.zeros(0, np.float32), 0, np.uint64(0))
    entry(weights.for_thread(0), sampling, settings, empty)
    if len(entry.signatures) > known and sum(entry.stats.cache_hits.values()) == loaded:  # new, not from the cache
        log(f"compiled the training kernel in {time.perf_counter() - loading:.1f} s (once: numba caches it)")
    return entry


def epoch_steps(n_chunks: int, stretches: int) -> list[list[int]]:
    """The order in which an epoch's chunks are trained: the corpus cut into `stretches` runs of
    consecutive chunks (as even as whole chunks allow; fewer if there are fewer chunks), and step
    i the i-th chunk of each run, trained side by side. One stretch: the chunks in order."""
    stretches = max(1, min(stretches, n_chunks))
    runs = [range(s * n_chunks // stretches, (s + 1) * n_chunks // stretches) for s in range(stretches)]
    return [[run[i] for run in runs if i < len(run)] for i in range(max(map(len, runs)))]


def _epoch_run(submit, encoded: EncodedCorpus, steps: list[list[int]], config: TrainConfig, epoch: int,
               seed: np.uint64, buffers: list[list[np.ndarray]]) -> Iterator[tuple]:  # fmt: skip
    """Submit every step of one epoch, its chunks read into the next of `buffers`, and yield each
    step's (number, tokens, last learning rate, summed loss, loss terms) once trained, in order.
    A step is waited for only when its buffers are needed again (or at the epoch's end), so the
    threads train one step while the next is read and queued.

    The learning rate follows the epoch's progress as all threads make it together: a step's
    chunks are trained at once, so a token a fraction f into its chunk is trained when the
    tokens done are the earlier steps' plus f of this step's (with one stretch: its position)."""
    positions = encoded.chunk_positions
    done = int(positions[0])
    queued: collections.deque = collections.deque()  # (step, its tokens, its last learning rate, wait)
    for i, chunks in enumerate(steps):
        sizes = [int(positions[c + 1] - positions[c]) for c in chunks]
        step_tokens, parts = sum(sizes), []
        for c, size, buffer in zip(chunks, sizes, buffers[i % len(buffers)], strict=False):
            tokens, starts, ends, offset = encoded.chunk(c, buffer)
            alphas = linear_alphas(config, done + starts * step_tokens // size, epoch, encoded.n_tokens)
            parts.append(Segments(tokens, starts, ends, alphas, first=int(encoded.chunk_bounds[c]), seed=seed))
        done += step_tokens
        last_alpha = float(linear_alphas(config, np.array([done - 1]), epoch, encoded.n_tokens)[0])
        queued.append((i, step_tokens, last_alpha, submit(parts)))
        while len(queued) == len(buffers) or (queued and i == len(steps) - 1):
            step, tokens, alpha, wait = queued.popleft()
            loss, count = wait()
            yield step, tokens, alpha, loss, count
