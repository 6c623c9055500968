"""Phrases: join pairs of words that occur together far more often than chance into one token
(new york -> new_york), as word2vec.c's word2phrase does before training phrase vectors.

A pass reads the corpus twice. The first read counts every word and every pair of adjacent
words on a line (compiled loops, text_kernels.count_pairs) in tables bounded together by
max_vocab_memory: past it the rarest pairs, then words, are forgotten, as word2vec.c's
ReduceVocab does. Each pair is then scored and those above the threshold become the pass's
phrases (a PassTable). The second read writes the text with each phrase's space replaced by
"_", left to right: a word joined to the one before it joins nothing after it. A second pass
runs on the first's output and so builds phrases of three and four words. The phrase tables can
be saved (save_table) and applied to other text without counting (`table`).

Scores (config.PhrasesConfig.scorer):
- "default", word2phrase.c's: (count(ab) - min_count) / count(a) / count(b) x tokens, computed
  in float32 in word2phrase.c's order, so that the same pairs pass the same threshold.
- "npmi", gensim's normalised PMI: ln(p(ab) / (p(a) p(b))) / -ln(p(ab)), p(x) = count(x) / tokens.
Either way a pair seen fewer than min_count times, or with a word seen fewer, never joins.
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import PhrasesConfig
from .corpus import (
    MAX_TOKEN_BYTES,
    Pruning,
    Source,
    WordTable,
    forget_rare_words,
    pruned_message,
    resolve_sources,
)
from .errors import W2VError
from .formats import atomic_write
from .report import Log, plural
from .segment import normalized_chunks

DELIMITER = "_"
TABLE_HEADER = "# w2v phrase table "
TABLE_COLUMNS = "pass\tfirst\tsecond\tcount\tscore"


@dataclass
class PassTable:
    """The phrases of one pass: pair i joins words[first[i]] and words[second[i]]; it was seen
    counts[i] times and scored scores[i]. Sorted by score, highest first."""

    words: list[bytes]
    first: np.ndarray  # int32
    second: np.ndarray  # int32
    counts: np.ndarray  # int64
    scores: np.ndarray  # float64

    def __len__(self) -> int:
        return self.first.size

    def pairs(self) -> list[tuple[str, str]]:
        """The phrases as (first word, second word) strings, in table order."""
        words = [word.decode("utf-8", errors="replace") for word in self.words]
        return [(words[a], words[b]) for a, b in zip(self.first.tolist(), self.second.tolist(), strict=True)]


@dataclass
class PassReport:
    """What one pass counted and joined."""

    tokens: int = 0  # tokens read (those written: tokens - joined)
    words: int = 0  # distinct words counted (after any pruning)
    pairs: int = 0  # distinct pairs counted (after any pruning)
    phrases: int = 0  # pairs in the pass's table
    joined: int = 0  # occurrences joined in the output
    pruned_words: int = 0  # distinct words forgotten under max_vocab_memory (0: none)
    pruned_pairs: int = 0  # distinct pairs forgotten
    seconds: float = 0.0


@dataclass
class PhrasesResult:
    config: PhrasesConfig
    tables: list[PassTable]
    passes: list[PassReport] = field(default_factory=list)


def phrases(corpus: str | list[str], out: str | Path | None, config: PhrasesConfig | None = None, *,
            table: str | Path | None = None, save_table: str | Path | None = None,
            quiet: bool = False) -> PhrasesResult:  # fmt: skip
    """Join the phrases of `corpus` (paths as `w2v train` reads them; "-" for stdin) and write
    the text, one output line per input line, to `out` (atomically), or to stdout if None or "-".

    With `table` (a file that save_table wrote), its phrases are applied and nothing is counted;
    the table's tokenizer and lowercasing are used. `save_table` writes the phrases found.
    """
    log = Log(quiet)
    paths = [corpus] if isinstance(corpus, str | Path) else list(corpus)
    sources = resolve_sources([str(path) for path in paths])
    if table is not None:
        config, tables = load_table(table)
        passes = f"{len(tables)} pass{'es' if len(tables) > 1 else ''}"
        log(f"applying {plural(sum(map(len, tables)), 'phrase')} of {passes} from {table}")
    else:
        config = config or PhrasesConfig()
        tables = []
    result = PhrasesResult(config, tables)
    directory = Path(out).absolute().parent if out not in (None, "-") else None
    if directory is not None and not directory.is_dir():
        raise W2VError(f"cannot write {out}: {directory} is not a directory")
    with tempfile.TemporaryDirectory(prefix=".w2v-phrases-", dir=directory) as scratch:
        tokenizer, lowercase = config.tokenizer, config.lowercase
        if table is None and tokenizer == "jieba":  # segmented once, not once per read
            sources, tokenizer, lowercase = [_segmented(sources, lowercase, Path(scratch), log)], "whitespace", False
        elif table is None and any(source.name == "-" for source in sources):
            sources = [_spooled_stdin(Path(scratch)) if source.name == "-" else source for source in sources]
        for number in range(1, config.passes + 1):
            report = PassReport()
            started = time.perf_counter()
            if table is None:
                tables.append(learn_pass(sources, config, tokenizer, lowercase, report, log))
            last = number == config.passes
            target = out if last else Path(scratch) / f"pass-{number}.txt"
            write = functools.partial(apply_pass, sources, tables[number - 1], tokenizer, lowercase, report, log)
            _write_output(target, write)
            report.seconds = round(time.perf_counter() - started, 3)
            result.passes.append(report)
            counted = f", {plural(report.words, 'word')}, {plural(report.pairs, 'distinct pair')}"
            counted = counted if report.pairs else ""
            log(f"pass {number}: {plural(report.tokens, 'token')}{counted}; {plural(report.phrases, 'phrase')} "
                f"(score above {config.threshold:g}, {config.scorer} scorer) joined {plural(report.joined, 'time')} "
                f"in {report.seconds:.1f} s")  # fmt: skip
            if not last:  # the next pass reads this one's output, already normalised
                sources = resolve_sources([str(target)])
                tokenizer, lowercase = "whitespace", False
    if save_table is not None:
        write_table(save_table, config, tables)
    return result


def learn_pass(sources: list[Source], config: PhrasesConfig, tokenizer: str, lowercase: bool, report: PassReport,
               log: Log) -> PassTable:  # fmt: skip
    """Count the words and pairs of `sources` and keep the pairs that score above the threshold."""
    counter = _Counter(config.max_vocab_memory, log)
    total = sum(source.size for source in sources)
    with log.reading(total) as bar:
        for text, ends_line, consumed, _ in normalized_chunks(sources, tokenizer, lowercase):
            counter.add(text, ends_line)
            bar.update(consumed - bar.n)
    words, pairs = counter.words, counter.pairs
    report.tokens, report.words, report.pairs = counter.n_tokens, words.n_words, pairs.n_pairs
    report.pruned_words, report.pruned_pairs = counter.word_pruning.words, counter.pair_pruning.words
    keys, counts = pairs.live()
    first, second = (keys >> 32).astype(np.int32), (keys & 0xFFFFFFFF).astype(np.int32)
    scores = score_pairs(counts, words.counts[first], words.counts[second], counter.n_tokens, config)
    chosen = np.flatnonzero(scores > (np.float32(config.threshold) if config.scorer == "default" else config.threshold))
    order = chosen[np.lexsort((second[chosen], first[chosen], -scores[chosen]))]
    ids, inverse = np.unique(np.concatenate([first[order], second[order]]), return_inverse=True)
    inverse = inverse.astype(np.int32)
    table = PassTable(words.words_at(ids), inverse[: order.size], inverse[order.size :], counts[order],
                      scores[order].astype(np.float64))  # fmt: skip
    return table


def score_pairs(pair_counts: np.ndarray, first_counts: np.ndarray, second_counts: np.ndarray, n_tokens: int,
                config: PhrasesConfig) -> np.ndarray:  # fmt: skip
    """Each pair's score under config.scorer; -inf where a count is under min_count."""
    eligible = (pair_counts >= config.min_count) & (first_counts >= config.min_count)
    eligible &= second_counts >= config.min_count
    with np.errstate(divide="ignore", invalid="ignore"):
        if config.scorer == "default":  # float32, in word2phrase.c's order of operations
            f32 = np.float32
            scores = (pair_counts - config.min_count).astype(f32) / first_counts.astype(f32)
            scores = scores / second_counts.astype(f32) * f32(n_tokens)
        else:
            joint = pair_counts / n_tokens
            scores = np.log(joint / (first_counts / n_tokens) / (second_counts / n_tokens)) / -np.log(joint)
    return np.where(eligible, scores, -np.inf).astype(scores.dtype)


