"""Train gensim 4.4 Word2Vec in corpus_file mode (its fastest path) and save word2vec binary.

Usage: python gensim_train.py CORPUS_TXT OUT_BIN ARCH ALPHA SEED
Prints one JSON line: vocab_seconds, train_seconds (the run is timed in two parts, as
build_vocab and train are separate calls).
"""

import json
import logging
import sys
import time

from gensim.models import Word2Vec

corpus, out, arch, alpha, seed = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
logging.basicConfig(level=logging.WARNING)
model = Word2Vec(
    vector_size=100, window=5, negative=5, hs=0, sample=1e-3, min_count=5, epochs=5, workers=2,
    sg=1 if arch == "skipgram" else 0, alpha=alpha, min_alpha=alpha * 1e-4, seed=seed,
)  # fmt: skip
started = time.perf_counter()
model.build_vocab(corpus_file=corpus)
vocab_seconds = time.perf_counter() - started
started = time.perf_counter()
model.train(corpus_file=corpus, total_examples=model.corpus_count, total_words=model.corpus_total_words,
            epochs=model.epochs)  # fmt: skip
train_seconds = time.perf_counter() - started
model.wv.save_word2vec_format(out, binary=True)
print(json.dumps({"vocab_seconds": vocab_seconds, "train_seconds": train_seconds}))
