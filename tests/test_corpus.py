import bz2
import gzip
import io
import lzma
import sys

import numpy as np
import pytest

from w2v.corpus import MAX_TOKEN_BYTES, _character_boundary, _cut_point, read_chunks, resolve_sources, scan
from w2v.errors import CorpusError


def scan_paths(*paths, tokenizer="simple", lowercase=True):
    return scan(resolve_sources([str(p) for p in paths]), tokenizer, lowercase)


def test_scan_counts_first_seen_ids_and_line_ends(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("b a b\n\nc a\nb")
    result = scan_paths(path)
    assert result.words == [b"b", b"a", b"c"]
    assert result.counts.tolist() == [3, 2, 1]
    assert result.ids.tolist() == [0, 1, 0, 2, 1, 0]
    assert result.line_ends.tolist() == [3, 3, 5, 6]  # the empty line ends where it starts


def test_a_long_line_with_no_newline_is_read_whole(tmp_path):
    # 2 million tokens, one line, read in chunks far smaller than the line.
    words = np.array([b"alpha", b"beta", b"gamma", b"delta"])
    rng = np.random.default_rng(1)
    tokens = words[rng.integers(0, 4, 2_000_000)]
    path = tmp_path / "long.txt"
    path.write_bytes(b" ".join(tokens))
    chunks = list(read_chunks(resolve_sources([str(path)]), chunk_bytes=1 << 16))
    assert len(chunks) > 100
    assert b"".join(chunk for chunk, _, _ in chunks) == path.read_bytes()
    result = scan_paths(path)
    assert result.ids.size == 2_000_000
    assert result.line_ends.tolist() == [2_000_000]
    assert sorted(zip(result.words, result.counts.tolist(), strict=True)) == sorted(
        zip(*np.unique(tokens, return_counts=True), strict=True)
    )


def test_chunks_are_cut_after_a_space_never_inside_a_token():
    assert _cut_point(b"abc def gh") == 8
    assert _cut_point(b"abc\ndef") == 4


def test_a_token_too_long_to_keep_is_cut_at_a_utf8_boundary(tmp_path):
    block = "é" * 10
    assert _character_boundary(block.encode()[:7]) == 6  # 7 bytes end inside the fourth "é"
    assert _cut_point(b"x" * 50) == 0
    path = tmp_path / "giant.txt"
    path.write_bytes(b"a " + "é".encode() * MAX_TOKEN_BYTES + b" b")  # one 2 MiB token
    chunks = [chunk for chunk, _, _ in read_chunks(resolve_sources([str(path)]), chunk_bytes=1 << 16)]
    assert b"".join(chunks) == path.read_bytes()
    assert max(map(len, chunks)) <= MAX_TOKEN_BYTES + (1 << 16)  # memory stays bounded
    for chunk in chunks:
        chunk.decode("utf-8")  # never cut inside a character


@pytest.mark.parametrize("opener,suffix", [(gzip.open, ".gz"), (bz2.open, ".bz2"), (lzma.open, ".xz")])
def test_compressed_files_are_detected_by_content(tmp_path, opener, suffix):
    path = tmp_path / f"c{suffix}"
    with opener(path, "wt") as out:
        out.write("one two\nthree\n")
    renamed = tmp_path / "no_suffix"  # detection does not rely on the name
    path.rename(renamed)
    assert scan_paths(renamed).words == [b"one", b"two", b"three"]


def test_directory_reads_its_files_sorted_skipping_hidden(tmp_path):
    (tmp_path / "b.txt").write_text("second\n")
    (tmp_path / "a.txt").write_text("first\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_text("third")
    (tmp_path / ".hidden").write_text("secret\n")
    result = scan_paths(tmp_path)
    assert result.words == [b"first", b"second", b"third"]
    assert result.line_ends.tolist() == [1, 1, 2, 2, 3]  # a file ends a line; empty lines are harmless


def test_each_file_ends_a_line(tmp_path):
    (tmp_path / "a.txt").write_text("one two")
    (tmp_path / "b.txt").write_text("three four")
    assert scan_paths(tmp_path / "a.txt", tmp_path / "b.txt").line_ends.tolist() == [2, 4]


def test_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x y\nz x\n")))
    result = scan(resolve_sources(["-"]), "simple", True)
    assert result.words == [b"x", b"y", b"z"]
    assert result.line_ends.tolist() == [2, 4, 4]


def test_missing_path_and_empty_directory_are_errors(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        resolve_sources([str(tmp_path / "nope.txt")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="has no files"):
        resolve_sources([str(tmp_path / "empty")])


def test_truncated_gzip_is_a_clear_error(tmp_path):
    path = tmp_path / "c.gz"
    path.write_bytes(gzip.compress(b"word " * 10_000)[:-20])
    with pytest.raises(CorpusError, match="cannot read"):
        scan_paths(path)


def test_word_table_matches_a_dict_across_growth():
    # 30,000 distinct words over several chunks: the hash table and pools grow and rehash.
    from w2v.corpus import WordTable

    rng = np.random.default_rng(2)
    vocabulary = [f"w{i}x".encode() * (1 + i % 3) for i in range(30_000)]
    table = WordTable()
    reference: dict[bytes, int] = {}
    for _ in range(4):
        tokens = [vocabulary[i] for i in rng.integers(0, len(vocabulary), 20_000)]
        text = b" ".join(tokens[:10_000]) + b"\n\n" + b"\t".join(tokens[10_000:]) + b"\n"
        ids = np.empty(len(text) // 2 + 1, dtype=np.int32)
        n_tokens, line_ends = table.index(text, ids)
        ids = ids[:n_tokens]
        expected = [reference.setdefault(token, len(reference)) for token in tokens]
        assert ids.tolist() == expected
        assert line_ends.tolist() == [10_000, 10_000, 20_000]
    assert table.words() == list(reference)
