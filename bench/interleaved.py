"""Interleaved A/B: training speed of two source trees of w2v, run alternately on one corpus.

    python bench/interleaved.py OLD_TREE NEW_TREE --corpus corpus.txt.gz [--arch skipgram cbow] [--rounds 5]
    python bench/interleaved.py . . --threads 1 2 --corpus corpus.txt.gz     # 2 threads against 1
    python bench/interleaved.py OLD NEW --corpus corpus.txt --arch hs-skipgram hs-cbow   # --hs alone

Each run is a fresh process that imports w2v from its tree and trains the corpus for --epochs
(default 1) with the default settings otherwise; its words/s is the model's own
training.words_per_second (training time only). Rounds alternate the trees (A B, then B A, ...)
so that the machine's drift falls on both alike; the report is each tree's median and the
median of the per-round ratios new / old. One warm-up run per tree and architecture first
(a tree's first run may compile its kernels).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RUN = """
import json, sys
sys.path.insert(0, {tree!r})
import w2v
options = dict(hs=True, negative=0) if {hs!r} else {{}}
config = w2v.TrainConfig(arch={arch!r}, epochs={epochs}, threads={threads}, seed={seed}, **options)
model = w2v.train({corpus!r}, config, quiet=True, work_dir={work!r})
print(json.dumps({{"words_per_second": model.training.words_per_second if hasattr(model, "training") and
                   model.training else model.meta["training"]["words_per_second"], "w2v": w2v.__file__}}))
"""


def run(tree: str, corpus: str, arch: str, epochs: int, threads: int, seed: int) -> float:
    """words/s of one run; `arch` is skipgram or cbow, hs-skipgram or hs-cbow for --hs alone."""
    with tempfile.TemporaryDirectory() as work:
        hs, arch = arch.startswith("hs-"), arch.removeprefix("hs-")
        code = RUN.format(tree=tree, corpus=corpus, arch=arch, hs=hs, epochs=epochs, threads=threads, seed=seed,
                          work=work)  # fmt: skip
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tree)
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["w2v"].startswith(tree), answer
    return float(answer["words_per_second"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--arch", nargs="+", default=["skipgram", "cbow"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, nargs="+", default=[2],
                        help="threads for both trees, or OLD NEW: `. . --threads 1 2` measures scaling")  # fmt: skip
    parser.add_argument("--out", type=Path, default=None, help="write the runs and medians as JSON here")
    args = parser.parse_args()
    trees = {"old": str(Path(args.old).resolve()), "new": str(Path(args.new).resolve())}
    threads = dict(zip(("old", "new"), args.threads * 2 if len(args.threads) == 1 else args.threads, strict=True))
    report = {"corpus": args.corpus, "epochs": args.epochs, "threads": threads, "archs": {}}
    for arch in args.arch:
        for name, tree in trees.items():
            run(tree, args.corpus, arch, args.epochs, threads[name], seed=0)
        speeds = {"old": [], "new": []}
        for r in range(args.rounds):
            for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
                speeds[name].append(run(trees[name], args.corpus, arch, args.epochs, threads[name], seed=r + 1))
            print(f"{arch} round {r + 1}: old {speeds['old'][-1]:,.0f}  new {speeds['new'][-1]:,.0f} words/s",
                  file=sys.stderr, flush=True)  # fmt: skip
        ratios = [new / old for old, new in zip(speeds["old"], speeds["new"], strict=True)]
        report["archs"][arch] = {
            "old": speeds["old"],
            "new": speeds["new"],
            "median_old": statistics.median(speeds["old"]),
            "median_new": statistics.median(speeds["new"]),
            "median_ratio": statistics.median(ratios),
            "ratios": ratios,
        }
        print(f"{arch}: old {statistics.median(speeds['old']):,.0f}  new {statistics.median(speeds['new']):,.0f} "
              f"words/s; new / old {statistics.median(ratios):.3f} (rounds: "
              f"{', '.join(f'{x:.3f}' for x in ratios)})", flush=True)  # fmt: skip
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
