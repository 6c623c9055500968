"""--init-vectors: the words a training run shares with another table start from its vectors,
and with --freeze-init keep them (an embedding layer's requires_grad = False)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import ConfigError
from .model import Model
from .weights import TrainingWeights


def read_init_vectors(path: str | Path) -> Model:
    """The table named by --init-vectors: a model directory, or a word2vec text/binary or GloVe file."""
    from .formats import read_word2vec
    from .storage import load_model

    path = Path(path)
    if path.is_dir():
        return load_model(path)
    if not path.exists():
        raise ConfigError(f"--init-vectors {path}: no such file or directory")
    return read_word2vec(path)


def shared_rows(words: list[str], source: Model) -> tuple[np.ndarray, np.ndarray]:
    """(our rows, the source's rows) of the words both have, matched verbatim, in our row order."""
    index = source.vocab.index
    pairs = [(row, index[word]) for row, word in enumerate(words) if word in index]
    ours = np.fromiter((p[0] for p in pairs), np.int64, len(pairs))
    theirs = np.fromiter((p[1] for p in pairs), np.int64, len(pairs))
    return ours, theirs


def apply_init_vectors(weights: TrainingWeights, words: list[str], path: str | Path, freeze: bool,
                       resumed: bool = False) -> int:  # fmt: skip
    """Copy the input vectors of the words found in `path` into `weights` (unless `resumed`: a
    checkpoint's rows already hold them) and, if `freeze`, freeze those rows. Returns how many."""
    source = read_init_vectors(path)
    dim = weights.input_vectors.shape[1]
    if source.dim != dim:
        raise ConfigError(f"--init-vectors {path} has {source.dim} dimensions and --dim is {dim}: they must match")
    ours, theirs = shared_rows(words, source)
    if not resumed:
        weights.input_vectors[ours] = source.input_vectors[theirs]
    if freeze:
        weights.freeze(ours)
    return ours.size
