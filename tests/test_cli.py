"""The command line: exit codes, exact messages, streams."""

import json
import os
import pty
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import w2v
from tests.conftest import wait_for_checkpoint
from tests.test_query import VECTORS, WORDS
from w2v.cli import cli
from w2v.formats import write_word2vec

README = Path(__file__).parent.parent / "README.md"


def run(*args, env=None, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, input=input)


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


@pytest.mark.parametrize(
    "options,files",
    [(["--hs"], ["hs.npy", "input.npy"]), (["--hs", "--negative", "3"], ["hs.npy", "input.npy", "output.npy"])],
)
def test_train_hs_alone_or_with_negative_sampling(family_file, tmp_path, options, files):
    result = run("train", family_file, "--model-dir", tmp_path / "m", "--min-count", "1", "--dim", "8", "--epochs", "1",
                 *options)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (tmp_path / "m").glob("*.npy")) == files
    config = json.loads((tmp_path / "m" / "meta.json").read_text())["config"]
    assert (config["hs"], config["negative"]) == (True, 0 if len(options) == 1 else 3)
    assert run("neighbors", "animal1", "--model-dir", tmp_path / "m").exit_code == 0


def test_negative_0_needs_hs(family_file, tmp_path):
    result = run("train", family_file, "--model-dir", tmp_path / "m", "--negative", "0")
    assert result.exit_code == 1
    assert result.stderr == "Error: negative must be at least 1 (or 0 with hs: hierarchical softmax alone), got 0\n"
    assert not (tmp_path / "m").exists()


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
        ("--negative", "-1"),
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
    from w2v.cli.train import ByteSize

    assert [ByteSize().convert(v, None, None) for v in ("500", "2K", "1.5M", "2G", "2gb", "none")] == [
        500, 2048, 3 << 19, 2 << 30, 2 << 30, None,
    ]  # fmt: skip
    result = run("train", family_file, "--model-dir", tmp_path / "m", "--max-vocab-memory", "100K", "-q")
    assert result.exit_code == 1
    assert result.stderr == "Error: max_vocab_memory must be at least 1 MB, got 102400 bytes\n"


@pytest.mark.slow
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


@pytest.fixture
def vectors_file(tmp_path):
    path = tmp_path / "v.txt"
    write_word2vec(path, WORDS, VECTORS)
    return path


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


@pytest.mark.parametrize("pad,unk", [(True, False), (False, True), (True, True)])
def test_export_pad_and_unk_rows_for_nn_embedding(vectors_file, tmp_path, pad, unk):
    target = tmp_path / "m"
    run("import", vectors_file, "--model-dir", target)
    out = tmp_path / "table.npy"
    result = run("export", out, "--model-dir", target, *["--pad"] * pad, *["--unk"] * unk)
    assert result.exit_code == 0, result.stderr
    table = np.load(out)
    tokens = (tmp_path / "table.vocab.txt").read_text().splitlines()
    specials = ["<pad>"] * pad + ["<unk>"] * unk
    assert tokens == specials + WORDS and table.shape == (len(specials) + 5, 4)
    np.testing.assert_allclose(table[len(specials) :], VECTORS, atol=1e-6)  # every word shifted by the specials
    if pad:
        assert not table[0].any()
    if unk:
        np.testing.assert_allclose(table[tokens.index("<unk>")], np.mean(VECTORS, axis=0), atol=1e-6)
    assert "row 0: <pad>" in result.stderr if pad else "row 0: <unk>" in result.stderr


