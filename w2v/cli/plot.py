"""`w2v plot`: a map of words (PCA) or the loss of each epoch, as SVG (or PNG with matplotlib)."""

from __future__ import annotations

import click

from . import cli, open_vectors, user_errors, vectors_source


@cli.command()
@click.argument("words", nargs=-1)
@vectors_source
@click.option("--neighbors", type=click.IntRange(min=0), default=0, show_default=True,
              help="Also draw each WORD's K nearest words (cosine), in its colour.")  # fmt: skip
@click.option("--arrows", multiple=True, metavar='"A B[, C D...]"',
              help='Draw an arrow from A to B (an offset, e.g. "man woman, king queen"); repeatable.')  # fmt: skip
@click.option("--method", type=click.Choice(["pca"]), default="pca", show_default=True, help="Projection to 2-D.")
@click.option("--loss", is_flag=True, help="Draw the mean loss of each epoch (and the learning rate) instead.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Where to write; .svg, or .png with matplotlib.  [default: w2v-map.svg, w2v-loss.svg]")  # fmt: skip
def plot(words, model_dir, vectors, encoding, limit, neighbors, arrows, method, loss, output):
    """Draw WORDs (and their neighbours, and arrows between words) on a 2-D map by PCA, or with
    --loss the training loss by epoch, into a self-contained SVG; print the file's path.

    \b
      w2v plot king queen prince paris rome berlin --neighbors 5
      w2v plot man woman king queen --arrows "man woman, king queen"
      w2v plot --loss
    """  # fmt: skip
    from .. import plot as pictures

    pairs = [pair.strip() for value in arrows for pair in value.split(",") if pair.strip()]
    if loss and (words or pairs):
        raise click.UsageError("--loss draws the training loss; it takes no WORD or --arrows")
    if not loss and not words and not pairs:
        raise click.UsageError("give the WORDs to draw (or --loss for the training loss)")
    name = vectors or model_dir
    with user_errors():
        model = open_vectors(model_dir, vectors, encoding, limit)
        if loss:
            svg, draw_png = pictures.loss_picture(model, name)
            out = pictures.write_picture(svg, output or "w2v-loss.svg", draw_png)
        else:
            drawing = pictures.word_map(model, list(words), neighbors, pairs)
            title = f"{name}: {len(drawing.words)} words, {method.upper()}"
            svg = pictures.map_svg(drawing, title)
            out = pictures.write_picture(svg, output or "w2v-map.svg", pictures.map_png(drawing, title))
    click.echo(str(out))
