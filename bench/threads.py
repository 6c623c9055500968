"""Accuracy against threads: does training on 2 threads score as 1 thread does?

    python bench/threads.py                                   # both corpora, skip-gram and CBOW, 3 seeds
    python bench/threads.py --arch cbow --seeds 5 --variant 2:private=0

For every corpus, method and seed, w2v trains (5 epochs, word2vec.c's settings otherwise) on
1 thread and on 2 threads, and the vectors are scored: Google analogies (3CosAdd, top 30,000
words) and WS-353 (Spearman). The report gives, per corpus and method, each setting's mean and
standard deviation over the seeds, its median words/s, and the 2-thread mean minus the 1-thread
mean: the number that says whether threads cost accuracy.

Corpora: the benchmark corpus in sentence form (17.2M tokens) and a second one of another size,
its first 10M tokens in sentence form, written to a temporary file (different size, so other
chunks, blocks and merges). A setting is `THREADS[:NAME=VALUE]...`, where NAME overrides one of
w2v's tuning constants for an experiment: `private` (w2v.weights.PRIVATE_WORDS, the most frequent
words whose output rows each extra thread keeps a private copy of), `blocks`
(w2v.hogwild.BLOCKS_PER_THREAD, the blocks per thread a chunk is cut into: a thread merges its
private rows after each) or `stretches` (w2v.hogwild.THREAD_STRETCHES: 1, each thread trains its
own stretch of the corpus; 0, the threads share each chunk, as before 2026-12-01). Without
overrides, what w2v does. Methods: skipgram, cbow, exact (skip-gram --exact), hs-skipgram and
hs-cbow (--hs, no negative sampling), hs-exact (skip-gram --hs --exact).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "data"
SENTENCES = SHARED / "enwiki2014_text8_sentences.txt.gz"
METHODS = {
    "skipgram": {"arch": "skipgram"},
    "cbow": {"arch": "cbow"},
    "exact": {"arch": "skipgram", "exact": True},
    "hs-skipgram": {"arch": "skipgram", "hs": True, "negative": 0},
    "hs-cbow": {"arch": "cbow", "hs": True, "negative": 0},
    "hs-exact": {"arch": "skipgram", "hs": True, "negative": 0, "exact": True},
}

RUN = """
import json, sys
sys.path.insert(0, {root!r})
import w2v, w2v.hogwild, w2v.weights
from w2v.evaluate import bundled, evaluate, summarize_analogies
for module, name, value in {overrides!r}:
    setattr(getattr(w2v, module), name, value)
config = w2v.TrainConfig(threads={threads}, seed={seed}, **{method!r})
model = w2v.train({corpus!r}, config, quiet=True, work_dir={work!r})
report = evaluate(model, [bundled("questions-words.txt")], [bundled("wordsim353.tsv")])
*_, total = summarize_analogies(report.analogies["questions-words.txt"])
print(json.dumps({{"analogy": 100 * total.accuracy("add"), "ws353": report.similarity[0].spearman,
                  "words_per_second": model.training.words_per_second, "threads": model.training.threads}}))
"""


OVERRIDES = {
    "private": ("weights", "PRIVATE_WORDS"),
    "blocks": ("hogwild", "BLOCKS_PER_THREAD"),
    "stretches": ("hogwild", "THREAD_STRETCHES"),
}


def parse_setting(text: str) -> tuple[int, list[tuple[str, str, int]]]:
    """'2:private=0:blocks=64' -> (2, [("weights", "PRIVATE_WORDS", 0), ("hogwild", "BLOCKS_PER_THREAD", 64)])."""
    threads, *overrides = text.split(":")
    pairs = [override.split("=") for override in overrides]
    return int(threads), [(*OVERRIDES[name], int(value)) for name, value in pairs]


def first_tokens(source: Path, n_tokens: int, out: Path) -> Path:
    """The first n_tokens of a one-sentence-a-line corpus, whole lines, as plain text."""
    done = 0
    with gzip.open(source, "rt", encoding="utf-8") as lines, open(out, "w", encoding="utf-8") as target:
        for line in lines:
            target.write(line)
            done += len(line.split())
            if done >= n_tokens:
                break
    return out


def run(corpus: Path, method: str, threads: int, overrides: list, seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="w2v-threads-") as work:
        code = RUN.format(root=str(ROOT), overrides=overrides, threads=threads, seed=seed, method=METHODS[method],
                          corpus=str(corpus), work=work)  # fmt: skip
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def summary(results: list[dict]) -> dict:
    analogy, ws353 = [r["analogy"] for r in results], [r["ws353"] for r in results]
    return {
        "analogy_mean": statistics.mean(analogy),
        "analogy_sd": statistics.stdev(analogy) if len(analogy) > 1 else 0.0,
        "ws353_mean": statistics.mean(ws353),
        "ws353_sd": statistics.stdev(ws353) if len(ws353) > 1 else 0.0,
        "words_per_second": statistics.median(r["words_per_second"] for r in results),
        "runs": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, action="append", help="repeatable; default: the two corpora above")
    parser.add_argument("--arch", nargs="+", choices=list(METHODS), default=["skipgram", "cbow"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--setting", nargs="+", default=["1", "2"], help="THREADS[:NAME=VALUE]... (default: 1 2)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="w2v-threads-corpus-") as scratch:
        corpora = args.corpus or [SENTENCES, first_tokens(SENTENCES, 10_000_000, Path(scratch) / "first-10M.txt")]
        report = []
        for corpus in corpora:
            for method in args.arch:
                row = {"corpus": corpus.name, "method": method, "settings": {}}
                for seed in range(1, args.seeds + 1):  # seeds outermost: the machine's drift falls on every setting
                    for setting in args.setting:
                        result = run(corpus, method, *parse_setting(setting), seed)
                        row["settings"].setdefault(setting, []).append(result)
                        print(f"{corpus.name} {method} {setting} seed {seed}: analogy {result['analogy']:.2f} "
                              f"WS-353 {result['ws353']:.3f} {result['words_per_second']:,.0f} words/s",
                              file=sys.stderr, flush=True)  # fmt: skip
                row["settings"] = {setting: summary(results) for setting, results in row["settings"].items()}
                report.append(row)
                print_row(row)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")


def print_row(row: dict) -> None:
    base = row["settings"].get("1")
    for setting, s in row["settings"].items():
        delta = f"{s['analogy_mean'] - base['analogy_mean']:+.2f}" if base and setting != "1" else ""
        print(
            f"| {row['corpus']} | {row['method']} | {setting} | {s['analogy_mean']:.2f} ± {s['analogy_sd']:.2f} | "
            f"{delta} | {s['ws353_mean']:.3f} ± {s['ws353_sd']:.3f} | {s['words_per_second']:,.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