def test_pad_is_refused_for_word2vec_formats_and_a_clashing_word(tmp_path):
    vectors = tmp_path / "v.txt"
    vectors.write_text("2 2\n<pad> 1 2\nking 3 4\n")
    run("import", vectors, "--model-dir", tmp_path / "m")
    result = run("export", tmp_path / "out.txt", "--pad", "--model-dir", tmp_path / "m")
    assert result.exit_code == 2 and "--pad and --unk add rows to a .npy table" in result.stderr
    result = run("export", tmp_path / "out.npy", "--pad", "--model-dir", tmp_path / "m")
    assert result.exit_code == 1
    assert result.stderr == "Error: the vocabulary has a word '<pad>', which would be confused with the special row\n"
    assert not (tmp_path / "out.npy").exists()


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
    # With a padding row (the README's lines for --pad): padding_idx=0 gives zeros and no gradient.
    run("export", out, "--pad", "--unk", "--model-dir", target)
    rows = {token: row for row, token in enumerate((tmp_path / "out.vocab.txt").read_text().splitlines())}
    embedding = torch.nn.Embedding.from_pretrained(torch.from_numpy(np.load(out)), padding_idx=0, freeze=False)
    ids = torch.tensor([[rows.get(token, rows["<unk>"]) for token in ["queen", "nosuchword", "<pad>"]]])
    looked_up = embedding(ids)[0].detach().numpy()
    np.testing.assert_allclose(looked_up[0], VECTORS[3], atol=1e-6)
    np.testing.assert_allclose(looked_up[1], np.mean(VECTORS, axis=0), atol=1e-6)
    assert not looked_up[2].any()


@pytest.mark.slow
def test_stdin_prompt_only_on_a_terminal(vectors_file):
    # Like word2vec.c's distance: a prompt before each query when a person types them, none when
    # a file or a pipe gives them.
    command = [sys.executable, "-m", "w2v", "neighbors", "-", "--vectors", str(vectors_file), "-k", "1"]
    piped = subprocess.run(command, input="king\n", capture_output=True, text=True)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith("king\n") and "Enter a word" not in piped.stderr
    leader, follower = pty.openpty()
    typed = subprocess.Popen(command, stdin=follower, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(follower)
    os.write(leader, b"king\nEXIT\n")
    out, err = typed.communicate(timeout=60)
    os.close(leader)
    assert typed.returncode == 0, err
    assert out.startswith("king\n")
    assert err == "Enter a word or an expression (EXIT or Ctrl-D to quit): " * 2


def interrupt_training(corpus, model_dir, *options, checkpoint=False):
    """Start `w2v train`; once it trains (its "training ..." line on stderr) and, if `checkpoint`,
    once the first checkpoint is on disk, send SIGINT. Returns (seconds to exit, exit status,
    the last line on stderr)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "w2v", "train", str(corpus), "--model-dir", str(model_dir), "--epochs", "200",
         "--min-count", "1", *options],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    for line in process.stderr:  # universal newlines: the progress bar's updates are lines too
        if line.startswith("training "):
            break
    else:
        raise AssertionError(f"training never started: {process.wait()}")
    if checkpoint:
        wait_for_checkpoint(model_dir, epochs_done=1)
    interrupted = time.perf_counter()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    return time.perf_counter() - interrupted, process.returncode, stderr.strip().splitlines()[-1]


@pytest.fixture
def big_corpus(tmp_path):
    rng = np.random.default_rng(0)
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(b" ".join(np.array([f"w{i}".encode() for i in range(500)])[rng.integers(0, 500, 300_000)]))
    return corpus


@pytest.mark.slow
def test_ctrl_c_stops_training_quickly_and_keeps_the_old_model(big_corpus, tmp_path, trained_model_dir):
    model_dir = tmp_path / "m"
    w2v.save(w2v.load(trained_model_dir, mmap=False), model_dir)
    before = (model_dir / "input.npy").read_bytes()
    seconds, status, message = interrupt_training(big_corpus, model_dir, "--no-checkpoints")
    assert seconds < 5
    assert status == 130
    assert message == f"interrupted: nothing was saved; {model_dir} is as it was"
    assert (model_dir / "input.npy").read_bytes() == before


@pytest.mark.slow
def test_ctrl_c_with_checkpoints_says_which_epoch_is_on_disk(big_corpus, tmp_path):
    model_dir = tmp_path / "m"
    seconds, status, message = interrupt_training(big_corpus, model_dir, checkpoint=True)
    assert seconds < 5
    assert status == 130
    epochs_done = w2v.load(model_dir).training.epochs_done
    assert epochs_done >= 1
    assert (
        message == f"interrupted: {model_dir} holds the model after epoch {epochs_done} of 200; continue with --resume"
    )
