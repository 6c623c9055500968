"""`w2v neighbors`, `w2v analogy` and `w2v similarity`: questions to a model or a vectors file."""

from __future__ import annotations

import json
import sys
import unicodedata

import click

from ..errors import W2VError
from . import cli, open_vectors, user_errors, vectors_source


def display_width(text: str) -> int:
    """Terminal columns `text` takes: two for wide characters (Han, kana, hangul), none for
    combining marks."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text
    )


def _padded(text: str, width: int) -> str:
    """`text` left-aligned in `width` terminal columns."""
    return text + " " * max(0, width - display_width(text))


UNSEEN = "(not in the vocabulary: the mean of its character n-grams' vectors)"


def unseen_note(model, query: str) -> str:
    """ " " + UNSEEN if any word of `query` is answered from its n-grams, else ""."""
    unseen = model.has_subwords and any(t not in ("+", "-") and t not in model for t in query.split())
    return f" {UNSEEN}" if unseen else ""


def _neighbor_table(word: str, columns: dict[str, list]) -> str:
    """Neighbour lists side by side: rank, then word and score for each metric."""
    titles = {"cosine": "similarity", "euclidean": "distance"}
    width = max([12] + [display_width(n.word) for found in columns.values() for n in found]) + 2
    header = " rank" + "".join(f"  {metric:<{width}}{titles[metric]:>10}" for metric in columns)
    lines = [f"{word}", header]
    for row in range(max(len(found) for found in columns.values())):
        cells = []
        for found in columns.values():
            blank = " " * (width + 12)
            cells.append(f"  {_padded(found[row].word, width)}{found[row].score:>10.4f}" if row < len(found) else blank)
        lines.append(f"{row + 1:>5}" + "".join(cells).rstrip())
    return "\n".join(lines)


def _neighbor_columns(model, index, query: str, k: int, metrics) -> dict:
    """Neighbours of one query (a word, or an expression such as "king - man + woman") per metric,
    the query's own words excluded."""
    from ..query import vector_of

    terms = query.split()
    if len(terms) == 1 and terms[0] not in ("+", "-") and (terms[0] in model or not model.has_subwords):
        word_id = model.vocab.id_of(terms[0])
        vector, exclude = model.input_vectors[word_id], [word_id]
    else:
        vector, exclude = vector_of(model, query)
    return {metric: index.nearest(vector, k, metric, exclude=exclude) for metric in metrics}


def _as_json(query: str, columns: dict, unseen: bool = False) -> dict:
    scores = {"cosine": "similarity", "euclidean": "distance"}
    return {
        "query": query,
        **({"from_ngrams": True} if unseen else {}),
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
    from ..query import Index

    if not words and not expressions:
        raise click.UsageError("give a WORD, --vector-of EXPR, or - to read queries from standard input")
    metrics = ("cosine", "euclidean") if metric == "both" else (metric,)
    with user_errors():
        model = open_vectors(model_dir, vectors, encoding, limit)
        index = Index(model)
        queries = [word for word in words if word != "-"] + list(expressions)
        results = [(query, _neighbor_columns(model, index, query, k, metrics)) for query in queries]
    if as_json and results:
        answers = [_as_json(query, columns, bool(unseen_note(model, query))) for query, columns in results]
        click.echo(json.dumps(answers, ensure_ascii=False, indent=2))
    elif results:
        click.echo("\n\n".join(_neighbor_table(query + unseen_note(model, query), columns)
                                for query, columns in results))  # fmt: skip
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
        note = unseen_note(model, query)
        answer = json.dumps(_as_json(query, columns, bool(note)), ensure_ascii=False)
        click.echo(answer if as_json else _neighbor_table(query + note, columns) + "\n")
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
    from ..query import analogy as solve

    with user_errors():
        model = open_vectors(model_dir, vectors, encoding, limit)
        answers = solve(model, a, b, c, k, method)
    if as_json:
        click.echo(json.dumps({"a": a, "b": b, "c": c, "method": method,
                               "answers": [{"word": n.word, "score": round(n.score, 6)} for n in answers]},
                              ensure_ascii=False, indent=2))  # fmt: skip
        return
    width = max([12] + [display_width(n.word) for n in answers]) + 2
    click.echo(f"{a} : {b} :: {c} : ?{unseen_note(model, f'{a} {b} {c}')}")
    click.echo("\n".join(f"{rank:>5}  {_padded(n.word, width)}{n.score:>8.4f}" for rank, n in enumerate(answers, 1)))


@cli.command()
@click.argument("word1")
@click.argument("word2")
@vectors_source
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def similarity(word1, word2, model_dir, vectors, encoding, limit, as_json):
    """Cosine similarity and Euclidean distance between WORD1 and WORD2."""
    from ..query import similarity as compare

    with user_errors():
        model = open_vectors(model_dir, vectors, encoding, limit)
        result = compare(model, word1, word2)
    for word in (word1, word2):
        if unseen_note(model, word):
            click.echo(f"{word}: {UNSEEN[1:-1]}", err=True)
    if as_json:
        click.echo(json.dumps({"word1": word1, "word2": word2, "cosine": round(result.cosine, 6),
                               "euclidean": round(result.euclidean, 6)}, ensure_ascii=False))  # fmt: skip
    else:
        click.echo(f"cosine similarity\t{result.cosine:.4f}\neuclidean distance\t{result.euclidean:.4f}")


@cli.command()
@click.argument("words", nargs=-1, required=True)
@vectors_source
def vector(words, model_dir, vectors, encoding, limit):
    """Print the vector of each WORD, one line each: the word, then its numbers (word2vec's text
    format). With subwords, a word not in the vocabulary gets the mean of its character n-grams'
    vectors (noted on stderr); without, it is an error."""
    import numpy as np

    with user_errors():
        model = open_vectors(model_dir, vectors, encoding, limit)
        rows = []
        for word in words:
            if unseen_note(model, word):
                click.echo(f"{word}: {UNSEEN[1:-1]}", err=True)
            rows.append(np.asarray(model[word], dtype=np.float32))
    for word, row in zip(words, rows, strict=True):
        click.echo(word + " " + " ".join(f"{x:.6g}" for x in row.tolist()))
