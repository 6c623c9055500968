"""Intrinsic evaluation: analogy accuracy (3CosAdd, 3CosMul) and word-similarity Spearman."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ModelFormatError
from .query import unit_rows

SEMANTIC_SECTIONS = 5  # questions-words.txt: the first five sections are semantic
BATCH = 512


@dataclass(frozen=True)
class AnalogySection:
    name: str
    correct: int
    answered: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class SimilarityResult:
    name: str
    spearman: float
    covered: int
    total: int


def read_analogies(path: str | Path) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """Sections of an analogy file (": section" headers, then "a b c d" lines), lower-cased."""
    sections: list[tuple[str, list]] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith(":"):
            sections.append((line[1:].strip(), []))
            continue
        words = line.lower().split()
        if len(words) != 4:
            raise ModelFormatError(f"{path}:{number}: an analogy needs 4 words, got {len(words)}")
        if not sections:
            sections.append(("questions", []))
        sections[-1][1].append(tuple(words))
    return sections


def analogy_predictions(unit: np.ndarray, questions: np.ndarray, method: str = "add") -> np.ndarray:
    """Answer analogies "a is to b as c is to ?" over unit-length rows.

    unit: float32[n_words, dim], rows of norm 1 (the candidates). questions: int[n, 3] ids of
    (a, b, c). method "add" (3CosAdd): argmax cos(x, b) - cos(x, a) + cos(x, c);
    "mul" (3CosMul, Levy & Goldberg 2014): argmax cos'(x, b) cos'(x, c) / (cos'(x, a) + 1e-3),
    with cos' = (cos + 1) / 2. a, b and c are never answers. Returns int64[n].
    """
    answers = np.empty(len(questions), dtype=np.int64)
    for start in range(0, len(questions), BATCH):
        batch = questions[start : start + BATCH]
        sims = [unit[batch[:, j]] @ unit.T for j in range(3)]  # cos with a, b, c: [batch, n_words]
        if method == "add":
            scores = sims[1] - sims[0] + sims[2]
        elif method == "mul":
            a, b, c = ((s + 1.0) / 2.0 for s in sims)
            scores = b * c / (a + 1e-3)
        else:
            raise ValueError(f"unknown analogy method {method!r}")
        rows = np.arange(len(batch))[:, None]
        scores[rows, batch] = -np.inf
        answers[start : start + len(batch)] = scores.argmax(axis=1)
    return answers


def evaluate_analogies(
    words: list[str], vectors: np.ndarray, path: str | Path, restrict_vocab: int = 30_000, method: str = "add"
) -> list[AnalogySection]:
    """Accuracy per section, as word2vec.c's `compute-accuracy vectors 30000`: only the
    `restrict_vocab` first (most frequent) words count; a question with any word outside them
    is skipped (not answered); matching is case-insensitive."""
    words = words[:restrict_vocab]
    index: dict[str, int] = {}
    for i, word in enumerate(words):
        index.setdefault(word.lower(), i)
    unit = unit_rows(np.asarray(vectors[: len(words)], dtype=np.float32))
    results = []
    for name, questions in read_analogies(path):
        known = [q for q in questions if all(w in index for w in q)]
        correct = 0
        if known:
            ids = np.array([[index[w] for w in q] for q in known], dtype=np.int64)
            predicted = analogy_predictions(unit, ids[:, :3], method)
            correct = int(np.count_nonzero(predicted == ids[:, 3]))
        results.append(AnalogySection(name, correct, len(known), len(questions)))
    return results


def summarize_analogies(sections: list[AnalogySection]) -> list[AnalogySection]:
    """Semantic (first five sections), syntactic (the rest) and total rows."""

    def total(name, part):
        return AnalogySection(
            name, sum(s.correct for s in part), sum(s.answered for s in part), sum(s.total for s in part)
        )

    return [
        total("semantic", sections[:SEMANTIC_SECTIONS]),
        total("syntactic", sections[SEMANTIC_SECTIONS:]),
        total("total", sections),
    ]


def rank(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties given the mean of the ranks they span."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_values[1:] != sorted_values[:-1])))
    ends = np.append(starts[1:], values.size)
    mean_ranks = (starts + ends + 1) / 2.0  # mean of ranks start+1 .. end
    ranks = np.empty(values.size)
    ranks[order] = np.repeat(mean_ranks, ends - starts)
    return ranks


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation: Pearson correlation of the tie-averaged ranks."""
    rx, ry = rank(x), rank(y)
    rx -= rx.mean()
    ry -= ry.mean()
    denominator = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    return float((rx * ry).sum() / denominator) if denominator else float("nan")


def read_similarity(path: str | Path) -> list[tuple[str, str, float]]:
    """Word pairs with a human score: "word1 word2 score" per line (tabs or spaces); lines
    starting with # and a header line without a numeric score are skipped."""
    pairs = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split()
        if not fields or line.startswith("#"):
            continue
        try:
            pairs.append((fields[0].lower(), fields[1].lower(), float(fields[2])))
        except (IndexError, ValueError):
            if pairs:
                raise ModelFormatError(f"{path}:{number}: expected 'word1 word2 score'") from None
    return pairs


def evaluate_similarity(words: list[str], vectors: np.ndarray, path: str | Path) -> SimilarityResult:
    """Spearman correlation between cosine similarity and the human scores, over the pairs
    whose two words are in the vocabulary (case-insensitive)."""
    index: dict[str, int] = {}
    for i, word in enumerate(words):
        index.setdefault(word.lower(), i)
    pairs = read_similarity(path)
    covered = [(index[a], index[b], score) for a, b, score in pairs if a in index and b in index]
    name = Path(path).name
    if len(covered) < 2:
        return SimilarityResult(name, float("nan"), len(covered), len(pairs))
    first = unit_rows(np.asarray(vectors[[a for a, _, _ in covered]], dtype=np.float32))
    second = unit_rows(np.asarray(vectors[[b for _, b, _ in covered]], dtype=np.float32))
    cosines = (first * second).sum(axis=1)
    return SimilarityResult(name, spearman(cosines, np.array([s for _, _, s in covered])), len(covered), len(pairs))
