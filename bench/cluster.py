"""Accuracy against the number of cluster workers N and the tokens per round T, without timing
noise: the in-process simulator (`--cluster simulate:N`) runs the N workers one after another
with the cluster's merge rule, one thread each, deterministically.

    python bench/cluster.py                                   # N 1 2 4 8 x T default 1M 0.1M epoch x 3 seeds
    python bench/cluster.py --workers 8 --sync 1000000 --seeds 1 --jobs 1

Each run trains skip-gram with negative sampling (word2vec.c's settings, 5 epochs) on the
benchmark corpus's sentence form, then scores the Google analogies (3CosAdd, top 30,000 words)
(semantic and syntactic sections kept in the JSON too) and WS-353 (Spearman); `--alpha` changes
the starting learning rate, `--variant` the merge's constants. N = 1 does not depend on T (one
worker's rows are taken as they are: it is a one-machine run on one thread), so it runs once per
seed. Runs go `--jobs` at a time (default
2: this machine's cores; each is one thread). Every finished run is appended to the JSON output
at once; the table gives each (N, T)'s mean over seeds and its difference from N = 1, with the
rounds' measurements the scaling model in docs/cluster.md uses (bytes moved per round, compute
seconds per round and per token).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from w2v.config import HOT_WORDS  # noqa: E402

SENTENCES = ROOT.parent / "shared" / "data" / "enwiki2014_text8_sentences.txt.gz"

RUN = """
import json, sys
sys.path.insert(0, {root!r})
import w2v, w2v.cluster.merge
for name, value in {variant!r}:
    setattr(w2v.cluster.merge, name, value)
from w2v.evaluate import bundled, evaluate, summarize_analogies
config = w2v.TrainConfig(threads=1, seed={seed}, arch={arch!r}, cluster={cluster!r},
                         sync_tokens=None if {sync} < 0 else {sync}, hot_words={hot}, alpha={alpha!r})
model = w2v.train({corpus!r}, config, quiet=True, work_dir={work!r})
report = evaluate(model, [bundled("questions-words.txt")], [bundled("wordsim353.tsv")])
semantic, syntactic, total = summarize_analogies(report.analogies["questions-words.txt"])
rounds = model.training.cluster.get("rounds", [])
print(json.dumps({{"analogy": 100 * total.accuracy("add"), "ws353": report.similarity[0].spearman,
                  "semantic": 100 * semantic.accuracy("add"), "syntactic": 100 * syntactic.accuracy("add"),
                  "rounds": len(rounds), "tokens": sum(r[2] for r in rounds), "rows": sum(r[3] for r in rounds),
                  "bytes": sum(r[4] for r in rounds), "compute": sum(r[5] for r in rounds),
                  "sync_seconds": sum(r[6] for r in rounds),
                  "vocabulary": len(model), "dim": model.dim,
                  "round_tokens": model.training.cluster["sync_tokens"]}}))
