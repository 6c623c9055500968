"""`w2v train`."""

from __future__ import annotations

import contextlib
import sys

import click
from click.core import ParameterSource

from ..config import ARCHITECTURES, DEFAULT_NEGATIVE, DEFAULTS, TOKENIZERS
from . import cli, model_dir_option, user_errors

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


class ByteSize(click.ParamType):
    """A size in bytes: 123, 500K, 500M, 2G, 1T (powers of 1024), or "none" for no limit."""

    name = "size"
    _UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}

    def convert(self, value, param, ctx):
        if value is None or isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B")
        if text == "NONE":
            return None
        unit = text[-1:] if text[-1:] in self._UNITS else ""
        try:
            number = float(text[: len(text) - len(unit)])
        except ValueError:
            number = -1.0
        if not 0 <= number < 2**63 / self._UNITS[unit]:
            self.fail(f"{value!r} is not a size such as 500M or 2G", param, ctx)
        return int(number * self._UNITS[unit])


@cli.command()
@click.argument("corpus", nargs=-1, required=True)
@model_dir_option
@click.option(
    "--arch",
    type=click.Choice(ARCHITECTURES),
    default=DEFAULTS.arch,
    show_default=True,
    help="Skip-gram predicts the context from each word; CBOW predicts each word from its context.",
)
@click.option(
    "--dim", type=click.IntRange(min=1), default=DEFAULTS.dim, show_default=True, help="Dimensions of the word vectors."
)
@click.option(
    "--window",
    type=click.IntRange(min=0),
    default=DEFAULTS.window,
    show_default=True,
    help="Largest distance between a word and its context words; 0: every other token of the line "
    "(item2vec: a basket has no order).",
)
@click.option(
    "--shrink-window/--no-shrink-window",
    default=DEFAULTS.shrink_window,
    show_default=True,
    help="Each word draws its window uniformly in 1..window (word2vec.c), or always uses the full window.",
)
@click.option(
    "--negative",
    type=click.IntRange(min=0),
    default=None,
    help="Noise words per prediction (negative sampling); 0 with --hs: hierarchical softmax alone.  "
    f"[default: {DEFAULT_NEGATIVE}, or 0 with --hs]",
)
@click.option(
    "--hs",
    is_flag=True,
    default=DEFAULTS.hs,
    help="Hierarchical softmax (word2vec.c's -hs 1): alone, or with negative sampling if --negative is given.",
)
@click.option(
    "--ns-exponent",
    type=click.FloatRange(-1, 1),
    default=DEFAULTS.ns_exponent,
    show_default=True,
    help="Noise words are drawn in proportion to count ** this: 0 uniform, negative favours rare words.",
)
@click.option(
    "--sample",
    type=click.FloatRange(min=0),
    default=DEFAULTS.sample,
    show_default=True,
    help="Subsampling threshold for frequent words; 0 turns it off.",
)
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=DEFAULTS.min_count,
    show_default=True,
    help="Ignore words that occur fewer times than this.",
)
@click.option(
    "--max-vocab",
    type=click.IntRange(min=1),
    default=None,
    help="Keep at most this many words, the most frequent.  [default: no limit]",
)
@click.option(
    "--max-vocab-memory",
    type=ByteSize(),
    default=DEFAULTS.max_vocab_memory,
    help="Memory for counting distinct words (e.g. 500M, 4G, none); past it the rarest words are "
    "forgotten, as word2vec.c does, and this is reported.  [default: 2G]",
)
@click.option(
    "--epochs", type=click.IntRange(min=1), default=DEFAULTS.epochs, show_default=True, help="Passes over the corpus."
)
@click.option(
    "--alpha",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Starting learning rate.  [default: 0.025 skip-gram, 0.05 CBOW]",
)
@click.option(
    "--min-alpha",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Learning rate at the end (linear decay).  [default: alpha * 1e-4]",
)
@click.option(
    "--threads",
    type=click.IntRange(min=0),
    default=DEFAULTS.threads,
    show_default=True,
    help="Training threads; 0 means all cores.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    default=DEFAULTS.seed,
    show_default=True,
    help="Random seed; with --threads 1 a run is reproducible bit for bit.",
)
@click.option(
    "--exact",
    is_flag=True,
    default=DEFAULTS.exact,
    help="Skip-gram: word2vec.c's per-pair update with fresh noise words for every pair "
    "(slower) instead of noise words shared across each window.",
)
@click.option(
    "--subwords",
    metavar="MIN-MAX",
    default=DEFAULTS.subwords,
    help="fastText's subword vectors: a word's vector is the mean of its own and its character "
    "n-grams' of MIN..MAX characters (fastText: 3-6), so that rare and unseen words get vectors.  [default: off]",
)
@click.option(
    "--buckets",
    type=click.IntRange(min=1, max=2**31 - 1),
    default=DEFAULTS.buckets,
    show_default=True,
    help="With --subwords: the buckets the n-grams are hashed into (fastText's 2M); only those some "
    "vocabulary word's n-grams use take memory, dim x 4 bytes each.",
)
@click.option(
    "--tokenizer",
    type=click.Choice(TOKENIZERS),
    default=DEFAULTS.tokenizer,
    show_default=True,
    help="simple: words of letters and digits, each Han/kana character a word; "
    "whitespace: split on whitespace only (pre-tokenised text).",
)
@click.option(
    "--lowercase/--no-lowercase",
    default=None,
    help="Lowercase the text.  [default: yes for simple and jieba, no for whitespace]",
)
@click.option(
    "--init-vectors",
    type=click.Path(exists=True, resolve_path=True),
    default=None,
    help="Start the words found in these vectors (word2vec text or binary, GloVe, or a model "
    "directory; same --dim) from them.",
)
@click.option(
    "--freeze-init",
    is_flag=True,
    default=DEFAULTS.freeze_init,
    help="Never update the vectors taken from --init-vectors: the other words learn around them.",
)
@click.option(
    "--cluster",
    metavar="ADDRESS|local:N|simulate:N",
    default=DEFAULTS.cluster,
    help="Train on a Dask cluster (pip install 'w2v[cluster]'): a running scheduler's address "
    "(tcp://HOST:PORT; every worker must read CORPUS at the same path), local:N (N worker processes "
    "on this machine), or simulate:N (N workers one after another in this process: the accuracy of "
    "N workers, deterministic, no dask needed). See docs/cluster.md.  [default: this process]",
)
@click.option(
    "--sync-tokens",
    type=click.IntRange(min=0),
    default=DEFAULTS.sync_tokens,
    help="With --cluster: tokens each worker trains between merges of the changed rows; 0: its whole share.  "
    "[default: 20 rounds an epoch, at most 1,000,000 tokens a round]",
)
@click.option(
    "--hot-words",
    type=click.IntRange(min=0),
    default=DEFAULTS.hot_words,
    show_default=True,
    help="With --cluster: the rows of this many most frequent words are merged halfway through each "
    "round as well as at its end; 0: only at the end.",
)
@click.option(
    "--checkpoint-rounds",
    type=click.IntRange(min=1),
    default=None,
    help="With --cluster: save a checkpoint every K rounds.  [default: as without a cluster, when "
    "saving costs under 5% of the time]",
)
@click.option(
    "--checkpoints/--no-checkpoints",
    default=True,
    show_default=True,
    help="Save the model directory after epochs (atomically; every epoch unless saving would cost over 5% "
    "of the time), so that an interrupted run "
    "can be continued with --resume.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the interrupted run checkpointed in --model-dir, on the same corpus, with "
    "the options it was started with.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
def train(corpus, model_dir, quiet, checkpoints, resume, checkpoint_rounds, **options):
    """Train word vectors on CORPUS and save them in the model directory.

    CORPUS is one or more text files (plain, .gz, .bz2 or .xz), directories (all files
    under them, sorted), or - for standard input. A line break ends a sentence; lines of any
    length are read whole.
    """  # fmt: skip
    from ..checkpoints import Interrupted
    from ..train import train as train_model

    _release_big_buffers()
    if resume:  # only the options given on the command line are checked against the checkpoint's
        context = click.get_current_context()
        given = (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
        config = {name: value for name, value in options.items() if context.get_parameter_source(name) in given}
    else:
        config = options
    with user_errors():
        try:
            train_model(list(corpus), config, model_dir=model_dir, checkpoints=checkpoints, resume=resume, quiet=quiet,
                        checkpoint_rounds=checkpoint_rounds)  # fmt: skip
        except Interrupted as interruption:
            click.echo(f"\n{interruption}", err=True)
            sys.exit(130)


def _release_big_buffers() -> None:
    """Make glibc return freed buffers of 1 MiB or more to the system, for this process (the
    command's own tuning; the library leaves the process's allocator alone). By default glibc
    raises that threshold to the largest buffer freed so far (up to 32 MiB) and then keeps the
    4 MiB buffers of reading in its heap (bench/results/2026-11-26-memory.md)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to tune
        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, 1 << 20)
