"""Phrases side by side: `w2v phrases` against word2vec.c's word2phrase (the binary that the
`word2vec` package builds), default settings (min-count 5, threshold 100), one pass, on the
uncompressed benchmark corpus (sentences form): whole-process seconds (median of --runs,
the two tools alternating), peak RSS, and the pairs each joined. Every pair joined by one
tool and not the other is explained, or listed as unexplained: word2phrase.c counts a pair
across a line break (the last word of a line with the first of the next), which w2v does not;
and where that made one tool join a word to the one before it, the word's pair with the one
after it may join in the other tool only (knock-on).

    python bench/phrases.py                     # speed, memory, joined pairs
    python bench/phrases.py --train             # and: two passes of each, trained on, scored

--train also runs two passes of each tool (thresholds 200 then 100, as word2vec's
demo-phrases.sh), trains `w2v train` (skip-gram, the benchmark settings) on each result and
scores the phrase analogies (corpora/questions-phrases.txt) and the word analogies.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.compare import BIN, DEFAULT_CORPORA, measure, plain_copy  # noqa: E402

MIN_COUNT, THRESHOLD = 5, 100.0


def joined_pairs(path: Path) -> set[str]:
    """The tokens with an underscore in `path` (the corpus has none of its own)."""
    found: set[str] = set()
    with open(path, "rb") as text:
        for line in text:
            found.update(token for token in line.split() if b"_" in token)
    return {token.decode() for token in found}


def explain(corpus: Path, differences: set[str]) -> dict[str, str]:
    """Why each pair a_b was joined by one tool only: its word2phrase.c score counted within
    lines (as w2v counts) and with the pairs across line breaks added (as word2phrase.c does)."""
    wanted = {tuple(pair.split("_")) for pair in differences}
    words: collections.Counter = collections.Counter()
    within: collections.Counter = collections.Counter()
    across: collections.Counter = collections.Counter()
    last = None
    with open(corpus, encoding="utf-8") as text:
        for line in text:
            tokens = line.split()
            if not tokens:
                continue
            words.update(tokens)
            if last is not None and (last, tokens[0]) in wanted:
                across[(last, tokens[0])] += 1
            within.update(pair for pair in zip(tokens, tokens[1:], strict=False) if pair in wanted)
            last = tokens[-1]
    total, f32 = sum(words.values()), np.float32

    def score(count: int, a: str, b: str) -> float:
        if min(count, words[a], words[b]) < MIN_COUNT:
            return float("-inf")
        return float(f32(count - MIN_COUNT) / f32(words[a]) / f32(words[b]) * f32(total))

    reasons = {}
    for pair in sorted(differences):
        a, b = pair.split("_")
        own, crossing = score(within[(a, b)], a, b), score(within[(a, b)] + across[(a, b)], a, b)
        if own <= THRESHOLD < crossing:
            reasons[pair] = (f"across line breaks: {within[(a, b)]} on a line + {across[(a, b)]} across; "
                             f"score {own:.1f} within lines, {crossing:.1f} with both")  # fmt: skip
        elif own > THRESHOLD and crossing > THRESHOLD:  # both tools score it above: a neighbour joined differently
            reasons[pair] = (f"knock-on: both score it {own:.1f}, but where one tool joined the word before it "
                             f"(a word joins once, left to right) the other did not")  # fmt: skip
        else:
            reasons[pair] = f"UNEXPLAINED: {within[(a, b)]} within, {across[(a, b)]} across, score {own:.1f}"
    return reasons


def speed(corpus: Path, work: Path, runs: int) -> dict:
    w2p, ours = work / "word2phrase.txt", work / "w2v.txt"
    commands = {
        "word2phrase": [str(BIN / "word2phrase"), "-train", str(corpus), "-output", str(w2p), "-debug", "0"],
        "w2v phrases": [str(BIN / "w2v"), "phrases", str(corpus), "-o", str(ours), "-q"],
    }
    times: dict[str, list] = {name: [] for name in commands}
    peaks: dict[str, list] = {name: [] for name in commands}
    for run in range(runs):
        for name, command in commands.items():
            wall, peak, _, _ = measure(command)
            times[name].append(wall)
            peaks[name].append(peak)
            print(f"run {run + 1}: {name} {wall:.2f} s, peak RSS {peak:.0f} MB", flush=True)
    theirs, mine = joined_pairs(w2p), joined_pairs(ours)
    differences = theirs ^ mine
    reasons = explain(corpus, differences)
    result = {
        "corpus": str(corpus),
        "seconds": {name: statistics.median(values) for name, values in times.items()},
        "all_seconds": times,
        "peak_rss_mb": {name: max(values) for name, values in peaks.items()},
        "joined": {"word2phrase": len(theirs), "w2v": len(mine), "both": len(theirs & mine)},
        "only_word2phrase": {pair: reasons[pair] for pair in sorted(theirs - mine)},
        "only_w2v": {pair: reasons[pair] for pair in sorted(mine - theirs)},
    }
    result["time_ratio"] = result["seconds"]["w2v phrases"] / result["seconds"]["word2phrase"]
    return result


def train_and_score(corpus: Path, work: Path, seeds: int) -> dict:
    """Two passes of each tool (thresholds 200, 100), then w2v train on each, phrase analogies."""
    from w2v import load
    from w2v.evaluate import evaluate, summarize_analogies

    phrase_set = HERE.parent / "corpora" / "questions-phrases.txt"
    word_set = HERE.parent / "corpora" / "questions-words.txt"
    outputs = {}
    first, second = work / "w2p-1.txt", work / "w2p-2.txt"
    for source, target, threshold in ((corpus, first, 200), (first, second, 100)):
        subprocess.run([str(BIN / "word2phrase"), "-train", str(source), "-output", str(target), "-threshold",
                        str(threshold), "-debug", "0"], check=True)  # fmt: skip
    outputs["word2phrase x2"] = second
    first, second = work / "w2v-1.txt", work / "w2v-2.txt"
    subprocess.run([str(BIN / "w2v"), "phrases", str(corpus), "-o", str(first), "--threshold", "200", "-q"], check=True)
    subprocess.run([str(BIN / "w2v"), "phrases", str(first), "-o", str(second), "--threshold", "100", "-q",
                    "--tokenizer", "whitespace"], check=True)  # fmt: skip
    outputs["w2v phrases x2"] = second
    scores = {}
    for name, text in outputs.items():
        runs = []
        for seed in range(1, seeds + 1):
            model_dir = work / "model"
            subprocess.run([str(BIN / "w2v"), "train", str(text), "--model-dir", str(model_dir), "--tokenizer",
                            "whitespace", "--seed", str(seed), "-q"], check=True)  # fmt: skip
            model = load(model_dir)
            report = evaluate(model, [phrase_set, word_set], [])
            phrase = summarize_analogies(report.analogies[phrase_set.name])[-1]
            words = summarize_analogies(report.analogies[word_set.name])[-1]
            # Phrases are rare on 17M tokens: also every question whose words are in the vocabulary.
            whole = evaluate(model, [phrase_set], [], restrict_vocab=len(model))
            every = summarize_analogies(whole.analogies[phrase_set.name])[-1]
            runs.append({"phrase_analogy": 100 * phrase.accuracy("add"), "phrase_covered": phrase.answered,
                         "phrase_questions": phrase.total, "word_analogy": 100 * words.accuracy("add"),
                         "phrase_analogy_all_words": 100 * every.accuracy("add"),
                         "phrase_covered_all_words": every.answered})  # fmt: skip
            print(name, seed, runs[-1], flush=True)
        command = [str(BIN / "w2v"), "neighbors", "new_york", "--model-dir", str(model_dir), "-k", "8"]
        neighbours = subprocess.run(command, capture_output=True, text=True).stdout
        scores[name] = {"runs": runs, "neighbors_new_york": neighbours,
                        **{key: statistics.mean(run[key] for run in runs) for key in runs[0]}}  # fmt: skip
    return scores


def print_speed(result: dict) -> None:
    seconds, peaks = result["seconds"], result["peak_rss_mb"]
    print(f"\nword2phrase {seconds['word2phrase']:.2f} s, {peaks['word2phrase']:.0f} MB; w2v phrases "
          f"{seconds['w2v phrases']:.2f} s, {peaks['w2v phrases']:.0f} MB: "
          f"time x{result['time_ratio']:.3f}")  # fmt: skip
    differences = [*result["only_word2phrase"].values(), *result["only_w2v"].values()]
    unexplained = sum("UNEXPLAINED" in reason for reason in differences)
    print(f"joined pairs: {result['joined']}; only word2phrase {len(result['only_word2phrase'])}, only w2v "
          f"{len(result['only_w2v'])}; unexplained {unexplained}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPORA[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each tool (default 3; 0: none)")
    parser.add_argument("--train", action="store_true", help="also: two passes, trained on and scored")
    parser.add_argument("--seeds", type=int, default=3, help="training seeds for --train (default 3)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "phrases-latest.json")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"no corpus at {args.corpus}: pass --corpus PATH")
    with tempfile.TemporaryDirectory(prefix="w2v-bench-phrases-") as tmp:
        work = Path(tmp)
        corpus = plain_copy(args.corpus, work)
        result = speed(corpus, work, args.runs) if args.runs else {}
        if args.train:
            result["training"] = train_and_score(corpus, work, args.seeds)
    result["corpus"] = str(args.corpus)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    if args.runs:
        print_speed(result)
    for name, scores in result.get("training", {}).items():
        print(f"{name}: phrase analogies {scores['phrase_analogy']:.2f} % ({scores['phrase_covered']:.0f} of "
              f"{scores['phrase_questions']} in the top 30,000 words), {scores['phrase_analogy_all_words']:.2f} % "
              f"({scores['phrase_covered_all_words']:.0f} in the vocabulary); word analogies "
              f"{scores['word_analogy']:.2f} %")  # fmt: skip
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
