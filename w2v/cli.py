"""The `w2v` command: a thin layer over the library. Results go to stdout, everything else to
stderr; a W2VError becomes one "Error: ..." line and exit status 1 (see `user_errors`)."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from .config import ARCHITECTURES, DEFAULTS, TOKENIZERS, TrainConfig
from .errors import W2VError

DEFAULT_MODEL_DIR = "w2v-model"
EXPORT_FORMATS = ("text", "binary", "npy")

model_dir_option = click.option(
    "--model-dir",
    default=DEFAULT_MODEL_DIR,
    show_default=True,
    envvar="W2V_MODEL",
    show_envvar=True,
    type=click.Path(file_okay=False),
    help="The model directory.",
)


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


def vectors_source(command):
    """Options for commands that read vectors: a model directory, or a word2vec/GloVe file."""
    options = [
        model_dir_option,
        click.option("--vectors", type=click.Path(exists=True, dir_okay=False),
                     help="Read a word2vec text/binary or GloVe file instead of a model directory."),
        click.option("--encoding", default="utf-8", show_default=True,
                     help="Encoding of the words in --vectors (GoogleNews: latin-1); invalid bytes are replaced."),
        click.option("--limit", type=click.IntRange(min=1), default=None,
                     help="Read only the first N words of --vectors (files list frequent words first)."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def open_vectors(model_dir: str, vectors: str | None, encoding: str, limit: int | None):
    """The model to query: the --vectors file if given, else the model directory."""
    from .formats import read_word2vec
    from .storage import load_model

    if vectors is None:
        model = load_model(model_dir)
        training = model.meta.get("training", {})
        if training.get("complete") is False:
            click.echo(f"note: {model_dir} is a checkpoint after epoch {training['epochs_done']} of "
                       f"{model.config.epochs} (w2v train ... --resume finishes it)", err=True)  # fmt: skip
        return model
    model = read_word2vec(vectors, encoding=encoding, limit=limit)
    if model.meta["replaced_words"]:
        click.echo(f"{model.meta['replaced_words']:,} words had bytes invalid in {encoding}; replaced", err=True)
    return model


@contextmanager
def user_errors():
    """Turn library errors into one-line click errors (exit 1)."""
    try:
        yield
    except W2VError as error:
        raise click.ClickException(str(error)) from error


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="w2v", prog_name="w2v")
def cli():
    """Train word2vec vectors and query them.

    \b
      w2v train corpus.txt      # -> ./w2v-model
      w2v neighbors king
      w2v export vectors.txt
    """


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
    type=click.IntRange(min=1),
    default=DEFAULTS.window,
    show_default=True,
    help="Largest distance between a word and its context words (each word draws 1..window).",
)
@click.option(
    "--negative",
    type=click.IntRange(min=1),
    default=DEFAULTS.negative,
    show_default=True,
    help="Noise words per prediction (negative sampling).",
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
    "--tokenizer",
    type=click.Choice(TOKENIZERS),
    default=DEFAULTS.tokenizer,
    show_default=True,
    help="simple: words of letters and digits, each Han/kana character a word; "
    "whitespace: split on whitespace only (pre-tokenised text).",
)
@click.option(
    "--lowercase/--no-lowercase", default=None, help="Lowercase the text.  [default: yes for simple, no for whitespace]"
)
@click.option(
    "--checkpoints/--no-checkpoints",
    default=True,
    show_default=True,
    help="Save the model directory after every epoch (atomically), so that an interrupted run "
    "can be continued with --resume.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the interrupted run checkpointed in --model-dir, on the same corpus, with "
    "the options it was started with.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
def train(corpus, model_dir, quiet, checkpoints, resume, **options):
    """Train word vectors on CORPUS and save them in the model directory.

    CORPUS is one or more text files (plain, .gz, .bz2 or .xz), directories (all files
    under them, sorted), or - for standard input. A line break ends a sentence; lines of any
    length are read whole.
    """  # fmt: skip
    from .storage import save_model
    from .train import train as train_model

    saved = {"epochs": 0}

    def save_checkpoint(model):
        save_model(model, model_dir)
        saved["epochs"] = model.meta["training"]["epochs_done"]

    with user_errors():
        resume_from = _checkpoint_to_resume(model_dir, options) if resume else None
        config = resume_from.config if resume_from else TrainConfig(**options)
        kept = f"; {model_dir} is as it was" if Path(model_dir).exists() else ""
        try:
            target = Path(model_dir).absolute()  # the encoded corpus is kept beside the model while training
            model = train_model(list(corpus), config, quiet=quiet, resume_from=resume_from,
                                checkpoint=save_checkpoint if checkpoints else None, work_dir=str(target.parent),
                                work_name=target.name)  # fmt: skip
        except KeyboardInterrupt:
            if saved["epochs"]:
                click.echo(f"\ninterrupted: {model_dir} holds the model after epoch {saved['epochs']} of "
                           f"{config.epochs}; continue with --resume", err=True)  # fmt: skip
            else:
                click.echo(f"\ninterrupted: nothing was saved{kept}", err=True)
            sys.exit(130)
        try:
            save_model(model, model_dir)
        except KeyboardInterrupt:
            click.echo(f"\ninterrupted while saving: nothing was saved{kept}", err=True)
            sys.exit(130)
    if not quiet:
        click.echo(f"saved {len(model):,} words x {model.dim} dimensions to {model_dir}", err=True)


def _checkpoint_to_resume(model_dir: str, options: dict):
    """The checkpoint in model_dir, after checking that no option given now contradicts it."""
    from click.core import ParameterSource

    from .storage import load_model

    checkpoint = load_model(model_dir, mmap=False)
    context = click.get_current_context()
    saved = checkpoint.config.to_dict() if checkpoint.config else {}
    for name, value in options.items():
        given = context.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
        if given and name != "threads" and saved.get(name) != value:
            flag = "--" + name.replace("_", "-")
            raise W2VError(f"{flag} {value} differs from the checkpoint's {saved.get(name)}; --resume continues "
                           "the run with the options it was started with")  # fmt: skip
    if "threads" in options and context.get_parameter_source("threads") == ParameterSource.COMMANDLINE:
        checkpoint.config = TrainConfig.from_dict({**saved, "threads": options["threads"]})
    return checkpoint


def _table(word: str, columns: dict[str, list]) -> str:
    """Neighbour lists side by side: rank, then word and score for each metric."""
    titles = {"cosine": "similarity", "euclidean": "distance"}
    width = max([12] + [len(n.word) for found in columns.values() for n in found]) + 2
    header = " rank" + "".join(f"  {metric:<{width}}{titles[metric]:>10}" for metric in columns)
    lines = [f"{word}", header]
    for row in range(max(len(found) for found in columns.values())):
        cells = []
        for found in columns.values():
            cells.append(
                f"  {found[row].word:<{width}}{found[row].score:>10.4f}" if row < len(found) else " " * (width + 12)
            )
        lines.append(f"{row + 1:>5}" + "".join(cells).rstrip())
    return "\n".join(lines)


def _neighbor_columns(model, index, query: str, k: int, metrics) -> dict:
    """Neighbours of one query (a word, or an expression such as "king - man + woman") per metric,
    the query's own words excluded."""
    from .query import vector_of

    terms = query.split()
    if len(terms) == 1 and terms[0] not in ("+", "-"):
        word_id = model.vocab.id_of(terms[0])
        vector, exclude = model.input_vectors[word_id], [word_id]
    else:
        vector, exclude = vector_of(model, query)
    return {metric: index.nearest(vector, k, metric, exclude=exclude) for metric in metrics}