"""


def run(corpus: Path, arch: str, variant: str, hot: int, alpha: float | None, workers: int, sync: int,
        seed: int) -> dict:  # fmt: skip
    cluster = f"simulate:{workers}" if workers > 1 else None
    with tempfile.TemporaryDirectory(prefix="w2v-cluster-bench-") as work:
        code = RUN.format(root=str(ROOT), seed=seed, arch=arch, cluster=cluster or "simulate:1", sync=sync,
                          corpus=str(corpus), work=work, variant=parse_variant(variant), hot=hot,
                          alpha=alpha)  # fmt: skip
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"N={workers} T={sync} seed {seed} failed:\n{result.stderr[-2000:]}")
    return {
        "workers": workers,
        "sync": sync,
        "seed": seed,
        "hot_words": hot,
        **({"variant": variant} if variant else {}),
        **({"alpha": alpha} if alpha is not None else {}),
        **json.loads(result.stdout.strip().splitlines()[-1]),
    }


def parse_variant(text: str) -> list[tuple[str, float]]:
    """'MOMENTUM=0.6' -> [("MOMENTUM", 0.6)]: constants of w2v.cluster.merge to override in a run."""
    pairs = [item.split("=") for item in text.split(",") if item]
    return [(name, float(value)) for name, value in pairs]


def label(sync: int) -> str:
    return "epoch" if sync == 0 else "default" if sync < 0 else f"{sync / 1e6:g}M"


def table(results: list[dict]) -> str:
    groups: dict[tuple[int, int], list[dict]] = {}
    for r in results:
        groups.setdefault((r["workers"], r["sync"] if r["workers"] > 1 else -1), []).append(r)
    base = statistics.mean(r["analogy"] for r in groups.get((1, -1), [{"analogy": float("nan")}]))
    base_ws = statistics.mean(r["ws353"] for r in groups.get((1, -1), [{"ws353": float("nan")}]))
    lines = ["| N | T (tokens per worker per round) | seeds | analogy % | vs N = 1 | WS-353 | vs N = 1 | rounds | "
             "MB moved per round | compute s per round (all workers) |",
             "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for (n, sync), rs in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] if item[0][1] else 1e18)):
        analogy, ws = [r["analogy"] for r in rs], [r["ws353"] for r in rs]
        rounds = statistics.mean(r["rounds"] for r in rs)
        lines.append(
            f"| {n} | {'any' if n == 1 else label(sync)} | {len(rs)} | {statistics.mean(analogy):.2f} ± "
            f"{statistics.stdev(analogy) if len(rs) > 1 else 0:.2f} | {statistics.mean(analogy) - base:+.2f} | "
            f"{statistics.mean(ws):.3f} | {statistics.mean(ws) - base_ws:+.3f} | {rounds:.0f} | "
            f"{statistics.mean(r['bytes'] / r['rounds'] for r in rs) / 2**20:,.1f} | "
            f"{statistics.mean(r['compute'] / r['rounds'] for r in rs):.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=SENTENCES)
    parser.add_argument("--arch", default="skipgram", choices=["skipgram", "cbow"])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument(
        "--sync",
        type=int,
        nargs="+",
        default=[-1, 1_000_000, 100_000, 0],
        help="tokens per worker per round; 0: one epoch; -1: the default (20 rounds an epoch)",
    )
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--hot-words", type=int, default=HOT_WORDS, help=f"(default {HOT_WORDS}; 0: off)")
    parser.add_argument("--variant", default="", help="NAME=VALUE,...: override w2v.cluster.merge's constants")
    parser.add_argument("--alpha", type=float, help="the starting learning rate (default: the architecture's)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "cluster.json", help="appended to, run by run")
    args = parser.parse_args()
    if args.corpus.suffix == ".gz":  # a compressed file cannot be shared out: one worker would read it all
        plain = Path(tempfile.gettempdir()) / f"w2v-bench-{args.corpus.stem}"
        if not plain.exists():
            with gzip.open(args.corpus, "rb") as packed, open(plain, "wb") as out:
                shutil.copyfileobj(packed, out, 1 << 22)
        args.corpus = plain
    done = json.loads(args.out.read_text()) if args.out.exists() else []
    have = {(r["workers"], r["sync"], r["seed"]) for r in done
            if r.get("variant", "") == args.variant and r.get("hot_words", 0) == args.hot_words
            and r.get("alpha") == args.alpha}  # fmt: skip
    todo = [(n, sync, seed) for seed in range(1, args.seeds + 1) for sync in args.sync for n in args.workers
            if not (n == 1 and sync != args.sync[0])]  # fmt: skip
    todo = [(n, args.sync[0] if n == 1 else sync, seed) for n, sync, seed in todo if (n, sync, seed) not in have]

    def one(job):
        result = run(args.corpus, args.arch, args.variant, args.hot_words, args.alpha, *job)
        print(f"N={result['workers']} T={label(result['sync'])} seed {result['seed']}: analogy "
              f"{result['analogy']:.2f} WS-353 {result['ws353']:.3f} ({result['rounds']} rounds)",
              file=sys.stderr, flush=True)  # fmt: skip
        done.append(result)
        args.out.write_text(json.dumps(done, indent=1) + "\n")

    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(one, todo))
    print(table(done))


if __name__ == "__main__":
    main()
