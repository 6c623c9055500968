"""The driver of a cluster run: shares out the corpus, agrees the vocabulary, then trains in
synchronous rounds, merging the rows the workers changed after each (docs/cluster.md).

The driver holds the global weights (the model it saves); each worker holds a copy, its encoded
share and its place in it (shard.py). A round: every worker trains its next `sync_tokens` tokens
from the weights as the last merge left them, and returns the rows it changed; the driver merges
them (merge.py) and sends the merged rows with the next round. Checkpoints are the usual atomic
saves of the model directory, with the round reached; a lost worker ends the run with a message
saying what to resume.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..checkpoints import ModelDirectory
from ..config import TrainConfig
from ..corpus import resolve_sources
from ..errors import EmptyVocabularyError, W2VError
from ..hogwild import available_cores
from ..model import Model, TrainingRecord
from ..report import Log, plural
from ..train import alphas_at, check_vocabulary, loss_unit
from ..weights import TrainingWeights
from . import shard
from .backends import CLOSE_SECONDS, WorkerLost, open_backend, parse_cluster
from .counts import vocabulary
from .merge import merge_rows
from .shares import check_shareable


def train_on_cluster(corpus: list[str], config: TrainConfig, checkpoint: Model | None,
                     directory: ModelDirectory | None, log: Log, work_dir,
                     checkpoint_rounds: int | None) -> Model:  # fmt: skip
    """train() with config.cluster set: the trained Model (saved by the caller)."""
    sources = resolve_sources(corpus)
    kind, target = parse_cluster(config.cluster)
    expected = checkpoint.training.cluster.get("workers") if checkpoint is not None else None
    backend = open_backend(config.cluster, expected)
    run = uuid.uuid4().hex
    try:
        if expected is not None and expected != backend.n:
            raise W2VError(f"the checkpoint was trained by {expected} workers and this cluster has {backend.n}; "
                           f"resume on {expected}")  # fmt: skip
        # Hogwild threads in each worker: --threads, else the cores a local worker can have (one
        # after another, simulated workers train on one thread each: a deterministic run).
        threads = config.threads or {"simulate": 1, "local": max(1, available_cores() // backend.n)}.get(kind, 0)
        where = {"simulate": "simulated in this process", "local": "on this machine"}.get(kind, f"at {target}")
        log(f"cluster: {plural(backend.n, 'worker')} {where}, "
            f"{'all cores' if threads == 0 else plural(threads, 'thread')} each")  # fmt: skip
        local_dir = None if kind == "address" else work_dir  # a remote worker keeps its share in its own temp dir
        return _Run(backend, run, config, log).train(sources, checkpoint, directory, threads, local_dir,
                                                     checkpoint_rounds)  # fmt: skip
    except WorkerLost as error:
        saved = directory.interrupted().holds() if directory is not None else "nothing was saved (no model directory)"
        raise W2VError(f"{error}: {saved}") from None
    finally:
        _close(backend, run)


def _close(backend, run: str) -> None:
    """Remove the shares from the workers (those still there: at most 10 s, never an error, so
    that a failed run's own error is the one reported), then leave the cluster."""
    try:
        backend.settle([backend.call(w, shard.close_share, run, w) for w in range(backend.n)], CLOSE_SECONDS)
    except Exception:  # noqa: BLE001 - clean-up after a run that may have failed for this very reason
        pass
    finally:
        backend.close()


class _Run:
    """One cluster run's state at the driver."""

    def __init__(self, backend, run: str, config: TrainConfig, log: Log) -> None:
        self.backend, self.run, self.config, self.log, self.n = backend, run, config, log, backend.n

    def train(self, sources, checkpoint: Model | None, directory: ModelDirectory | None, threads: int,
              work_dir, checkpoint_rounds: int | None) -> Model:  # fmt: skip
        started = time.perf_counter()
        config, backend = self.config, self.backend
        vocab, stats = self.count(sources, threads, None if work_dir is None else str(Path(work_dir).absolute()))
        self.sync = config.round_tokens(stats["tokens"], self.n)
        # The hot rows are merged halfway through a round too (one worker has nothing to merge): the
        # shares are encoded in chunks of at most half a round, so that a round has two halves.
        self.hot = config.hot_words if self.n > 1 and self.sync > 1 else 0
        chunk = -(-self.sync // 2) if self.hot else self.sync
        encoded = backend.gather([backend.call(w, shard.encode_share, self.run, w, vocab.words, self.sync, chunk)
                                  for w in range(self.n)])  # fmt: skip
        self.round_tokens = [rounds for rounds, _ in encoded]
        segments = [count for _, count in encoded]
        first_segments = np.concatenate(([0], np.cumsum(segments)[:-1])).astype(int).tolist()
        n_tokens = sum(sum(rounds) for rounds in self.round_tokens)
        stats["training_tokens"] = n_tokens
        stats["seconds"] = round(time.perf_counter() - started, 3)
        self.log(f"read {stats['tokens']:,} tokens in {plural(stats['lines'], 'line')} on {plural(self.n, 'worker')} "
                 f"({stats['seconds']:.1f} s); vocabulary: {len(vocab):,} words of {stats['distinct_words']:,} with "
                 f"count >= {config.min_count}")  # fmt: skip
        check_vocabulary(config, vocab, checkpoint)
        if checkpoint is None:
            weights = TrainingWeights.initial(len(vocab), config.dim, config.seed, 1, negative=config.negative > 0,
                                              hs=config.hs)  # fmt: skip
            tables = {"input": weights.input_vectors, "output": weights.output_vectors, "nodes": weights.node_vectors}
            record = TrainingRecord(cluster={"workers": self.n, "round": 0, "loss": [0.0, 0], "rounds": []})
        else:
            tables = {"input": checkpoint.input_vectors, "output": checkpoint.output_vectors,
                      "nodes": checkpoint.hs_vectors}  # fmt: skip
            record = checkpoint.training
        tables = {name: np.array(table, np.float32) for name, table in tables.items() if table is not None}
        # With 2 or more workers the merged changes carry momentum (merge.py), kept in checkpoints.
        saved = checkpoint.momentum if checkpoint is not None else None
        self.momentum = None if self.n < 2 else {
            name: np.array(saved[name], np.float32) if saved and name in saved else np.zeros_like(table)
            for name, table in tables.items()}  # fmt: skip
        record.scan_seconds = stats.pop("seconds")
        record.cluster["sync_tokens"], record.cluster["hot_words"] = self.sync, self.hot
        shared_tables, shared_vocab = backend.scatter(tables), backend.scatter(vocab)
        backend.gather([backend.call(w, shard.start_share, self.run, w, shared_vocab, shared_tables, first_segments[w])
                        for w in range(self.n)])  # fmt: skip
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        model = Model(vocab, tables["input"], tables.get("output"), config, meta={"created": created, "corpus": stats},
                      training=record, hs_vectors=tables.get("nodes"), momentum=self.momentum)  # fmt: skip
        self.rounds(model, tables, n_tokens, directory, checkpoint_rounds, started)
        return model

    def count(self, sources, threads: int, work_dir: str | None):
        """Every worker counts its share; partition j of the counts is merged on worker j; the
        survivors make the vocabulary (counts.py). Returns (Vocab, corpus statistics)."""
        backend, config, n = self.backend, self.config, self.n
        check_shareable(sources)
        counted = [backend.call(w, shard.open_share, self.run, w, n, sources, config, threads, work_dir)
                   for w in range(n)]  # fmt: skip
        merged = [backend.call(j, shard.merge_counts, [backend.item(counted[w], 1 + j) for w in range(n)],
                               config.min_count) for j in range(n)]  # fmt: skip
        shares_stats = backend.gather([backend.item(handle, 0) for handle in counted])
        idle = sum(1 for stats in shares_stats if not stats["tokens"])
        if idle and n > 1:
            self.log(f"warning: {plural(idle, 'worker')} of {n} {'has' if idle == 1 else 'have'} no words to train "
                     "(the corpus has fewer lines than workers)")  # fmt: skip
        merged = backend.gather(merged)
        distinct, most = sum(m[1] for m in merged), max(m[2] for m in merged)
        name = sources[0].name if len(sources) == 1 else f"{len(sources)} files"
        if not distinct:
            raise EmptyVocabularyError(f"{name} has no words")
        if not sum(m[0].counts.size for m in merged):
            raise EmptyVocabularyError(f"no word in {name} occurs {config.min_count} times (the most frequent "
                                       f"occurs {most}); try --min-count 1")  # fmt: skip
        vocab = vocabulary([m[0] for m in merged], config.max_vocab)
        total = {key: sum(s[key] for s in shares_stats) for key in shares_stats[0]}
        stats = {"sources": [source.name for source in sources], "tokens": total["tokens"], "lines": total["lines"],
                 "distinct_words": distinct, "invalid_utf8_bytes": total["invalid_utf8_bytes"],
                 "workers": n}  # fmt: skip
        if total["pruned_times"]:
            stats["pruned"] = {"times": total["pruned_times"], "words": total["pruned_words"],
                               "tokens": total["pruned_tokens"]}  # fmt: skip
            self.log(f"the workers' word tables reached --max-vocab-memory {plural(total['pruned_times'], 'time')}: "
                     f"{total['pruned_tokens']:,} occurrences of rare words were forgotten; words near --min-count "
                     "may be missing or under-counted")  # fmt: skip
        return vocab, stats

    def rounds(self, model: Model, tables: dict[str, np.ndarray], n_tokens: int, directory: ModelDirectory | None,
               checkpoint_rounds: int | None, started: float) -> None:  # fmt: skip
        """Train the remaining rounds of every epoch, merging after each; record and checkpoint."""
        config, record, backend, progress = self.config, model.training, self.backend, model.training.cluster
        per_epoch = max((len(rounds) for rounds in self.round_tokens), default=0)
        # The tokens of round r in all shares, the tokens of an epoch before it, and its workers.
        in_round = [sum(rounds[r] for rounds in self.round_tokens if r < len(rounds)) for r in range(per_epoch)]
        before_round = np.concatenate(([0], np.cumsum(in_round, dtype=np.int64))).tolist()
        active = [sum(1 for rounds in self.round_tokens if r < len(rounds)) for r in range(per_epoch)]
        total = config.epochs * n_tokens
        first_epoch, first_round = record.epochs_done, progress["round"]
        record.loss_unit = loss_unit(config)
        record.threads, record.complete = 0, False
        training_started = time.perf_counter()
        record.setup_seconds = round(training_started - started, 3)
        remaining = total - first_epoch * n_tokens - before_round[first_round]
        where = f" from round {first_round + 1} of epoch {first_epoch + 1}" if first_epoch or first_round else ""
        self.log(f"training {n_tokens:,} tokens x {plural(config.epochs, 'epoch')}{where} in rounds of "
                 f"{'a whole share' if not self.sync else f'{self.sync:,} tokens'} per worker "
                 f"({per_epoch:,} an epoch)")  # fmt: skip
        update: dict = {}
        saving = 0.0
        rounds_before = len(progress["rounds"])
        with self.log.training(remaining) as bar:
            for epoch in range(first_epoch, config.epochs):
                bar.set_description(f"epoch {epoch + 1}/{config.epochs}")
                for r in range(first_round if epoch == first_epoch else 0, per_epoch):
                    done_before = epoch * n_tokens + before_round[r]
                    plan = shard.RoundPlan(epoch, r, done_before, active[r], total)
                    round_started = time.perf_counter()
                    halves, merged = [], []
                    for half in (0, 1) if self.hot else (-1,):  # a merge of the hot rows, then of every row
                        sent = backend.scatter(update)
                        halves.append(backend.gather([backend.call(w, shard.train_share, self.run, w,
                                                                   replace(plan, half=half, hot=self.hot), sent)
                                                      for w in range(self.n)]))  # fmt: skip
                        update = self._merge(tables, halves[-1])
                        merged.append(update)
                    seconds = time.perf_counter() - round_started
                    tokens = sum(res.tokens for results in halves for res in results)
                    self._record(progress, epoch, r, halves, merged, seconds)
                    bar.update(tokens)
                    alpha = float(alphas_at(config, np.array(done_before + tokens), total))
                    loss, count = progress["loss"]
                    bar.set_postfix(lr=f"{alpha:.5f}", loss=f"{loss / max(1, count):.4f}", refresh=False)
                    progress["round"] = r + 1
                    if r + 1 == per_epoch:
                        loss, count = progress["loss"]
                        record.epoch_loss.append(loss / max(1, count))
                        record.epochs_done, progress["round"], progress["loss"] = epoch + 1, 0, [0.0, 0]
                        self._log_epoch(epoch, [row for row in progress["rounds"] if row[0] == epoch])
                        record.complete = epoch + 1 == config.epochs
                    if directory is not None:
                        saving_started = time.perf_counter()
                        directory.after_round(model, epoch * per_epoch + r + 1, checkpoint_rounds)
                        saving += time.perf_counter() - saving_started
        model.momentum = None  # only checkpoints need it: the finished model keeps its vectors only
        seconds = time.perf_counter() - training_started - saving
        record.train_seconds, record.checkpoint_seconds = round(seconds, 3), round(saving, 3)
        record.words_per_second = round(remaining / max(seconds, 1e-9))
        rounds = progress["rounds"][rounds_before:]  # this run's (a resumed one's record holds the earlier ones)
        compute, sync = sum(row[5] for row in rounds), sum(row[6] for row in rounds)
        moved = sum(row[4] for row in rounds) / 2**20
        losses = ", ".join(f"{x:.4f}" for x in record.epoch_loss)
        self.log(f"trained {plural(len(rounds), 'round')} in {seconds:.1f} s ({record.words_per_second:,} words/s; "
                 f"compute {compute:.1f} s, sync {sync:.1f} s, {moved:,.0f} MB moved); "
                 f"mean loss {record.loss_unit} by epoch: {losses}")  # fmt: skip

    def _merge(self, tables: dict[str, np.ndarray], results: list) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Merge the workers' changed rows into the global tables (merge.py): the rows to send."""
        return {name: merge_rows(table, [res.changed[name] for res in results if name in res.changed],
                                 None if self.momentum is None else self.momentum[name])
                for name, table in tables.items()}  # fmt: skip

    def _log_epoch(self, epoch: int, rows: list[list]) -> None:
        """One line per epoch: its rounds' means (each round's own row is in meta.json)."""
        k = max(1, len(rows))
        merged, moved, compute, sync = (sum(r[column] for r in rows) / k for column in (3, 4, 5, 6))
        self.log(f"epoch {epoch + 1}: {plural(len(rows), 'round')}; a round: {merged:,.0f} rows merged, "
                 f"{moved / 2**20:,.1f} MB moved, compute {compute:.2f} s, sync {sync:.2f} s")  # fmt: skip

    def _record(self, progress: dict, epoch: int, r: int, halves: list[list], merged: list[dict],
                seconds: float) -> None:  # fmt: skip
        """Add the round's loss and its row of measurements: tokens, rows merged at its end, bytes
        moved (the workers' changed rows to the driver and each merge's rows to every worker), the
        compute seconds (per half of a round, the slowest worker's; the sum under the simulator,
        whose workers run one after another) and the rest of the round's time (sync)."""
        results = [res for half in halves for res in half]
        progress["loss"][0] += sum(res.loss for res in results)
        progress["loss"][1] += sum(res.count for res in results)
        sent = sum(rows.nbytes + values.nbytes for update in merged for rows, values in update.values())
        moved = sum(res.nbytes for res in results) + self.n * sent
        simulated = self.backend.kind == "simulate"
        compute = sum(sum(res.seconds for res in half) if simulated else max(res.seconds for res in half)
                      for half in halves)  # fmt: skip
        rows = sum(rows.size for rows, _ in merged[-1].values())
        progress["rounds"].append([epoch, r, sum(res.tokens for res in results), rows, moved, round(compute, 3),
                                   round(max(0.0, seconds - compute), 3)])  # fmt: skip
