import gzip
import json
import random
import time

import pytest

import w2v


def family_corpus(lines: int = 3000, seed: int = 0) -> str:
    """Two word families that never share a line: animals and metals. A model that learns
    anything puts each word's nearest neighbours in its own family."""
    rng = random.Random(seed)
    families = [[f"animal{i}" for i in range(8)], [f"metal{i}" for i in range(8)]]
    out = []
    for n in range(lines):
        family = families[n % 2]
        out.append(" ".join(rng.choice(family) for _ in range(rng.randint(5, 15))))
    return "\n".join(out) + "\n"


@pytest.fixture(scope="session")
def family_text() -> str:
    return family_corpus()


@pytest.fixture(scope="session")
def family_file(tmp_path_factory, family_text):
    path = tmp_path_factory.mktemp("corpus") / "families.txt"
    path.write_text(family_text)
    return path


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory, family_file):
    """A small model trained once for the query, export and CLI tests."""
    config = w2v.TrainConfig(dim=16, min_count=1, sample=0, epochs=3, threads=1, seed=3)
    model = w2v.train(str(family_file), config, quiet=True)
    return w2v.save(model, tmp_path_factory.mktemp("models") / "model")


@pytest.fixture
def gz_file(tmp_path, family_text):
    path = tmp_path / "families.txt.gz"
    with gzip.open(path, "wt") as out:
        out.write(family_text)
    return path


def wait_for_checkpoint(model_dir, epochs_done: int, timeout: float = 120) -> None:
    """Return once model_dir holds a checkpoint of at least `epochs_done` epochs (polling its meta.json)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if json.loads((model_dir / "meta.json").read_text())["training"]["epochs_done"] >= epochs_done:
                return
        except (OSError, ValueError, KeyError):
            pass  # not written yet, or replaced while read
        time.sleep(0.01)
    raise AssertionError(f"no checkpoint of {epochs_done} epochs in {model_dir} after {timeout} s")


class Stop(Exception):
    """Raised by `stop_after_first_checkpoint` right after the first save."""


def stop_after_first_checkpoint(monkeypatch, corpus, config, model_dir) -> None:
    """Train into model_dir and stop right after the first checkpoint is saved, as a run killed
    there leaves it (the checkpoint of epoch 1)."""
    from w2v import checkpoints

    save = checkpoints.save_model

    def save_then_stop(model, path):
        save(model, path)
        raise Stop

    monkeypatch.setattr(checkpoints, "save_model", save_then_stop)
    with pytest.raises(Stop):
        w2v.train(str(corpus), config, quiet=True, model_dir=model_dir)
    monkeypatch.setattr(checkpoints, "save_model", save)
