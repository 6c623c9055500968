import json
import os
import subprocess
import sys

import numpy as np
import pytest

import w2v
from w2v import storage
from w2v.errors import ModelFormatError, W2VError


def test_save_and_load_round_trip(trained_model_dir):
    model = w2v.load(trained_model_dir)
    assert isinstance(model.input_vectors, np.memmap)
    assert model.input_vectors.dtype == np.float32 and model.input_vectors.shape == (16, 16)
    assert model.output_vectors.shape == (16, 16)
    assert model.config == w2v.TrainConfig(dim=16, min_count=1, sample=0, epochs=3, threads=1, seed=3)
    meta = json.loads((trained_model_dir / "meta.json").read_text())
    assert meta["format_version"] == 1 and meta["vocab_size"] == 16 and meta["dim"] == 16
    assert len(meta["training"]["epoch_loss"]) == 3
    lines = (trained_model_dir / "vocab.tsv").read_text().splitlines()
    assert [line.split("\t")[0] for line in lines] == model.words
    assert sum(int(line.split("\t")[1]) for line in lines) == meta["corpus"]["training_tokens"]


def test_saving_replaces_an_existing_model(trained_model_dir, tmp_path):
    model = w2v.load(trained_model_dir, mmap=False)
    target = tmp_path / "m"
    w2v.save(model, target)
    model.input_vectors[:] = 1.0
    w2v.save(model, target)
    assert np.all(np.load(target / "input.npy") == 1.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temporary left behind


def test_a_failed_save_leaves_the_old_model_intact(trained_model_dir, tmp_path, monkeypatch):
    model = w2v.load(trained_model_dir, mmap=False)
    target = tmp_path / "m"
    w2v.save(model, target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.np, "save", disk_full)
    model.input_vectors[:] = 2.0
    with pytest.raises(W2VError, match="No space left on device; the old model is intact"):
        w2v.save(model, target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_refuses_to_replace_a_directory_that_is_not_a_model(trained_model_dir, tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("precious")
    with pytest.raises(W2VError, match="is not a w2v model directory"):
        w2v.save(w2v.load(trained_model_dir), tmp_path / "docs")
    assert (tmp_path / "docs" / "notes.txt").read_text() == "precious"


def test_load_errors_say_what_is_wrong(tmp_path, trained_model_dir):
    with pytest.raises(ModelFormatError, match="no model at"):
        w2v.load(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelFormatError, match="is not a w2v model directory"):
        w2v.load(tmp_path / "empty")
    copy = tmp_path / "copy"
    w2v.save(w2v.load(trained_model_dir, mmap=False), copy)
    meta = json.loads((copy / "meta.json").read_text())
    (copy / "meta.json").write_text(json.dumps({**meta, "format_version": 99}))
    with pytest.raises(ModelFormatError, match="format version 99; this w2v reads version 1"):
        w2v.load(copy)
    (copy / "meta.json").write_text(json.dumps(meta))
    np.save(copy / "input.npy", np.zeros((3, 16), np.float32))
    with pytest.raises(ModelFormatError, match=r"expected float32\[16, dim\]"):
        w2v.load(copy)


def test_a_damaged_vocab_file_names_the_line(trained_model_dir, tmp_path):
    copy = tmp_path / "copy"
    w2v.save(w2v.load(trained_model_dir, mmap=False), copy)
    lines = (copy / "vocab.tsv").read_text().splitlines()
    lines[2] = lines[2].replace("\t", " ")
    (copy / "vocab.tsv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ModelFormatError, match=r"vocab.tsv:3: expected 'word<TAB>count'"):
        w2v.load(copy)


def test_version_is_recorded(trained_model_dir):
    assert json.loads((trained_model_dir / "meta.json").read_text())["w2v_version"] == w2v.__version__
    assert w2v.__version__ != "0.0.0+unknown"


def test_readers_never_see_a_half_written_model(trained_model_dir, tmp_path):
    """A reader loading the model while it is replaced again and again always gets a whole one."""
    import threading

    from w2v.model import Model
    from w2v.vocab import Vocab

    big = w2v.load(trained_model_dir, mmap=False)
    small = Model(Vocab(big.words[:8], big.vocab.counts[:8]), big.input_vectors[:8], big.output_vectors[:8],
                  big.config, big.meta)  # fmt: skip
    target = tmp_path / "m"
    w2v.save(big, target)
    stop = threading.Event()
    failures, reads = [], []

    def read_repeatedly():
        while not stop.is_set():
            try:
                loaded = w2v.load(target)  # a mix of versions fails its shape checks
                reads.append(len(loaded))
            except Exception as error:  # noqa: BLE001 - any failure is the finding
                failures.append(error)

    reader = threading.Thread(target=read_repeatedly)
    reader.start()
    for i in range(40):
        w2v.save(small if i % 2 else big, target)
    stop.set()
    reader.join()
    assert failures == []
    assert set(reads) <= {8, 16} and reads


def test_a_save_killed_midway_leaves_debris_that_the_next_save_removes(trained_model_dir, tmp_path):
    model = w2v.load(trained_model_dir, mmap=False)
    target = tmp_path / "m"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = tmp_path / f".m.tmp-{dead.stdout.strip()}-abcd"  # what a SIGKILL mid-save leaves
    abandoned.mkdir()
    (abandoned / "input.npy").write_bytes(b"partial")
    live = tmp_path / f".m.tmp-{os.getppid()}-efgh"  # a save still running in another process
    live.mkdir()
    w2v.save(model, target)
    assert not abandoned.exists()
    assert live.exists()


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs at tmp_path/disk, unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(disk):
    """Use up the disk's free space."""
    with open(disk / "filler", "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass


def snapshot(directory):
    return {p.name: p.read_bytes() for p in directory.iterdir()}


def test_a_full_disk_while_saving_keeps_the_old_model(small_disk, trained_model_dir):
    model = w2v.load(trained_model_dir, mmap=False)
    w2v.save(model, small_disk / "m")
    before = snapshot(small_disk / "m")
    fill(small_disk)
    with pytest.raises(W2VError, match="No space left on device; the old model is intact"):
        w2v.save(model, small_disk / "m")
    assert snapshot(small_disk / "m") == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "m"]  # no half-written copy left


def test_a_read_only_disk_keeps_the_old_model(small_disk, trained_model_dir):
    model = w2v.load(trained_model_dir, mmap=False)
    w2v.save(model, small_disk / "m")
    before = snapshot(small_disk / "m")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(W2VError, match="Read-only file system"):
        w2v.save(model, small_disk / "m")
    assert snapshot(small_disk / "m") == before


@pytest.mark.slow
def test_training_beside_a_full_disk_says_so_and_keeps_the_old_model(small_disk, trained_model_dir, tmp_path):
    model = w2v.load(trained_model_dir, mmap=False)
    w2v.save(model, small_disk / "m")
    before = snapshot(small_disk / "m")
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("alpha beta gamma delta\n" * 300_000)  # 7 MB of text: 4.8 MB of token ids
    result = subprocess.run([sys.executable, "-m", "w2v", "train", str(corpus), "--model-dir", str(small_disk / "m"),
                             "-q"], capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: cannot write {small_disk}/.m.tmp-")
    assert result.stderr.endswith("ids.npy: No space left on device (the encoded corpus takes 4 bytes a token)\n")
    assert snapshot(small_disk / "m") == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["m"]  # the scratch directory was removed
