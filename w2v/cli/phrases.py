"""`w2v phrases`."""

from __future__ import annotations

import click

from ..config import DEFAULT_VOCAB_MEMORY, SCORERS, TOKENIZERS, PhrasesConfig
from . import cli, user_errors
from .train import ByteSize, _release_big_buffers


@cli.command()
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the text with its phrases joined here (- for stdout).")  # fmt: skip
@click.option("--passes", type=click.IntRange(min=1), default=1, show_default=True,
              help="Passes; each runs on the last one's output, so 2 also joins phrases of 3 and 4 words.")  # fmt: skip
@click.option("--threshold", type=float, default=None,
              help="Join a pair scoring above this (higher: fewer phrases).  [default: 100; npmi: 0.5]")  # fmt: skip
@click.option("--min-count", type=click.IntRange(min=1), default=5, show_default=True,
              help="A pair, or a word in it, seen fewer times than this never joins.")  # fmt: skip
@click.option("--scorer", type=click.Choice(SCORERS), default="default", show_default=True,
              help="default: word2phrase.c's (count(ab) - min_count) / count(a) / count(b) x tokens; "
                   "npmi: gensim's normalised pointwise mutual information, in [-1, 1].")  # fmt: skip
@click.option("--tokenizer", type=click.Choice(TOKENIZERS), default="simple", show_default=True,
              help="As for w2v train (the first pass; later passes read the output as it is).")  # fmt: skip
@click.option("--lowercase/--no-lowercase", default=None,
              help="Lowercase the text.  [default: yes for simple and jieba, no for whitespace]")  # fmt: skip
@click.option("--max-vocab-memory", type=ByteSize(), default=DEFAULT_VOCAB_MEMORY,
              help="Memory for counting words and pairs (e.g. 500M, none); past it the rarest are forgotten, "
                   "as word2phrase.c does, and this is reported.  [default: 2G]")  # fmt: skip
@click.option("--save-table", type=click.Path(dir_okay=False),
              help="Also write the phrases found (pass, words, count, score; tab-separated) here.")  # fmt: skip
@click.option("--table", "table", type=click.Path(exists=True, dir_okay=False),
              help="Apply the phrases of this --save-table file instead of counting (with its tokenizer).")  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
def phrases(corpus, output, table, save_table, quiet, **options):
    """Join frequent pairs of words in CORPUS into one token (new york -> new_york), as
    word2vec.c's word2phrase does, and write the text to OUTPUT, line for line.

    CORPUS is read as w2v train reads it. Train on the result with the same tokenizer: the
    underscore is part of a word under both. --save-table keeps the phrases, and --table
    applies them to other text (a test set, new data) without counting again.
    """  # fmt: skip
    from ..phrases import phrases as join_phrases

    if table is not None and save_table is not None:
        raise click.UsageError("--table applies a saved table; --save-table saves one that is counted: give one")
    _release_big_buffers()
    with user_errors():
        config = PhrasesConfig(**options)
        result = join_phrases(list(corpus), output, config, table=table, save_table=save_table, quiet=quiet)
    if not quiet:
        last = result.passes[-1]
        written = "stdout" if output == "-" else output
        saved = f"; phrase table in {save_table}" if save_table else ""
        click.echo(f"wrote {last.tokens - last.joined:,} tokens to {written}{saved}", err=True)