def _as_json(query: str, columns: dict) -> dict:
    scores = {"cosine": "similarity", "euclidean": "distance"}
    return {
        "query": query,
        **{m: [{"word": n.word, scores[m]: round(n.score, 6)} for n in found] for m, found in columns.items()},
    }


def _stdin_queries(prompt: bool):
    """Queries from standard input, one per line; with a terminal, prompt like word2vec.c's distance."""
    while True:
        if prompt:
            click.echo("Enter a word or an expression (EXIT or Ctrl-D to quit): ", nl=False, err=True)
        line = sys.stdin.readline()
        if not line or line.strip() == "EXIT":
            return
        if line.strip():
            yield line.strip()


@cli.command()
@click.argument("words", nargs=-1)
@vectors_source
@click.option(
    "--vector-of",
    "expressions",
    multiple=True,
    metavar="EXPR",
    help='Neighbours of a word expression such as "king - man + woman" (repeatable).',
)
@click.option(
    "-k",
    "--count",
    "k",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Neighbours to list per metric.",
)
@click.option(
    "--metric",
    type=click.Choice(("cosine", "euclidean", "both")),
    default="both",
    show_default=True,
    help="Rank by cosine similarity, Euclidean distance, or both side by side.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON: a list of one object per query (one object per line when reading stdin).",
)
def neighbors(words, expressions, model_dir, vectors, encoding, limit, k, metric, as_json):
    """Print the words nearest to each WORD by cosine similarity and by Euclidean distance.

    Cosine compares directions (unit vectors); Euclidean compares the raw vectors, whose length
    grows with a word's frequency, so the two lists differ. The query words are left out.
    A WORD of - reads one query per line from standard input (a prompt when it is a terminal):
    a word, or an expression like "king - man + woman".
    """  # fmt: skip
    from .query import Index

    if not words and not expressions:
        raise click.UsageError("give a WORD, --vector-of EXPR, or - to read queries from standard input")
    metrics = ("cosine", "euclidean") if metric == "both" else (metric,)
    with user_errors():
        model = open_vectors(model_dir, vectors, encoding, limit)
        index = Index(model)
        queries = [word for word in words if word != "-"] + list(expressions)
        results = [(query, _neighbor_columns(model, index, query, k, metrics)) for query in queries]
    if as_json and results:
        click.echo(json.dumps([_as_json(query, columns) for query, columns in results], ensure_ascii=False, indent=2))
    elif results:
        click.echo("\n\n".join(_table(query, columns) for query, columns in results))
    if "-" not in words:
        return
    failed = False
    for query in _stdin_queries(prompt=sys.stdin.isatty()):
        try:
            columns = _neighbor_columns(model, index, query, k, metrics)
        except W2VError as error:
            click.echo(f"Error: {error}", err=True)
            failed = True
            continue
        click.echo(
            json.dumps(_as_json(query, columns), ensure_ascii=False) if as_json else _table(query, columns) + "\n"
        )
    if failed:
        sys.exit(1)


