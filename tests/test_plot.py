"""w2v plot (SVG maps and loss charts) and the Embedding Projector's export."""

import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from click.testing import CliRunner

import w2v
from w2v.cli import cli
from w2v.formats import read_word2vec, write_word2vec
from w2v.plot import pca_2d

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def vectors_file(tmp_path):
    path = tmp_path / "v.txt"
    rows = np.random.default_rng(1).normal(size=(6, 4)).astype(np.float32)
    write_word2vec(path, ["king", "queen", "man", "woman", "paris", "rome"], rows)
    return path


def reference_pca(rows):
    """Projection on the two eigenvectors of the covariance matrix with the largest eigenvalues."""
    centred = rows - rows.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred)
    order = np.argsort(values)[::-1][:2]
    return centred @ vectors[:, order], values[order] / values.sum()


def test_pca_matches_the_covariance_eigenvectors_up_to_sign():
    rows = np.random.default_rng(0).normal(size=(30, 6)) * np.array([5, 3, 1, 1, 0.5, 0.1])
    coords, explained = pca_2d(rows)
    expected, expected_share = reference_pca(rows)
    for axis in range(2):
        sign = np.sign(coords[0, axis] * expected[0, axis])
        np.testing.assert_allclose(coords[:, axis], sign * expected[:, axis], atol=1e-9)
    np.testing.assert_allclose(explained, expected_share)


def points(svg_path):
    root = ET.parse(svg_path).getroot()
    circles = root.findall(f".//{SVG}circle[@class='point']")
    labels = [t.text for t in root.findall(f".//{SVG}text[@class='label']")]
    return root, circles, labels


def test_map_has_a_point_and_label_per_word_at_their_pca_coordinates(trained_model_dir, tmp_path):
    out = tmp_path / "map.svg"
    args = ["plot", "animal1", "metal1", "--neighbors", "3", "--arrows", "animal1 metal1", "-o", str(out),
            "--model-dir", str(trained_model_dir)]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{out}\n"
    root, circles, labels = points(out)
    words = [c.get("data-word") for c in circles]
    assert labels == words and len(words) == 8 and words[0] == "animal1" and "metal1" in words
    model = w2v.load(trained_model_dir)
    expected, _ = reference_pca(np.array([model[w] for w in words], dtype=np.float64))
    got = np.array([[float(c.get("data-x")), float(c.get("data-y"))] for c in circles])
    for axis in range(2):
        sign = np.sign(got[0, axis] * expected[0, axis]) or 1.0
        np.testing.assert_allclose(got[:, axis], sign * expected[:, axis], atol=1e-4)
    colours = {c.get("data-word"): c.get("fill") for c in circles}
    assert len({colours[w] for w in words if w.startswith("animal")}) == 1  # neighbours take their word's colour
    assert colours["animal1"] != colours["metal1"]
    arrow = root.find(f".//{SVG}line[@class='arrow']")
    assert (arrow.get("data-from"), arrow.get("data-to")) == ("animal1", "metal1")
    assert "explains" in root.findall(f".//{SVG}text")[-1].text


def test_loss_chart_has_a_point_per_epoch(trained_model_dir, tmp_path):
    out = tmp_path / "loss.svg"
    result = CliRunner().invoke(cli, ["plot", "--loss", "-o", str(out), "--model-dir", str(trained_model_dir)])
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()
    losses = [float(c.get("data-loss")) for c in root.findall(f".//{SVG}circle[@class='epoch']")]
    assert losses == w2v.load(trained_model_dir).training.epoch_loss
    assert len(root.find(f".//{SVG}polyline[@class='learning-rate']").get("points").split()) == len(losses)


def test_plot_errors_are_one_line(trained_model_dir, vectors_file, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["plot", "animl1", "--model-dir", str(trained_model_dir)])
    assert result.exit_code == 1 and "'animl1' is not in the vocabulary" in result.output
    assert "animal1" in result.output  # a suggestion
    result = runner.invoke(cli, ["plot", "--loss", "--vectors", str(vectors_file)])
    assert result.exit_code == 1 and "has no training record to draw" in result.output
    result = runner.invoke(cli, ["plot", "--model-dir", str(trained_model_dir)])
    assert result.exit_code == 2 and "give the WORDs to draw" in result.output
    result = runner.invoke(cli, ["plot", "king", "--arrows", "king", "--vectors", str(vectors_file)])
    assert result.exit_code == 1 and "an arrow is two words" in result.output
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        result = runner.invoke(cli, ["plot", "king", "-o", str(tmp_path / "a.png"), "--vectors", str(vectors_file)])
        assert result.exit_code == 1 and "needs matplotlib (pip install matplotlib)" in result.output
        assert not (tmp_path / "a.png").exists()


def test_a_map_of_550_words_is_drawn_without_numba(tmp_path):
    # 50 words with 10 neighbours each from a 20,000-word table, in a process of its own: plotting
    # never imports numba (its import alone takes a good part of a second).
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(20_000)]
    vectors = tmp_path / "v.txt"
    vectors.write_text("".join(f"{w} {' '.join(f'{x:.4f}' for x in row)}\n"
                               for w, row in zip(words, rng.normal(size=(20_000, 50)), strict=True)))  # fmt: skip
    w2v.cli.cli.main(["import", str(vectors), "--model-dir", str(tmp_path / "m")], standalone_mode=False)
    script = (
        "import sys; from w2v.cli import cli\n"
        f"cli.main(['plot', *[f'w{{i}}' for i in range(50)], '--neighbors', '10', '-o', {str(tmp_path / 'm.svg')!r},"
        f" '--model-dir', {str(tmp_path / 'm')!r}], standalone_mode=False)\n"
        "print('numba' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split()[-1] == "False"
    drawn = [c.get("data-word") for c in points(tmp_path / "m.svg")[1]]
    assert len(drawn) == len(set(drawn)) > 500 and {f"w{i}" for i in range(50)} <= set(drawn)


@pytest.mark.parametrize("source", ["model", "vectors"])
def test_projector_export_round_trips(trained_model_dir, vectors_file, tmp_path, source):
    model = w2v.load(trained_model_dir) if source == "model" else read_word2vec(vectors_file)
    where = ["--model-dir", str(trained_model_dir)] if source == "model" else ["--vectors", str(vectors_file)]
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "emb"), "--format", "projector", "--limit", "4", *where])
    assert result.exit_code == 0, result.output
    table = np.loadtxt(tmp_path / "emb.vectors.tsv", delimiter="\t", ndmin=2)
    words = (tmp_path / "emb.metadata.tsv").read_text().splitlines()
    assert table.shape == (4, model.dim) and words == model.words[:4]
    np.testing.assert_allclose(table, model.input_vectors[:4], rtol=1e-5, atol=1e-6)


def test_png_through_matplotlib(trained_model_dir, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    runner = CliRunner()
    for args in (["animal1", "metal1", "--neighbors", "2", "--arrows", "animal1 metal1"], ["--loss"]):
        out = tmp_path / "picture.png"
        result = runner.invoke(cli, ["plot", *args, "-o", str(out), "--model-dir", str(trained_model_dir)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        out.unlink()