def apply_pass(sources: list[Source], table: PassTable, tokenizer: str, lowercase: bool, report: PassReport, log: Log,
               stream) -> None:  # fmt: skip
    """Write the text of `sources` to `stream` with the phrases of `table` joined."""
    from .text_kernels import insert_pairs, write_phrases

    words = WordTable()
    if table.words:
        words.index(b"\n".join(table.words), np.empty(sum(map(len, table.words)) + len(table.words), np.int32))
    keys = np.full(max(16, 1 << int(4 * len(table)).bit_length()), -1, dtype=np.int64)
    insert_pairs(keys, np.zeros(keys.size, np.int64), (table.first.astype(np.int64) << 32) | table.second,
                 np.ones(len(table), np.int64))  # fmt: skip
    delimiter = np.uint8(ord(DELIMITER))
    state = np.array([-1, 0, 0, 0], dtype=np.int64)  # see write_phrases
    total = sum(source.size for source in sources)
    with log.reading(total) as bar:
        for text, ends_line, consumed, _ in normalized_chunks(sources, tokenizer, lowercase):
            data = np.frombuffer(text, dtype=np.uint8)
            out = np.empty(data.size + 2, dtype=np.uint8)  # a separator before the first token, a last line break
            size = write_phrases(data, words.table, words.pool, words.pool_starts, keys, delimiter, out, state,
                                 MAX_TOKEN_BYTES)  # fmt: skip
            if ends_line and state[1]:  # the end of a file ends its last line
                out[size] = ord("\n")
                size += 1
                state[:2] = -1, 0
            stream.write(out[:size].tobytes())
            bar.update(consumed - bar.n)
    report.tokens, report.joined = int(state[2]), int(state[3])
    report.phrases = len(table)


