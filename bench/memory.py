"""Memory as the corpus grows: w2v's peak RSS training on a corpus and on the same corpus
repeated N times, with --min-count scaled by N so that the vocabulary (and so the weights) is
the same. Were the encoded corpus kept in memory, the second would need (N - 1) x tokens x 4
bytes more; kept on disk, both peaks should be about equal.

    python bench/memory.py                              # the benchmark corpus, 8 times
    python bench/memory.py --corpus other.txt.gz --times 4

One epoch each (memory does not change with epochs); the copies are written to a temporary
directory and removed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from datetime import date
from pathlib import Path

from compare import BIN, HERE, SHARED, measure


def train(corpus: Path, min_count: int, work: Path) -> dict:
    model = work / "model"
    shutil.rmtree(model, ignore_errors=True)
    command = [str(BIN / "w2v"), "train", str(corpus), "--model-dir", str(model), "--epochs", "1",
               "--min-count", str(min_count), "--threads", "2", "-q"]  # fmt: skip
    wall, rss, _, _ = measure(command)
    meta = json.loads((model / "meta.json").read_text())
    return {"corpus": corpus.name, "min_count": min_count, "tokens": meta["corpus"]["tokens"],
            "vocabulary": meta["vocab_size"], "peak_rss_mb": round(rss, 1), "wall_s": round(wall, 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=SHARED / "enwiki2014_text8.txt.gz")
    parser.add_argument("--times", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="w2v-memory-") as temporary:
        work = Path(temporary)
        repeated = work / f"{args.times}x-{args.corpus.name}"
        with open(repeated, "wb") as out:  # concatenated gzip members are one gzip stream
            for _ in range(args.times):
                with open(args.corpus, "rb") as part:
                    shutil.copyfileobj(part, out)
        once = train(args.corpus, 5, work)
        many = train(repeated, 5 * args.times, work)
    extra_ids_mb = (many["tokens"] - once["tokens"]) * 4 / 2**20
    lines = [
        f"# Memory as the corpus grows ({date.today()}): `python bench/memory.py --times {args.times}`",
        "",
        "| corpus | tokens | --min-count | vocabulary | peak RSS MB | wall s |",
        "|---|---|---|---|---|---|",
        *(
            f"| {r['corpus']} | {r['tokens']:,} | {r['min_count']} | {r['vocabulary']:,} | {r['peak_rss_mb']:.0f} "
            f"| {r['wall_s']:.0f} |"
            for r in (once, many)
        ),  # fmt: skip
        "",
        f"Peak RSS difference: {many['peak_rss_mb'] - once['peak_rss_mb']:+.0f} MB; the extra encoded ids "
        f"(kept on disk) are {extra_ids_mb:,.0f} MB.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    (HERE / "results" / f"{date.today()}-memory.md").write_text(report)


if __name__ == "__main__":
    main()
