"""Hierarchical softmax side by side: w2v --hs against word2vec.c -hs 1 -negative 0, with the
same settings (dim 100, window 5, sample 1e-3, min-count 5, 5 epochs, 2 threads, alpha 0.025
skip-gram / 0.05 CBOW), on both forms of the benchmark corpus, seeds 1..N for both tools
(word2vec.c from the seeded build, peers/word2vec_c_seeded.py); every set of vectors is scored by
w2v's evaluator. Runs of the two tools alternate, so that their speeds are measured under the
same conditions.

    python bench/hs.py                                   # both tools, both archs, 3 seeds
    python bench/hs.py --tool word2vec.c --out A.json    # one tool now ...
    python bench/hs.py --tool w2v --reuse A.json         # ... the other later, table of both

Quality is the mean over seeds, words/s the median. Ratios of speed are meaningful only between
runs of one invocation (the machine is shared); `--reuse` is for quality.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.compare import DEFAULT_CORPORA, Run, count_tokens, plain_copy, run_w2v, run_word2vec_c, summarize, table  # noqa: E402  # noqa: E402

TOOLS = ("w2v", "word2vec.c")
W2V, PEER = "w2v --hs", "word2vec.c -hs 1"


def comparison(rows: list[dict]) -> str:
    """w2v against word2vec.c, per architecture and corpus: quality differences, speed ratio."""
    lines = []
    for ours in (r for r in rows if r["tool"] == W2V):
        for peer in rows:
            if peer["tool"] == PEER and (peer["arch"], peer["corpus"]) == (ours["arch"], ours["corpus"]):
                lines.append(f"{ours['arch']:<9} {ours['form']:<10} analogy {ours['analogy'] - peer['analogy']:+.2f}"
                             f"   WS-353 {ours['ws353'] - peer['ws353']:+.3f}"
                             f"   words/s x{ours['words_per_s'] / peer['words_per_s']:.2f}")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="append", type=Path, help="corpus (repeatable); default: the benchmark pair")
    parser.add_argument("--arch", action="append", choices=("skipgram", "cbow"), help="default: both")
    parser.add_argument("--tool", action="append", choices=TOOLS, help="default: both")
    parser.add_argument("--seeds", type=int, default=3, help="runs per tool and setting, seeds 1..N (default 3)")
    parser.add_argument("--reuse", type=Path, help="add the runs stored in this result file (of other tools)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "hs-latest.json")
    args = parser.parse_args()
    corpora = args.corpus or [c for c in DEFAULT_CORPORA if c.exists()]
    if not corpora:
        sys.exit("no corpus: pass --corpus PATH (the default benchmark corpora are not here)")
    archs, tools = args.arch or ["skipgram", "cbow"], args.tool or list(TOOLS)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="w2v-bench-hs-") as tmp:
        work = Path(tmp)
        for corpus in corpora:
            tokens = {str(corpus): count_tokens(corpus)}
            plain = plain_copy(corpus, work) if "word2vec.c" in tools else corpus
            for arch in archs:
                for seed in range(1, args.seeds + 1):
                    if "word2vec.c" in tools:
                        runs.append(run_word2vec_c(corpus, plain, arch, work, tokens[str(corpus)], seed=seed, hs=True))
                        print(f"{runs[-1]}", file=sys.stderr, flush=True)
                    if "w2v" in tools:
                        runs.append(run_w2v(corpus, arch, work, tokens, seed=seed, hs=True))
                        print(f"{runs[-1]}", file=sys.stderr, flush=True)
    if args.reuse:
        runs += [Run(**run) for run in json.loads(args.reuse.read_text())["runs"] if run["tool"] not in
                 {W2V if "w2v" in tools else None, PEER if "word2vec.c" in tools else None}]  # fmt: skip
    rows = summarize(runs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"runs": [asdict(r) for r in runs], "summary": rows}, indent=1) + "\n")
    print(table(rows))
    print()
    print(comparison(rows))


if __name__ == "__main__":
    main()
