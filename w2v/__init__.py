"""w2v: word2vec (skip-gram and CBOW with negative sampling) from the command line or Python.

    import w2v
    model = w2v.train("corpus.txt", w2v.TrainConfig(dim=100, epochs=5))
    w2v.save(model, "w2v-model")
    model = w2v.load("w2v-model")
    w2v.nearest(model, "king", k=10)
    # or save as you go, with checkpoints after epochs, and continue an interrupted run:
    w2v.train("corpus.txt", config, model_dir="w2v-model")
    w2v.train("corpus.txt", model_dir="w2v-model", resume=True)
    # items: sessions or random walks on a graph, evaluated on next-item prediction
    w2v.write_walks(w2v.read_edge_list("graph.txt"), "walks.txt", walks_per_node=10, length=40)
    w2v.evaluate_next_item(model, "test.txt", k=10)     # .hr, .ndcg, .mrr, .covered, .total
    # subword vectors (fastText's): model["unseen"] is the mean of its character n-grams' vectors
    model = w2v.train("corpus.txt", w2v.TrainConfig(subwords="3-6"))
    # phrases (new_york) before training, as word2phrase.c makes them
    w2v.phrases("corpus.txt", "phrased.txt", w2v.PhrasesConfig(passes=2), save_table="phrases.tsv")

Importing w2v does not import numba; training, phrases and writing walks do.
"""

from .checkpoints import Interrupted
from .config import DEFAULTS, PhrasesConfig, TrainConfig
from .errors import ConfigError, CorpusError, EmptyVocabularyError, ModelFormatError, UnknownWordError, W2VError
from .graph import read_edge_list, write_walks
from .model import Model, TrainingRecord
from .phrases import phrases
from .query import Neighbor, nearest
from .sessions import evaluate_next_item, split_sessions
from .storage import load_model as load
from .storage import save_model as save
from .train import train


def __getattr__(name: str):
    from importlib.metadata import PackageNotFoundError, version

    # importlib.metadata is slow to import: only pay for it when the version is asked for.
    if name == "__version__":
        try:
            return version("w2v")
        except PackageNotFoundError:  # running from a source tree that was not installed
            return "0.0.0+unknown"
    raise AttributeError(f"module 'w2v' has no attribute {name!r}")


__all__ = [
    "DEFAULTS",
    "ConfigError",
    "CorpusError",
    "EmptyVocabularyError",
    "Interrupted",
    "Model",
    "ModelFormatError",
    "Neighbor",
    "PhrasesConfig",
    "TrainConfig",
    "TrainingRecord",
    "UnknownWordError",
    "W2VError",
    "__version__",
    "evaluate_next_item",
    "load",
    "nearest",
    "phrases",
    "read_edge_list",
    "save",
    "split_sessions",
    "train",
    "write_walks",
]
