"""Checkpoints after each epoch, --resume, and kills."""

import json
import signal
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import w2v
from tests.conftest import stop_after_first_checkpoint, wait_for_checkpoint
from w2v.checkpoints import Interrupted
from w2v.cli import cli
from w2v.errors import ConfigError, W2VError

SMALL = dict(dim=16, min_count=1, sample=0, epochs=3, seed=3, threads=1)


@pytest.fixture
def stopped_after_one_epoch(family_file, tmp_path, monkeypatch):
    """A model directory holding the checkpoint after epoch 1 of 3, as a run stopped there leaves it."""
    stop_after_first_checkpoint(monkeypatch, family_file, w2v.TrainConfig(**SMALL), tmp_path / "m")
    return tmp_path / "m"


def test_resumed_run_ends_bit_for_bit_where_an_uninterrupted_one_does(family_file, stopped_after_one_epoch):
    whole = w2v.train(str(family_file), w2v.TrainConfig(**SMALL), quiet=True)
    checkpoint = w2v.load(stopped_after_one_epoch)
    assert (checkpoint.training.epochs_done, checkpoint.training.complete) == (1, False)
    resumed = w2v.train(str(family_file), quiet=True, model_dir=stopped_after_one_epoch, resume=True)
    np.testing.assert_array_equal(resumed.input_vectors, whole.input_vectors)
    np.testing.assert_array_equal(resumed.output_vectors, whole.output_vectors)
    assert resumed.training.epoch_loss == whole.training.epoch_loss
    saved = w2v.load(stopped_after_one_epoch)
    assert saved.training.complete is True and saved.training.epochs_done == 3
    np.testing.assert_array_equal(saved.input_vectors, whole.input_vectors)


@pytest.mark.parametrize("arch,negative", [("skipgram", None), ("cbow", None), ("skipgram", 2)])
def test_a_resumed_hierarchical_softmax_run_ends_where_an_uninterrupted_one_does(family_file, tmp_path, monkeypatch,
                                                                                arch, negative):  # fmt: skip
    config = w2v.TrainConfig(**SMALL, arch=arch, hs=True, negative=negative)
    stop_after_first_checkpoint(monkeypatch, family_file, config, tmp_path / "m")
    whole = w2v.train(str(family_file), config, quiet=True)
    resumed = w2v.train(str(family_file), quiet=True, model_dir=tmp_path / "m", resume=True)
    np.testing.assert_array_equal(resumed.input_vectors, whole.input_vectors)
    np.testing.assert_array_equal(resumed.hs_vectors, whole.hs_vectors)
    if negative:
        np.testing.assert_array_equal(resumed.output_vectors, whole.output_vectors)
    assert resumed.training.epoch_loss == whole.training.epoch_loss


def test_resume_takes_the_checkpoints_options_and_only_threads_may_change(family_file, stopped_after_one_epoch):
    with pytest.raises(W2VError, match=r"^--dim 50 differs from the checkpoint's 16; --resume continues"):
        w2v.train(str(family_file), {"dim": 50}, quiet=True, model_dir=stopped_after_one_epoch, resume=True)
    with pytest.raises(W2VError, match=r"^--sample 0.001 differs from the checkpoint's 0;"):  # a whole default config
        w2v.train(str(family_file), w2v.TrainConfig(dim=16), quiet=True, model_dir=stopped_after_one_epoch,
                  resume=True)  # fmt: skip
    assert w2v.load(stopped_after_one_epoch).training.epochs_done == 1  # refused before any training
    model = w2v.train(str(family_file), {"threads": 2, "dim": 16}, quiet=True, model_dir=stopped_after_one_epoch,
                      resume=True)  # fmt: skip
    assert model.config == w2v.TrainConfig(**{**SMALL, "threads": 2})
    assert model.training.epochs_done == 3 and model.training.threads in (1, 2)


