"""Intrinsic evaluation: analogy accuracy (3CosAdd, 3CosMul) and word-similarity Spearman."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .errors import ModelFormatError
from .model import Model
from .query import analogy_scores, unit_rows

BATCH = 512
DEFAULT_ANALOGIES = ("questions-words.txt",)
DEFAULT_SIMILARITY = ("wordsim353.tsv", "EN-WS-353-SIM.txt", "EN-WS-353-REL.txt", "simlex999.txt")
METHODS = ("add", "mul")  # 3CosAdd (word2vec.c's compute-accuracy), 3CosMul (Levy & Goldberg 2014)


@dataclass(frozen=True)
class AnalogySection:
    name: str
    correct: dict[str, int]  # method ("add", "mul") -> questions answered right
    answered: int  # questions whose four words are all among the restricted vocabulary
    total: int

    def accuracy(self, method: str) -> float:
        return self.correct[method] / self.answered if self.answered else 0.0


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
    """The best answer to each analogy question (ids a, b, c in int[n, 3]) over unit-length
    rows, the question's own words excluded (see query.analogy_scores). Returns int64[n]."""
    answers = np.empty(len(questions), dtype=np.int64)
    for start in range(0, len(questions), BATCH):
        batch = questions[start : start + BATCH]
        scores = analogy_scores(unit, batch, method)
        scores[np.arange(len(batch))[:, None], batch] = -np.inf
        answers[start : start + len(batch)] = scores.argmax(axis=1)
    return answers


def evaluate_analogies(
    words: list[str],
    vectors: np.ndarray,
    path: str | Path,
    restrict_vocab: int = 30_000,
    methods: tuple[str, ...] = METHODS,
) -> list[AnalogySection]:
    """Accuracy per section, as word2vec.c's `compute-accuracy vectors 30000`: only the
    `restrict_vocab` first (most frequent) words count; a question with any word outside them
    is skipped (not answered); matching is case-insensitive (the first, most frequent, of
    words that differ only in case is used)."""
    words = words[:restrict_vocab]
    index: dict[str, int] = {}
    for i, word in enumerate(words):
        index.setdefault(word.lower(), i)
    unit = unit_rows(np.asarray(vectors[: len(words)], dtype=np.float32))
    results = []
    for name, questions in read_analogies(path):
        known = [[index[w] for w in q] for q in questions if all(w in index for w in q)]
        ids = np.array(known, dtype=np.int64).reshape(-1, 4)
        correct = {
            method: int(np.count_nonzero(analogy_predictions(unit, ids[:, :3], method) == ids[:, 3]))
            for method in methods
        }
        results.append(AnalogySection(name, correct, len(ids), len(questions)))
    return results


def summarize_analogies(sections: list[AnalogySection]) -> list[AnalogySection]:
    """Rows "semantic" and "syntactic" (Google's syntactic sections are named gram*), when the
    file has both kinds, then "total"."""

    def total(name: str, part: list[AnalogySection]) -> AnalogySection:
        methods = sections[0].correct if sections else {}
        correct = {method: sum(s.correct[method] for s in part) for method in methods}
        return AnalogySection(name, correct, sum(s.answered for s in part), sum(s.total for s in part))

    syntactic = [s for s in sections if s.name.startswith("gram")]
    semantic = [s for s in sections if not s.name.startswith("gram")]
    rows = [total("semantic", semantic), total("syntactic", syntactic)] if semantic and syntactic else []
    return rows + [total("total", sections)]


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


