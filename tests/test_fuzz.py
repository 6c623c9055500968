"""Property tests: the chunked, hashed reader against a plain Python reading of the same text."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scans import ids_and_line_ends, lines_of, scan_paths, segments_of
from w2v.tokenize import tokenize

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def read(tmp_path, data: bytes, tokenizer: str, chunk_bytes: int):
    path = tmp_path / "fuzz.txt"
    path.write_bytes(data)
    return scan_paths(tmp_path, path, tokenizer=tokenizer, lowercase=tokenizer == "simple", chunk_bytes=chunk_bytes)


@FUZZ
@given(
    text=st.text(alphabet=string.ascii_letters + " \t\n\r" + "é中ß\u00a0\u3000,.!", max_size=400),
    chunk_bytes=st.integers(min_value=1, max_value=64),
    tokenizer=st.sampled_from(["simple", "whitespace"]),
)
def test_chunked_scan_equals_tokenizing_each_line(tmp_path, text, chunk_bytes, tokenizer):
    result = read(tmp_path, text.encode("utf-8"), tokenizer, chunk_bytes)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    expected = [tokens for line in lines if (tokens := tokenize(line, tokenizer))]
    got = [[token.decode("utf-8") for token in line] for line in lines_of(result)]
    assert got == expected
    assert result.counts.sum() == result.n_tokens == sum(map(len, expected))
    assert result.n_lines == len(expected)


@FUZZ
@given(data=st.binary(max_size=600), chunk_bytes=st.integers(min_value=1, max_value=128))
def test_any_bytes_are_read_without_error(tmp_path, data, chunk_bytes):
    if data.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")):
        data = b" " + data  # compressed-file magic: a damaged archive is a (tested) error, not text
    for tokenizer in ("simple", "whitespace"):
        result = read(tmp_path, data, tokenizer, chunk_bytes)
        for word in result.words:
            word.decode("utf-8")  # invalid input was replaced: every word is valid UTF-8
            assert word and not any(c in word for c in b" \t\n\r\x0b\x0c")
        ids, line_ends = ids_and_line_ends(result)
        assert line_ends.tolist() == sorted(line_ends.tolist())
        assert line_ends[-1] == ids.size == result.n_tokens


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

    scanned = read(tmp_path, "\n".join(" ".join(line) for line in lines).encode(), "whitespace", 7)
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
