"""Train fastText 0.9.3 skip-gram with subwords (its Python module, the same C++ as its binary)
and save the .bin model.

Usage: python fasttext_train.py CORPUS_TXT OUT_BIN SEED
(SEED is recorded only: the Python module of fastText 0.9.3 takes no seed, and its runs on 2
threads differ from each other anyway.)
Settings: dim 100, window 5, 5 negatives, 5 epochs, min-count 5, 2 threads, lr 0.05, t 1e-4,
n-grams 3-6, 2,000,000 buckets (fastText's defaults but for the epochs and threads). Prints one
JSON line: train_seconds (fastText reads the corpus for its dictionary inside the same call, so
this includes that pass).
"""

import json
import sys
import time

import fasttext

corpus, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
started = time.perf_counter()
settings = dict(model="skipgram", dim=100, ws=5, neg=5, epoch=5, minCount=5, thread=2, lr=0.05, t=1e-4, minn=3, maxn=6)
model = fasttext.train_unsupervised(corpus, **settings, bucket=2_000_000, verbose=0)
train_seconds = time.perf_counter() - started
model.save_model(out)
print(json.dumps({"train_seconds": train_seconds}))
