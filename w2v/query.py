"""Nearest neighbours by cosine similarity and by Euclidean distance (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Model

METRICS = ("cosine", "euclidean")


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


@dataclass(frozen=True)
class Neighbor:
    word: str
    score: float  # cosine similarity (higher is closer) or Euclidean distance (lower is closer)


def _top_k(scores: np.ndarray, k: int, exclude: list[int], largest: bool) -> np.ndarray:
    """Ids of the k best scores, best first, leaving out `exclude`."""
    scores = scores.astype(np.float64, copy=True)
    scores[exclude] = -np.inf if largest else np.inf
    k = min(k, scores.size - len(set(exclude)))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    keyed = -scores if largest else scores
    best = np.argpartition(keyed, k - 1)[:k]
    return best[np.lexsort((best, keyed[best]))]


class Index:
    """A model's vectors prepared for queries: row norms are computed once."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.vectors = np.asarray(model.input_vectors, dtype=np.float32)
        self.norms = np.linalg.norm(self.vectors, axis=1)
        self.squared_norms = self.norms.astype(np.float64) ** 2

    def cosine(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of `query` (float[dim]) to every word: float64[n_words]."""
        dots = self.vectors @ np.asarray(query, dtype=np.float32)
        norm = float(np.linalg.norm(query))
        return dots / np.maximum(self.norms * norm, 1e-30)

    def euclidean(self, query: np.ndarray) -> np.ndarray:
        """Euclidean distance of `query` to every word: float64[n_words]."""
        query = np.asarray(query, dtype=np.float32)
        dots = (self.vectors @ query).astype(np.float64)
        squared = self.squared_norms - 2.0 * dots + float(query.astype(np.float64) @ query)
        return np.sqrt(np.maximum(squared, 0.0))

    def nearest(self, query: np.ndarray, k: int = 10, metric: str = "cosine", exclude=()) -> list[Neighbor]:
        """The k words nearest to the vector `query` by `metric`, nearest first."""
        if metric == "cosine":
            scores, largest = self.cosine(query), True
        elif metric == "euclidean":
            scores, largest = self.euclidean(query), False
        else:
            raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
        ids = _top_k(scores, k, list(exclude), largest)
        return [Neighbor(self.model.words[i], float(scores[i])) for i in ids]


def nearest(model: Model, word: str, k: int = 10, metric: str = "cosine") -> list[Neighbor]:
    """The k words nearest to `word` by `metric` ("cosine" or "euclidean"), the word excluded.

    Raises UnknownWordError (with close matches) if `word` is not in the vocabulary.
    """
    word_id = model.vocab.id_of(word)
    return Index(model).nearest(model.input_vectors[word_id], k, metric, exclude=[word_id])
