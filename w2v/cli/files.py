"""`w2v export`, `w2v import` and `w2v evaluate`: vectors to and from files, and their scores."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..query import METRICS
from . import cli, model_dir_option, open_vectors, user_errors, vectors_source

EXPORT_FORMATS = ("text", "binary", "npy", "projector")


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False))
@vectors_source
@click.option(
    "--format",
    "format_",
    type=click.Choice(EXPORT_FORMATS),
    default=None,
    help="Output format.  [default: from OUT's suffix: .bin binary, .npy NumPy, else text]",
)
@click.option("--normalize", is_flag=True, help="Scale every vector to unit length (cosine = dot product).")
@click.option(
    "--pad", is_flag=True, help=".npy: a row of zeros first, <pad> (nn.Embedding's padding_idx=0); words shift by one."
)
@click.option(
    "--unk", is_flag=True, help=".npy: a row for unknown tokens, <unk> (the mean vector), after <pad> if any."
)
def export(out, model_dir, vectors, encoding, limit, format_, normalize, pad, unk):
    """Write the word vectors to OUT in word2vec text or binary format, as NumPy .npy, or for the
    Embedding Projector.

    The word2vec formats load in gensim (KeyedVectors.load_word2vec_format) and word2vec.c's
    tools. The .npy matrix (with the token of each row in OUT's stem + .vocab.txt, one per line in
    row order) goes straight into torch.nn.Embedding.from_pretrained. --format projector writes
    OUT.vectors.tsv and OUT.metadata.tsv for projector.tensorflow.org or TensorBoard. --limit N:
    the N most frequent words (a --vectors file's first N).
    """  # fmt: skip
    from ..formats import special_tokens, write_npy, write_projector, write_word2vec
    from ..query import unit_rows

    suffix = Path(out).suffix.lower()
    format_ = format_ or {".bin": "binary", ".npy": "npy"}.get(suffix, "text")
    if (pad or unk) and format_ != "npy":
        raise click.UsageError(
            "--pad and --unk add rows to a .npy table for nn.Embedding; the word2vec formats have none"
        )
    with user_errors():
        model = open_vectors(model_dir, vectors, encoding, limit)
        words = model.words[:limit]
        matrix = model.input_vectors[: len(words)]
        if normalize:
            matrix = unit_rows(matrix)
        if format_ == "projector":
            vectors_path, metadata_path = write_projector(out, words, matrix)
            click.echo(f"wrote {len(words):,} vectors of {model.dim} dimensions to {vectors_path}, words to "
                       f"{metadata_path} (load both at projector.tensorflow.org)", err=True)  # fmt: skip
        elif format_ == "npy":
            vocab_path = write_npy(out, words, matrix, pad=pad, unk=unk)
            specials = special_tokens(pad, unk)
            rows = f" ({', '.join(f'row {r}: {token}' for r, token in enumerate(specials))})" if specials else ""
            click.echo(f"wrote {len(specials) + len(words):,} x {model.dim} float32 matrix to {out}{rows}, tokens to "
                       f"{vocab_path}", err=True)  # fmt: skip
        else:
            write_word2vec(out, words, matrix, binary=format_ == "binary")
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
    from ..storage import save_model

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
@click.option(
    "--next-item",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Sessions file (ids per line): rank each line's last id given the one before it; HR@k, NDCG@k, MRR.",
)
@click.option(
    "-k", type=click.IntRange(min=1), default=10, show_default=True, help="--next-item: the cut-off of HR@k and NDCG@k."
)
@click.option(
    "--metric",
    type=click.Choice(METRICS),
    default="cosine",
    show_default=True,
    help="--next-item: how items are ranked.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def evaluate(model_dir, vectors, encoding, limit, analogies, similarity, restrict_vocab, next_item, k, metric, as_json):
    """Score the vectors on word analogies (3CosAdd, 3CosMul) and word similarity (Spearman),
    or with --next-item on next-item prediction.

    Without --analogies, --similarity or --next-item, the bundled sets are used. Analogy
    questions with a word outside the --restrict-vocab most frequent words are skipped;
    matching ignores case. --next-item ranks every line's last id among all ids of the model
    (the query, the id before it, excluded); ids are matched verbatim.
    """
    from .. import evaluate as evaluation

    if next_item is not None:
        from ..sessions import describe, evaluate_next_item

        with user_errors():
            model = open_vectors(model_dir, vectors, encoding, limit)
            result = evaluate_next_item(model, next_item, k, metric)
        click.echo(json.dumps(result.to_dict(), indent=2) if as_json else describe(result, next_item, len(model)))
        return
    if not analogies and not similarity:
        analogies = [evaluation.bundled(name) for name in evaluation.DEFAULT_ANALOGIES]
        similarity = [evaluation.bundled(name) for name in evaluation.DEFAULT_SIMILARITY]
    with user_errors():
        model = open_vectors(model_dir, vectors, encoding, limit)
        report = evaluation.evaluate(model, analogies, similarity, restrict_vocab)
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.table())


@cli.command("split-sessions")
@click.argument("sessions", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--train",
    "train_out",
    type=click.Path(dir_okay=False),
    required=True,
    help="Each session without its held-out ids.",
)
@click.option(
    "--test", "test_out", type=click.Path(dir_okay=False), required=True, help="Every session of 2+ ids, whole."
)
@click.option("--valid", "valid_out", type=click.Path(dir_okay=False), default=None,
              help="Also hold out the second-to-last id: every session of 3+ ids without its last.")  # fmt: skip
def split_sessions(sessions, train_out, test_out, valid_out):
    """Leave-last-out split of SESSIONS (one sequence of ids per line, in order) for next-item
    evaluation: train on --train, choose settings with `w2v evaluate --next-item` on --valid,
    report on --test.
    """  # fmt: skip
    from ..sessions import split_sessions as split

    with user_errors():
        counts = split(sessions, train_out, test_out, valid_out)
    valid = f", {counts.valid:,} to {valid_out}" if valid_out else ""
    click.echo(
        f"{counts.lines:,} sessions: {counts.train:,} to {train_out}{valid}, {counts.test:,} to {test_out}", err=True
    )


@cli.command()
@click.argument("graph", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write here.  [default: stdout]")
@click.option(
    "--walks-per-node", type=click.IntRange(min=1), default=10, show_default=True, help="Walks from each node."
)
@click.option("--length", type=click.IntRange(min=2), default=40, show_default=True, help="Nodes in a walk, at most.")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=1, show_default=True, help="Random seed.")
@click.option("--directed/--undirected", default=False, show_default=True, help="Follow an edge u v only from u.")
def walks(graph, output, walks_per_node, length, seed, directed):
    """Random walks (DeepWalk) on the graph of the edge list GRAPH, one walk per line, to train on
    with `w2v train WALKS --tokenizer whitespace`.

    GRAPH has one edge a line, `u v` or `u v weight` (then the walk moves to a neighbour in
    proportion to the edge's weight); a line starting with # is a comment. Node names are kept
    verbatim. A walk stops early only at a node with no edge to follow (--directed).
    """  # fmt: skip
    from ..graph import read_edge_list, write_walks

    with user_errors():
        loaded = read_edge_list(graph, directed)
        counts = write_walks(loaded, output, walks_per_node, length, seed)
    kind = "directed" if directed else "undirected"
    weighted = ", weighted" if loaded.cumulative.size else ""
    click.echo(f"wrote {counts.walks:,} walks ({counts.nodes:,} nodes) from a graph of {loaded.n_nodes:,} nodes and "
               f"{loaded.n_edges:,} {kind} edges{weighted} to {output or 'stdout'} in {counts.seconds:.1f} s",
               err=True)  # fmt: skip
