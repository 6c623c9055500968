"""TrainConfig: every training option, its default and its validation, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from .errors import ConfigError
from .sampling import NOISE_POWER
from .tokenize import lowercase_by_default

ARCHITECTURES = ("skipgram", "cbow")
TOKENIZERS = ("simple", "whitespace", "jieba")

# word2vec.c's starting learning rates; the rate decays linearly to alpha * MIN_ALPHA_RATIO.
DEFAULT_ALPHA = {"skipgram": 0.025, "cbow": 0.05}
MIN_ALPHA_RATIO = 1e-4

DEFAULT_NEGATIVE = 5  # noise words per prediction, unless hs is on alone
DEFAULT_BUCKETS = 2_000_000  # fastText's
# A cluster round (docs/cluster.md): by default each worker trains corpus / (workers x ROUNDS_PER_EPOCH)
# tokens between merges, at most MAX_SYNC_TOKENS (large corpora), at least MIN_SYNC_TOKENS.
ROUNDS_PER_EPOCH = 20
MAX_SYNC_TOKENS = 1_000_000
MIN_SYNC_TOKENS = 10_000
# Halfway through a round the rows of the HOT_WORDS most frequent words (and the HOT_WORDS tree nodes
# nearest the root) are merged too: every worker changes them, and they drift apart fastest.
HOT_WORDS = 2000

# Counting words keeps a table of every distinct word; past this many bytes (about 50M distinct
# words) the rarest are forgotten, as word2vec.c does past 21M words.
DEFAULT_VOCAB_MEMORY = 2 << 30
MIN_VOCAB_MEMORY = 1 << 20


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """How to train. Defaults follow word2vec.c (except the architecture, skip-gram).

    alpha and min_alpha left as None mean "the architecture's default": 0.025 for skip-gram,
    0.05 for CBOW, decaying linearly to alpha * 1e-4. Read them through `start_alpha` and
    `end_alpha`.
    """

    arch: str = "skipgram"
    dim: int = 100
    window: int = 5
    negative: int | None = None  # noise words per prediction; None: 5, or 0 with hs (then set to that)
    hs: bool = False  # hierarchical softmax (word2vec.c's -hs 1), alone or with negative sampling
    sample: float = 1e-3
    min_count: int = 5
    max_vocab: int | None = None
    max_vocab_memory: int | None = DEFAULT_VOCAB_MEMORY  # bytes for counting words; None: no limit
    epochs: int = 5
    alpha: float | None = None
    min_alpha: float | None = None
    threads: int = 0  # 0 means all cores
    seed: int = 1
    exact: bool = False  # word2vec.c's per-pair skip-gram update instead of shared negatives
    tokenizer: str = "simple"
    lowercase: bool | None = None  # None: lowercase under "simple", keep case under "whitespace"
    ns_exponent: float = NOISE_POWER  # noise words are drawn with probability proportional to count ** this
    shrink_window: bool = True  # each word draws its window in 1..window (word2vec.c); else the full window
    init_vectors: str | None = None  # vectors file or model directory whose rows start the words it has
    freeze_init: bool = False  # the input vectors taken from init_vectors are never updated
    subwords: str | None = None  # "MIN-MAX": fastText's character n-grams of MIN..MAX characters; None: off
    buckets: int = DEFAULT_BUCKETS  # rows the n-grams are hashed into (with subwords)
    cluster: str | None = None  # "local:N", "simulate:N" or a Dask scheduler's address; None: this process
    sync_tokens: int | None = None  # with a cluster: tokens a worker trains per round; 0: its whole share; None: auto
    hot_words: int = HOT_WORDS  # with a cluster: the words whose rows are merged halfway through a round too; 0: off

    def __post_init__(self) -> None:
        if self.negative is None:
            object.__setattr__(self, "negative", 0 if self.hs else DEFAULT_NEGATIVE)
        if self.arch not in ARCHITECTURES:
            raise ConfigError(f"arch must be one of {', '.join(ARCHITECTURES)}, got {self.arch!r}")
        if self.tokenizer not in TOKENIZERS:
            raise ConfigError(f"tokenizer must be one of {', '.join(TOKENIZERS)}, got {self.tokenizer!r}")
        for name in ("dim", "min_count", "epochs"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.negative < 0 or (self.negative == 0 and not self.hs):
            raise ConfigError(f"negative must be at least 1 (or 0 with hs: hierarchical softmax alone), "
                              f"got {self.negative}")  # fmt: skip
        if self.window < 0:
            raise ConfigError(f"window must be >= 0 (0: every other token of the line), got {self.window}")
        if not -1.0 <= self.ns_exponent <= 1.0:
            raise ConfigError(f"ns_exponent must be in [-1, 1], got {self.ns_exponent}")
        if self.freeze_init and self.init_vectors is None:
            raise ConfigError("freeze_init freezes the vectors taken from init_vectors; give init_vectors too")
        if self.max_vocab is not None and self.max_vocab < 1:
            raise ConfigError(f"max_vocab must be at least 1, got {self.max_vocab}")
        if self.max_vocab_memory is not None and self.max_vocab_memory < MIN_VOCAB_MEMORY:
            raise ConfigError(f"max_vocab_memory must be at least 1 MB, got {self.max_vocab_memory} bytes")
        if self.sample < 0:
            raise ConfigError(f"sample must be >= 0 (0 turns subsampling off), got {self.sample}")
        if self.threads < 0:
            raise ConfigError(f"threads must be >= 0 (0 means all cores), got {self.threads}")
        if not 0 <= self.seed < 2**63:
            raise ConfigError(f"seed must be in [0, 2**63), got {self.seed}")
        if self.alpha is not None and self.alpha <= 0:
            raise ConfigError(f"alpha must be positive, got {self.alpha}")
        if self.min_alpha is not None and not 0 < self.min_alpha <= self.start_alpha:
            raise ConfigError(f"min_alpha must be in (0, alpha={self.start_alpha}], got {self.min_alpha}")
        if self.subwords is not None:
            from .subwords import parse_subwords

            parse_subwords(self.subwords)
            if self.init_vectors is not None:
                raise ConfigError("init_vectors starts word vectors; with subwords a word's vector is made of "
                                  "its n-grams' too: use one or the other")  # fmt: skip
        if self.sync_tokens is not None and self.sync_tokens < 0:
            raise ConfigError(f"sync_tokens must be >= 0 (0: a worker's whole share per round), got {self.sync_tokens}")
        if self.hot_words < 0:
            raise ConfigError(f"hot_words must be >= 0 (0: merge only at the end of a round), got {self.hot_words}")
        if self.cluster is not None:
            from .cluster.backends import parse_cluster

            parse_cluster(self.cluster)
            if self.subwords is not None or self.init_vectors is not None:
                raise ConfigError(f"--{'subwords' if self.subwords is not None else 'init-vectors'} is not available "
                                  "with --cluster yet; train on one machine")  # fmt: skip
        if not 1 <= self.buckets < 2**31:
            raise ConfigError(f"buckets must be in [1, 2**31), got {self.buckets}")

    @property
    def ngram_lengths(self) -> tuple[int, int] | None:
        """(min_n, max_n) of the subwords, None without."""
        if self.subwords is None:
            return None
        from .subwords import parse_subwords

        return parse_subwords(self.subwords)

    def round_tokens(self, corpus_tokens: int, workers: int) -> int:
        """The tokens a cluster worker trains per round: sync_tokens, or by default enough rounds
        for ROUNDS_PER_EPOCH an epoch, within [MIN_SYNC_TOKENS, MAX_SYNC_TOKENS]."""
        if self.sync_tokens is not None:
            return self.sync_tokens
        return max(MIN_SYNC_TOKENS, min(MAX_SYNC_TOKENS, corpus_tokens // (workers * ROUNDS_PER_EPOCH)))

    @property
    def whole_line(self) -> bool:
        """Whether every other token of a line is a context (window 0: item2vec's baskets)."""
        return self.window == 0

    @property
    def start_alpha(self) -> float:
        """The learning rate at the start of training."""
        return DEFAULT_ALPHA[self.arch] if self.alpha is None else self.alpha

    @property
    def end_alpha(self) -> float:
        """The learning rate reached at the end of the last epoch."""
        return self.start_alpha * MIN_ALPHA_RATIO if self.min_alpha is None else self.min_alpha

    @property
    def lowercases(self) -> bool:
        """Whether tokens are lowercased."""
        return lowercase_by_default(self.tokenizer) if self.lowercase is None else self.lowercase

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def check_names(cls, names) -> None:
        """ConfigError for the first of `names` that is not a training option."""
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(names) - known)
        if unknown:
            raise ConfigError(f"{unknown[0]} is not a training option (they are: {', '.join(sorted(known))})")

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> TrainConfig:
        """A config from option names and values; ConfigError for a name that is not an option."""
        cls.check_names(options)
        return cls(**options)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """Rebuild a config saved by `to_dict`, ignoring keys this version does not know."""
        known = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})


