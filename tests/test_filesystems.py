"""Real full and read-only file systems (a small tmpfs; needs root, else skipped). The tests in
test_storage.py inject the same failures without mounting anything."""

import os
import subprocess
import sys

import pytest

import w2v
from w2v.errors import W2VError


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
