"""Subword vectors side by side: `w2v train --subwords 3-6` against fastText 0.9.3 skip-gram
(`-minn 3 -maxn 6`), the same settings for both: dim 100, window 5, 5 negatives, 5 epochs,
min-count 5, 2 threads, 2,000,000 buckets, and fastText's own lr 0.05 and sampling threshold
1e-4 (given to w2v as --alpha 0.05 --sample 1e-4), on the uncompressed benchmark corpus
(sentences form). Both models are scored by w2v's evaluator: the Google analogies (top 30,000
words), WS-353, and Stanford Rare Words counting every pair (a word outside the vocabulary gets
its n-grams' vector, as fastText's own evaluation does).

    python bench/subwords.py                       # fastText 1 seed, w2v 3 seeds
    python bench/subwords.py --fasttext-seeds 3    # fastText is slow: about 9 min a run here
    python bench/subwords.py --fasttext-seeds 0 --reuse A.json   # w2v again, fastText's stored runs

words/s = corpus tokens x 5 / seconds: fastText's seconds are its train_unsupervised call (its
dictionary pass included), w2v's its reading plus training (scan_seconds + train_seconds), so
both count the same work. Runs alternate when both tools run the same number of seeds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.compare import BIN, DEFAULT_CORPORA, count_tokens, measure, plain_copy  # noqa: E402

EPOCHS = 5
RARE_WORDS = HERE.parent / "corpora" / "EN-RW-STANFORD.txt"


def scores(model) -> dict:
    from w2v.evaluate import bundled, evaluate, summarize_analogies

    report = evaluate(model, [bundled("questions-words.txt")], [bundled("wordsim353.tsv"), RARE_WORDS])
    semantic, syntactic, total = summarize_analogies(report.analogies["questions-words.txt"])
    ws, rw = report.similarity
    return {"analogy": 100 * total.accuracy("add"), "semantic": 100 * semantic.accuracy("add"),
            "syntactic": 100 * syntactic.accuracy("add"), "ws353": ws.spearman, "rare_words": rw.spearman,
            "rare_words_pairs": f"{rw.covered}/{rw.total}"}  # fmt: skip


def run_fasttext(corpus: Path, work: Path, tokens: int, seed: int) -> dict:
    from w2v.formats import read_word2vec

    out = work / "fasttext.bin"
    wall, rss, output, _ = measure([sys.executable, str(HERE / "peers" / "fasttext_train.py"), str(corpus), str(out),
                                    str(seed)])  # fmt: skip
    seconds = json.loads(output.strip().splitlines()[-1])["train_seconds"]
    run = {"tool": "fastText 0.9.3", "seed": seed, "wall_s": wall, "seconds": seconds,
           "words_per_s": tokens * EPOCHS / seconds, "peak_rss_mb": rss, **scores(read_word2vec(out))}  # fmt: skip
    print(run, flush=True)
    return run


def run_w2v(corpus: Path, work: Path, tokens: int, seed: int) -> dict:
    from w2v import load

    model_dir = work / "w2v-model"
    command = [str(BIN / "w2v"), "train", str(corpus), "--model-dir", str(model_dir), "--subwords", "3-6",
               "--alpha", "0.05", "--sample", "1e-4", "--threads", "2", "--epochs", str(EPOCHS), "--seed", str(seed),
               "--quiet"]  # fmt: skip
    wall, rss, _, _ = measure(command)
    model = load(model_dir)
    seconds = model.training.train_seconds + model.training.scan_seconds
    run = {"tool": "w2v --subwords 3-6", "seed": seed, "wall_s": wall, "seconds": seconds,
           "words_per_s": tokens * EPOCHS / seconds, "peak_rss_mb": rss, **scores(model)}  # fmt: skip
    print(run, flush=True)
    return run


def summary(runs: list[dict]) -> dict:
    tools = {}
    for tool in dict.fromkeys(run["tool"] for run in runs):
        mine = [run for run in runs if run["tool"] == tool]
        tools[tool] = {
            "runs": len(mine),
            **{key: statistics.median(run[key] for run in mine) for key in ("wall_s", "seconds", "words_per_s")},
            "peak_rss_mb": max(run["peak_rss_mb"] for run in mine),
            **{key: statistics.mean(run[key] for run in mine)
               for key in ("analogy", "semantic", "syntactic", "ws353", "rare_words")},
            "rare_words_pairs": mine[0]["rare_words_pairs"],
        }  # fmt: skip
    return tools


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPORA[0])
    parser.add_argument("--seeds", type=int, default=3, help="w2v runs, seeds 1..N (default 3)")
    parser.add_argument("--fasttext-seeds", type=int, default=1, help="fastText runs, seeds 1..N (default 1)")
    parser.add_argument("--reuse", type=Path, help="add the fastText runs stored in this result file")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "subwords-latest.json")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"no corpus at {args.corpus}: pass --corpus PATH")
    runs: list[dict] = []
    if args.reuse:
        runs += [run for run in json.loads(args.reuse.read_text())["runs"] if run["tool"].startswith("fastText")]
    with tempfile.TemporaryDirectory(prefix="w2v-bench-subwords-") as tmp:
        work = Path(tmp)
        corpus = plain_copy(args.corpus, work)
        tokens = count_tokens(corpus)
        for seed in range(1, max(args.seeds, args.fasttext_seeds) + 1):
            if seed <= args.fasttext_seeds:
                runs.append(run_fasttext(corpus, work, tokens, seed))
            if seed <= args.seeds:
                runs.append(run_w2v(corpus, work, tokens, seed))
    tools = summary(runs)
    args.out.write_text(json.dumps({"corpus": str(args.corpus), "runs": runs, "summary": tools}, indent=1) + "\n")
    print("\n| tool | runs | words/s | wall s | peak RSS MB | analogy % (sem/syn) | WS-353 | Rare Words (pairs) |")
    print("|---|---|---|---|---|---|---|---|")
    for tool, row in tools.items():
        print(f"| {tool} | {row['runs']} | {row['words_per_s'] / 1e3:,.0f}k | {row['wall_s']:.0f} | "
              f"{row['peak_rss_mb']:.0f} | {row['analogy']:.2f} ({row['semantic']:.2f}/{row['syntactic']:.2f}) | "
              f"{row['ws353']:.3f} | {row['rare_words']:.3f} ({row['rare_words_pairs']}) |")  # fmt: skip
    if len(tools) == 2:
        ours, theirs = tools["w2v --subwords 3-6"], tools["fastText 0.9.3"]
        speed = ours["words_per_s"] / theirs["words_per_s"]
        print(f"\nw2v - fastText: analogy {ours['analogy'] - theirs['analogy']:+.2f}, Rare Words "
              f"{ours['rare_words'] - theirs['rare_words']:+.3f}; words/s x{speed:.2f}; "
              f"peak RSS x{ours['peak_rss_mb'] / theirs['peak_rss_mb']:.2f}")  # fmt: skip
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
