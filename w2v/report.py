"""What training tells the user on stderr: log lines, the reading and training progress bars,
the time estimate and the summary. Nothing here touches stdout."""

from __future__ import annotations

import functools
import sys
from contextlib import contextmanager


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def estimate(tokens_done: int, seconds: float, total_tokens: int) -> str:
    """The expected training time, from the speed of the first tokens."""
    speed = tokens_done / max(seconds, 1e-9)
    left = round(total_tokens / speed)
    if left >= 3600:
        length = f"{left // 3600} h {left % 3600 // 60:02d} min"
    else:
        length = f"{left // 60} min {left % 60:02d} s" if left >= 60 else f"{left} s"
    return f"estimated training time: {length} at {speed:,.0f} words/s (measured on the first {tokens_done:,} tokens)"


class Log:
    """Messages to stderr, none if quiet; while a progress bar shows, above it."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar = None

    def __call__(self, message: str) -> None:
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr, flush=True)

    def reading(self, total_bytes: int):
        """A progress bar over the corpus's bytes, removed when done (a context manager)."""
        return self._bar(total=total_bytes or None, unit="B", unit_scale=True, desc="reading", delay=0.5, leave=False)

    def training(self, total_tokens: int):
        """A progress bar over the tokens of every epoch to train (a context manager)."""
        return self._bar(total=total_tokens, unit="tok", unit_scale=True, dynamic_ncols=True, smoothing=0.1)

    @contextmanager
    def _bar(self, **options):
        with _bar_class()(disable=self.quiet, file=sys.stderr, **options) as bar:
            self.bar = bar
            try:
                yield bar
            finally:
                self.bar = None


@functools.cache
def _bar_class():
    """tqdm, but a bar whose construction a Ctrl-C interrupted is dropped without a traceback
    (tqdm's own __del__ then fails on the attributes it never set)."""
    from tqdm import tqdm

    class Bar(tqdm):
        def __del__(self):
            if hasattr(self, "pos"):
                super().__del__()

    return Bar
