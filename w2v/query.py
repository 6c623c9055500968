"""Nearest neighbours by cosine similarity and by Euclidean distance (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import W2VError
from .model import Model

METRICS = ("cosine", "euclidean")
ANALOGY_METHODS = ("add", "mul")


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
        self.squared_norms = np.einsum("ij,ij->i", self.vectors, self.vectors, dtype=np.float64)
        self.norms = np.sqrt(self.squared_norms)

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

    A word not in the vocabulary has its character n-grams' vector in a model with subwords;
    otherwise it raises UnknownWordError (with close matches).
    """
    if word not in model.vocab.index and model.has_subwords:
        return Index(model).nearest(model[word], k, metric)
    word_id = model.vocab.id_of(word)
    return Index(model).nearest(model.input_vectors[word_id], k, metric, exclude=[word_id])


def analogy_scores(unit: np.ndarray, questions: np.ndarray, method: str = "add") -> np.ndarray:
    """Scores of every word as the answer to "a is to b as c is to ?", float[n_questions, n_words].

    unit: float32[n_words, dim] with rows of norm 1; questions: int[n, 3] ids of (a, b, c).
    The question's own words are not excluded here. See `question_scores`.
    """
    return question_scores(unit, unit[questions[:, 0]], unit[questions[:, 1]], unit[questions[:, 2]], method)


def question_scores(unit: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, method: str = "add") -> np.ndarray:
    """analogy_scores for questions given as unit vectors a, b, c (float32[n, dim] each).

    "add" (3CosAdd, word2vec.c): cos(x, b) - cos(x, a) + cos(x, c), as one product with b - a + c.
    "mul" (3CosMul, Levy & Goldberg 2014): cos'(x, b) cos'(x, c) / (cos'(x, a) + 1e-3), with
    cos' = (cos + 1) / 2 in [0, 1].
    """
    if method == "add":
        return (b - a + c) @ unit.T
    if method == "mul":
        cos_a, cos_b, cos_c = (((m @ unit.T) + 1.0) / 2.0 for m in (a, b, c))
        return cos_b * cos_c / (cos_a + 1e-3)
    raise ValueError(f"analogy method must be one of {ANALOGY_METHODS}, got {method!r}")


def analogy(model: Model, a: str, b: str, c: str, k: int = 10, method: str = "add") -> list[Neighbor]:
    """The k best answers to "a is to b as c is to ?", the three words excluded (words not in the
    vocabulary are answered with their n-grams' vectors in a model with subwords)."""
    unit = unit_rows(model.input_vectors)
    words = (a, b, c)
    if model.has_subwords and any(word not in model.vocab.index for word in words):
        vectors = unit_rows(np.stack([model[word] for word in words]))
        exclude = [model.vocab.index[word] for word in words if word in model.vocab.index]
    else:
        exclude = [model.vocab.id_of(word) for word in words]
        vectors = unit[exclude]
    scores = question_scores(unit, vectors[0:1], vectors[1:2], vectors[2:3], method)[0]
    return [Neighbor(model.words[i], float(scores[i])) for i in _top_k(scores, k, exclude, largest=True)]


@dataclass(frozen=True)
class Similarity:
    cosine: float
    euclidean: float


def similarity(model: Model, first: str, second: str) -> Similarity:
    """Cosine similarity and Euclidean distance between two words' vectors."""
    u = np.asarray(model[first], dtype=np.float64)
    v = np.asarray(model[second], dtype=np.float64)
    norms = np.linalg.norm(u) * np.linalg.norm(v)
    return Similarity(float(u @ v / norms) if norms else 0.0, float(np.linalg.norm(u - v)))


def vector_of(model: Model, expression: str) -> tuple[np.ndarray, list[int]]:
    """The vector of a word expression such as "king - man + woman": the sum of the terms' unit
    vectors with their signs (as word2vec.c's word-analogy and gensim's most_similar).
    Operators stand apart, separated by spaces; words without operators between them are
    added ("new york" = "new + york", as word2vec.c's distance). Returns (vector, word ids)."""
    total = np.zeros(model.dim, dtype=np.float64)
    ids: list[int] = []
    terms = 0
    sign = 1.0
    expecting_word = True
    for token in expression.split():
        if token in ("+", "-"):
            if expecting_word and terms:
                raise W2VError(f"in {expression!r}: two operators in a row")
            sign = 1.0 if token == "+" else -1.0
            expecting_word = True
            continue
        if token in model.vocab.index or not model.has_subwords:
            word_id = model.vocab.id_of(token)
            vector = np.asarray(model.input_vectors[word_id], dtype=np.float64)
            ids.append(word_id)
        else:  # not in the vocabulary: its n-grams' vector, and nothing to exclude
            vector = np.asarray(model[token], dtype=np.float64)
        norm = np.linalg.norm(vector)
        total += sign * (vector / norm if norm else vector)
        terms += 1
        sign, expecting_word = 1.0, False
    if not terms:
        raise W2VError(f"no word in {expression!r}")
    if expecting_word:
        raise W2VError(f"in {expression!r}: an operator needs a word after it")
    return total.astype(np.float32), ids