@cli.command()
@click.argument("a")
@click.argument("b")
@click.argument("c")
@vectors_source
@click.option("-k", "--count", "k", type=click.IntRange(min=1), default=10, show_default=True, help="Answers to list.")
@click.option(
    "--method",
    type=click.Choice(("add", "mul")),
    default="add",
    show_default=True,
    help="3CosAdd (word2vec.c) or 3CosMul (Levy & Goldberg 2014).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def analogy(a, b, c, model_dir, vectors, encoding, limit, k, method, as_json):
    """A is to B as C is to ?  (e.g. man king woman -> queen). A, B and C are left out."""  # fmt: skip
    from .query import analogy as solve

    with user_errors():
        model = open_vectors(model_dir, vectors, encoding, limit)
        answers = solve(model, a, b, c, k, method)
    if as_json:
        click.echo(json.dumps({"a": a, "b": b, "c": c, "method": method,
                               "answers": [{"word": n.word, "score": round(n.score, 6)} for n in answers]},
                              ensure_ascii=False, indent=2))  # fmt: skip
        return
    width = max([12] + [len(n.word) for n in answers]) + 2
    click.echo(f"{a} : {b} :: {c} : ?")
    click.echo("\n".join(f"{rank:>5}  {n.word:<{width}}{n.score:>8.4f}" for rank, n in enumerate(answers, 1)))


@cli.command()
@click.argument("word1")
@click.argument("word2")
@vectors_source
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def similarity(word1, word2, model_dir, vectors, encoding, limit, as_json):
    """Cosine similarity and Euclidean distance between WORD1 and WORD2."""
    from .query import similarity as compare

    with user_errors():
        model = open_vectors(model_dir, vectors, encoding, limit)
        result = compare(model, word1, word2)
    if as_json:
        click.echo(json.dumps({"word1": word1, "word2": word2, "cosine": round(result.cosine, 6),
                               "euclidean": round(result.euclidean, 6)}, ensure_ascii=False))  # fmt: skip
    else:
        click.echo(f"cosine similarity\t{result.cosine:.4f}\neuclidean distance\t{result.euclidean:.4f}")


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False))
@model_dir_option
@click.option(
    "--format",
    "format_",
    type=click.Choice(EXPORT_FORMATS),
    default=None,
    help="Output format.  [default: from OUT's suffix: .bin binary, .npy NumPy, else text]",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Export only the N most frequent words.")
@click.option("--normalize", is_flag=True, help="Scale every vector to unit length (cosine = dot product).")
def export(out, model_dir, format_, limit, normalize):
    """Write the word vectors to OUT in word2vec text or binary format, or as NumPy .npy.

    The word2vec formats load in gensim (KeyedVectors.load_word2vec_format) and word2vec.c's
    tools. The .npy matrix (with the words in OUT's stem + .vocab.txt, one per line in row order)
    goes straight into torch.nn.Embedding.from_pretrained.
    """  # fmt: skip
    from .formats import write_npy, write_word2vec
    from .query import unit_rows
    from .storage import load_model

    suffix = Path(out).suffix.lower()
    format_ = format_ or {".bin": "binary", ".npy": "npy"}.get(suffix, "text")
    with user_errors():
        model = load_model(model_dir)
        words = model.words[:limit]
        vectors = model.input_vectors[: len(words)]
        if normalize:
            vectors = unit_rows(vectors)
        if format_ == "npy":
            vocab_path = write_npy(out, words, vectors)
            click.echo(f"wrote {len(words):,} x {model.dim} float32 matrix to {out}, words to {vocab_path}", err=True)
        else:
            write_word2vec(out, words, vectors, binary=format_ == "binary")
            click.echo(f"wrote {len(words):,} vectors of {model.dim} dimensions to {out} (word2vec {format_})",
                       err=True)  # fmt: skip


@cli.command("import")
@click.argument("vectors", type=click.Path(exists=True, dir_okay=False))
@model_dir_option
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Encoding of the words (GoogleNews: latin-1); invalid bytes are replaced.",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Import only the first N words.")
def import_(vectors, model_dir, encoding, limit):
    """Convert a word2vec text/binary or GloVe file VECTORS into a model directory.

    Queries then memory-map it instead of parsing the file each time: `w2v neighbors` on a
    multi-million-word model starts in a fraction of a second.
    """  # fmt: skip
    from .storage import save_model

    with user_errors():
        model = open_vectors(model_dir, vectors, encoding, limit)
        model.meta = {"imported_from": str(Path(vectors).resolve()), "replaced_words": model.meta["replaced_words"]}
        save_model(model, model_dir)
    click.echo(f"imported {len(model):,} words x {model.dim} dimensions into {model_dir}", err=True)


