import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.scans import FUZZ, scan_bytes, scan_paths, segments_of, tokens_of
from w2v.errors import EmptyVocabularyError, UnknownWordError
from w2v.vocab import build_vocab, encode, split_segments

_files = itertools.count()


@pytest.fixture
def make_scan(tmp_path):
    """scan() of a file holding `lines`."""

    def make(lines, **options):
        path = tmp_path / f"corpus-{next(_files)}.txt"
        path.write_text("\n".join(lines) + "\n")
        work = tmp_path / f"work-{path.stem}"
        work.mkdir()
        return scan_paths(work, path, tokenizer="whitespace", **options)

    return make


def vocab_of(scan, min_count, max_vocab=None, **options):
    return build_vocab(scan, min_count, max_vocab, **options)[0]


def test_order_is_count_descending_then_word(make_scan):
    vocab = vocab_of(make_scan(["b c a", "c b", "d"]), min_count=1)
    assert vocab.words == ["b", "c", "a", "d"]
    assert vocab.counts.tolist() == [2, 2, 1, 1]
    assert vocab.first_seen.tolist() == [0, 1, 2, 3]  # b, then c, a, d (what the Huffman tree orders ties by)
    later = vocab_of(make_scan(["z y", "a z"]), min_count=1)
    assert later.words == ["z", "a", "y"] and later.first_seen.tolist() == [0, 2, 1]


def test_min_count_and_max_vocab(make_scan):
    scan = make_scan(["a a a b b c", "d d d d"])
    assert vocab_of(scan, min_count=2).words == ["d", "a", "b"]
    vocab, scan_ids = build_vocab(scan, min_count=1, max_vocab=2)
    assert vocab.words == ["d", "a"]
    assert scan_ids.tolist() == [3, 0]  # first-seen order: a b c d


def test_every_word_under_min_count_says_how_to_fix_it(make_scan):
    with pytest.raises(EmptyVocabularyError) as error:
        vocab_of(make_scan(["a b c"]), min_count=5, source="c.txt")
    assert str(error.value) == "no word in c.txt occurs 5 times (the most frequent occurs 1); try --min-count 1"


def test_empty_corpus(make_scan):
    with pytest.raises(EmptyVocabularyError, match="c.txt has no words"):
        vocab_of(make_scan([""]), min_count=1, source="c.txt")


def test_unknown_word_suggests_close_matches(make_scan):
    vocab = vocab_of(make_scan(["king kings queen kingdom ring"]), min_count=1)
    with pytest.raises(UnknownWordError) as error:
        vocab.id_of("kingz")
    assert str(error.value) == "'kingz' is not in the vocabulary; did you mean 'king', 'kings'?"
    with pytest.raises(KeyError):  # still a KeyError for Python callers
        vocab.id_of("zzzz")


def test_encode_drops_rare_words_before_windowing_and_keeps_line_ends(make_scan):
    scan = make_scan(["a rare b a", "rare", "b b rare a"])
    vocab, scan_ids = build_vocab(scan, min_count=2, max_vocab=2)  # "rare" (3) is kept out by max_vocab
    assert vocab.words == ["a", "b"]
    encoded = encode(scan, scan_ids)
    assert tokens_of(encoded) == [0, 1, 0, 1, 1, 0]
    assert segments_of(encoded) == [(0, 3), (3, 6)]
    assert encoded.n_lines == 2
    assert np.load(encoded.tokens.path).tolist() == [0, 1, 0, 1, 1, 0]  # a valid .npy, cut to length


def test_split_segments_cuts_long_lines_and_drops_single_tokens():
    starts, ends = split_segments(np.array([0, 25, 26, 30]), np.array([25, 26, 30, 30]), 10)
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == [(0, 10), (10, 20), (20, 25), (26, 30)]


@FUZZ
@given(
    lines=st.lists(st.lists(st.sampled_from("abcdefg"), max_size=30), max_size=8),
    min_count=st.integers(1, 3),
    block=st.integers(1, 20),
    chunk_tokens=st.integers(1, 30),
    max_segment=st.integers(2, 12),
)
def test_encoding_in_blocks_equals_encoding_whole_lines(tmp_path, lines, min_count, block, chunk_tokens, max_segment):
    import numpy as np
    from hypothesis import assume

    from w2v.errors import EmptyVocabularyError
    from w2v.vocab import build_vocab, encode

    scanned = scan_bytes(tmp_path, "\n".join(" ".join(line) for line in lines).encode(), "whitespace", 7)
    try:
        vocab, scan_ids = build_vocab(scanned, min_count)
    except EmptyVocabularyError:
        assume(False)
    encoded = encode(scanned, scan_ids, chunk_tokens=chunk_tokens, max_segment=max_segment, block=block)
    tokens, segments, n_lines = reference_encoding(lines, vocab.index, max_segment)
    assert encoded.tokens.read(0, encoded.n_tokens).tolist() == tokens
    assert segments_of(encoded) == segments
    assert encoded.n_lines == n_lines
    # Chunks: the segments in order, a new chunk at the first segment starting past each multiple
    # of chunk_tokens, and the buffer size covers every chunk.
    starts = np.array([start for start, _ in segments], dtype=np.int64)
    marks = np.arange(0, starts[-1] + 1, chunk_tokens) if segments else np.zeros(0, np.int64)
    assert encoded.chunk_bounds.tolist() == np.unique(np.searchsorted(starts, marks)).tolist() + [len(segments)]
    assert encoded.chunk_positions.tolist() == starts[encoded.chunk_bounds[:-1]].tolist() + [len(tokens)]
    buffer = np.empty(max(1, encoded.longest_chunk), dtype=np.int32)
    for c in range(encoded.n_chunks):
        chunk_tokens_read, local_starts, local_ends, offset = encoded.chunk(c, buffer)
        first, last = encoded.chunk_bounds[c], encoded.chunk_bounds[c + 1]
        pairs = zip((local_starts + offset).tolist(), (local_ends + offset).tolist(), strict=True)
        assert list(pairs) == segments[first:last]
        assert chunk_tokens_read.tolist() == tokens[offset : offset + chunk_tokens_read.size]


def reference_encoding(lines, index, max_segment):
    """Tokens of in-vocabulary words, and the segments: each line cut every max_segment tokens,
    pieces of fewer than 2 tokens dropped."""
    tokens, segments, n_lines = [], [], 0
    for line in lines:
        ids = [index[word] for word in line if word in index]
        start = len(tokens)
        tokens += ids
        n_lines += bool(ids)
        for piece in range(start, len(tokens), max_segment):
            if min(piece + max_segment, len(tokens)) - piece >= 2:
                segments.append((piece, min(piece + max_segment, len(tokens))))
    return tokens, segments, n_lines
