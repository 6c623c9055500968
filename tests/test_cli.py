"""The command line: exit codes, exact messages, streams."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from w2v.cli import cli

README = Path(__file__).parent.parent / "README.md"


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def test_train_writes_the_model_and_nothing_to_stdout(family_file, tmp_path):
    result = run("train", family_file, "--model-dir", tmp_path / "m", "--min-count", "1", "--dim", "8", "--epochs", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "saved 16 words x 8 dimensions to" in result.stderr
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["input.npy", "meta.json", "output.npy", "vocab.tsv"]


def test_model_dir_defaults_to_env_var(family_file, tmp_path):
    env = {"W2V_MODEL": str(tmp_path / "env-model")}
    assert run("train", family_file, "--min-count", "1", "--dim", "8", "--epochs", "1", "-q", env=env).exit_code == 0
    result = run("neighbors", "animal1", "-k", "2", env=env)
    assert result.exit_code == 0 and result.stdout.startswith("animal1\n")


def test_neighbors_table_has_both_metrics(trained_model_dir):
    result = run("neighbors", "animal0", "metal3", "-k", "3", "--model-dir", trained_model_dir)
    assert result.exit_code == 0
    blocks = result.stdout.split("\n\n")
    assert len(blocks) == 2
    lines = blocks[0].splitlines()
    assert lines[0] == "animal0"
    assert re.match(r" rank  cosine +similarity  euclidean +distance$", lines[1])
    rows = [line.split() for line in lines[2:]]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert all(row[1].startswith("animal") and row[3].startswith("animal") for row in rows)
    assert all(row[1] != "animal0" for row in rows)
    similarities = [float(row[2]) for row in rows]
    distances = [float(row[4]) for row in rows]
    assert similarities == sorted(similarities, reverse=True) and distances == sorted(distances)


def test_neighbors_json_and_single_metric(trained_model_dir):
    result = run("neighbors", "metal1", "-k", "2", "--metric", "cosine", "--json", "--model-dir", trained_model_dir)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [entry["query"] for entry in data] == ["metal1"]
    assert set(data[0]) == {"query", "cosine"}
    assert len(data[0]["cosine"]) == 2 and all(n["word"].startswith("metal") for n in data[0]["cosine"])


@pytest.mark.parametrize("suffix,binary", [(".txt", False), (".bin", True)])
def test_export_word2vec_formats(trained_model_dir, tmp_path, suffix, binary):
    out = tmp_path / f"vectors{suffix}"
    result = run("export", out, "--model-dir", trained_model_dir, "--limit", "4")
    assert result.exit_code == 0
    assert result.stderr == f"wrote 4 vectors of 16 dimensions to {out} (word2vec {'binary' if binary else 'text'})\n"
    data = out.read_bytes()
    assert data.startswith(b"4 16\n")
    if not binary:
        lines = data.decode().splitlines()
        assert len(lines) == 5 and all(len(line.split()) == 17 for line in lines[1:])


def test_export_npy(trained_model_dir, tmp_path):
    out = tmp_path / "table.npy"
    assert run("export", out, "--model-dir", trained_model_dir).exit_code == 0
    assert np.load(out).shape == (16, 16)
    assert len((tmp_path / "table.vocab.txt").read_text().splitlines()) == 16


BAD_INPUTS = [
    (["train", "{tmp}/nope.txt"], 1, "Error: corpus {tmp}/nope.txt does not exist\n"),
    (["train", "{tmp}/emptydir"], 1, "Error: directory {tmp}/emptydir has no files\n"),
    (["train", "{tmp}/empty.txt"], 1, "Error: {tmp}/empty.txt has no words\n"),
    (
        ["train", "{tmp}/tiny.txt"],
        1,
        "Error: no word in {tmp}/tiny.txt occurs 5 times (the most frequent occurs 2); try --min-count 1\n",
    ),
    (
        ["neighbors", "animalz", "--model-dir", "{model}"],
        1,
        "Error: 'animalz' is not in the vocabulary; did you mean {animals}?\n",
    ),
    (["neighbors", "zzzz", "--model-dir", "{model}"], 1, "Error: 'zzzz' is not in the vocabulary\n"),
    (
        ["neighbors", "king", "--model-dir", "{tmp}/missing"],
        1,
        "Error: no model at {tmp}/missing; train one with `w2v train CORPUS --model-dir {tmp}/missing`\n",
    ),
    (
        ["neighbors", "king", "--model-dir", "{tmp}/emptydir"],
        1,
        "Error: {tmp}/emptydir is not a w2v model directory (no meta.json)\n",
    ),
    (
        ["export", "{tmp}/no/such/dir/v.txt", "--model-dir", "{model}"],
        1,
        "Error: cannot write {tmp}/no/such/dir/v.txt: No such file or directory\n",
    ),
]


@pytest.mark.parametrize("args,code,message", BAD_INPUTS)
def test_bad_input_gives_one_clear_line(args, code, message, tmp_path, trained_model_dir):
    (tmp_path / "emptydir").mkdir()
    (tmp_path / "empty.txt").write_text(" \n\n")
    (tmp_path / "tiny.txt").write_text("a b a\n")
    # Equally close suggestions come most frequent first: the first three animals in vocab.tsv.
    words = [line.split("\t")[0] for line in (trained_model_dir / "vocab.tsv").read_text().splitlines()]
    animals = ", ".join(repr(w) for w in words if w.startswith("animal"))[: 3 * 11 - 2]
    fill = {"tmp": tmp_path, "model": trained_model_dir, "animals": animals}
    result = run(*[arg.format(**fill) for arg in args])
    assert result.exit_code == code
    assert result.stderr == message.format(**fill)
    assert result.stdout == ""


def test_unwritable_model_dir_keeps_nothing_half_written(family_file, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run("train", family_file, "--model-dir", blocker / "m", "--min-count", "1", "-q")
    assert result.exit_code == 1
    # Found before reading the corpus: the encoded corpus is kept beside the model while training.
    assert result.stderr == f"Error: cannot write in {blocker}: not a directory\n"
    assert blocker.read_text() == "not a directory"


@pytest.mark.parametrize(
    "option,value",
    [
        ("--dim", "0"),
        ("--window", "-1"),
        ("--negative", "0"),
        ("--epochs", "0"),
        ("--sample", "-1"),
        ("--arch", "glove"),
        ("--max-vocab-memory", "lots"),
        ("--max-vocab-memory", "-1G"),
    ],
)
def test_invalid_option_values_are_usage_errors(option, value, family_file):
    result = run("train", family_file, option, value)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.stderr


@pytest.mark.parametrize("args", [
    ["neighbors", "animal0"],
    ["analogy", "animal0", "animal1", "metal0"],
    ["similarity", "animal0", "metal0"],
    ["evaluate", "--similarity", str(Path(__file__).parent.parent / "corpora" / "wordsim353.tsv")],
    ["export", "{tmp}/v.txt"],
])  # fmt: skip
def test_query_commands_do_not_import_numba(trained_model_dir, tmp_path, args):
    args = [arg.format(tmp=tmp_path) for arg in args] + ["--model-dir", str(trained_model_dir)]
    code = (
        "import sys; from w2v.cli import cli\n"
        f"try: cli({args!r})\n"
        "except SystemExit as exit: assert not exit.code, exit.code\n"
        "assert 'numba' not in sys.modules, 'numba was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_command_and_option_is_in_the_readme():
    readme = README.read_text()
    for name, command in cli.commands.items():
        assert f"w2v {name}" in readme, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt not in ("--help",):
                    assert opt in readme, f"{name} {opt}"


def test_neighbors_reads_a_vectors_file(trained_model_dir, tmp_path):
    out = tmp_path / "v.bin"
    assert run("export", out, "--model-dir", trained_model_dir).exit_code == 0
    from_file = run("neighbors", "metal2", "--vectors", out)
    from_model = run("neighbors", "metal2", "--model-dir", trained_model_dir)
    assert from_file.exit_code == 0
    assert from_file.stdout == from_model.stdout


def test_evaluate_table_and_json(tmp_path):
    vectors = tmp_path / "v.txt"
    vectors.write_text("4 2\nman 1 0\nwoman 1 1\nking 0 1\nqueen 0 2.1\n")
    analogies = tmp_path / "q.txt"
    analogies.write_text(": family\nman woman king queen\nman king woman queen\n: gram1\nMan Woman nope queen\n")
    pairs = tmp_path / "p.txt"
    pairs.write_text("man woman 5\nking queen 9\nman king 1\n")
    args = ["evaluate", "--vectors", vectors, "--analogies", analogies, "--similarity", pairs]
    result = run(*args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "analogies: q.txt (questions with a word outside the top 30,000 skipped)"
    assert lines[1].split() == ["section", "answered", "3CosAdd", "3CosMul"]
    assert lines[2].split() == ["family", "2/2", "100.0%", "100.0%"]
    assert lines[3].split() == ["gram1", "0/1", "0.0%", "0.0%"]
    assert lines[-1].split()[:2] == ["p.txt", "3/3"]
    data = json.loads(run(*args, "--json").stdout)
    assert data["analogies"][0]["summary"][-1]["correct"] == {"add": 2, "mul": 2}
    assert data["similarity"][0]["covered"] == 3


def test_evaluate_defaults_to_the_bundled_sets(trained_model_dir):
    result = run("evaluate", "--model-dir", trained_model_dir, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [a["file"] for a in data["analogies"]] == ["questions-words.txt"]
    assert data["analogies"][0]["summary"][-1]["total"] == 19544
    assert [s["name"] for s in data["similarity"]] == [
        "wordsim353.tsv", "EN-WS-353-SIM.txt", "EN-WS-353-REL.txt", "simlex999.txt"]  # fmt: skip


def test_max_vocab_memory_sizes(family_file, tmp_path):
    from w2v.cli import ByteSize

    assert [ByteSize().convert(v, None, None) for v in ("500", "2K", "1.5M", "2G", "2gb", "none")] == [
        500, 2048, 3 << 19, 2 << 30, 2 << 30, None,
    ]  # fmt: skip
    result = run("train", family_file, "--model-dir", tmp_path / "m", "--max-vocab-memory", "100K", "-q")
    assert result.exit_code == 1
    assert result.stderr == "Error: max_vocab_memory must be at least 1 MB, got 102400 bytes\n"


def test_pruning_is_reported_and_recorded(tmp_path):
    lines = [" ".join(["common"] * 5 + [f"rare{n}x{k}" for k in range(40)]) for n in range(2000)]
    corpus = tmp_path / "many_words.txt"
    corpus.write_text("\n".join(lines) + "\n")
    result = run("train", corpus, "--model-dir", tmp_path / "m", "--max-vocab-memory", "1M", "--min-count", "1",
                 "--epochs", "1")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "the word table reached --max-vocab-memory (1 MB) after" in result.stderr
    assert "words seen fewer than" in result.stderr and "may be missing" in result.stderr
    pruned = json.loads((tmp_path / "m" / "meta.json").read_text())["corpus"]["pruned"]
    assert pruned["times"] >= 1 and pruned["words"] > 0 and pruned["tokens"] >= pruned["words"]