DEFAULTS = TrainConfig()


SCORERS = ("default", "npmi")
DEFAULT_THRESHOLD = {"default": 100.0, "npmi": 0.5}


@dataclass(frozen=True, slots=True)
class PhrasesConfig:
    """How `w2v phrases` joins pairs of words. Defaults follow word2phrase.c.

    scorer "default" is word2phrase.c's (count(ab) - min_count) / count(a) / count(b) x tokens;
    "npmi" is gensim's normalised pointwise mutual information, in [-1, 1]. threshold None means
    the scorer's default: 100, or 0.5 for npmi. A pair scoring above it is joined.
    """

    threshold: float | None = None
    min_count: int = 5
    scorer: str = "default"
    passes: int = 1
    tokenizer: str = "simple"
    lowercase: bool | None = None  # None: lowercase under "simple", keep case under "whitespace"
    max_vocab_memory: int | None = DEFAULT_VOCAB_MEMORY  # bytes for counting words and pairs; None: no limit

    def __post_init__(self) -> None:
        if self.scorer not in SCORERS:
            raise ConfigError(f"scorer must be one of {', '.join(SCORERS)}, got {self.scorer!r}")
        if self.tokenizer not in TOKENIZERS:
            raise ConfigError(f"tokenizer must be one of {', '.join(TOKENIZERS)}, got {self.tokenizer!r}")
        if self.threshold is None:
            object.__setattr__(self, "threshold", DEFAULT_THRESHOLD[self.scorer])
        if self.lowercase is None:
            object.__setattr__(self, "lowercase", lowercase_by_default(self.tokenizer))
        if self.scorer == "npmi" and not -1 <= self.threshold <= 1:
            raise ConfigError(f"the npmi scorer's threshold must be in [-1, 1], got {self.threshold}")
        if self.min_count < 1:
            raise ConfigError(f"min_count must be at least 1, got {self.min_count}")
        if self.passes < 1:
            raise ConfigError(f"passes must be at least 1, got {self.passes}")
        if self.max_vocab_memory is not None and self.max_vocab_memory < MIN_VOCAB_MEMORY:
            raise ConfigError(f"max_vocab_memory must be at least 1 MB, got {self.max_vocab_memory} bytes")
