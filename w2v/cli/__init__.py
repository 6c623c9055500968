"""The `w2v` command: a thin layer over the library. Results go to stdout, everything else to
stderr; a W2VError becomes one "Error: ..." line and exit status 1 (see `user_errors`).

This module holds the group and what the commands share; the commands are in train.py (train),
query.py (neighbors, analogy, similarity), files.py (export, import, evaluate, split-sessions,
walks), phrases.py (phrases) and plot.py (plot)."""

from __future__ import annotations

from contextlib import contextmanager

import click

from ..errors import W2VError

DEFAULT_MODEL_DIR = "w2v-model"

model_dir_option = click.option(
    "--model-dir",
    default=DEFAULT_MODEL_DIR,
    show_default=True,
    envvar="W2V_MODEL",
    show_envvar=True,
    type=click.Path(file_okay=False),
    help="The model directory.",
)


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
    from ..formats import read_word2vec
    from ..storage import load_model

    if vectors is None:
        model = load_model(model_dir)
        if model.training is not None and not model.training.complete:
            click.echo(f"note: {model_dir} is a checkpoint after epoch {model.training.epochs_done} of "
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


def main():
    cli(prog_name="w2v")


# The commands, registered on `cli` as their modules are imported.
from . import files, phrases, plot, query, train  # noqa: E402, F401
