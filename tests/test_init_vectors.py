"""--init-vectors and --freeze-init: training that starts from, or keeps, another table's vectors."""

import numpy as np
import pytest
from click.testing import CliRunner

import w2v
from tests.conftest import family_corpus, stop_after_first_checkpoint
from w2v.cli import cli
from w2v.errors import ConfigError
from w2v.formats import write_word2vec
from w2v.init_vectors import read_init_vectors
from w2v.query import nearest

SMALL = dict(dim=16, min_count=1, sample=0, epochs=3, seed=3)


@pytest.fixture(scope="module")
def known(tmp_path_factory, family_file):
    """A model of the family corpus (animal0-7, metal0-7), saved, and its vectors as a word2vec file."""
    folder = tmp_path_factory.mktemp("init")
    model = w2v.train(str(family_file), w2v.TrainConfig(threads=1, **SMALL), quiet=True)
    w2v.save(model, folder / "model")
    write_word2vec(folder / "vectors.txt", model.words, model.input_vectors)
    return model, folder


@pytest.fixture(scope="module")
def with_newcomer(tmp_path_factory):
    """The family corpus again, with a new word, newt, among the animals."""
    text = family_corpus(seed=5).replace("animal3", "newt", 400)
    path = tmp_path_factory.mktemp("corpus") / "newcomer.txt"
    path.write_text(text)
    return path


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("source", ["vectors.txt", "model"])
def test_frozen_rows_stay_byte_identical_and_a_new_word_lands_among_its_neighbours(known, with_newcomer, threads,
                                                                                   source):  # fmt: skip
    _, folder = known
    config = w2v.TrainConfig(threads=threads, init_vectors=str(folder / source), freeze_init=True, **SMALL)
    trained = w2v.train(str(with_newcomer), config, quiet=True)
    model = read_init_vectors(folder / source)  # the text file holds 6 decimals of the model's vectors
    assert "newt" in trained and "newt" not in model
    for word in model.words:
        assert trained[word].tobytes() == model[word].tobytes(), word
    assert {n.word[:6] for n in nearest(trained, "newt", k=5)} == {"animal"}
    assert np.abs(trained.output_vectors).max() > 0  # output vectors still learn


def test_unfrozen_rows_start_from_the_file_and_move(known, with_newcomer):
    model, folder = known
    config = w2v.TrainConfig(threads=1, init_vectors=str(folder / "vectors.txt"), **{**SMALL, "epochs": 1})
    trained = w2v.train(str(with_newcomer), config, quiet=True)
    fresh = w2v.train(str(with_newcomer), w2v.TrainConfig(threads=1, **{**SMALL, "epochs": 1}), quiet=True)
    moved = np.abs(trained["animal0"] - model["animal0"]).max()
    assert 0 < moved < np.abs(fresh["animal0"] - model["animal0"]).max()  # moved, but from the file's vector
    assert np.abs(trained["newt"]).max() > 0


def test_resume_keeps_the_frozen_rows_frozen(known, with_newcomer, tmp_path, monkeypatch):
    _, folder = known
    model = read_init_vectors(folder / "vectors.txt")
    config = w2v.TrainConfig(threads=1, init_vectors=str(folder / "vectors.txt"), freeze_init=True, **SMALL)
    whole = w2v.train(str(with_newcomer), config, quiet=True)
    stop_after_first_checkpoint(monkeypatch, with_newcomer, config, tmp_path / "m")
    assert w2v.load(tmp_path / "m").training.epochs_done == 1
    resumed = w2v.train(str(with_newcomer), quiet=True, model_dir=tmp_path / "m", resume=True)
    np.testing.assert_array_equal(resumed.input_vectors, whole.input_vectors)
    assert resumed["animal0"].tobytes() == model["animal0"].tobytes()


def test_another_dimension_is_a_clear_error(known, family_file):
    _, folder = known
    config = w2v.TrainConfig(threads=1, init_vectors=str(folder / "vectors.txt"), **{**SMALL, "dim": 8})
    with pytest.raises(ConfigError, match=r"has 16 dimensions and --dim is 8: they must match$"):
        w2v.train(str(family_file), config, quiet=True)


def test_cli_reports_the_shared_words_and_errors_in_one_line(known, with_newcomer, tmp_path):
    _, folder = known
    runner = CliRunner()
    args = ["train", str(with_newcomer), "--model-dir", str(tmp_path / "m"), "--dim", "16", "--min-count", "1",
            "--epochs", "1", "--init-vectors", str(folder / "vectors.txt"), "--freeze-init"]  # fmt: skip
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "16 of 17 words keep their vectors in" in result.output and "(frozen)" in result.output
    result = runner.invoke(cli, [*args[:-3], "--dim", "8", "--init-vectors", str(folder / "vectors.txt")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: --init-vectors")
    assert "Traceback" not in result.output
    result = runner.invoke(cli, [*args[:-3], "--init-vectors", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(cli, ["train", str(with_newcomer), "--model-dir", str(tmp_path / "n"), "--freeze-init"])
    assert result.exit_code == 1 and "give init_vectors too" in result.output
