"""Next-item recommendation on MovieLens-100k, side by side (issue 17).

    python bench/items.py                      # tune on the validation split, then 10 seeds on the test split
    python bench/items.py --seeds 3 --out bench/results/DATE-items.json

MovieLens-100k's licence forbids redistribution, so it is never committed: the script downloads
the `recbole` 1.2.1 wheel (`pip download recbole==1.2.1 --no-deps`, cached in
~/.cache/w2v-bench) and reads `recbole/dataset_example/ml-100k/ml-100k.inter` from it.

Sessions: each user's rated movies by timestamp (ties in file order), one line per user.
Leave-last-out: the test target is a user's last movie, the query the one before it; settings
are chosen on a validation split that holds out the last two movies (target: the second to
last), training on the rest, and never look at the test split. Ranking is over every movie of
the training data, the query excluded (`w2v evaluate --next-item`); HR@10, NDCG@10.

Compared, dim 64:
  popularity   the most watched movies (the same list for every query)
  item-kNN     movies co-watched with the query in a training session, cosine-normalised counts
  w2v, gensim  skip-gram with word2vec's defaults (window 5, sample 1e-3, ns-exponent 0.75, 5 epochs)
  both, tuned  the settings a small search on the validation split picks for w2v (in stages:
               epochs with sample, then window, then ns-exponent; see SEARCH), given to both
Seconds are whole-process times: `w2v train` as a command, gensim as `python -c` that imports
it, trains (corpus_file, 2 workers) and saves the vectors.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from w2v.formats import read_word2vec  # noqa: E402
from w2v.model import Model  # noqa: E402
from w2v.sessions import next_item_ranks, summarize_ranks  # noqa: E402
from w2v.storage import load_model  # noqa: E402
from w2v.vocab import Vocab  # noqa: E402

CACHE = Path.home() / ".cache" / "w2v-bench"
WHEEL = "recbole-1.2.1-py3-none-any.whl"
INTER = "recbole/dataset_example/ml-100k/ml-100k.inter"
K = 10
DIM = 64
WORD_DEFAULTS = {"window": 5, "sample": 1e-3, "ns_exponent": 0.75, "epochs": 5}
# The search on the validation split, stage by stage from the word defaults; each stage's best
# (mean HR@10 of SEARCH_SEEDS seeds) is kept for the next. Epochs and sample go together: both set
# how much training an item gets (at sample 1e-4 five epochs are far too few, fifty are not).
SEARCH = [
    {"epochs": [5, 20, 50, 100], "sample": [0.0, 1e-5, 1e-4, 1e-3]},
    {"window": [2, 5, 10, 20]},
    {"ns_exponent": [-1.0, -0.5, 0.0, 0.5, 0.75, 1.0]},
]
SEARCH_SEEDS = (1, 2)

GENSIM = """
import sys
from gensim.models import Word2Vec
s = {settings!r}
model = Word2Vec(corpus_file={corpus!r}, sg=1, vector_size={dim}, window=s["window"], negative=5, sample=s["sample"],
                 ns_exponent=s["ns_exponent"], epochs=s["epochs"], min_count=1, workers=2, seed={seed})
model.wv.save_word2vec_format({out!r}, binary=True)
"""


def movielens_inter() -> str:
    """ml-100k.inter's text, from the recbole wheel (downloaded once into CACHE)."""
    wheel = CACHE / WHEEL
    if not wheel.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "recbole==1.2.1", "--no-deps", "-q", "-d", str(CACHE)],
                       check=True)  # fmt: skip
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(INTER).decode("utf-8")


def sessions_of(inter: str) -> list[list[str]]:
    """Each user's items by timestamp (stable: ties keep the file's order), users in order of first appearance."""
    by_user: dict[str, list[tuple[float, int, str]]] = collections.defaultdict(list)
    for n, line in enumerate(inter.splitlines()[1:]):
        user, item, _, timestamp = line.split("\t")
        by_user[user].append((float(timestamp), n, item))
    return [[item for *_, item in sorted(events)] for events in by_user.values()]


def write_lines(path: Path, sessions: list[list[str]]) -> Path:
    path.write_text("".join(" ".join(s) + "\n" for s in sessions))
    return path


def splits(sessions: list[list[str]], folder: Path) -> dict[str, tuple[Path, Path]]:
    """{"valid": (train file, evaluation file), "test": (...)}: leave-last-out, and one more for validation."""
    return {
        "valid": (write_lines(folder / "train-valid.txt", [s[:-2] for s in sessions if len(s) > 2]),
                  write_lines(folder / "valid.txt", [s[:-1] for s in sessions if len(s) >= 3])),
        "test": (write_lines(folder / "train-test.txt", [s[:-1] for s in sessions if len(s) > 1]),
                 write_lines(folder / "test.txt", [s for s in sessions if len(s) >= 2])),
    }  # fmt: skip


