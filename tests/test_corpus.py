import bz2
import gzip
import io
import lzma
import string
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import w2v
from tests.scans import FUZZ, ids_and_line_ends, lines_of, scan_bytes, scan_paths
from w2v.corpus import MAX_TOKEN_BYTES, _character_boundary, _cut_point, read_chunks, resolve_sources, scan
from w2v.errors import CorpusError
from w2v.tokenize import tokenize


def test_scan_counts_first_seen_ids_and_line_ends(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("b a b\n\nc a\nb")
    result = scan_paths(tmp_path, path)
    assert result.words == [b"b", b"a", b"c"]
    assert result.counts.tolist() == [3, 2, 1]
    assert result.ids.read(0, result.ids.size).tolist() == [0, 1, 0, -1, -1, 2, 1, -1, 0, -1]  # -1: line break
    ids, line_ends = ids_and_line_ends(result)
    assert ids.tolist() == [0, 1, 0, 2, 1, 0]
    assert line_ends.tolist() == [3, 3, 5, 6]  # the empty line ends where it starts
    assert result.n_lines == 3
    assert np.load(result.ids.path).tolist() == result.ids.read(0, result.ids.size).tolist()  # a valid .npy


@pytest.mark.slow
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
    result = scan_paths(tmp_path, path)
    ids, line_ends = ids_and_line_ends(result)
    assert ids.size == 2_000_000
    assert line_ends.tolist() == [2_000_000]
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
    assert scan_paths(tmp_path, renamed).words == [b"one", b"two", b"three"]


def test_directory_reads_its_files_sorted_skipping_hidden(tmp_path):
    (tmp_path / "b.txt").write_text("second\n")
    (tmp_path / "a.txt").write_text("first\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_text("third")
    (tmp_path / ".hidden").write_text("secret\n")
    work = tmp_path / ".work"  # hidden: not part of the corpus
    work.mkdir()
    result = scan_paths(work, tmp_path)
    assert result.words == [b"first", b"second", b"third"]
    assert ids_and_line_ends(result)[1].tolist() == [1, 1, 2, 2, 3]  # a file ends a line; empty lines are harmless


def test_each_file_ends_a_line(tmp_path):
    (tmp_path / "a.txt").write_text("one two")
    (tmp_path / "b.txt").write_text("three four")
    assert ids_and_line_ends(scan_paths(tmp_path, tmp_path / "a.txt", tmp_path / "b.txt"))[1].tolist() == [2, 4]


def test_stdin(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x y\nz x\n")))
    result = scan(resolve_sources(["-"]), "simple", True, tmp_path)
    assert result.words == [b"x", b"y", b"z"]
    assert ids_and_line_ends(result)[1].tolist() == [2, 4, 4]


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
        scan_paths(tmp_path, path)


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
        ids = np.empty(len(text), dtype=np.int32)
        ids = ids[: table.index(text, ids)]
        expected = [reference.setdefault(token, len(reference)) for token in tokens]
        assert ids[ids >= 0].tolist() == expected
        assert np.flatnonzero(ids < 0).tolist() == [10_000, 10_001, 20_002]  # the line breaks
    assert table.words_at(np.arange(table.n_words)) == list(reference)


def _text_with_a_flood_of_rare_words(seed: int = 3) -> tuple[str, list[str]]:
    """50 common words and 60,000 words seen once; 'phoenix' once at the start and 10 times at the end."""
    rng = np.random.default_rng(seed)
    common = [f"common{i}" for i in range(50)]
    lines = []
    for n in range(3000):
        line = [common[j] for j in rng.integers(0, 50, 10)] + [f"once{n}x{k}" for k in range(20)]
        lines.append(" ".join(line[i] for i in rng.permutation(len(line))))
    return "phoenix " + "\n".join(lines) + "\n" + "phoenix " * 10 + "\n", common


def test_counting_in_bounded_memory_forgets_the_rarest_and_accounts_for_them(tmp_path, monkeypatch):
    from collections import Counter

    from w2v.corpus import WordTable
    from w2v.vocab import build_vocab, encode

    text, common = _text_with_a_flood_of_rare_words()
    path = tmp_path / "flood.txt"
    path.write_text(text)
    peak = [0]
    grow = WordTable._grow

    def watched_grow(self, text_bytes):  # memory is highest just before the table grows
        peak[0] = max(peak[0], self.memory())
        grow(self, text_bytes)

    monkeypatch.setattr(WordTable, "_grow", watched_grow)
    limit = 1 << 20
    results = []
    for run in range(2):
        work = tmp_path / f"work{run}"
        work.mkdir()
        scanned = scan_paths(work, path, chunk_bytes=1 << 16, memory_limit=limit)
        pruning = scanned.pruning
        assert pruning.times >= 2 and pruning.threshold >= 2
        assert max(peak[0], scanned.table.memory()) <= limit
        # Every token is either still counted or was forgotten with its word.
        assert scanned.counts.sum() + pruning.tokens == scanned.n_tokens == len(text.split())
        vocab, scan_ids = build_vocab(scanned, min_count=5)
        results.append((vocab.words, vocab.counts.tolist(), pruning.times, pruning.tokens))
        counts = Counter(text.split())
        assert sorted(vocab.words) == sorted(common + ["phoenix"])
        assert vocab.counts[vocab.index["phoenix"]] == 10  # the first one was forgotten
        assert all(vocab.counts[vocab.index[w]] == counts[w] for w in common)  # never pruned: exact
        encoded = encode(scanned, scan_ids)
        # Tokens written before each pruning were renumbered correctly: the stream is the text's
        # common words and the last ten phoenixes, in order.
        expected = [vocab.index[w] for w in text.split()[1:] if w in vocab.index]
        assert encoded.tokens.read(0, encoded.n_tokens).tolist() == expected
    assert results[0] == results[1]  # deterministic


def test_a_giant_token_inside_one_chunk_is_cut_at_character_boundaries():
    from w2v.corpus import WordTable

    text = b"a " + "é".encode() * MAX_TOKEN_BYTES + b" b\n"  # 2 MiB token between spaces
    table = WordTable()
    ids = np.empty(len(text), dtype=np.int32)
    ids = ids[: table.index(text, ids)]
    words = table.words_at(ids[ids >= 0])
    assert words[0] == b"a" and words[-1] == b"b"
    pieces = words[1:-1]
    assert b"".join(pieces) == "é".encode() * MAX_TOKEN_BYTES
    assert len(pieces) == 2 and all(len(piece) == MAX_TOKEN_BYTES for piece in pieces)
    for piece in pieces:
        piece.decode("utf-8")


@pytest.mark.slow
def test_hostile_bytes_are_read_without_crashing(tmp_path):
    rng = np.random.default_rng(5)
    corpus = tmp_path / "garbage.bin"
    corpus.write_bytes(rng.integers(0, 256, 200_000, dtype=np.uint8).tobytes() + b"\x00" * 1000 + b"ok ok ok\r\nok")
    for tokenizer in ("simple", "whitespace"):
        model = w2v.train(str(corpus), w2v.TrainConfig(min_count=1, epochs=1, tokenizer=tokenizer), quiet=True)
        assert model.meta["corpus"]["invalid_utf8_bytes"] > 0
        assert np.isfinite(model.input_vectors).all()


@pytest.mark.slow
def test_a_50_mb_token_is_cut_into_1_mib_words_and_training_goes_on(tmp_path):
    corpus = tmp_path / "giant_token.txt"
    with open(corpus, "wb") as out:
        out.write(b"alpha beta gamma ")
        for _ in range(50):
            out.write(b"x" * (1 << 20))
        out.write(b" alpha beta gamma\n")
    model = w2v.train(str(corpus), w2v.TrainConfig(min_count=1, epochs=1, dim=8), quiet=True, work_dir=str(tmp_path))
    assert {"alpha", "beta", "gamma"} <= set(model.words)
    assert [word for word in model.words if word.startswith("x")] == ["x" * (1 << 20)]  # 50 pieces of 1 MiB
    assert model.meta["corpus"]["tokens"] == 6 + 50
    assert np.isfinite(model.input_vectors).all()


@FUZZ
@given(
    text=st.text(alphabet=string.ascii_letters + " \t\n\r" + "é中ß\u00a0\u3000,.!", max_size=400),
    chunk_bytes=st.integers(min_value=1, max_value=64),
    tokenizer=st.sampled_from(["simple", "whitespace"]),
)
def test_chunked_scan_equals_tokenizing_each_line(tmp_path, text, chunk_bytes, tokenizer):
    result = scan_bytes(tmp_path, text.encode("utf-8"), tokenizer, chunk_bytes)
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
        result = scan_bytes(tmp_path, data, tokenizer, chunk_bytes)
        for word in result.words:
            word.decode("utf-8")  # invalid input was replaced: every word is valid UTF-8
            assert word and not any(c in word for c in b" \t\n\r\x0b\x0c")
        ids, line_ends = ids_and_line_ends(result)
        assert line_ends.tolist() == sorted(line_ends.tolist())
        assert line_ends[-1] == ids.size == result.n_tokens
