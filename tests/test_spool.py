import os
import subprocess
import sys

import numpy as np
import pytest

from w2v.errors import W2VError
from w2v.spool import Spool, remove_abandoned, scratch_directory


def test_a_spool_is_appended_read_in_ranges_rewritten_and_loads_as_npy(tmp_path):
    spool = Spool(tmp_path / "a.npy", np.int32)
    spool.append(np.arange(10))
    spool.append(np.array([-1, -2], dtype=np.int64))  # converted to the spool's type
    assert spool.read(8, 12).tolist() == [8, 9, -1, -2]
    buffer = np.full(6, 7, dtype=np.int32)
    out = spool.read(1, 4, buffer)
    assert out.tolist() == [1, 2, 3] and np.shares_memory(out, buffer)
    spool.write_at(2, np.array([20, 30]))
    spool.truncate(5)
    spool.finish()
    assert np.load(tmp_path / "a.npy").tolist() == [0, 1, 20, 30, 4]
    assert np.load(tmp_path / "a.npy", mmap_mode="r").dtype == np.int32
    with pytest.raises(ValueError):
        spool.write_at(4, np.array([1, 2]))


def test_the_header_holds_any_length(tmp_path):
    spool = Spool(tmp_path / "big.npy", np.int64)
    spool.size = 10**15  # the header is fixed-size whatever the length
    spool.finish()
    with open(tmp_path / "big.npy", "rb") as file:
        version = np.lib.format.read_magic(file)
        assert version == (1, 0)
        shape, _, dtype = np.lib.format.read_array_header_1_0(file)
        assert file.tell() == 128
    assert shape == (10**15,) and dtype == np.int64


def test_reading_past_what_was_written_is_a_clear_error(tmp_path):
    spool = Spool(tmp_path / "a.npy", np.int32)
    spool.append(np.arange(3))
    with pytest.raises(W2VError, match="shorter than expected"):
        spool.read(0, 5)


def test_scratch_directory_is_removed_and_cleans_up_after_killed_runs(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = tmp_path / f".model.tmp-{dead.stdout.strip()}-corpus-x"
    alive = tmp_path / f".model.tmp-{os.getppid()}-corpus-y"  # a live process: kept
    for directory in (abandoned, alive):
        directory.mkdir()
        (directory / "ids.npy").write_bytes(b"x")
    with scratch_directory(tmp_path, "model") as scratch:
        assert scratch.parent == tmp_path and scratch.name.startswith(f".model.tmp-{os.getpid()}-corpus-")
        (scratch / "ids.npy").write_bytes(b"ids")
        assert not abandoned.exists() and alive.exists()
    assert not scratch.exists()
    remove_abandoned(tmp_path, ".model.tmp-")
    assert alive.exists()
