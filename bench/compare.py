"""Side-by-side benchmark: w2v, gensim 4.4 (corpus_file mode) and word2vec.c on the same corpus
with the same settings, one run at a time; then every set of vectors is scored by w2v's evaluator.

    python bench/compare.py                      # w2v on both forms, against stored peer results
    python bench/compare.py --peers              # also re-run gensim and word2vec.c here
    python bench/compare.py --runs 1 --arch cbow --corpus other.txt.gz

Settings (word2vec.c's defaults): dim 100, window 5, negative 5, sample 1e-3, min-count 5,
5 epochs, 2 threads, alpha 0.025 skip-gram / 0.05 CBOW decaying linearly.
words/s = corpus tokens x epochs / training seconds (vocabulary building excluded), the same
numerator for every tool. Timings are medians over runs; accuracies are means. Run i of every
tool takes seed i (word2vec.c from a build with a seed, peers/word2vec_c_seeded.py), so that
repeated runs are independent samples rather than one seed's result repeated.
Peak RSS is the process's VmHWM, polled from /proc while it runs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.machine import scaling as machine_scaling  # noqa: E402
from bench.peers.word2vec_c_seeded import build as build_seeded_word2vec_c  # noqa: E402
from w2v.evaluate import bundled, evaluate  # noqa: E402
from w2v.formats import read_word2vec  # noqa: E402
from w2v.storage import load_model  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
DEFAULT_CORPORA = [SHARED / "enwiki2014_text8_sentences.txt.gz", SHARED / "enwiki2014_text8.txt.gz"]
ALPHA = {"skipgram": 0.025, "cbow": 0.05}
EPOCHS, THREADS = 5, 2
PEERS_FILE = HERE / "results" / "peers.json"
BIN = Path(sys.executable).parent


@dataclass
class Run:
    tool: str
    arch: str
    corpus: str
    form: str  # "one line" or "sentences"
    train_s: float
    total_s: float
    setup_s: float  # process start to the first training step
    words_per_s: float
    peak_rss_mb: float
    analogy: float
    semantic: float
    syntactic: float
    ws353: float
    simlex: float


def _peak_rss_mb(pid: int) -> float | None:
    """The process's own high-water mark (VmHWM: reset at exec, unlike wait4's ru_maxrss, which
    also counts the memory of the forked copy of this large benchmark process)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure(
    command: list[str], marker: bytes | None = None, env: dict | None = None
) -> tuple[float, float, bytes, float | None]:
    """Run `command`; return (wall seconds, peak RSS MB, stdout, seconds until `marker` appeared).

    The peak is polled from /proc while the process runs (every ~50 ms and at every output)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    os.set_blocking(process.stdout.fileno(), False)
    output, marked, peak = b"", None, 0.0
    while True:
        chunk = process.stdout.read1(65536) if select.select([process.stdout], [], [], 0.05)[0] else None
        peak = max(peak, _peak_rss_mb(process.pid) or 0.0)
        if chunk:
            output += chunk
            if marker and marked is None and marker in output:
                marked = time.perf_counter() - started
        elif chunk == b"" or process.poll() is not None:
            output += process.stdout.read() or b""
            break
    returncode = process.wait()
    wall = time.perf_counter() - started
    if returncode != 0:
        sys.exit(f"failed ({returncode}): {' '.join(command)}\n" + output[-2000:].decode(errors="replace"))
    return wall, peak, output, marked


def scores(model) -> dict:
    report = evaluate(model, [bundled("questions-words.txt")], [bundled("wordsim353.tsv"), bundled("simlex999.txt")])
    from w2v.evaluate import summarize_analogies

    semantic, syntactic, total = summarize_analogies(report.analogies["questions-words.txt"])
    return {
        "analogy": 100 * total.accuracy("add"), "semantic": 100 * semantic.accuracy("add"),
        "syntactic": 100 * syntactic.accuracy("add"),
        "ws353": report.similarity[0].spearman, "simlex": report.similarity[1].spearman,
    }  # fmt: skip


def form_of(corpus: Path) -> str:
    opener = gzip.open if corpus.suffix == ".gz" else open
    with opener(corpus, "rb") as text:
        return "sentences" if b"\n" in text.read(1 << 20).rstrip(b"\n") else "one line"


def plain_copy(corpus: Path, cache: Path) -> Path:
    """The peers need an uncompressed file."""
    if corpus.suffix != ".gz":
        return corpus
    target = cache / corpus.stem
    if not target.exists():
        with gzip.open(corpus, "rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 24)
    return target


def count_tokens(corpus: Path) -> int:
    """The corpus's tokens as w2v reads them: the numerator of words/s for every tool."""
    from w2v.corpus import resolve_sources, scan

    with tempfile.TemporaryDirectory(prefix="w2v-count-") as directory:
        return scan(resolve_sources([str(corpus)]), "simple", True, directory).n_tokens


