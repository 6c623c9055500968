"""analogy, similarity, vector arithmetic, stdin queries, import, export --normalize, PyTorch."""

import io
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

import w2v
from w2v.cli import cli
from w2v.errors import W2VError
from w2v.formats import write_word2vec
from w2v.model import Model
from w2v.query import analogy, similarity, vector_of
from w2v.vocab import Vocab

# A tiny world where the royal and the gender direction are separate axes.
WORDS = ["man", "woman", "king", "queen", "apple"]
VECTORS = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 1, 0], [0, 0, 0, 1]], dtype=np.float32)


@pytest.fixture
def model():
    return Model(Vocab(WORDS, np.array([5, 4, 3, 2, 1])), VECTORS)


@pytest.fixture
def vectors_file(tmp_path):
    path = tmp_path / "v.txt"
    write_word2vec(path, WORDS, VECTORS)
    return path


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def test_analogy_finds_queen_and_excludes_inputs(model):
    for method in ("add", "mul"):
        answers = analogy(model, "man", "king", "woman", k=4, method=method)
        assert answers[0].word == "queen"
        assert {"man", "king", "woman"}.isdisjoint(a.word for a in answers)
        assert len(answers) == 2  # only queen and apple are left


def test_similarity_by_hand(model):
    result = similarity(model, "king", "queen")
    assert result.cosine == pytest.approx(2 / np.sqrt(6))
    assert result.euclidean == pytest.approx(1.0)


def test_vector_of_sums_signed_unit_vectors(model):
    vector, ids = vector_of(model, "king - man + woman")
    unit = VECTORS / np.linalg.norm(VECTORS, axis=1, keepdims=True)
    np.testing.assert_allclose(vector, unit[2] - unit[0] + unit[1], rtol=1e-6)
    assert ids == [2, 0, 1]
    np.testing.assert_allclose(vector_of(model, "- apple")[0], -unit[4])
    np.testing.assert_allclose(vector_of(model, "king queen")[0], unit[2] + unit[3], rtol=1e-6)


@pytest.mark.parametrize("expression,message", [
    ("king + + man", "two operators in a row"),
    ("king -", "an operator needs a word after it"),
    ("+", "no word in '+'"),
])  # fmt: skip
def test_vector_of_rejects_bad_expressions(model, expression, message):
    with pytest.raises(W2VError, match=re.escape(message)):
        vector_of(model, expression)


def test_cli_analogy_and_similarity(vectors_file):
    result = run("analogy", "man", "king", "woman", "-k", "1", "--vectors", vectors_file)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "man : king :: woman : ?"
    assert result.stdout.splitlines()[1].split()[:2] == ["1", "queen"]
    data = json.loads(run("analogy", "man", "king", "woman", "--method", "mul", "--json", "--vectors",
                          vectors_file).stdout)  # fmt: skip
    assert data["answers"][0]["word"] == "queen"
    result = run("similarity", "king", "queen", "--vectors", vectors_file)
    assert result.stdout == f"cosine similarity\t{2 / np.sqrt(6):.4f}\neuclidean distance\t1.0000\n"
    result = run("similarity", "king", "kingg", "--vectors", vectors_file)
    assert result.exit_code == 1
    assert result.stderr == "Error: 'kingg' is not in the vocabulary; did you mean 'king'?\n"


def test_cli_vector_of(vectors_file):
    result = run("neighbors", "--vector-of", "king - man + woman", "-k", "1", "--metric", "cosine",
                 "--vectors", vectors_file)  # fmt: skip
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "king - man + woman"
    assert result.stdout.splitlines()[2].split()[:2] == ["1", "queen"]


def test_cli_queries_from_stdin_keep_going_after_an_error(vectors_file):
    result = run("neighbors", "-", "-k", "1", "--metric", "cosine", "--json", "--vectors", vectors_file,
                 input="king\nnope\nking - man + woman\nEXIT\nqueen\n")  # fmt: skip
    assert result.exit_code == 1  # one query failed
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["query"], d["cosine"][0]["word"]) for d in lines] == [("king", "queen"), ("king - man + woman", "queen")]
    assert result.stderr == "Error: 'nope' is not in the vocabulary\n"


def test_neighbors_needs_a_query(vectors_file):
    result = run("neighbors", "--vectors", vectors_file)
    assert result.exit_code == 2
    assert "give a WORD, --vector-of EXPR, or - to read queries from standard input" in result.stderr


def test_import_then_query_memory_mapped(vectors_file, tmp_path):
    target = tmp_path / "imported"
    result = run("import", vectors_file, "--model-dir", target)
    assert result.exit_code == 0
    assert result.stderr == f"imported 5 words x 4 dimensions into {target}\n"
    model = w2v.load(target)
    assert model.words == WORDS and model.output_vectors is None
    assert isinstance(model.input_vectors, np.memmap)
    np.testing.assert_allclose(model.input_vectors, VECTORS, atol=1e-6)
    assert run("neighbors", "king", "--model-dir", target).exit_code == 0


def test_import_a_damaged_file_keeps_nothing(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\nking 1 2 3\nqueen 1 2\n")
    result = run("import", bad, "--model-dir", tmp_path / "m")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {bad}:3: expected 3 values after 'queen', got 2\n"
    assert not (tmp_path / "m").exists()


def test_export_normalize_and_npy_for_torch(vectors_file, tmp_path):
    target = tmp_path / "m"
    run("import", vectors_file, "--model-dir", target)
    out = tmp_path / "table.npy"
    assert run("export", out, "--normalize", "--limit", "4", "--model-dir", target).exit_code == 0
    table = np.load(out)
    assert table.shape == (4, 4)
    np.testing.assert_allclose(np.linalg.norm(table, axis=1), 1.0, rtol=1e-6)
    assert (tmp_path / "table.vocab.txt").read_text().splitlines() == WORDS[:4]


def test_table_goes_into_torch_embedding(vectors_file, tmp_path):
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install '.[torch]')")
    target = tmp_path / "m"
    run("import", vectors_file, "--model-dir", target)
    out = tmp_path / "out.npy"
    run("export", out, "--model-dir", target)
    # Exactly the README's lines:
    embedding = torch.nn.Embedding.from_pretrained(torch.from_numpy(np.load(out)), freeze=True)
    words = (tmp_path / "out.vocab.txt").read_text(encoding="utf-8").splitlines()
    row = embedding(torch.tensor([words.index("queen")]))
    np.testing.assert_allclose(row.numpy()[0], VECTORS[3], atol=1e-6)
    assert not embedding.weight.requires_grad


def test_stdin_prompt_only_on_a_terminal(vectors_file, monkeypatch):
    from w2v import cli as cli_module

    monkeypatch.setattr(cli_module.sys, "stdin", io.StringIO("king\n"))
    assert list(cli_module._stdin_queries(prompt=False)) == ["king"]
