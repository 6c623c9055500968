"""Interruptions and extreme settings."""

import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import w2v


def interrupt_training(corpus, model_dir, *options):
    """Start `w2v train`, send SIGINT a few seconds in; return (seconds to exit, status, last stderr line)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "w2v", "train", str(corpus), "--model-dir", str(model_dir), "--epochs", "200",
         "--min-count", "1", "--quiet", *options],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(4)  # past start-up, inside the epochs
    assert process.poll() is None
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


def test_ctrl_c_stops_training_quickly_and_keeps_the_old_model(big_corpus, tmp_path, trained_model_dir):
    model_dir = tmp_path / "m"
    w2v.save(w2v.load(trained_model_dir, mmap=False), model_dir)
    before = (model_dir / "input.npy").read_bytes()
    seconds, status, message = interrupt_training(big_corpus, model_dir, "--no-checkpoints")
    assert seconds < 5
    assert status == 130
    assert message == f"interrupted: nothing was saved; {model_dir} is as it was"
    assert (model_dir / "input.npy").read_bytes() == before


def test_ctrl_c_with_checkpoints_says_which_epoch_is_on_disk(big_corpus, tmp_path):
    model_dir = tmp_path / "m"
    seconds, status, message = interrupt_training(big_corpus, model_dir)
    assert seconds < 5
    assert status == 130
    epochs_done = w2v.load(model_dir).meta["training"]["epochs_done"]
    assert epochs_done >= 1
    assert (
        message == f"interrupted: {model_dir} holds the model after epoch {epochs_done} of 200; continue with --resume"
    )


@pytest.mark.parametrize("options", [dict(dim=1), dict(window=1), dict(negative=1), dict(dim=1, window=1)])
def test_extreme_small_settings_train(family_file, options):
    config = w2v.TrainConfig(min_count=1, sample=0, epochs=1, **options)
    model = w2v.train(str(family_file), config, quiet=True)
    assert model.input_vectors.shape == (16, options.get("dim", 100))
    assert np.isfinite(model.input_vectors).all()


def test_large_window_and_negative_train(family_file):
    model = w2v.train(str(family_file), w2v.TrainConfig(min_count=1, window=50, negative=30, epochs=1), quiet=True)
    assert np.isfinite(model.input_vectors).all()


@pytest.mark.parametrize("field,value,message", [
    ("negative", 0, "negative must be at least 1, got 0"),
    ("negative", -3, "negative must be at least 1, got -3"),
    ("dim", 0, "dim must be at least 1, got 0"),
    ("window", 0, "window must be at least 1, got 0"),
    ("epochs", 0, "epochs must be at least 1, got 0"),
    ("sample", -1.0, "sample must be >= 0 (0 turns subsampling off), got -1.0"),
    ("alpha", 0.0, "alpha must be positive, got 0.0"),
    ("min_alpha", 1.0, "min_alpha must be in (0, alpha=0.025], got 1.0"),
    ("arch", "glove", "arch must be one of skipgram, cbow, got 'glove'"),
])  # fmt: skip
def test_config_rejects_bad_values_with_a_message(field, value, message):
    with pytest.raises(w2v.ConfigError) as error:
        w2v.TrainConfig(**{field: value})
    assert str(error.value) == message


def test_every_word_once_needs_min_count_1(tmp_path):
    corpus = tmp_path / "once.txt"
    corpus.write_text(" ".join(f"word{i}" for i in range(1000)))
    with pytest.raises(w2v.EmptyVocabularyError, match="try --min-count 1"):
        w2v.train(str(corpus), quiet=True)
    model = w2v.train(str(corpus), w2v.TrainConfig(min_count=1, epochs=1), quiet=True)
    assert len(model) == 1000


def test_hostile_bytes_are_read_without_crashing(tmp_path):
    rng = np.random.default_rng(5)
    corpus = tmp_path / "garbage.bin"
    corpus.write_bytes(rng.integers(0, 256, 200_000, dtype=np.uint8).tobytes() + b"\x00" * 1000 + b"ok ok ok\r\nok")
    for tokenizer in ("simple", "whitespace"):
        model = w2v.train(str(corpus), w2v.TrainConfig(min_count=1, epochs=1, tokenizer=tokenizer), quiet=True)
        assert model.meta["corpus"]["invalid_utf8_bytes"] > 0
        assert np.isfinite(model.input_vectors).all()


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