def run_w2v(corpus: Path, arch: str, work: Path, tokens: dict, exact: bool = False, seed: int = 1,
            threads: int = THREADS, hs: bool = False) -> Run:  # fmt: skip
    """One w2v run; repeated runs take seeds 1, 2, 3... so that they are independent samples (with
    the same seed, two runs differ only by thread races: WS-353 within 0.005, not a spread).
    hs: hierarchical softmax instead of negative sampling."""
    model_dir = work / "w2v-model"
    command = [str(BIN / "w2v"), "train", str(corpus), "--model-dir", str(model_dir), "--arch", arch,
               "--threads", str(threads), "--epochs", str(EPOCHS), "--seed", str(seed), "--quiet"]  # fmt: skip
    command += ["--exact"] if exact else []
    command += ["--hs"] if hs else []
    wall, rss, _, _ = measure(command)
    model = load_model(model_dir)
    tokens[str(corpus)] = model.meta["corpus"]["tokens"]
    train, setup = model.training.train_seconds, model.training.setup_seconds
    tool = "w2v --exact" if exact else "w2v" if threads == THREADS else f"w2v {threads} thread"
    tool += " --hs" if hs else ""
    return Run(tool, arch, corpus.name, form_of(corpus), train, wall, setup,
               tokens[str(corpus)] * EPOCHS / train, rss, **scores(model))  # fmt: skip


def run_gensim(corpus: Path, plain: Path, arch: str, work: Path, tokens: int, seed: int = 1) -> Run:
    """gensim on `plain`, the uncompressed copy of `corpus`; repeated runs take seeds 1, 2, 3..."""
    out = work / "gensim.bin"
    script = HERE / "peers" / "gensim_train.py"
    command = [sys.executable, str(script), str(plain), str(out), arch, str(ALPHA[arch]), str(seed)]
    wall, rss, output, _ = measure(command)
    timing = json.loads(output.strip().splitlines()[-1])
    train = timing["train_seconds"]
    return Run("gensim corpus_file", arch, corpus.name, form_of(corpus), train, wall, wall - train,
               tokens * EPOCHS / train, rss, **scores(read_word2vec(out)))  # fmt: skip


def run_word2vec_c(
    corpus: Path, plain: Path, arch: str, work: Path, tokens: int, seed: int = 1, hs: bool = False
) -> Run:
    """word2vec.c on `plain`, the uncompressed copy of `corpus`, built with a seed (see
    peers/word2vec_c_seeded.py): repeated runs take seeds 1, 2, 3..., as w2v's do.
    hs: hierarchical softmax alone (-hs 1 -negative 0) instead of -hs 0 -negative 5."""
    out = work / "word2vec_c.bin"
    binary = work / "word2vec-seeded"
    if not binary.exists():
        build_seeded_word2vec_c(binary)
    command = [str(binary), "-train", str(plain), "-output", str(out),
               "-cbow", "1" if arch == "cbow" else "0",
               "-size", "100", "-window", "5", "-negative", "0" if hs else "5", "-hs", "1" if hs else "0",
               "-sample", "1e-3", "-min-count", "5",
               "-iter", str(EPOCHS), "-threads", str(THREADS), "-alpha", str(ALPHA[arch]), "-binary", "1"]  # fmt: skip
    wall, rss, _, vocab_done = measure(
        command, marker=b"Words in train file", env={**os.environ, "W2V_C_SEED": str(seed)}
    )
    train = wall - (vocab_done or 0.0)
    return Run("word2vec.c -hs 1" if hs else "word2vec.c", arch, corpus.name, form_of(corpus), train, wall,
               vocab_done or 0.0, tokens * EPOCHS / train, rss, **scores(read_word2vec(out)))  # fmt: skip


