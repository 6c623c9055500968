"""Pictures of vectors, as self-contained SVG (numpy only): a 2-D map of words by PCA, with
neighbours coloured by the word they belong to and offsets drawn as arrows, and a line chart
of the per-epoch loss. PNG through matplotlib where it is installed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from .errors import W2VError
from .model import Model
from .query import Index

# Colour-blind-safe categorical colours (Okabe and Ito 2008, without the yellow, which is hard to
# read on white), then three of Paul Tol's; groups cycle.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#882255", "#44AA99",
           "#999933")  # fmt: skip
_CHAR_WIDTH = 0.6  # a label's width per character, in units of its font size (Helvetica, roughly)
WIDTH, HEIGHT, MARGIN = 960, 720, 70


def pca_2d(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows projected on their first two principal components (centred; by SVD), and the
    share of the variance each component explains. Fewer than 2 components (one row, or rows
    all alike) leave zeros."""
    centred = np.asarray(vectors, dtype=np.float64) - np.mean(vectors, axis=0, dtype=np.float64)
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    coords = np.zeros((len(centred), 2))
    n = min(2, components.shape[0])
    coords[:, :n] = centred @ components[:n].T
    total = float((singular**2).sum())
    explained = np.zeros(2)
    explained[:n] = singular[:n] ** 2 / total if total > 0 else 0.0
    return coords, explained


@dataclass
class WordMap:
    """What `w2v plot WORD...` draws: words, each in a group (the query word it came with), their
    PCA coordinates, and arrows between pairs of words."""

    words: list[str]
    groups: list[int]  # index of each word's query word in `queries`
    queries: list[str]
    coords: np.ndarray
    explained: np.ndarray
    arrows: list[tuple[str, str]] = field(default_factory=list)


def word_map(model: Model, queries: list[str], neighbors: int = 0, arrows=()) -> WordMap:
    """The map of `queries`, each with its `neighbors` nearest words (cosine), and the words of
    `arrows` (pairs "a b": an arrow from a to b). A word is drawn once, in the group that named it
    first. UnknownWordError (with suggestions) for a word the model lacks."""
    pairs = [tuple(pair.split()) for pair in arrows]
    for pair in pairs:
        if len(pair) != 2:
            raise W2VError(f"an arrow is two words, 'FROM TO'; got {' '.join(pair)!r}")
    heads = list(dict.fromkeys([*queries, *(word for pair in pairs for word in pair)]))
    head_ids = [model.vocab.id_of(word) for word in heads]
    index = Index(model) if neighbors else None
    words, groups, seen = [], [], set()
    for group, (word, word_id) in enumerate(zip(heads, head_ids, strict=True)):
        members = [word]
        if index is not None and word in queries:
            members += [n.word for n in index.nearest(model.input_vectors[word_id], neighbors, exclude=[word_id])]
        for member in members:
            if member not in seen:
                seen.add(member)
                words.append(member)
                groups.append(group)
    ids = model.vocab.index  # every word is known by now: the dictionary, built once, not a list scan each
    rows = np.asarray(model.input_vectors[[ids[word] for word in words]], dtype=np.float32)
    coords, explained = pca_2d(rows)
    return WordMap(words, groups, heads, coords, explained, pairs)


