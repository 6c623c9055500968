"""Cluster mode: shares, the distributed vocabulary, the merge rule, the simulator against one
machine, Dask against the simulator, and a lost worker resumed from its checkpoint."""

import collections
import gzip
import os
import signal
import threading

import numpy as np
import pytest

import w2v
from w2v.checkpoints import Interrupted
from w2v.cluster import counts, driver
from w2v.cluster import shares as shares_module
from w2v.cluster.backends import parse_cluster
from w2v.cluster.merge import merge_rows
from w2v.config import TrainConfig
from w2v.corpus import resolve_sources
from w2v.errors import ConfigError, CorpusError, W2VError

from .conftest import family_corpus

SMALL = {"dim": 12, "min_count": 1, "epochs": 2, "threads": 1, "seed": 5, "sample": 1e-3}


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    """About 30,000 tokens in lines of 5-15 words, some words rare."""
    path = tmp_path_factory.mktemp("cluster") / "corpus.txt"
    text = family_corpus(3000, seed=7).splitlines()
    text = [line + (f" rare{n}" if n % 97 == 0 else "") for n, line in enumerate(text)]
    path.write_text("\n".join(text) + "\n")
    return path


def dealt_text(sources, n: int, share: int, chunk_bytes: int) -> bytes:
    return b"".join(chunk for chunk, _, _ in shares_module.dealt_chunks(sources, chunk_bytes, n=n, share=share))


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_workers_are_dealt_the_lines_of_the_corpus_in_turn(tmp_path, n):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_bytes(b"".join(b"line %d of a\n" % i for i in range(50)) + b"\n")
    second.write_bytes(b"".join(b"b %d\n" % i for i in range(30)) + b"no final break")
    packed = tmp_path / "c.txt.gz"
    with gzip.open(packed, "wb") as out:
        out.write(b"packed one\npacked two\n")
    sources = resolve_sources([str(first), str(packed), str(second)])
    lines = (first.read_bytes() + b"packed one\npacked two\n" + second.read_bytes()).split(b"\n")
    for w in range(n):  # worker w has lines w, w + n, w + 2n, ... (a file's end ends its last line)
        expected = b"".join(line + b"\n" for line in lines[w::n])
        assert dealt_text(sources, n, w, chunk_bytes=7) == expected
        assert dealt_text(sources, n, w, chunk_bytes=1 << 20) == expected


