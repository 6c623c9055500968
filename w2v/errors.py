"""Errors a user can fix. The CLI turns each into one line on stderr and exit status 1."""


class W2VError(Exception):
    """Base class: the message says what is wrong and, where it can, how to fix it."""


class ConfigError(W2VError):
    """An option value that cannot work (non-positive dim, min_alpha above alpha, ...)."""


class CorpusError(W2VError):
    """A corpus path that is missing, unreadable, or holds no text."""


class EmptyVocabularyError(W2VError):
    """No word survives min_count / max_vocab."""


class UnknownWordError(W2VError, KeyError):
    """A query word that is not in the vocabulary."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class ModelFormatError(W2VError):
    """A model directory or vectors file that is missing, damaged or of another version."""