@cli.command()
@vectors_source
@click.option(
    "--analogies",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Analogy file (': section' lines, then 'a b c d'); repeatable.  [default: questions-words.txt]",
)
@click.option(
    "--similarity",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Word-pair file ('word1 word2 score'); repeatable.  [default: WS-353, its SIM/REL splits, SimLex-999]",
)
@click.option(
    "--restrict-vocab",
    type=click.IntRange(min=1),
    default=30_000,
    show_default=True,
    help="Analogies: only the N most frequent words count (word2vec.c's compute-accuracy threshold).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def evaluate(model_dir, vectors, encoding, limit, analogies, similarity, restrict_vocab, as_json):
    """Score the vectors on word analogies (3CosAdd, 3CosMul) and word similarity (Spearman).

    Without --analogies or --similarity, the bundled sets are used. Analogy questions with a
    word outside the --restrict-vocab most frequent words are skipped; matching ignores case.
    """
    from . import evaluate as evaluation

    if not analogies and not similarity:
        analogies = [evaluation.bundled(name) for name in evaluation.DEFAULT_ANALOGIES]
        similarity = [evaluation.bundled(name) for name in evaluation.DEFAULT_SIMILARITY]
    with user_errors():
        model = open_vectors(model_dir, vectors, encoding, limit)
        report = evaluation.evaluate(model, analogies, similarity, restrict_vocab)
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.table())


def main():
    cli(prog_name="w2v")