def test_resume_refuses_another_corpus(stopped_after_one_epoch, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("completely different words here\n" * 10)
    with pytest.raises(W2VError, match="not the one the checkpoint was trained on"):
        w2v.train(str(other), quiet=True, model_dir=stopped_after_one_epoch, resume=True)


def test_resuming_a_finished_model_says_so_and_changes_nothing(family_file, tmp_path, capsys):
    w2v.train(str(family_file), w2v.TrainConfig(**SMALL), quiet=True, model_dir=tmp_path / "m")
    before = {p.name: p.read_bytes() for p in (tmp_path / "m").iterdir()}
    model = w2v.train(str(family_file), model_dir=tmp_path / "m", resume=True)
    assert model.training.complete is True
    assert capsys.readouterr().err == f"{tmp_path / 'm'} is already trained (3 of 3 epochs); nothing to resume\n"
    assert {p.name: p.read_bytes() for p in (tmp_path / "m").iterdir()} == before


def test_resume_needs_a_checkpoint(family_file, tmp_path, trained_model_dir):
    with pytest.raises(ConfigError, match="resume=True continues the checkpoint in a model_dir; none was given"):
        w2v.train(str(family_file), resume=True)
    imported = tmp_path / "imported"
    w2v.save(w2v.Model(w2v.load(trained_model_dir).vocab, np.zeros((16, 2), np.float32)), imported)
    with pytest.raises(W2VError, match="has no checkpoint to resume"):
        w2v.train(str(family_file), model_dir=imported, resume=True)


def test_cli_resume_checks_the_options_given_and_finishes_the_run(family_file, stopped_after_one_epoch):
    model_dir = stopped_after_one_epoch
    runner = CliRunner()
    result = runner.invoke(cli, ["neighbors", "animal1", "-k", "1", "--model-dir", str(model_dir)])
    assert (
        result.stderr == f"note: {model_dir} is a checkpoint after epoch 1 of 3 (w2v train ... --resume finishes it)\n"
    )
    result = runner.invoke(cli, ["train", str(family_file), "--model-dir", str(model_dir), "--resume", "--dim", "50"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --dim 50 differs from the checkpoint's 16; --resume continues the run with the options it was "
        "started with\n"
    )
    result = runner.invoke(cli, ["train", str(family_file), "--model-dir", str(model_dir), "--resume", "-q"])
    assert result.exit_code == 0, result.output
    meta = json.loads((model_dir / "meta.json").read_text())
    assert meta["training"]["epochs_done"] == 3 and meta["training"]["complete"] is True
    # A script that retries --resume until it succeeds stops here: nothing to do is success.
    result = runner.invoke(cli, ["train", str(family_file), "--model-dir", str(model_dir), "--resume"])
    assert result.exit_code == 0
    assert result.stderr == f"{model_dir} is already trained (3 of 3 epochs); nothing to resume\n"


def test_interruptions_say_what_the_directory_holds(tmp_path):
    assert str(Interrupted(tmp_path / "m", 2, 5, existed=True)) == (
        f"interrupted: {tmp_path / 'm'} holds the model after epoch 2 of 5; continue with --resume"
    )
    assert str(Interrupted(tmp_path / "m", 0, 5, existed=True)) == (
        f"interrupted: nothing was saved; {tmp_path / 'm'} is as it was"
    )
    assert str(Interrupted(tmp_path / "m", 0, 5, existed=False)) == "interrupted: nothing was saved"
    assert isinstance(Interrupted(tmp_path, 0, 1, False), KeyboardInterrupt)


@pytest.mark.slow
def test_sigkill_mid_training_leaves_the_last_checkpoint_and_resume_finishes(tmp_path):
    rng = np.random.default_rng(0)
    corpus = tmp_path / "c.txt"
    words = np.array([f"w{i}".encode() for i in range(300)])
    corpus.write_bytes(b"\n".join(b" ".join(words[rng.integers(0, 300, 20)]) for _ in range(40_000)))
    model_dir = tmp_path / "m"
    command = [sys.executable, "-m", "w2v", "train", str(corpus), "--model-dir", str(model_dir), "--epochs", "30",
               "--min-count", "1", "--dim", "32", "--threads", "1", "--quiet"]  # fmt: skip
    process = subprocess.Popen(command)
    wait_for_checkpoint(model_dir, epochs_done=2)  # a later epoch than the first: it may be mid-save
    process.send_signal(signal.SIGKILL)
    process.wait()
    checkpoint = w2v.load(model_dir)  # whole and readable
    done = checkpoint.training.epochs_done
    assert 1 <= done < 30
    assert checkpoint.input_vectors.shape == (300, 32)
    result = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    meta = json.loads((model_dir / "meta.json").read_text())
    assert meta["training"]["complete"] is True
    assert len(meta["training"]["epoch_loss"]) == 30


@pytest.mark.slow
def test_sigkill_mid_save_keeps_the_previous_checkpoint_and_resume_cleans_up(family_file, tmp_path):
    model_dir = tmp_path / "m"
    options = ["train", str(family_file), "--model-dir", str(model_dir), "--epochs", "4", "--min-count", "1",
               "--dim", "16", "--threads", "1", "--quiet"]  # fmt: skip
    # The second checkpoint's save is killed between writing its two weight files.
    killer = (
        "import os, signal, sys\n"
        "from w2v import storage\n"
        "from w2v.cli import cli\n"
        "calls, save = [0], storage.np.save\n"
        "def dying_save(*args, **kwargs):\n"
        "    calls[0] += 1\n"
        "    if calls[0] == 4:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    save(*args, **kwargs)\n"
        "storage.np.save = dying_save\n"
        f"cli({options!r})\n"
    )
    killed = subprocess.run([sys.executable, "-c", killer], capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL
    checkpoint = w2v.load(model_dir)
    assert checkpoint.training.epochs_done == 1  # the previous good one, whole
    assert {p.name for p in tmp_path.iterdir() if p.name.startswith(".m.tmp-")}  # the killed save's debris
    result = subprocess.run([sys.executable, "-m", "w2v", *options, "--resume"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert w2v.load(model_dir).training.complete is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # debris of the killed run removed


def test_a_directory_that_is_not_a_model_is_refused_before_training(family_file, tmp_path, monkeypatch):
    import importlib

    train_module = importlib.import_module("w2v.train")  # the module: w2v.train is also the function
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine")
    monkeypatch.setattr(train_module, "read_corpus", lambda *args: pytest.fail("the corpus was read"))
    with pytest.raises(W2VError, match="notes exists and is not a w2v model directory; choose another --model-dir"):
        w2v.train(str(family_file), model_dir=tmp_path / "notes", quiet=True)
    assert (tmp_path / "notes" / "todo.txt").read_text() == "mine"


def test_checkpoints_of_short_epochs_cost_at_most_their_share(tmp_path, monkeypatch):
    # A save that takes 20 ms: after the first epoch one is always made; then only once the
    # training since the last save took 20 ms / CHECKPOINT_SHARE (0.4 s).
    from types import SimpleNamespace

    from w2v import checkpoints

    saved = []
    clock = [100.0]
    monkeypatch.setattr(checkpoints.time, "perf_counter", lambda: clock[0])

    def slow_save(model, path):
        clock[0] += 0.02
        saved.append(model.training.epochs_done)

    monkeypatch.setattr(checkpoints, "save_model", slow_save)
    directory = checkpoints.ModelDirectory(tmp_path / "m", 100, True, 0, lambda line: None)
    for epoch in range(1, 11):
        clock[0] += 0.1  # an epoch's training
        directory.after_epoch(SimpleNamespace(training=SimpleNamespace(epochs_done=epoch, complete=False, cluster={})))
    assert checkpoints.CHECKPOINT_SHARE == 0.05
    assert saved == [1, 5, 9] and directory.epochs_saved == 9
    directory.after_epoch(SimpleNamespace(training=SimpleNamespace(epochs_done=100, complete=True)))
    assert saved == [1, 5, 9]  # the finished model is save_final's
