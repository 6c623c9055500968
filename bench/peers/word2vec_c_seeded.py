"""Build word2vec.c with a seed: the copy that the `word2vec` package installed, with its two
fixed random seeds (1 for the initial weights, the thread number for training) offset by the
environment variable W2V_C_SEED (unset or 0: the original seeds). Nothing else changes.

Without it, every word2vec.c run starts from the same seeds, so repeated runs differ only by
thread timing and their mean is one seed's result, not the tool's: on the one-line benchmark
corpus, CBOW scored 34.2-34.9 % analogy in four runs at the fixed seed (three of them
34.7-34.9) and 32.9-34.3 % at seeds 1-5.

    python bench/peers/word2vec_c_seeded.py OUT_BINARY   # prints OUT_BINARY once it is built
"""

from __future__ import annotations

import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

# (the original line, its seeded form): the seed is mixed in with a constant, so that seeds 1, 2,
# ... of thread 0 are not the default seeds of threads 1, 2, ...
SEEDS = [
    ("unsigned long long next_random = 1;",
     'unsigned long long next_random = 1 + _seed() * 7919ULL;'),
    ("unsigned long long next_random = (long long)id;",
     'unsigned long long next_random = (long long)id + _seed() * 1000003ULL;'),
]  # fmt: skip
SEED_FUNCTION = """
static unsigned long long _seed(void) {
  const char *text = getenv("W2V_C_SEED");
  return text ? strtoull(text, NULL, 10) : 0;
}
"""
# The flags the `word2vec` package (0.11.1) compiles word2vec.c with on Linux.
CFLAGS = ["-lm", "-pthread", "-Ofast", "-Wall", "-march=native", "-funroll-loops", "-Wno-unused-result"]


def source() -> Path:
    spec = find_spec("word2vec")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("the word2vec package is not installed (pip install -e '.[bench]')")
    path = Path(next(iter(spec.submodule_search_locations))) / "includes" / "word2vec.c"
    if not path.exists():
        sys.exit(f"no word2vec.c in the word2vec package ({path})")
    return path


def build(out: Path) -> Path:
    text = source().read_text()
    for original, seeded in SEEDS:
        if text.count(original) != 1:
            sys.exit(f"word2vec.c has changed: expected one {original!r}")
        text = text.replace(original, seeded)
    first_function = text.index("void InitUnigramTable")
    text = text[:first_function] + SEED_FUNCTION + "\n" + text[first_function:]
    out.parent.mkdir(parents=True, exist_ok=True)
    patched = out.with_suffix(".c")
    patched.write_text(text)
    subprocess.run(["gcc", str(patched), "-o", str(out), *CFLAGS], check=True)
    return out


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