def _read_sessions(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()]


def _ranks_from_scores(scores: np.ndarray, items: list[str], evaluation: Path) -> list[int | None]:
    """As sessions.next_item_ranks, when item j's score for query q is scores[q, j] (higher is better)."""
    index = {item: i for i, item in enumerate(items)}
    ranks: list[int | None] = []
    for s in _read_sessions(evaluation):
        q, t = index.get(s[-2]), index.get(s[-1])
        if q is None or t is None or q == t:
            ranks.append(None)
            continue
        row = scores[q].astype(np.float64).copy()
        target = row[t]
        row[[q, t]] = -np.inf
        ranks.append(1 + int((row >= target).sum()))
    return ranks


def _scores(ranks: list[int | None]) -> dict:
    """HR@K and NDCG@K as `w2v evaluate --next-item` computes them from each line's rank, and each
    line's hit (None where the line is not covered), for the paired comparison."""
    result = summarize_ranks(ranks, K)
    hits = [None if rank is None else rank <= K for rank in ranks]
    return {"hr": result.hr, "ndcg": result.ndcg, "covered": result.covered, "hits": hits}


def baselines(train: Path, evaluation: Path) -> dict[str, dict]:
    sessions = _read_sessions(train)
    counts = collections.Counter(item for s in sessions for item in s)
    items = list(counts)
    index = {item: i for i, item in enumerate(items)}
    started = time.perf_counter()
    popularity = np.tile(np.array([counts[i] for i in items], np.float64), (len(items), 1))
    seen = np.zeros((len(sessions), len(items)), np.float32)
    for row, s in enumerate(sessions):
        seen[row, [index[i] for i in s]] = 1.0
    together = seen.T @ seen
    norms = np.sqrt(np.diag(together))
    cosine = together / np.maximum(np.outer(norms, norms), 1e-12)
    seconds = time.perf_counter() - started
    return {"popularity": {**_scores(_ranks_from_scores(popularity, items, evaluation)), "seconds": 0.0},
            "item-kNN": {**_scores(_ranks_from_scores(cosine, items, evaluation)), "seconds": seconds}}  # fmt: skip


def w2v_run(train: Path, evaluation: Path, settings: dict, seed: int, work: Path) -> dict:
    model_dir = work / f"w2v-{seed}"
    command = [str(Path(sys.executable).with_name("w2v")), "train", str(train), "--model-dir", str(model_dir), "-q",
               "--tokenizer", "whitespace", "--dim", str(DIM), "--min-count", "1", "--threads", "2",
               "--seed", str(seed), "--window", str(settings["window"]), "--sample", str(settings["sample"]),
               "--ns-exponent", str(settings["ns_exponent"]), "--epochs", str(settings["epochs"])]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True)
    seconds = time.perf_counter() - started
    return {**_scores(next_item_ranks(load_model(model_dir), evaluation)), "seconds": seconds}


def gensim_run(train: Path, evaluation: Path, settings: dict, seed: int, work: Path) -> dict:
    out = work / f"gensim-{seed}.bin"
    code = GENSIM.format(settings=settings, corpus=str(train), dim=DIM, seed=seed, out=str(out))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    seconds = time.perf_counter() - started
    vectors = read_word2vec(out)
    model = Model(Vocab(vectors.words, np.ones(len(vectors), np.int64)), vectors.input_vectors)
    return {**_scores(next_item_ranks(model, evaluation)), "seconds": seconds}


def search(train: Path, valid: Path, work: Path) -> tuple[dict, list]:
    """SEARCH's stages in order: every combination of a stage's values, with the best of the
    earlier stages; the best mean HR@K over SEARCH_SEEDS (the first listed, on a tie) is kept."""
    best, tried = dict(WORD_DEFAULTS), []
    for stage in SEARCH:
        names = list(stage)
        scores = {}
        for values in itertools.product(*stage.values()):
            settings = {**best, **dict(zip(names, values, strict=True))}
            hr = statistics.mean(w2v_run(train, valid, settings, seed, work)["hr"] for seed in SEARCH_SEEDS)
            scores[values] = hr
            tried.append({**settings, "valid_hr": hr})
            print(f"  valid {settings}: HR@{K} {hr:.4f}", file=sys.stderr, flush=True)
        best.update(zip(names, max(scores, key=scores.get), strict=True))
    return best, tried


