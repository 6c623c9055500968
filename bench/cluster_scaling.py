"""The cluster's scaling model, on paper: parallel efficiency compute / (compute + sync) of a
round for N workers, network speeds and vocabularies, from quantities measured here.

    python bench/cluster_scaling.py --measured bench/results/2026-12-01-cluster.json

A round of T tokens per worker: every worker trains (compute C = T / s, s its words/s), sends the
rows it changed to the driver, the driver merges them and sends the merged rows to every worker
(docs/cluster.md). All of it passes through the driver's link, so

    sync S = 8 (up + down) / B + (up + down) / m    up = N R(T) b,  down = N U(N T) b,  b = 4 dim + 4 bytes a row

with R(T) the rows one worker changes in T tokens and U(M) the rows changed by M tokens in all
(the union). R and U
come from the distinct words that M tokens hold, sum_w 1 - exp(-M p_w) over the vocabulary's
unigram probabilities p_w, times the rows a distinct word brings (its input and output rows),
calibrated on the measured rounds of the benchmark corpus (simulator), and B the driver's
bandwidth in bits/s and m what the driver (Dask's serialisation, the merge, the scatter)
handles per second, measured on loopback here (`--measure-driver`: 285 MB/s).
The 80k-word vocabulary is the benchmark corpus's; the 10M-id one is a Zipf(1) catalogue (item
popularity), an assumption, not a measurement. s and m are measured on this machine.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
NOISE_DRAWS = 5  # skip-gram draws --negative noise words per centre (shared across its window)
SENTENCES = HERE.parent.parent / "shared" / "data" / "enwiki2014_text8_sentences.txt.gz"


def unigram(corpus: Path, min_count: int = 5) -> np.ndarray:
    import gzip

    counts: collections.Counter = collections.Counter()
    opener = gzip.open if corpus.suffix == ".gz" else open
    with opener(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            counts.update(line.split())
    kept = np.array(sorted((c for c in counts.values() if c >= min_count), reverse=True), np.float64)
    return kept / kept.sum()


def distinct(p: np.ndarray, tokens: float) -> float:
    """Expected distinct words among `tokens` draws from p."""
    return float(np.sum(-np.expm1(-tokens * p)))


def rows(p: np.ndarray, tokens: float) -> float:
    """Rows that `tokens` tokens change: the input rows of the distinct words among them, and the
    output rows of the distinct words among their contexts (the same words) and among the
    NOISE_DRAWS noise words each token draws from p ** 0.75."""
    noise = p**0.75 / np.sum(p**0.75)
    words = -np.expm1(-tokens * p)
    return float(np.sum(words) + np.sum(1 - (1 - words) * np.exp(-NOISE_DRAWS * tokens * noise)))


def zipf(n: int, exponent: float = 1.0) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    return weights / weights.sum()


def measure_driver(corpus: Path, runs: int = 3) -> float:
    """Bytes a round moves per second of its sync, median of `runs` local:2 runs (one thread per
    worker, rounds of 100,000 tokens, 2 epochs) on `corpus`: the driver's speed m, loopback."""
    import w2v

    speeds = []
    for seed in range(1, runs + 1):
        config = {"cluster": "local:2", "sync_tokens": 100_000, "epochs": 2, "threads": 1, "seed": seed}
        rounds = w2v.train(str(corpus), config, quiet=True).training.cluster["rounds"]
        moved, sync = sum(r[4] for r in rounds), sum(r[6] for r in rounds)
        speeds.append(moved / sync)
        per_round = moved / len(rounds) / 2**20
        print(f"local:2 run {seed}: {per_round:.1f} MB a round, sync {sync / len(rounds):.3f} s a round, "
              f"{moved / sync / 1e6:.0f} MB/s")  # fmt: skip
    return statistics.median(speeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measured", type=Path, required=True, help="bench/cluster.py's JSON")
    parser.add_argument("--corpus", type=Path, default=SENTENCES)
    parser.add_argument("--sync", type=int, default=1_000_000, help="T, tokens per worker per round")
    parser.add_argument("--worker-speed", type=float, default=2.1e6, help="a worker's words/s (this machine: 2.1M)")
    parser.add_argument(
        "--driver-speed",
        type=float,
        default=285e6,
        help="bytes/s the driver serialises, merges and sends (Dask on loopback here: 285 MB/s)",
    )
    parser.add_argument(
        "--measure-driver",
        type=Path,
        metavar="CORPUS",
        help="measure the driver's speed first (local:2 on CORPUS, e.g. the 10 MB demo corpus decompressed)",
    )
    parser.add_argument("--dim", type=int, default=100)
    args = parser.parse_args()
    if args.measure_driver:
        args.driver_speed = measure_driver(args.measure_driver)
    runs = [r for r in json.loads(args.measured.read_text()) if r["workers"] > 1 and r["sync"]]
    b = 4 * args.dim + 4
    p80k = unigram(args.corpus)
    print("| N | T | rows a worker changes: measured | model | rows merged: measured | model |")
    print("|---|---|---|---|---|---|")
    for n, sync in sorted({(r["workers"], r["sync"]) for r in runs}):
        group = [r for r in runs if (r["workers"], r["sync"]) == (n, sync)]
        union = statistics.mean(r["rows"] / r["rounds"] for r in group)
        own = statistics.mean((r["bytes"] / r["rounds"] / b - n * r["rows"] / r["rounds"]) / n for r in group)
        tokens = statistics.mean(r["tokens"] / r["rounds"] for r in group)
        print(f"| {n} | {sync:,} | {own:,.0f} | {rows(p80k, tokens / n):,.0f} | {union:,.0f} | "
              f"{rows(p80k, tokens):,.0f} |")  # fmt: skip
    print(f"\ndriver {args.driver_speed / 1e6:,.0f} MB/s; worker {args.worker_speed / 1e6:.1f}M words/s; "
          f"T = {args.sync:,}\n")  # fmt: skip
    print(
        "| vocabulary | N | rows a worker changes | rows merged | MB through the driver | compute s | "
        "sync s at 1 Gbit/s | efficiency | sync s at 10 Gbit/s | efficiency | worker memory GB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, p in (("80k words (benchmark corpus)", p80k), ("10M ids (Zipf 1, assumed)", zipf(10_000_000))):
        for n in (8, 32, 128):
            own, union = rows(p, args.sync), rows(p, n * args.sync)
            moved = n * (own + union) * b  # up: every worker's changed rows; down: the merged rows, to each
            compute = args.sync / args.worker_speed
            cells = []
            for bandwidth in (1e9, 1e10):
                sync = 8 * moved / bandwidth + moved / args.driver_speed
                cells += [f"{sync:,.1f}", f"{compute / (compute + sync):.0%}"]
            # The input and output tables, and each row as its last merge left it:
            memory = 2 * 2 * p.size * args.dim * 4 / 1e9
            print(
                f"| {name} | {n} | {own:,.0f} | {union:,.0f} | {moved / 1e6:,.0f} | {compute:.2f} | "
                + " | ".join(cells)
                + f" | {memory:,.1f} |"
            )


if __name__ == "__main__":
    main()