def evaluate_similarity(words: list[str], vectors: np.ndarray, path: str | Path,
                        unseen: Callable[[list[str]], np.ndarray] | None = None) -> SimilarityResult:  # fmt: skip
    """Spearman correlation between cosine similarity and the human scores, over the pairs
    whose two words are in the vocabulary (case-insensitive); with `unseen` (a model with
    subwords: words -> their n-gram vectors), over every pair, as fastText counts them."""
    index: dict[str, int] = {}
    for i, word in enumerate(words):
        index.setdefault(word.lower(), i)
    pairs = read_similarity(path)
    extra = np.zeros((0, vectors.shape[1]), np.float32)  # the unseen words' vectors, rows len(words)...
    if unseen is not None:
        missing = sorted({word for a, b, _ in pairs for word in (a, b) if word not in index})
        if missing:
            index.update({word: len(words) + k for k, word in enumerate(missing)})
            extra = unseen(missing)
    covered = [(index[a], index[b], score) for a, b, score in pairs if a in index and b in index]
    name = Path(path).name
    if len(covered) < 2:
        return SimilarityResult(name, float("nan"), len(covered), len(pairs))

    def rows(ids: list[int]) -> np.ndarray:  # the words' rows, without a copy of the whole table
        ids = np.asarray(ids)
        out = np.empty((ids.size, vectors.shape[1]), np.float32)
        known = ids < len(words)
        out[known] = vectors[ids[known]]
        out[~known] = extra[ids[~known] - len(words)]
        return out

    first = unit_rows(rows([a for a, _, _ in covered]))
    second = unit_rows(rows([b for _, b, _ in covered]))
    cosines = (first * second).sum(axis=1)
    return SimilarityResult(name, spearman(cosines, np.array([s for _, _, s in covered])), len(covered), len(pairs))


def bundled(name: str) -> Path:
    """Path of a bundled evaluation set (corpora/ in the source tree, w2v/corpora when installed)."""
    source_tree = Path(__file__).resolve().parent.parent / "corpora" / name
    if source_tree.exists():
        return source_tree
    from importlib.resources import files

    return Path(str(files("w2v.corpora") / name))


@dataclass
class Report:
    """Everything `w2v evaluate` prints."""

    vocab_size: int
    restrict_vocab: int
    analogies: dict[str, list[AnalogySection]] = field(default_factory=dict)  # file name -> sections
    similarity: list[SimilarityResult] = field(default_factory=list)

    def to_dict(self) -> dict:
        def section(s: AnalogySection) -> dict:
            accuracy = {method: round(s.accuracy(method), 6) for method in s.correct}
            return {**asdict(s), "accuracy": accuracy}

        return {
            "vocab_size": self.vocab_size,
            "restrict_vocab": self.restrict_vocab,
            "analogies": [
                {"file": name, "sections": [section(s) for s in sections],
                 "summary": [section(s) for s in summarize_analogies(sections)]}
                for name, sections in self.analogies.items()
            ],
            "similarity": [asdict(result) for result in self.similarity],
        }  # fmt: skip

    def table(self) -> str:
        lines = []
        for name, sections in self.analogies.items():
            lines.append(f"analogies: {name} (questions with a word outside the top {self.restrict_vocab:,} skipped)")
            lines.append(f"{'section':<28}{'answered':>15}{'3CosAdd':>10}{'3CosMul':>10}")
            for s in [*sections, None, *summarize_analogies(sections)]:
                if s is None:
                    lines.append("")
                    continue
                scores = "".join(f"{100 * s.accuracy(m):>9.1f}%" for m in s.correct)
                lines.append(f"{s.name:<28}{f'{s.answered:,}/{s.total:,}':>15}{scores}")
            lines.append("")
        if self.similarity:
            lines.append(f"{'similarity':<28}{'pairs':>15}{'Spearman':>10}")
            for result in self.similarity:
                pairs = f"{result.covered:,}/{result.total:,}"
                lines.append(f"{result.name:<28}{pairs:>15}{result.spearman:>10.3f}")
        return "\n".join(lines).rstrip()


def evaluate(model: Model, analogies, similarity, restrict_vocab: int = 30_000) -> Report:
    """Run every analogy and similarity file against the model's vectors."""
    report = Report(len(model), restrict_vocab)
    for path in analogies:
        report.analogies[Path(path).name] = evaluate_analogies(model.words, model.input_vectors, path, restrict_vocab)
    for path in similarity:
        unseen = model.unseen_vectors if model.has_subwords else None
        report.similarity.append(evaluate_similarity(model.words, model.input_vectors, path, unseen))
    return report