def summary(runs: list[dict]) -> dict:
    def spread(key):
        values = [r[key] for r in runs]
        return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0

    (hr, hr_sd), (ndcg, ndcg_sd) = spread("hr"), spread("ndcg")
    seconds = statistics.median(r["seconds"] for r in runs)
    return {"hr": hr, "hr_sd": hr_sd, "ndcg": ndcg, "ndcg_sd": ndcg_sd, "seconds": seconds,
            "covered": runs[0]["covered"], "runs": runs}  # fmt: skip


def paired_difference(first: list[dict], second: list[dict], draws: int = 2000) -> tuple[float, float]:
    """Mean HR@K of `first`'s runs minus `second`'s, and its standard error from resampling the
    evaluation lines (each line's hit averaged over a method's seeds, paired line by line): the
    noise of which users happened to be in the split, which the spread over seeds does not show."""
    one = np.array([[h for h in run["hits"] if h is not None] for run in first], float).mean(axis=0)
    two = np.array([[h for h in run["hits"] if h is not None] for run in second], float).mean(axis=0)
    rng = np.random.default_rng(0)
    samples = rng.integers(0, one.size, (draws, one.size))
    return float(one.mean() - two.mean()), float((one[samples].mean(axis=1) - two[samples].mean(axis=1)).std())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    sessions = sessions_of(movielens_inter())
    print(f"MovieLens-100k: {len(sessions)} users, {sum(map(len, sessions)):,} ratings", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="w2v-items-") as scratch:
        work = Path(scratch)
        files = splits(sessions, work)
        tuned, tried = search(*files["valid"], work)
        print(f"chosen on the validation split: {tuned}", file=sys.stderr, flush=True)
        train, test = files["test"]
        rows = {name: summary([result]) for name, result in baselines(train, test).items()}
        for label, settings in (("word defaults", WORD_DEFAULTS), ("tuned", tuned)):
            for tool, run in (("w2v", w2v_run), ("gensim", gensim_run)):
                runs = [run(train, test, settings, seed, work) for seed in range(1, args.seeds + 1)]
                rows[f"{tool}, {label}"] = summary(runs)
                print(f"{tool}, {label}: HR@{K} {rows[f'{tool}, {label}']['hr']:.4f}", file=sys.stderr, flush=True)
        valid_train, valid = files["valid"]
        for tool, run in (("w2v", w2v_run), ("gensim", gensim_run)):
            runs = [run(valid_train, valid, tuned, seed, work) for seed in range(1, args.seeds + 1)]
            rows[f"{tool}, tuned, validation split"] = summary(runs)
        hundred = {**tuned, "epochs": 100}
        timing = {tool: statistics.median(run(train, test, hundred, seed, work)["seconds"] for seed in (1, 2, 3))
                  for tool, run in (("w2v", w2v_run), ("gensim", gensim_run))}  # fmt: skip
    print(f"| method | HR@{K} | NDCG@{K} | seconds |\n|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {name} | {row['hr']:.4f} ± {row['hr_sd']:.4f} | {row['ndcg']:.4f} ± {row['ndcg_sd']:.4f} | "
              f"{row['seconds']:.1f} |")  # fmt: skip
    print(f"\nTuned settings: {tuned}. Covered test lines: {rows['w2v, tuned']['covered']} of {len(sessions)}.")
    differences = {}
    for split in ("", ", validation split"):
        for label in ("word defaults", "tuned"):
            name = f"{label}{split}"
            if f"w2v, {name}" in rows:
                differences[name] = paired_difference(rows[f"w2v, {name}"]["runs"], rows[f"gensim, {name}"]["runs"])
                print(f"w2v - gensim, {name}: HR@{K} {differences[name][0]:+.4f} ± {differences[name][1]:.4f} "
                      "(standard error over the users, paired)")  # fmt: skip
    print(f"100 epochs with the tuned settings, whole process, median of 3: w2v {timing['w2v']:.1f} s, "
          f"gensim {timing['gensim']:.1f} s ({timing['gensim'] / timing['w2v']:.1f}x)")  # fmt: skip
    if args.out:
        for row in rows.values():  # each line's hit served the paired comparison; the JSON keeps the figures
            row["runs"] = [{key: value for key, value in run.items() if key != "hits"} for run in row["runs"]]
        report = {"k": K, "dim": DIM, "tuned": tuned, "search": tried, "rows": rows, "timing_100_epochs": timing,
                  "w2v_minus_gensim": differences}  # fmt: skip
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