def summarize(runs: list[Run]) -> list[dict]:
    groups: dict[tuple, list[Run]] = {}
    for run in runs:
        groups.setdefault((run.tool, run.arch, run.corpus, run.form), []).append(run)
    rows = []
    for (tool, arch, corpus, form), group in groups.items():
        row = {"tool": tool, "arch": arch, "corpus": corpus, "form": form, "runs": len(group)}
        for key in ("train_s", "total_s", "setup_s", "words_per_s", "peak_rss_mb"):
            values = [getattr(r, key) for r in group if getattr(r, key) is not None]
            row[key] = statistics.median(values) if values else None
        for key in ("analogy", "semantic", "syntactic", "ws353", "simlex"):
            row[key] = statistics.mean(getattr(r, key) for r in group)
        rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| tool | arch | input | runs | train s | words/s | setup s | total s | peak RSS MB "
        "| analogy % (sem/syn) | WS-353 | SimLex |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in sorted(rows, key=lambda r: (r["corpus"], r["arch"], r["tool"])):
        lines.append(
            f"| {r['tool']}{' (stored)' if r.get('stored') else ''} | {r['arch']} | {r['form']} | {r['runs']} "
            f"| {r['train_s']:.1f} | {r['words_per_s'] / 1000:,.0f}k | {r['setup_s']:.1f} | {r['total_s']:.1f} "
            f"| {'n/a' if r['peak_rss_mb'] is None else format(r['peak_rss_mb'], '.0f')} "
            f"| {r['analogy']:.1f} ({r['semantic']:.1f}/{r['syntactic']:.1f}) "
            f"| {r['ws353']:.3f} | {r['simlex']:.3f} |"
        )
    return "\n".join(lines)