def _scale(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Map values linearly onto [low, high] (the middle if they are all equal)."""
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-12:
        return np.full(values.shape, (low + high) / 2)
    return low + (values - lo) * (high - low) / (hi - lo)


def _svg(title: str, caption: str, body: list[str]) -> str:
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        'font-family="Helvetica, Arial, sans-serif">',
        '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="32" text-anchor="middle" font-size="18" font-weight="bold">{escape(title)}</text>',
        *body,
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 18}" text-anchor="middle" font-size="13" fill="#444">'
        f"{escape(caption)}</text>",
        "</svg>",
        "",
    ])  # fmt: skip


def map_svg(drawing: WordMap, title: str) -> str:
    """The word map as SVG: a point and a label per word (data-x, data-y: its PCA coordinates),
    coloured by group, query words in bold, arrows under the points."""
    x = _scale(drawing.coords[:, 0], MARGIN, WIDTH - 2 * MARGIN)  # room for the labels on the right
    y = _scale(-drawing.coords[:, 1], MARGIN, HEIGHT - MARGIN)  # SVG's y grows downwards
    where = {word: (x[i], y[i]) for i, word in enumerate(drawing.words)}
    body = []
    for a, b in drawing.arrows:
        (x1, y1), (x2, y2) = where[a], where[b]
        ends = f'x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}"'
        body.append(f'<line class="arrow" {ends} stroke="#555" stroke-width="1.5" marker-end="url(#head)" '
                    f"data-from={quoteattr(a)} data-to={quoteattr(b)}/>")  # fmt: skip
    places = _label_places(drawing, x, y)
    for i, word in enumerate(drawing.words):
        colour = PALETTE[drawing.groups[i] % len(PALETTE)]
        head = word in drawing.queries
        pca = f'data-x="{float(drawing.coords[i, 0])!r}" data-y="{float(drawing.coords[i, 1])!r}"'
        body.append(f'<circle class="point" cx="{x[i]:.2f}" cy="{y[i]:.2f}" r="{5 if head else 3.5}" fill="{colour}" '
                    f"data-word={quoteattr(word)} {pca}/>")  # fmt: skip
        weight = ' font-weight="bold"' if head else ""
        where = f'x="{places[i][0]:.2f}" y="{places[i][1]:.2f}"'
        body.append(f'<text class="label" {where} font-size="{14 if head else 12}" fill="{colour}"{weight}>'
                    f"{escape(word)}</text>")  # fmt: skip
    caption = (f"PCA of {len(drawing.words)} vectors: the horizontal axis explains {100 * drawing.explained[0]:.1f} % "
               f"of their variance, the vertical {100 * drawing.explained[1]:.1f} %")  # fmt: skip
    return _svg(title, caption, body)


def _label_places(drawing: WordMap, x: np.ndarray, y: np.ndarray) -> list[tuple[float, float]]:
    """Where each label's baseline starts: right of its point, or, where that would cover a point
    or a label already placed (query words first), the first free place above, below or left of it."""
    n = len(drawing.words)
    boxes = np.empty((2 * n, 4))  # left, top, right, bottom: the points, then the labels placed so far
    boxes[:n] = np.column_stack([x - 5, y - 5, x + 5, y + 5])
    count = n
    places: list[tuple[float, float]] = [(0.0, 0.0)] * n
    for i in sorted(range(n), key=lambda i: drawing.words[i] not in drawing.queries):
        size = 14 if drawing.words[i] in drawing.queries else 12
        width = _CHAR_WIDTH * size * len(drawing.words[i])
        candidates = [(x[i] + 7, y[i] + 4), (x[i] + 7, y[i] - 8), (x[i] + 7, y[i] + 16), (x[i] - 7 - width, y[i] + 4),
                      (x[i] + 7, y[i] - 20), (x[i] + 7, y[i] + 28)]  # fmt: skip
        placed = boxes[:count]
        for left, base in candidates:
            top, right, bottom = base - size, left + width, base + 2
            if not np.any(
                (left < placed[:, 2]) & (placed[:, 0] < right) & (top < placed[:, 3]) & (placed[:, 1] < bottom)
            ):
                break
        else:
            left, base = candidates[0]
        boxes[count] = (left, base - size, left + width, base + 2)
        count += 1
        places[i] = (float(left), float(base))
    return places


def loss_svg(epoch_loss: list[float], alphas: list[float], title: str, unit: str) -> str:
    """The mean loss of each epoch (line and points, left axis) and the learning rate at each
    epoch's start (dashed, right axis)."""
    if not epoch_loss:
        raise W2VError("the model has no per-epoch loss to draw (it was imported, or no epoch is done)")
    epochs = np.arange(1, len(epoch_loss) + 1, dtype=np.float64)
    left, right, top, bottom = MARGIN + 10, WIDTH - MARGIN - 10, MARGIN, HEIGHT - MARGIN - 20
    x = _scale(epochs, left, right) if len(epochs) > 1 else np.array([(left + right) / 2])
    loss = np.asarray(epoch_loss, dtype=np.float64)
    lo, hi = float(loss.min()), float(loss.max())
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
    y = bottom - (loss - (lo - pad)) * (bottom - top) / ((hi + pad) - (lo - pad))
    rate = np.asarray(alphas, dtype=np.float64)
    y_rate = bottom - rate * (bottom - top) / max(float(rate.max()), 1e-30)
    body = [f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#999"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#999"/>']  # fmt: skip
    for value in np.linspace(lo - pad, hi + pad, 5):
        ty = bottom - (value - (lo - pad)) * (bottom - top) / ((hi + pad) - (lo - pad))
        body.append(f'<text x="{left - 8}" y="{ty + 4:.2f}" text-anchor="end" font-size="11">{value:.4f}</text>')
    for epoch in sorted({1, len(epoch_loss), *range(0, len(epoch_loss) + 1, max(1, math.ceil(len(epoch_loss) / 10)))}):
        if epoch >= 1:
            tx = float(x[epoch - 1])
            body.append(f'<text x="{tx:.2f}" y="{bottom + 18}" text-anchor="middle" font-size="11">{epoch}</text>')
    points = " ".join(f"{a:.2f},{b:.2f}" for a, b in zip(x, y, strict=True))
    rates = " ".join(f"{a:.2f},{b:.2f}" for a, b in zip(x, y_rate, strict=True))
    body.append(f'<polyline class="learning-rate" points="{rates}" fill="none" stroke="#999" stroke-dasharray="5,4"/>')
    body.append(f'<polyline class="loss" points="{points}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    body += [f'<circle class="epoch" cx="{a:.2f}" cy="{b:.2f}" r="3" fill="{PALETTE[0]}" data-loss="{float(v)!r}"/>'
             for a, b, v in zip(x, y, loss, strict=True)]  # fmt: skip
    body.append(f'<text x="{(left + right) / 2}" y="{bottom + 40}" text-anchor="middle" font-size="13">epoch</text>')
    body.append(f'<line x1="{right}" y1="{top}" x2="{right}" y2="{bottom}" stroke="#ccc"/>')
    for value, ty in ((0.0, bottom), (float(rate.max()), top)):
        body.append(f'<text x="{right + 8}" y="{ty + 4:.2f}" font-size="11" fill="#777">{value:.5f}</text>')
    caption = (f"mean loss {unit} (solid, left axis); learning rate at each epoch's start, from "
               f"{rate[0]:.5f} (dashed, to scale from 0)")  # fmt: skip
    return _svg(title, caption, body)


def loss_picture(model: Model, name: str):
    """(SVG, draw_png for `write_picture`) of a trained model's per-epoch loss, with the learning
    rate at each epoch's start (the training schedule's, train.linear_alphas)."""
    from .train import linear_alphas

    record, config = model.training, model.config
    if record is None or config is None:
        raise W2VError(f"{name} has no training record to draw (imported vectors)")
    losses = record.epoch_loss
    # Epoch e starts at global progress e / epochs: position e of an "epoch 0" one token long.
    alphas = linear_alphas(config, np.arange(len(losses)), 0, 1).tolist()
    svg = loss_svg(losses, alphas, f"{name}: training loss, {len(losses)} epochs", record.loss_unit or "")

    def draw_png(stream) -> None:
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
        axes.plot(range(1, len(losses) + 1), losses, marker="o")
        axes.set_xlabel("epoch")
        axes.set_ylabel(f"mean loss {record.loss_unit or ''}")
        twin = axes.twinx()
        twin.plot(range(1, len(alphas) + 1), alphas, linestyle="--", color="#999")
        twin.set_ylabel("learning rate")
        figure.savefig(stream, format="png")
        plt.close(figure)

    return svg, draw_png


def write_picture(svg: str, out: str | Path, draw_png=None) -> Path:
    """Write `svg` to `out` (atomically); if `out` ends in .png, call draw_png(path) instead, which
    draws with matplotlib (W2VError if it is not installed)."""
    from .formats import atomic_write

    out = Path(out)
    if out.suffix.lower() == ".png":
        try:
            import matplotlib
        except ImportError:
            raise W2VError(f"writing {out.name} needs matplotlib (pip install matplotlib); "
                           "or give -o a .svg name") from None  # fmt: skip
        matplotlib.use("Agg")
        atomic_write(out, draw_png)
        return out
    atomic_write(out, lambda stream: stream.write(svg.encode("utf-8")))
    return out


def map_png(drawing: WordMap, title: str):
    """draw_png for a word map: the same picture with matplotlib."""

    def draw(stream) -> None:
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(figsize=(WIDTH / 100, HEIGHT / 100), dpi=150)
        for i, word in enumerate(drawing.words):
            colour = PALETTE[drawing.groups[i] % len(PALETTE)]
            axes.scatter(drawing.coords[i, 0], drawing.coords[i, 1], color=colour, s=16)
            axes.annotate(word, drawing.coords[i], color=colour, fontsize=8, xytext=(4, 2), textcoords="offset points",
                          fontweight="bold" if word in drawing.queries else "normal")  # fmt: skip
        where = {word: drawing.coords[i] for i, word in enumerate(drawing.words)}
        for a, b in drawing.arrows:
            axes.annotate("", where[b], where[a], arrowprops={"arrowstyle": "->", "color": "#555"})
        axes.set_title(title)
        axes.set_xlabel(f"PC1 ({100 * drawing.explained[0]:.1f} % of the variance)")
        axes.set_ylabel(f"PC2 ({100 * drawing.explained[1]:.1f} %)")
        figure.savefig(stream, format="png")
        plt.close(figure)

    return draw
