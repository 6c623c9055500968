"""Reading speed on real text: w2v's read phase (tokenise, count, choose the vocabulary, encode)
against gensim's vocabulary pass, on ASCII, on the same text with non-ASCII words, and on
Chinese.

    python bench/reading.py [--runs 3] [--lines 250000] [--out FILE]

Inputs, rebuilt here each time (nothing is committed):
- ascii: the first --lines lines of the benchmark corpus in sentence form (ASCII, text8-style);
- non-ascii: the same lines, 30 % of them (seeded) with one non-ASCII word inserted at a random
  place (curly quotes, accented words, dashes, Greek, ...), as real English text has;
- chinese: the Chinese fortunes of Debian's fortunes-zh package (its text, ANSI colour codes
  stripped) repeated to at least 10 MB; skipped if `apt-get download fortunes-zh` cannot get it.
w2v: `w2v.train.read_corpus` in a fresh process (its imports and any table it builds included),
tokenizer simple; gensim 4.4: `Word2Vec.build_vocab(corpus_file=...)` in a fresh process. Each
figure is the median of --runs runs; MB/s is the input's size over that time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SENTENCES = ROOT.parent / "shared" / "data" / "enwiki2014_text8_sentences.txt.gz"
NON_ASCII_WORDS = ["“quoted”", "café", "—", "naïve", "Zürich", "résumé", "São", "Ελλάδα", "façade", "’s", "€5",
                   "Łódź", "Ångström", "coöperate", "–", "…", "Москва", "señor", "Île", "œuvre"]  # fmt: skip

W2V = """
import json, sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
from pathlib import Path
import w2v
from w2v.corpus import resolve_sources
from w2v.report import Log
from w2v.train import read_corpus
encoded, vocab, stats = read_corpus(resolve_sources([{path!r}]), [{path!r}], w2v.TrainConfig(min_count=5),
                                    Path({work!r}), Log(quiet=True))
print(json.dumps({{"seconds": time.perf_counter() - started, "tokens": stats["tokens"], "words": len(vocab)}}))
"""

GENSIM = """
import json, logging, time
started = time.perf_counter()
from gensim.models import Word2Vec
model = Word2Vec(vector_size=100, min_count=5, workers=2)
model.build_vocab(corpus_file={path!r})
print(json.dumps({{"seconds": time.perf_counter() - started, "words": len(model.wv)}}))
"""


def make_inputs(directory: Path, n_lines: int) -> dict[str, Path]:
    ascii_path, mixed_path = directory / "ascii.txt", directory / "non-ascii.txt"
    rng = random.Random(0)
    with gzip.open(SENTENCES, "rt", encoding="utf-8") as lines, open(ascii_path, "w", encoding="utf-8") as plain, \
            open(mixed_path, "w", encoding="utf-8") as mixed:  # fmt: skip
        for _, line in zip(range(n_lines), lines, strict=False):
            plain.write(line)
            words = line.split()
            if rng.random() < 0.3:
                words.insert(rng.randint(0, len(words)), rng.choice(NON_ASCII_WORDS))
            mixed.write(" ".join(words) + "\n")
    inputs = {"ascii": ascii_path, "non-ascii": mixed_path}
    chinese = chinese_fortunes(directory)
    if chinese is not None:
        inputs["chinese"] = chinese
    return inputs


def chinese_fortunes(directory: Path, at_least: int = 10 << 20) -> Path | None:
    """Debian's fortunes-zh text, ANSI colour codes stripped, repeated to at least `at_least` bytes."""
    package = directory / "deb"
    package.mkdir()
    fetched = subprocess.run(["apt-get", "download", "fortunes-zh"], cwd=package, capture_output=True, text=True)
    debs = list(package.glob("*.deb"))
    if fetched.returncode != 0 or not debs:
        print(f"chinese: skipped (apt-get download fortunes-zh: {fetched.stderr.strip()[-200:]})", file=sys.stderr)
        return None
    subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(package / "root")], check=True)
    text = ""
    for path in sorted((package / "root").rglob("*")):
        if path.is_file() and not path.name.endswith(".dat") and "doc" not in path.parts:
            text += path.read_text(encoding="utf-8", errors="ignore")
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    once = text.encode("utf-8")
    out = directory / "chinese.txt"
    out.write_bytes(once * -(-at_least // max(1, len(once))))
    shutil.rmtree(package)
    return out


def timed(code: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lines", type=int, default=250_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    report = []
    with tempfile.TemporaryDirectory(prefix="w2v-reading-") as scratch:
        inputs = make_inputs(Path(scratch), args.lines)
        for name, path in inputs.items():
            mb = path.stat().st_size / 1e6
            row = {"input": name, "mb": mb, "w2v": [], "gensim": []}
            for _ in range(args.runs):  # alternating, so that the machine's drift falls on both
                with tempfile.TemporaryDirectory(dir=scratch) as work:
                    row["w2v"].append(timed(W2V.format(root=str(ROOT), path=str(path), work=work))["seconds"])
                if name != "chinese":  # gensim splits on whitespace: unsegmented Chinese is one word a line
                    row["gensim"].append(timed(GENSIM.format(path=str(path)))["seconds"])
            row["w2v_s"] = statistics.median(row["w2v"])
            row["gensim_s"] = statistics.median(row["gensim"]) if row["gensim"] else None
            report.append(row)
            gensim = f"{row['gensim_s']:.2f} s" if row["gensim_s"] else "-"
            print(f"| {name} | {mb:.1f} MB | {row['w2v_s']:.2f} s ({mb / row['w2v_s']:.1f} MB/s) | {gensim} |",
                  flush=True)  # fmt: skip
    ascii_rate = report[0]["mb"] / report[0]["w2v_s"]
    for row in report[1:]:
        rate = row["mb"] / row["w2v_s"]
        print(f"{row['input']}: {row['w2v_s'] / report[0]['w2v_s'] * report[0]['mb'] / row['mb']:.2f}x the ASCII "
              f"time per MB; {rate / ascii_rate:.2f}x the ASCII rate in MB/s")  # fmt: skip
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
