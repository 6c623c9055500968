"""Checkpoints after each epoch, --resume, and kills."""

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

import w2v
from w2v.cli import cli
from w2v.errors import W2VError

SMALL = dict(dim=16, min_count=1, sample=0, epochs=3, seed=3, threads=1)


class Stop(Exception):
    pass


@pytest.mark.parametrize("mmap", [False, True])
def test_resumed_run_ends_bit_for_bit_where_an_uninterrupted_one_does(family_file, tmp_path, mmap):
    config = w2v.TrainConfig(**SMALL)
    whole = w2v.train(str(family_file), config, quiet=True)

    def save_then_stop(model):
        w2v.save(model, tmp_path / "m")
        raise Stop

    with pytest.raises(Stop):
        w2v.train(str(family_file), config, quiet=True, checkpoint=save_then_stop)
    checkpoint = w2v.load(tmp_path / "m", mmap=mmap)
    assert checkpoint.meta["training"]["epochs_done"] == 1
    assert checkpoint.meta["training"]["complete"] is False
    resumed = w2v.train(str(family_file), quiet=True, resume_from=checkpoint)
    np.testing.assert_array_equal(resumed.input_vectors, whole.input_vectors)
    np.testing.assert_array_equal(resumed.output_vectors, whole.output_vectors)
    assert resumed.meta["training"]["epoch_loss"] == whole.meta["training"]["epoch_loss"]
    assert resumed.meta["training"]["complete"] is True


def test_resume_refuses_another_corpus_and_a_finished_model(family_file, tmp_path):
    config = w2v.TrainConfig(**SMALL)
    finished = w2v.train(str(family_file), config, quiet=True)
    with pytest.raises(W2VError, match=r"already trained \(3 of 3 epochs\); nothing to resume"):
        w2v.train(str(family_file), quiet=True, resume_from=finished)
    finished.meta["training"]["epochs_done"] = 1
    other = tmp_path / "other.txt"
    other.write_text("completely different words here\n" * 10)
    with pytest.raises(W2VError, match="not the one the checkpoint was trained on"):
        w2v.train(str(other), quiet=True, resume_from=finished)


def test_cli_resume_checks_options(family_file, tmp_path):
    model_dir = tmp_path / "m"
    config = w2v.TrainConfig(**SMALL)

    def save_then_stop(model):
        w2v.save(model, model_dir)
        raise Stop

    with pytest.raises(Stop):
        w2v.train(str(family_file), config, quiet=True, checkpoint=save_then_stop)
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


def test_sigkill_mid_training_leaves_the_last_checkpoint_and_resume_finishes(tmp_path):
    rng = np.random.default_rng(0)
    corpus = tmp_path / "c.txt"
    words = np.array([f"w{i}".encode() for i in range(300)])
    corpus.write_bytes(b"\n".join(b" ".join(words[rng.integers(0, 300, 20)]) for _ in range(40_000)))
    model_dir = tmp_path / "m"
    command = [sys.executable, "-m", "w2v", "train", str(corpus), "--model-dir", str(model_dir), "--epochs", "30",
               "--min-count", "1", "--dim", "32", "--threads", "1", "--quiet"]  # fmt: skip
    process = subprocess.Popen(command)
    deadline = time.time() + 60
    while time.time() < deadline and not (model_dir / "meta.json").exists():
        time.sleep(0.05)
    time.sleep(0.3)  # into a later epoch, possibly mid-save
    process.send_signal(signal.SIGKILL)
    process.wait()
    checkpoint = w2v.load(model_dir)  # whole and readable
    done = checkpoint.meta["training"]["epochs_done"]
    assert 1 <= done < 30
    assert checkpoint.input_vectors.shape == (300, 32)
    result = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    meta = json.loads((model_dir / "meta.json").read_text())
    assert meta["training"]["complete"] is True
    assert len(meta["training"]["epoch_loss"]) == 30


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
    assert checkpoint.meta["training"]["epochs_done"] == 1  # the previous good one, whole
    assert {p.name for p in tmp_path.iterdir() if p.name.startswith(".m.tmp-")}  # the killed save's debris
    result = subprocess.run([sys.executable, "-m", "w2v", *options, "--resume"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert w2v.load(model_dir).meta["training"]["complete"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # debris of the killed run removed
