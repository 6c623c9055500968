"""Arrays kept on disk while training: the encoded corpus, so that a corpus larger than memory trains.

A Spool is a one-dimensional array in a .npy file. It is written by appending and read back in
ranges with ordinary reads into caller-owned buffers, not through a memory map: pages that were
read are the page cache's, not this process's, so resident memory stays flat however large the
file grows. `np.load(path, mmap_mode="r")` opens a finished spool.

Scratch directories live beside the model (named like the model's own temporary directories,
.NAME.tmp-PID-...) and are removed when training ends; those of a killed run are removed by the
next run or save beside them.
"""

from __future__ import annotations

import errno
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .errors import W2VError

HEADER_BYTES = 128  # a .npy version 1.0 header padded to a fixed size, rewritten when the length is known


class Spool:
    """An int array in a .npy file: append(), then read(start, stop) any range."""

    def __init__(self, path: str | Path, dtype) -> None:
        self.path = Path(path)
        self.dtype = np.dtype(dtype)
        self.size = 0
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as error:
            raise W2VError(f"cannot create {self.path}: {error.strerror}") from None
        self._pwrite(_npy_header(self.dtype, 0), 0)

    def append(self, values: np.ndarray) -> None:
        self.size += self._put(self.size, values)

    def write_at(self, start: int, values: np.ndarray) -> None:
        """Overwrite elements from `start` (at most up to the current end)."""
        if start + np.size(values) > self.size:
            raise ValueError("write_at past the end of the spool")
        self._put(start, values)

    def _put(self, start: int, values: np.ndarray) -> int:
        """Write `values` (converted to the spool's type) from element `start`; return their number."""
        values = np.ascontiguousarray(values, dtype=self.dtype)
        self._pwrite(memoryview(values).cast("B"), self._offset(start))
        return values.size

    def read(self, start: int, stop: int, out: np.ndarray | None = None) -> np.ndarray:
        """Elements [start, stop), into `out` (a buffer of at least stop - start elements) if given."""
        count = stop - start
        if out is None:
            out = np.empty(count, dtype=self.dtype)
        view = memoryview(out[:count]).cast("B")
        done, offset = 0, self._offset(start)
        while done < view.nbytes:
            got = os.preadv(self._fd, [view[done:]], offset + done)
            if got == 0:
                raise W2VError(f"{self.path} is shorter than expected (was it changed while training?)")
            done += got
        return out[:count]

    def truncate(self, size: int) -> None:
        """Keep the first `size` elements."""
        self.size = size
        os.ftruncate(self._fd, self._offset(size))

    def finish(self) -> None:
        """Write the final length into the header: the file is then a valid .npy."""
        self._pwrite(_npy_header(self.dtype, self.size), 0)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __len__(self) -> int:
        return self.size

    def __del__(self) -> None:
        self.close()

    def _offset(self, index: int) -> int:
        return HEADER_BYTES + index * self.dtype.itemsize

    def _pwrite(self, data, offset: int) -> None:
        view = memoryview(data)
        done = 0
        try:
            while done < view.nbytes:
                done += os.pwrite(self._fd, view[done:], offset + done)
        except OSError as error:
            hint = " (the encoded corpus takes 4 bytes a token)" if error.errno == errno.ENOSPC else ""
            raise W2VError(f"cannot write {self.path}: {error.strerror}{hint}") from None


def save_array(path: Path, values: np.ndarray) -> None:
    """np.save for a 1-D int array, with a W2VError (not an OSError) if the disk is full."""
    spool = Spool(path, values.dtype)
    spool.append(values)
    spool.finish()
    spool.close()


def _npy_header(dtype: np.dtype, length: int) -> bytes:
    """A .npy (version 1.0) header for a 1-D array, padded with spaces to HEADER_BYTES."""
    described = repr({"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (length,)})
    body = described.encode("latin1")
    padding = HEADER_BYTES - 10 - len(body) - 1
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", HEADER_BYTES - 10) + body + b" " * padding + b"\n"


@contextmanager
def scratch_directory(parent: str | Path | None, name: str = "w2v") -> Iterator[Path]:
    """A private directory for the files of one run, removed afterwards.

    Made in `parent` (the system's temporary folder if None) as .NAME.tmp-PID-corpus-XXXX, after
    removing the directories of that pattern that killed runs left there.
    """
    parent = Path(tempfile.gettempdir() if parent is None else parent)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned(parent, f".{name}.tmp-")
        directory = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-{os.getpid()}-corpus-", dir=parent))
    except OSError as error:
        reason = "not a directory" if parent.exists() and not parent.is_dir() else error.strerror
        raise W2VError(f"cannot write in {parent}: {reason}") from None
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def remove_abandoned(parent: Path, prefix: str) -> None:
    """Delete directories named PREFIX + PID-... in `parent` whose process PID is gone."""
    for leftover in parent.glob(f"{prefix}*"):
        pid = leftover.name[len(prefix) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(leftover, ignore_errors=True)
        except PermissionError:
            pass  # another user's live process