def ratios(rows: list[dict]) -> str:
    """w2v's words/s and setup time against each peer, same architecture and input form."""
    lines = []
    for r in rows:
        if r["tool"] != "w2v":
            continue
        for single in rows:
            if single["tool"] == "w2v 1 thread" and (single["arch"], single["corpus"]) == (r["arch"], r["corpus"]):
                lines.append(f"{r['arch']:<9} {r['form']:<10} w2v {THREADS} threads / 1 thread    "
                             f"words/s x{r['words_per_s'] / single['words_per_s']:.2f}")  # fmt: skip
        for peer in rows:
            same = (peer["arch"], peer["corpus"]) == (r["arch"], r["corpus"])
            if peer["tool"] in ("gensim corpus_file", "word2vec.c") and same:
                lines.append(
                    f"{r['arch']:<9} {r['form']:<10} w2v / {peer['tool']:<19} "
                    f"words/s x{r['words_per_s'] / peer['words_per_s']:.2f}"
                    f"   setup x{r['setup_s'] / peer['setup_s']:.2f}   analogy {r['analogy'] - peer['analogy']:+.1f}"
                    f"   WS-353 {r['ws353'] - peer['ws353']:+.3f}"
                )  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--corpus", action="append", type=Path, help="corpus (repeatable); default: the shared benchmark pair"
    )
    parser.add_argument("--arch", action="append", choices=("skipgram", "cbow"), help="default: both")
    parser.add_argument("--runs", type=int, default=3, help="w2v runs per setting (default 3)")
    parser.add_argument("--exact-runs", type=int, default=1, help="w2v --exact (skip-gram) runs (default 1)")
    parser.add_argument(
        "--scaling-runs",
        type=int,
        default=3,
        help="w2v skip-gram runs with 1 thread on the first corpus, for the scaling ratio (default 3)",
    )
    parser.add_argument("--peers", action="store_true", help="re-run gensim and word2vec.c (else use stored results)")
    parser.add_argument("--peer-runs", type=int, default=1, help="runs per peer setting with --peers (default 1)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    args = parser.parse_args()
    corpora = args.corpus or [c for c in DEFAULT_CORPORA if c.exists()]
    if not corpora:
        sys.exit("no corpus: pass --corpus PATH (the default benchmark corpora are not here)")
    archs = args.arch or ["skipgram", "cbow"]
    runs: list[Run] = []
    tokens: dict[str, int] = {}
    machine = [machine_scaling()]  # before and after: the machine's own 2-thread scaling at the time
    with tempfile.TemporaryDirectory(prefix="w2v-bench-") as tmp:
        work = Path(tmp)
        for corpus in corpora:
            tokens[str(corpus)] = count_tokens(corpus)
            if args.peers:  # first, so that nothing of ours is warm in the caches
                plain = plain_copy(corpus, work)
                for arch in archs:
                    for i in range(args.peer_runs):
                        if form_of(corpus) == "sentences":  # gensim keeps 10,000 tokens of a line: not comparable
                            runs.append(run_gensim(corpus, plain, arch, work, tokens[str(corpus)], seed=i + 1))
                            print(f"gensim {arch} {corpus.name} run {i + 1}: {runs[-1]}", file=sys.stderr, flush=True)
                        runs.append(run_word2vec_c(corpus, plain, arch, work, tokens[str(corpus)], seed=i + 1))
                        print(f"word2vec.c {arch} {corpus.name} run {i + 1}: {runs[-1]}", file=sys.stderr, flush=True)
            for arch in archs:
                for i in range(args.runs):
                    runs.append(run_w2v(corpus, arch, work, tokens, seed=i + 1))
                    print(f"w2v {arch} {corpus.name} run {i + 1}: {runs[-1]}", file=sys.stderr, flush=True)
                    if (
                        arch == "skipgram" and corpus == corpora[0] and i < args.scaling_runs
                    ):  # 1 and 2 threads alternate
                        runs.append(run_w2v(corpus, arch, work, tokens, seed=i + 1, threads=1))
                        print(f"w2v 1 thread {corpus.name} run {i + 1}: {runs[-1]}", file=sys.stderr, flush=True)
                for i in range(args.exact_runs if arch == "skipgram" else 0):
                    runs.append(run_w2v(corpus, arch, work, tokens, exact=True, seed=i + 1))
                    print(f"w2v --exact {corpus.name} run {i + 1}: {runs[-1]}", file=sys.stderr, flush=True)
    machine.append(machine_scaling())
    rows = summarize(runs)
    peer_rows = [r for r in rows if r["tool"] in ("gensim corpus_file", "word2vec.c")]
    if peer_rows:
        stored = json.loads(PEERS_FILE.read_text()) if PEERS_FILE.exists() else []
        fresh = {(r["tool"], r["arch"], r["corpus"]) for r in peer_rows}
        kept = [s for s in stored if (s["tool"], s["arch"], s["corpus"]) not in fresh]
        PEERS_FILE.write_text(json.dumps(kept + peer_rows, indent=1) + "\n")
    elif PEERS_FILE.exists():
        wanted = {(arch, c.name) for c in corpora for arch in archs}
        rows += [
            {**r, "stored": True} for r in json.loads(PEERS_FILE.read_text()) if (r["arch"], r["corpus"]) in wanted
        ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"runs": [asdict(r) for r in runs], "summary": rows, "machine": machine}, indent=1) + "\n"
    )
    print(table(rows))
    print()
    print(ratios(rows))
    print(
        "this machine, 2 threads / 1 thread for a loop sharing nothing (before, after the runs): "
        + ", ".join(f"throughput-bound x{m['throughput']:.2f} latency-bound x{m['latency']:.2f}" for m in machine)
    )


if __name__ == "__main__":
    main()
