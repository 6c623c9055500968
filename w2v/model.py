"""Model: the vocabulary, the vectors, and how they were made."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import numpy as np

from .config import TrainConfig
from .vocab import Vocab


@dataclass
class TrainingRecord:
    """How far training got and what it measured; saved as meta.json's "training"."""

    epochs_done: int = 0
    epoch_loss: list[float] = field(default_factory=list)  # the mean loss of each epoch done
    complete: bool = False  # every epoch of the config is done (False: a checkpoint)
    loss_unit: str = ""  # what the loss is a mean over
    threads: int = 0
    scan_seconds: float = 0.0  # reading, counting and encoding the corpus
    setup_seconds: float = 0.0  # from the start of the run to the first training step
    train_seconds: float = 0.0  # the epochs, checkpoints excluded
    words_per_second: int = 0
    checkpoint_seconds: float = 0.0
    # A cluster run (cluster/driver.py): workers, sync_tokens, rounds done in the current epoch and
    # their loss so far, and one row per round: epoch, round, tokens, rows merged, bytes moved,
    # compute seconds, sync seconds
    cluster: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainingRecord:
        """Rebuild a record saved by `to_dict`, ignoring keys this version does not know."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})


@dataclass
class Model:
    """Trained word vectors.

    input_vectors is the embedding table (word2vec.c: syn0): row i is the vector of
    vocab.words[i]. It is exactly what `torch.nn.Embedding.from_pretrained` takes.
    output_vectors (syn1neg) and hs_vectors (hierarchical softmax's inner nodes, syn1) are kept
    for continued training; output_vectors is None for imported vectors and without negative
    sampling, hs_vectors None without hierarchical softmax. training is None for imported vectors.
    With subwords (subwords.py), input_vectors holds each word's composed vector (the mean of its
    own row and its n-grams' rows) and subword_vectors the rows themselves, the words' then the
    n-gram buckets' (fastText's input matrix; when trained by w2v only the buckets the vocabulary
    uses have rows, bucket_rows says which); `ngrams` = (min_n, max_n, buckets, first bucket
    row). A word that is not in the vocabulary then still has a vector: its n-grams'.
    """

    vocab: Vocab
    input_vectors: np.ndarray  # float32[n_words, dim]
    output_vectors: np.ndarray | None = None  # float32[n_words, dim]
    config: TrainConfig | None = None
    meta: dict = field(default_factory=dict)  # created, corpus statistics, imported_from, ...
    training: TrainingRecord | None = None
    hs_vectors: np.ndarray | None = None  # float32[n_words - 1, dim], rows as huffman.py numbers the nodes
    subword_vectors: np.ndarray | None = None  # float32[n_words + buckets, dim]
    ngrams: tuple[int, int, int, int] | None = None  # (min_n, max_n, buckets, first bucket row)
    bucket_rows: np.ndarray | None = None  # int[buckets]: each bucket's row, -1 for none; None: every bucket has one
    # A cluster run's checkpoint: each table's momentum of merged changes (cluster/merge.py), by
    # table name ("input", "output", "nodes"); None otherwise
    momentum: dict[str, np.ndarray] | None = None

    @property
    def words(self) -> list[str]:
        return self.vocab.words

    @property
    def dim(self) -> int:
        return int(self.input_vectors.shape[1])

    def __len__(self) -> int:
        return len(self.vocab)

    def __contains__(self, word: str) -> bool:
        return word in self.vocab.index

    def __post_init__(self) -> None:
        if self.subword_vectors is not None and self.ngrams is None and self.config is not None:
            self.ngrams = (*self.config.ngram_lengths, self.config.buckets, len(self.vocab))

    @property
    def has_subwords(self) -> bool:
        return self.subword_vectors is not None and self.ngrams is not None

    def __getitem__(self, word: str) -> np.ndarray:
        """The vector of `word`; for a word not in the vocabulary, with subwords, its n-grams'
        vector, else UnknownWordError (a KeyError) with close matches."""
        if self.has_subwords and word not in self.vocab.index:
            return self.unseen_vectors([word])[0]
        return np.asarray(self.input_vectors[self.vocab.id_of(word)])

    def unseen_vectors(self, words: list[str]) -> np.ndarray:
        """float32[len(words), dim]: the n-gram vectors of words not in the vocabulary (subwords only)."""
        from .subwords import unseen_vectors

        min_n, max_n, buckets, first_bucket = self.ngrams
        return unseen_vectors(self.subword_vectors, words, min_n, max_n, buckets, first_bucket, self.bucket_rows)