def test_a_very_long_line_is_dealt_out_in_pieces_cut_between_words(tmp_path, monkeypatch):
    monkeypatch.setattr(shares_module, "DEAL_LINE_BYTES", 64)
    path = tmp_path / "text8.txt"
    path.write_bytes(b" ".join(b"word%d" % i for i in range(2000)))  # one line, no break at all
    sources, n = resolve_sources([str(path)]), 4
    dealt = [dealt_text(sources, n, w, chunk_bytes=100).split(b"\n")[:-1] for w in range(n)]
    pieces = [dealt[k % n][k // n] for k in range(sum(map(len, dealt)))]
    assert len(pieces) > 100 and b"".join(pieces) == path.read_bytes()
    # Cut after a space once a piece has 64 bytes (a word or two more where a chunk ends): no word split.
    assert all(piece.endswith(b" ") and 64 <= len(piece) <= 64 + 2 * len(b"word1999 ") for piece in pieces[:-1])
    model = w2v.train(str(path), {**SMALL, "epochs": 1, "cluster": f"simulate:{n}"}, quiet=True)
    assert (model.meta["corpus"]["lines"], model.meta["corpus"]["tokens"]) == (1, 2000)  # one line, in pieces


@pytest.mark.parametrize("step", [1, 3, 5, 1000])
def test_first_lines_finds_where_each_word_was_first_met(tmp_path, step):
    from w2v.spool import Spool

    ids = Spool(tmp_path / "ids.npy", np.int32)  # a scan's id stream: -1 a line break, ids as first met
    ids.append(np.array([0, 1, 0, -1, -1, 2, 1, -1, 3, 4, 2, 5, -1, 6], np.int32))
    ids.finish()
    expected = [0, 0, 2, 3, 3, 3, 4]  # this share's line of each word's first appearance
    n, share = 3, 1
    found = shares_module.first_lines(ids, 7, n, share, step=step)
    assert found.tolist() == [share + k * n for k in expected]


def test_shares_refuse_standard_input():
    with pytest.raises(CorpusError, match="standard input"):
        shares_module.check_shareable(resolve_sources(["-"]))


def test_partitioned_counts_merge_to_the_exact_counts():
    shares = [[b"a", b"b", b"c"], [b"b", b"d"], [b"a", b"d", b"e", b"f"]]
    share_counts = [np.array([3, 1, 1]), np.array([2, 9]), np.array([1, 1, 4, 1])]
    n = 3
    parts = [counts.partition(words, c, counts.first_seen(np.full(len(words), s)), n)
             for s, (words, c) in enumerate(zip(shares, share_counts, strict=True))]  # fmt: skip
    merged = [counts.merge([parts[s][j] for s in range(len(shares))], min_count=3) for j in range(n)]
    expected = collections.Counter()
    for words, c in zip(shares, share_counts, strict=True):
        expected.update(dict(zip(words, c.tolist(), strict=True)))
    found = {w: int(k) for m in merged for w, k in zip(m[0].words, m[0].counts, strict=True)}
    assert found == {w: k for w, k in expected.items() if k >= 3}  # a: 4, b: 3, d: 10, e: 4
    assert sum(m[1] for m in merged) == len(expected) and max(m[2] for m in merged) == 10
    # Each word is merged in exactly one partition, and the same one whatever the share.
    owners = [{w for w in p.words} for p in parts[0]]
    assert all(len(a & b) == 0 for i, a in enumerate(owners) for b in owners[i + 1 :])
    vocab = counts.vocabulary([m[0] for m in merged], None)
    assert vocab.words == ["d", "a", "e", "b"]  # most frequent first, ties by the word
    first = dict(zip(vocab.words, vocab.first_seen.tolist(), strict=True))
    assert first["a"] < first["b"] < first["d"] < first["e"]  # where each first appears in shares 0, 1, 2


def reference_merge(table, changes):
    """Row by row: untouched rows stay; a row one worker changed takes its value; a row k workers
    changed moves by the sum of their changes divided by max(1, |sum|^2 / sum of |change|^2)."""
    out = table.copy()
    for row in range(table.shape[0]):
        deltas = [v[list(r).index(row)].astype(np.float64) - table[row] for r, v in changes if row in r]
        if len(deltas) == 1:
            out[row] = table[row] + deltas[0]
        elif deltas:
            total = np.sum(deltas, axis=0)
            out[row] = table[row] + total / max(1.0, total @ total / sum(d @ d for d in deltas))
    return out


def test_merge_rows_against_a_row_by_row_reference():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(9, 4)).astype(np.float32)
    changes = [(np.array([0, 3, 5], np.int32), rng.normal(size=(3, 4)).astype(np.float32)),
               (np.array([5, 1], np.int32), rng.normal(size=(2, 4)).astype(np.float32)),
               (np.array([], np.int32), np.zeros((0, 4), np.float32)),
               (np.array([8, 5, 3], np.int32), rng.normal(size=(3, 4)).astype(np.float32))]  # fmt: skip
    expected = reference_merge(table, changes)
    before = table.copy()
    rows, values = merge_rows(table, changes)
    assert rows.tolist() == [0, 1, 3, 5, 8]
    np.testing.assert_allclose(table, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(values, table[rows])
    np.testing.assert_array_equal(table[0], changes[0][1][0])  # one writer: its value exactly
    np.testing.assert_array_equal(table[[2, 4, 6, 7]], before[[2, 4, 6, 7]])


def test_equal_changes_merge_to_their_mean_and_orthogonal_ones_to_their_sum():
    table = np.zeros((3, 4), np.float32)
    push = np.array([[1, 2, 0, 0]], np.float32)
    merge_rows(table, [(np.array([0], np.int32), push)] * 5)  # five workers pushed row 0 to the same place
    np.testing.assert_allclose(table[0], push[0], rtol=1e-6)
    axes = np.eye(4, dtype=np.float32)
    merge_rows(table, [(np.array([1], np.int32), axes[k : k + 1]) for k in range(4)])  # four orthogonal changes
    np.testing.assert_allclose(table[1], np.ones(4), rtol=1e-6)
    merge_rows(table, [(np.array([2], np.int32), axes[:1]), (np.array([2], np.int32), -axes[:1])])  # they cancel
    np.testing.assert_array_equal(table[2], np.zeros(4))
    # Partly aligned: never longer than the root of the summed squared lengths.
    rng = np.random.default_rng(1)
    start = rng.normal(size=(1, 8)).astype(np.float32)
    for _ in range(20):
        row = start.copy()
        deltas = rng.normal(size=(6, 8)).astype(np.float32) + rng.normal(size=8).astype(np.float32) * 3
        merge_rows(row, [(np.array([0], np.int32), start + d[None]) for d in deltas])
        assert np.linalg.norm(row - start) <= np.sqrt((deltas.astype(np.float64) ** 2).sum()) * (1 + 1e-5)


def test_momentum_carries_a_drift_from_round_to_round():
    from w2v.cluster import merge

    table = np.zeros((2, 3), np.float32)
    momentum = np.zeros_like(table)
    d = np.array([[0.1, -0.2, 0.3]], np.float32)
    moves = []
    for _ in range(4):  # two workers push row 0 the same way every round
        before = table[0].copy()
        merge_rows(table, [(np.array([0], np.int32), table[:1] + d)] * 2, momentum)
        moves.append(float((table[0] - before) @ d[0] / (d[0] @ d[0])))
    beta = merge.MOMENTUM
    expected = [sum(beta**k for k in range(n + 1)) for n in range(4)]  # 1, 1 + b, 1 + b + b^2, ...
    np.testing.assert_allclose(moves, expected, rtol=1e-5)
    assert np.all(table[1] == 0) and np.all(momentum[1] == 0)  # untouched rows keep still


@pytest.mark.parametrize("options", [{}, {"arch": "cbow", "hs": True}, {"exact": True, "window": 2}])
def test_one_simulated_worker_is_a_one_machine_run_bit_for_bit(corpus_file, options):
    one = w2v.train(str(corpus_file), {**SMALL, **options}, quiet=True)
    simulated = w2v.train(str(corpus_file), {**SMALL, **options, "cluster": "simulate:1", "sync_tokens": 0}, quiet=True)
    assert simulated.words == one.words
    np.testing.assert_array_equal(simulated.input_vectors, one.input_vectors)
    assert simulated.training.epoch_loss == one.training.epoch_loss


def test_simulated_workers_agree_on_the_one_machine_vocabulary(corpus_file, tmp_path):
    second = tmp_path / "more.txt.gz"
    with gzip.open(second, "wt") as out:
        out.write(family_corpus(500, seed=9))
    paths = [str(corpus_file), str(second)]
    one = w2v.train(paths, {**SMALL, "min_count": 3, "epochs": 1}, quiet=True)
    many = w2v.train(paths, {**SMALL, "min_count": 3, "epochs": 1, "cluster": "simulate:4"}, quiet=True)
    assert many.words == one.words and np.array_equal(many.vocab.counts, one.vocab.counts)
    assert "rare0" not in many.words  # seen once: below min_count in every share and in all
    # First appearances rank the words alike (hierarchical softmax's ties).
    assert np.array_equal(np.argsort(many.vocab.first_seen), np.argsort(one.vocab.first_seen))
    assert many.meta["corpus"]["tokens"] == one.meta["corpus"]["tokens"]
    assert many.meta["corpus"]["distinct_words"] == one.meta["corpus"]["distinct_words"]


def test_first_appearances_rank_the_words_as_on_one_machine(tmp_path):
    path = tmp_path / "ordered.txt"  # 300 words of equal counts, each met in 3 lines in a row: all along the corpus
    path.write_text("".join(f"word{k} and some common words\n" for k in range(300) for _ in range(3)))
    one = w2v.train(str(path), {**SMALL, "min_count": 3, "epochs": 1}, quiet=True)
    many = w2v.train(str(path), {**SMALL, "min_count": 3, "epochs": 1, "cluster": "simulate:4"}, quiet=True)
    assert many.words == one.words
    assert np.array_equal(np.argsort(many.vocab.first_seen), np.argsort(one.vocab.first_seen))


def test_rounds_train_every_token_of_every_epoch_and_learn(corpus_file):
    model = w2v.train(str(corpus_file), {**SMALL, "epochs": 3, "cluster": "simulate:3", "sync_tokens": 2000},
                      quiet=True)  # fmt: skip
    rounds = model.training.cluster["rounds"]
    tokens = model.meta["corpus"]["training_tokens"]
    assert [sum(r[2] for r in rounds if r[0] == e) for e in range(3)] == [tokens] * 3
    assert len(rounds) >= 3 * tokens // (3 * 2000)
    assert model.training.epoch_loss[-1] < model.training.epoch_loss[0]
    near = [neighbor.word for neighbor in w2v.nearest(model, "animal1", 5)]
    assert all(word.startswith("animal") for word in near)


def test_an_interrupted_simulated_run_resumes_where_an_uninterrupted_one_ends(corpus_file, tmp_path, monkeypatch):
    config = {**SMALL, "epochs": 3, "cluster": "simulate:2", "sync_tokens": 3000}
    whole = w2v.train(str(corpus_file), config, quiet=True)
    calls = [0]
    real = driver.merge_rows

    def interrupt_at_round_five(table, changes, momentum=None):
        calls[0] += 1
        # Two merges a round (the hot rows halfway, every row at the end), of two tables (input,
        # output) each: the sixth round's last merge, after its hot rows were merged.
        if calls[0] == 2 * 2 * 5 + 2 + 1:
            raise KeyboardInterrupt
        return real(table, changes, momentum)

    monkeypatch.setattr(driver, "merge_rows", interrupt_at_round_five)
    with pytest.raises(Interrupted, match="after round 5 of epoch 1 of 3"):
        w2v.train(str(corpus_file), config, model_dir=tmp_path / "m", quiet=True, checkpoint_rounds=1)
    checkpoint = w2v.load(tmp_path / "m")
    assert set(checkpoint.momentum) == {"input", "output"} and np.abs(checkpoint.momentum["input"]).max() > 0
    monkeypatch.setattr(driver, "merge_rows", real)
    resumed = w2v.train(str(corpus_file), None, model_dir=tmp_path / "m", resume=True, quiet=True)
    np.testing.assert_array_equal(resumed.input_vectors, whole.input_vectors)
    np.testing.assert_array_equal(resumed.output_vectors, whole.output_vectors)
    assert resumed.training.epoch_loss == pytest.approx(whole.training.epoch_loss, rel=1e-12)
    assert w2v.load(tmp_path / "m").momentum is None  # the finished model keeps its vectors only


def test_halfway_merges_carry_the_hot_rows_and_the_round_end_every_row_changed(corpus_file, monkeypatch):
    from w2v.cluster import shard

    hot, calls = 5, []
    real = shard.Shard.train_round

    def watched(self, plan, update):
        tables = {name: table.copy() for name, table in self.tables().items()}
        for name, (rows, values) in update.items():  # the worker's rows once this merge's are written
            tables[name][rows] = values
        result = real(self, plan, update)
        calls.append((self.share, plan, tables, {name: t.copy() for name, t in self.tables().items()}, result))
        return result

    monkeypatch.setattr(shard.Shard, "train_round", watched)
    config = {**SMALL, "cluster": "simulate:2", "sync_tokens": 3000, "hot_words": hot}
    model = w2v.train(str(corpus_file), config, quiet=True)
    assert model.training.cluster["hot_words"] == hot
    halves = [plan.half for _, plan, *_ in calls]
    assert halves.count(0) == halves.count(1) > 2 and -1 not in halves
    started = {}
    for worker, plan, before, after, result in calls:
        if plan.half == 0:
            started[worker] = before
            for name, (rows, _) in result.changed.items():  # halfway: hot rows only, and every one changed
                changed = np.flatnonzero((after[name] != before[name]).any(axis=1))
                assert np.array_equal(rows, changed[changed < hot])
        elif result.tokens:
            for name, (rows, values) in result.changed.items():  # the round's end: every row changed in it
                cold = np.flatnonzero((after[name][hot:] != started[worker][name][hot:]).any(axis=1)) + hot
                assert np.isin(cold, rows).all() and cold.size
                np.testing.assert_array_equal(values, after[name][rows])


def test_a_run_removes_the_shares_left_by_dead_workers_of_this_machine_and_nothing_else(corpus_file, tmp_path):
    import socket
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = socket.gethostname()
    owners = {"w2v-share0-dead": f"{host} {dead.pid}", "w2v-share1-running": f"{host} {os.getpid()}",
              "w2v-share0-other-machine": f"elsewhere {dead.pid}", "w2v-share1-no-owner": None}  # fmt: skip
    for name, owner in owners.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "ids.bin").write_bytes(b"1234")
        if owner is not None:
            (tmp_path / name / "owner").write_text(owner + "\n")
    w2v.train(str(corpus_file), {**SMALL, "epochs": 1, "cluster": "simulate:2"}, quiet=True, work_dir=tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(set(owners) - {"w2v-share0-dead"})


def test_rounds_default_to_twenty_an_epoch_of_at_most_a_million_tokens():
    config = TrainConfig(cluster="simulate:8")
    assert config.round_tokens(17_200_000, 8) == 107_500
    assert config.round_tokens(10**9, 8) == 1_000_000
    assert config.round_tokens(30_000, 2) == 10_000
    assert TrainConfig(sync_tokens=0).round_tokens(10**9, 8) == 0


def test_cluster_options_are_checked():
    assert parse_cluster("local:4") == ("local", 4)
    assert parse_cluster("tcp://10.0.0.5:8786") == ("address", "tcp://10.0.0.5:8786")
    assert parse_cluster("10.0.0.5:8786") == ("address", "10.0.0.5:8786")
    for bad in ("local:0", "simulate:x", "somewhere"):
        with pytest.raises(ConfigError, match="--cluster"):
            TrainConfig(cluster=bad)
    with pytest.raises(ConfigError, match="--subwords is not available with --cluster"):
        TrainConfig(cluster="local:2", subwords="3-6")
    with pytest.raises(ConfigError, match="sync_tokens"):
        TrainConfig(sync_tokens=-1)
    with pytest.raises(ConfigError, match="hot_words"):
        TrainConfig(hot_words=-1)


def test_without_dask_the_cluster_says_how_to_install_it(corpus_file, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    with pytest.raises(W2VError, match=r"pip install 'w2v\[cluster\]'"):
        w2v.train(str(corpus_file), {**SMALL, "cluster": "local:2"}, quiet=True)


def test_a_one_machine_run_never_imports_dask(corpus_file):
    import subprocess
    import sys

    code = (f"import sys, w2v; w2v.train({str(corpus_file)!r}, {{'epochs': 1, 'threads': 1}}, quiet=True); "
            "print('distributed' in sys.modules, 'dask' in sys.modules)")  # fmt: skip
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() == [
        "False", "False"]  # fmt: skip


@pytest.mark.slow
def test_dask_workers_train_the_simulators_model(corpus_file):
    config = {**SMALL, "sync_tokens": 4000}
    simulated = w2v.train(str(corpus_file), {**config, "cluster": "simulate:2"}, quiet=True)
    on_dask = w2v.train(str(corpus_file), {**config, "cluster": "local:2"}, quiet=True)
    assert on_dask.words == simulated.words
    np.testing.assert_array_equal(on_dask.input_vectors, simulated.input_vectors)
    np.testing.assert_array_equal(on_dask.output_vectors, simulated.output_vectors)
    assert on_dask.training.cluster["rounds"][0][:5] == simulated.training.cluster["rounds"][0][:5]


@pytest.mark.slow
def test_a_killed_worker_ends_the_run_and_it_resumes_from_the_checkpoint(corpus_file, tmp_path):
    import logging

    from distributed import Client, LocalCluster

    config = {**SMALL, "epochs": 8, "sync_tokens": 3000}
    expected = w2v.train(str(corpus_file), {**config, "cluster": "simulate:2"}, quiet=True)
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0",
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:  # fmt: skip
        address = cluster.scheduler_address
        model_dir = tmp_path / "m"
        failure = []

        def run():
            try:
                w2v.train(str(corpus_file), {**config, "cluster": address}, model_dir=model_dir, quiet=True,
                          checkpoint_rounds=1)  # fmt: skip
            except W2VError as error:
                failure.append(str(error))

        trainer = threading.Thread(target=run)
        trainer.start()
        wait_for_round(model_dir, 3)
        victim = sorted(client.nthreads())[1]
        os.kill(client.run(os.getpid, workers=[victim])[victim], signal.SIGKILL)  # the nanny restarts it
        trainer.join(120)
        assert len(failure) == 1 and "a worker was lost" in failure[0], failure
        assert "continue with --resume" in failure[0]
        resumed = w2v.train(str(corpus_file), {"cluster": address}, model_dir=model_dir, resume=True, quiet=True)
    np.testing.assert_array_equal(resumed.input_vectors, expected.input_vectors)
    assert resumed.training.epochs_done == 8 and resumed.training.complete


def wait_for_round(model_dir, rounds: int, timeout: float = 120) -> None:
    import json
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            meta = json.loads((model_dir / "meta.json").read_text())
            if len(meta["training"]["cluster"]["rounds"]) >= rounds:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.01)
    raise AssertionError(f"no checkpoint of {rounds} rounds in {timeout} s")


def test_cli_trains_on_simulated_workers_and_the_model_directory_is_ordinary(corpus_file, tmp_path):
    from click.testing import CliRunner

    from w2v.cli import cli

    model_dir = tmp_path / "m"
    options = ["--cluster", "simulate:3", "--sync-tokens", "2500", "--epochs", "2", "--dim", "12", "--min-count", "1"]
    result = CliRunner().invoke(cli, ["train", str(corpus_file), *options, "--model-dir", str(model_dir)])
    assert result.exit_code == 0, result.output
    assert "cluster: 3 workers simulated in this process, 1 thread each" in result.stderr
    assert "rounds of 2,500 tokens per worker" in result.stderr and "MB moved" in result.stderr
    model = w2v.load(model_dir)
    assert model.config.cluster == "simulate:3" and model.config.sync_tokens == 2500
    assert model.training.cluster["workers"] == 3 and model.training.complete
    shown = CliRunner().invoke(cli, ["neighbors", "metal2", "--model-dir", str(model_dir)])
    assert shown.exit_code == 0 and "metal" in shown.output
    bad = CliRunner().invoke(cli, ["train", "-", "--cluster", "simulate:2", "--model-dir", str(tmp_path / "x")],
                             input="a b c\n")  # fmt: skip
    assert bad.exit_code == 1 and bad.output.strip().endswith("not from standard input")
    assert not (tmp_path / "x").exists()
