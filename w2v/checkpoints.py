"""Checkpoints and resuming: what a run saves in its model directory, which runs can be continued
and with which options, and what an interruption leaves on disk."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from .config import TrainConfig
from .errors import W2VError
from .model import Model
from .storage import check_replaceable, load_model, save_model

CHANGEABLE_ON_RESUME = ("threads", "cluster")  # a cluster's address may change (its worker count may not)


def resume_config(saved: TrainConfig, requested: TrainConfig | Mapping[str, Any] | None) -> TrainConfig:
    """The config a resumed run continues with: the checkpoint's `saved` config, with only the
    options in CHANGEABLE_ON_RESUME taken from `requested` (a whole config, or just the options a
    user gave); any other requested option that differs from the saved one is an error."""
    if requested is None:
        return saved
    given = requested.to_dict() if isinstance(requested, TrainConfig) else dict(requested)
    TrainConfig.check_names(given)
    saved_values = saved.to_dict()
    for name, value in given.items():
        if name not in CHANGEABLE_ON_RESUME and value != saved_values[name]:
            raise W2VError(f"--{name.replace('_', '-')} {value} differs from the checkpoint's {saved_values[name]}; "
                           "--resume continues the run with the options it was started with")  # fmt: skip
    return replace(saved, **{name: given[name] for name in CHANGEABLE_ON_RESUME if name in given})


def load_checkpoint(model_dir: str | Path) -> Model:
    """The model in model_dir, read into memory to be trained further; an error if it cannot be
    resumed (imported vectors, or made by an older w2v)."""
    model = load_model(model_dir, mmap=False)
    if model.config is None or model.training is None:
        raise W2VError(f"{model_dir} has no checkpoint to resume (it was imported or made by an older w2v)")
    return model


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run that saves to a model directory; str() says what the directory holds."""

    def __init__(self, model_dir: str | Path, epochs_saved: int, epochs: int, existed: bool,
                 rounds_saved: int = 0) -> None:  # fmt: skip
        super().__init__(model_dir, epochs_saved, epochs, existed)
        self.model_dir, self.epochs_saved, self.epochs, self.existed = model_dir, epochs_saved, epochs, existed
        self.rounds_saved = rounds_saved  # a cluster run's rounds of the epoch after epochs_saved

    def __str__(self) -> str:
        return f"interrupted: {self.holds()}"

    def holds(self) -> str:
        """What the model directory holds, and what to do: for a checkpoint, continue with --resume."""
        if self.rounds_saved:
            return (f"{self.model_dir} holds the model after round {self.rounds_saved} of epoch "
                    f"{self.epochs_saved + 1} of {self.epochs}; continue with --resume")  # fmt: skip
        if self.epochs_saved:
            return (f"{self.model_dir} holds the model after epoch {self.epochs_saved} of {self.epochs}; "
                    "continue with --resume")  # fmt: skip
        return f"nothing was saved; {self.model_dir} is as it was" if self.existed else "nothing was saved"


# Checkpoints may cost at most this share of a run's time: after an epoch, one is saved only if
# the training since the last save took at least 1 / share times as long as that save did. Epochs
# that are long next to a save (any sizeable corpus) are all saved; on many short epochs (100
# epochs of a small catalogue of items) every few epochs are.
CHECKPOINT_SHARE = 0.05


class ModelDirectory:
    """Where a run saves: checkpoints after epochs but the last (if `checkpoints`: after the first
    epoch, then after every epoch unless saving would cost more than CHECKPOINT_SHARE of the time),
    then the finished model, each replacing the directory atomically. `epochs_saved`: the epochs of
    this run already on disk (a resumed checkpoint's)."""

    def __init__(self, path: str | Path, epochs: int, checkpoints: bool, epochs_saved: int,
                 log: Callable[[str], None]) -> None:  # fmt: skip
        self.path, self.epochs, self.checkpoints, self.log = path, epochs, checkpoints, log
        self.epochs_saved = epochs_saved
        self.rounds_saved = 0
        self.existed = Path(path).exists()
        check_replaceable(Path(path))  # before any training, not at the first save
        self._last_save_seconds = 0.0
        self._last_save_end = time.perf_counter()

    def after_epoch(self, model: Model) -> None:
        """Save a checkpoint of `model` if that is asked for, it is not finished, and it is due."""
        if not self.checkpoints or model.training.complete:
            return
        started = time.perf_counter()
        if started - self._last_save_end < self._last_save_seconds / CHECKPOINT_SHARE:
            return
        self._save(model)
        self._last_save_end = time.perf_counter()
        self._last_save_seconds = self._last_save_end - started

    def after_round(self, model: Model, rounds_done: int, every: int | None) -> None:
        """A cluster run's round is done: save a checkpoint every `every` rounds, or if None when
        it is due by the same rule as after_epoch."""
        if every is None:
            self.after_epoch(model)
        elif self.checkpoints and not model.training.complete and rounds_done % every == 0:
            self._save(model)

    def save_final(self, model: Model) -> None:
        self._save(model)
        self.log(f"saved {len(model):,} words x {model.dim} dimensions to {self.path}")

    def _save(self, model: Model) -> None:
        save_model(model, self.path)
        self.epochs_saved = model.training.epochs_done
        self.rounds_saved = model.training.cluster.get("round", 0)

    def interrupted(self) -> Interrupted:
        return Interrupted(self.path, self.epochs_saved, self.epochs, self.existed, self.rounds_saved)
