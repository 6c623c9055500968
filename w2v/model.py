"""Model: the vocabulary, the vectors, and how they were made."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .config import TrainConfig
from .vocab import Vocab


@dataclass
class Model:
    """Trained word vectors.

    input_vectors is the embedding table (word2vec.c: syn0): row i is the vector of
    vocab.words[i]. It is exactly what `torch.nn.Embedding.from_pretrained` takes.
    output_vectors (syn1neg) are kept for continued training; None for imported vectors.
    """

    vocab: Vocab
    input_vectors: np.ndarray  # float32[n_words, dim]
    output_vectors: np.ndarray | None = None  # float32[n_words, dim]
    config: TrainConfig | None = None
    meta: dict = field(default_factory=dict)

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

    def __getitem__(self, word: str) -> np.ndarray:
        """The vector of `word`; UnknownWordError (a KeyError) with close matches if absent."""
        return np.asarray(self.input_vectors[self.vocab.id_of(word)])