class _PairTable:
    """Distinct pairs of word ids and their counts, in text_kernels' open-addressing pair table,
    kept at most half full."""

    def __init__(self, size: int = 1 << 12) -> None:
        self.keys = np.full(size, -1, dtype=np.int64)
        self.counts = np.zeros(size, dtype=np.int64)
        self.n_pairs = 0

    def memory(self) -> int:
        return self.keys.nbytes + self.counts.nbytes

    def live(self) -> tuple[np.ndarray, np.ndarray]:
        """(keys, counts) of the pairs in the table."""
        used = self.keys >= 0
        return self.keys[used], self.counts[used]

    def rebuild(self, keys: np.ndarray, counts: np.ndarray, size: int | None = None) -> None:
        """Hold exactly these pairs, in a table of `size` slots (default: the smallest power of
        two at least 4096 that keeps them under a quarter full)."""
        from .text_kernels import insert_pairs

        if size is None:
            size = 1 << 12
            while keys.size + 1 >= size // 4:
                size *= 2
        self.keys = np.full(size, -1, dtype=np.int64)
        self.counts = np.zeros(size, dtype=np.int64)
        insert_pairs(self.keys, self.counts, keys, counts)
        self.n_pairs = keys.size


class _Counter:
    """learn_pass's counts: the word table, the pair table, and what pruning forgot."""

    def __init__(self, memory_limit: int | None, log: Callable[[str], None]) -> None:
        self.words, self.pairs = WordTable(), _PairTable()
        self.memory_limit, self.log = memory_limit, log
        self.word_pruning, self.pair_pruning = Pruning(), Pruning()
        self.buffer = np.empty(0, dtype=np.int32)
        self.n_tokens = 0
        self.previous = -1  # the last word id of the text so far (-1: a line ended)

    def add(self, text: bytes, ends_line: bool) -> None:
        from .text_kernels import LINE_BREAK, count_pairs

        if self.buffer.size < len(text) + 1:
            self.buffer = np.empty(len(text) + 1, dtype=np.int32)
        word_limit = None if self.memory_limit is None else self.word_limit_now()
        written = self.words.index(text, self.buffer, word_limit, self._prune_words)
        if ends_line:
            self.buffer[written] = LINE_BREAK
            written += 1
        ids = self.buffer[:written]
        self.n_tokens += int(np.count_nonzero(ids != LINE_BREAK))
        position, pairs = 0, self.pairs
        while position < ids.size:
            position, pairs.n_pairs, self.previous = count_pairs(
                ids, position, self.previous, pairs.keys, pairs.counts, pairs.n_pairs, pairs.keys.size // 2
            )
            if position < ids.size:
                self._make_room(position, ids)

    def _make_room(self, position: int, ids: np.ndarray) -> None:
        """Double the pair table, unless that would pass the memory limit: then forget the
        rarest pairs first."""
        pairs, pruning = self.pairs, self.pair_pruning
        limit = self.memory_limit
        if limit is not None and self.words.memory() + 2 * pairs.memory() > limit:
            budget = max(0, limit - self.words.memory()) // 2
            before, dropped = pairs.n_pairs, 0
            keys, counts = pairs.live()
            while keys.size and 16 * 4 * (keys.size + 1) > budget:
                pruning.threshold += 1
                keep = counts >= pruning.threshold
                dropped += int(counts[~keep].sum())
                keys, counts = keys[keep], counts[keep]
            pairs.rebuild(keys, counts)
            pruning.times += 1
            pruning.words += before - pairs.n_pairs
            pruning.tokens += dropped
            seen = self.n_tokens - int(np.count_nonzero(ids[position:] >= 0))
            self.log(pruned_message("pair table", limit, seen, before - pairs.n_pairs, "pairs", pruning.threshold,
                                    dropped))  # fmt: skip
        if pairs.n_pairs + 1 >= pairs.keys.size // 2:
            keys, counts = pairs.live()
            pairs.rebuild(keys, counts, 2 * pairs.keys.size)

    def _prune_words(self, written: int) -> None:
        """Forget the rarest words (corpus.forget_rare_words), and the pairs they were in."""
        remap = forget_rare_words(self.words, self.word_pruning, self.word_limit_now(), self.buffer[:written],
                                  self.n_tokens, self.log)  # fmt: skip
        keys, counts = self.pairs.live()
        first, second = remap[keys >> 32], remap[keys & 0xFFFFFFFF]
        kept = (first >= 0) & (second >= 0)
        self.pairs.rebuild((first[kept].astype(np.int64) << 32) | second[kept], counts[kept])
        self.previous = int(remap[self.previous]) if self.previous >= 0 else -1

    def word_limit_now(self) -> int:
        """Words may use what pairs do not, and at least a quarter of the limit."""
        return max(self.memory_limit // 4, self.memory_limit - self.pairs.memory())


def _write_output(target: str | Path | None, write: Callable) -> None:
    if target in (None, "-"):
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        atomic_write(Path(target), write)


def _segmented(sources: list[Source], lowercase: bool, directory: Path, log: Log) -> Source:
    """The sources segmented by jieba and normalised, in a file (a pass reads its text twice)."""
    path = directory / "segmented.txt"
    line_open = False  # whether text was written since the last line break
    with open(path, "wb") as out, log.reading(sum(source.size for source in sources)) as bar:
        for text, ends_line, consumed, _ in normalized_chunks(sources, "jieba", lowercase):
            out.write(text)
            line_open = text[-1:] != b"\n" if text else line_open
            if ends_line and line_open:  # the end of a file ends its last line
                out.write(b"\n")
                line_open = False
            bar.update(consumed - bar.n)
    return Source(str(path), path.stat().st_size)


def _spooled_stdin(directory: Path) -> Source:
    """Standard input copied to a file, for a pass that reads its text twice."""
    path = directory / "stdin.txt"
    with open(path, "wb") as copy:
        shutil.copyfileobj(sys.stdin.buffer, copy, 1 << 22)
    return Source(str(path), path.stat().st_size)


def write_table(path: str | Path, config: PhrasesConfig, tables: list[PassTable]) -> None:
    """Save the phrase tables (a header line with the settings, then one phrase a line:
    pass, first word, second word, count, score; tab-separated, UTF-8) atomically."""
    settings = {"passes": len(tables), "tokenizer": config.tokenizer, "lowercase": config.lowercase,
                "scorer": config.scorer, "threshold": config.threshold, "min_count": config.min_count}  # fmt: skip
    lines = [TABLE_HEADER + json.dumps(settings), TABLE_COLUMNS]
    for number, table in enumerate(tables, 1):
        for (first, second), count, score in zip(table.pairs(), table.counts.tolist(), table.scores.tolist(),
                                                 strict=True):  # fmt: skip
            lines.append(f"{number}\t{first}\t{second}\t{count}\t{score:.9g}")
    text = "\n".join(lines) + "\n"
    atomic_write(Path(path), lambda stream: stream.write(text.encode("utf-8")))


def load_table(path: str | Path) -> tuple[PhrasesConfig, list[PassTable]]:
    """The settings and phrase tables that write_table saved."""
    try:
        with open(path, encoding="utf-8") as stream:
            lines = stream.read().splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise W2VError(f"cannot read phrase table {path}: {getattr(error, 'strerror', None) or error}") from None
    try:
        if not lines or not lines[0].startswith(TABLE_HEADER):
            raise ValueError("its first line is not w2v's header (write it with w2v phrases --save-table)")
        settings = json.loads(lines[0][len(TABLE_HEADER) :])
        config = PhrasesConfig(passes=settings["passes"], tokenizer=settings["tokenizer"],
                               lowercase=settings["lowercase"], scorer=settings["scorer"],
                               threshold=settings["threshold"], min_count=settings["min_count"])  # fmt: skip
    except (ValueError, KeyError, TypeError, W2VError) as error:
        raise W2VError(f"{path} is not a w2v phrase table: {error}") from None
    rows: list[list] = [[] for _ in range(config.passes)]
    for number, line in enumerate(lines[2:], 3):
        fields = line.split("\t")
        try:
            if len(fields) != 5:
                raise ValueError(f"{len(fields)} tab-separated fields, not 5")
            rows[int(fields[0]) - 1].append((fields[1], fields[2], int(fields[3]), float(fields[4])))
        except (ValueError, IndexError) as error:
            raise W2VError(f"{path} line {number}: not a phrase ({error})") from None
    return config, [_pass_table(pass_rows) for pass_rows in rows]


def _pass_table(rows: list[tuple[str, str, int, float]]) -> PassTable:
    words: dict[str, int] = {}
    first = [words.setdefault(row[0], len(words)) for row in rows]
    second = [words.setdefault(row[1], len(words)) for row in rows]
    counts, scores = np.array([row[2] for row in rows], np.int64), np.array([row[3] for row in rows], np.float64)
    return PassTable([word.encode("utf-8") for word in words], np.array(first, np.int32),
                     np.array(second, np.int32), counts, scores)  # fmt: skip
