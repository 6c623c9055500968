"""Reading other people's vectors: word2vec text/binary, GloVe, and their damaged forms."""

import numpy as np
import pytest

import w2v
from w2v import formats
from w2v.errors import ModelFormatError
from w2v.formats import read_word2vec, write_word2vec

WORDS = ["the", "café", "king"]
VECTORS = np.array([[0.5, -1.25], [2.0, 0.0], [-0.125, 3.5]], dtype=np.float32)


def binary_file(path, words=WORDS, vectors=VECTORS, newline=True, encoding="utf-8", header=None):
    body = b"".join(
        w.encode(encoding) + b" " + v.astype("<f4").tobytes() + (b"\n" if newline else b"")
        for w, v in zip(words, vectors, strict=True)
    )
    path.write_bytes((header or f"{len(words)} {vectors.shape[1]}\n").encode() + body)
    return path


def check(model, words=WORDS, vectors=VECTORS):
    assert model.words == words
    np.testing.assert_array_equal(model.input_vectors, vectors)


def test_text_with_header(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("3 2\nthe 0.5 -1.25\ncafé 2 0\nking -0.125 3.5\n", encoding="utf-8")
    check(read_word2vec(path))


def test_text_without_header_glove(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("the 0.5 -1.25\ncafé 2 0\nking -0.125 3.5")
    check(read_word2vec(path))


@pytest.mark.parametrize("newline", [True, False])
def test_binary_with_and_without_newline_after_vectors(tmp_path, newline):
    check(read_word2vec(binary_file(tmp_path / "v.bin", newline=newline)))


def test_latin1_words_and_replacement_count(tmp_path):
    path = binary_file(tmp_path / "v.bin", encoding="latin-1")
    check(read_word2vec(path, encoding="latin-1"))
    model = read_word2vec(path)  # as UTF-8: "caf\xe9" is invalid
    assert model.words == ["the", "caf\ufffd", "king"]
    assert model.meta["replaced_words"] == 1


@pytest.mark.parametrize("binary", [False, True])
def test_limit_reads_the_first_words(tmp_path, binary):
    path = tmp_path / "v"
    write_word2vec(path, WORDS, VECTORS, binary=binary)
    check(read_word2vec(path, limit=2), WORDS[:2], VECTORS[:2])


def test_gzip_text(tmp_path):
    import gzip

    path = tmp_path / "v.txt.gz"
    path.write_bytes(gzip.compress(b"3 2\nthe 0.5 -1.25\ncaf\xc3\xa9 2 0\nking -0.125 3.5\n"))
    check(read_word2vec(path))


BAD = [
    (b"3 2\nthe 0.5 -1.25\ncafe 2\nking -0.125 3.5\n", "v:3: expected 2 values after 'cafe', got 1"),
    (b"the 0.5 -1.25\ncafe 2 0 7\n", "v:2: expected 2 values after 'cafe', got 3"),
    (b"3 2\nthe 0.5 -1.25\ncafe 2 x\nking -0.125 3.5\n", "v:3: a value of 'cafe' is not a number"),
    (b"3 2\nthe 0.5 -1.25\n", "v: truncated: the header promises 3 words, the file has 1"),
    (b"3\nthe 0.5 -1.25\n", "v:1: expected a word and its vector, got one field"),
    (b"\nthe 0.5\n", "v:1: expected a 'n_words dim' header or a word and its vector"),
    (b"2 2\nthe nan 1\nking inf 0\n", "v: the vector of 'the' has NaN or infinite values"),
    (b"", "v is empty"),
]


@pytest.mark.parametrize("content,message", BAD)
def test_malformed_files_name_the_line_or_word(tmp_path, content, message):
    path = tmp_path / "v"
    path.write_bytes(content)
    with pytest.raises(ModelFormatError) as error:
        read_word2vec(path)
    assert str(error.value) == f"{tmp_path}/{message}"


def test_truncated_binary(tmp_path):
    path = binary_file(tmp_path / "v.bin")
    path.write_bytes(path.read_bytes()[:-6])
    with pytest.raises(ModelFormatError, match="truncated: the header promises 3 words, the file ends at word 3"):
        read_word2vec(path)


def test_binary_dimension_mismatch_is_caught(tmp_path):
    # The header says dim 3 but the records hold 2 floats: the words come out wrong and the
    # file ends early, which is reported rather than silently misread.
    path = binary_file(tmp_path / "v.bin", header="3 3\n")
    with pytest.raises(ModelFormatError, match="truncated"):
        read_word2vec(path)


def test_gensim_binary_gives_gensim_neighbours(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    rng = np.random.default_rng(0)
    kv = gensim_models.KeyedVectors(10)
    words = [f"word{i}" for i in range(200)]
    kv.add_vectors(words, rng.normal(size=(200, 10)).astype(np.float32))
    path = tmp_path / "g.bin"
    kv.save_word2vec_format(str(path), binary=True)
    model = read_word2vec(path)
    ours = [(n.word, n.score) for n in w2v.nearest(model, "word7", k=10)]
    theirs = kv.most_similar("word7", topn=10)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-5)


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_formats_load_in_gensim(trained_model_dir, tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    model = w2v.load(trained_model_dir)
    path = tmp_path / ("v.bin" if binary else "v.txt")
    formats.write_word2vec(path, model.words, model.input_vectors, binary=binary)
    loaded = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert loaded.index_to_key == model.words
    np.testing.assert_allclose(loaded.vectors, model.input_vectors, atol=0 if binary else 5e-7)
    ours = [n.word for n in w2v.nearest(model, "animal0", k=5)]
    theirs = [word for word, _ in loaded.most_similar("animal0", topn=5)]
    assert ours == theirs


def test_npy_export_writes_matrix_and_words(trained_model_dir, tmp_path):
    model = w2v.load(trained_model_dir)
    vocab_path = formats.write_npy(tmp_path / "out.npy", model.words[:5], model.input_vectors[:5])
    assert vocab_path == tmp_path / "out.vocab.txt"
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), model.input_vectors[:5])
    assert vocab_path.read_text().splitlines() == model.words[:5]
