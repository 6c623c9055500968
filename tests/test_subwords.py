"""Subword vectors: fastText's n-grams and hashing, the kernels' composition against the slow
reference, unseen words, the model directory, the commands."""

from __future__ import annotations

import numpy as np
import pytest

import w2v
from tests import reference
from w2v import kernels
from w2v.kernel_types import Sampling, Segments, Settings, Weights
from w2v.sampling import noise_distribution
from w2v.subwords import parse_subwords, subword_rows


def fasttext_hash(text: str) -> int:
    """fastText's hash, from its definition: 32-bit FNV-1a over the UTF-8 bytes, each byte
    sign-extended from int8 first."""
    h = 2166136261
    for byte in text.encode("utf-8"):
        h = ((h ^ (byte if byte < 128 else byte | 0xFFFFFF00)) * 16777619) & 0xFFFFFFFF
    return h


def fasttext_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """The n-grams of <word>, in fastText's order: by first character, then by length; a
    one-character n-gram that is < or > left out."""
    bracketed = f"<{word}>"
    grams = []
    for i in range(len(bracketed)):
        for n in range(1, max_n + 1):
            if i + n > len(bracketed):
                break
            if n >= min_n and not (n == 1 and (i == 0 or i + n == len(bracketed))):
                grams.append(bracketed[i : i + n])
    return grams


def test_fnv1a_sign_extends_bytes_as_fasttext_does():
    # "a": plain FNV-1a; "é" (c3 a9): its bytes are negative int8, unlike plain FNV-1a's.
    assert fasttext_hash("a") == 0xE40C292C
    plain = 2166136261
    for byte in "é".encode():
        plain = ((plain ^ byte) * 16777619) & 0xFFFFFFFF
    assert fasttext_hash("é") != plain
    starts, rows = subword_rows(["é"], 1, 1, 2**31 - 1, 0, own_rows=False)  # the n-gram "é" alone
    assert rows.tolist() == [fasttext_hash("é") % (2**31 - 1)]


@pytest.mark.parametrize("word", ["where", "a", "où", "北京大学", "naïve_café", "xyzzy123"])
@pytest.mark.parametrize("min_n,max_n", [(3, 6), (1, 2), (2, 10)])
def test_rows_are_the_word_then_its_hashed_ngrams(word, min_n, max_n):
    buckets, n_words = 1_000_003, 7
    starts, rows = subword_rows(["other", word], min_n, max_n, buckets, n_words)
    expected = [1] + [n_words + fasttext_hash(g) % buckets for g in fasttext_ngrams(word, min_n, max_n)]
    assert rows[starts[1] : starts[2]].tolist() == expected
    _, unseen = subword_rows([word], min_n, max_n, buckets, n_words, own_rows=False)
    assert unseen.tolist() == expected[1:]


def test_ngrams_count_characters_not_bytes():
    assert fasttext_ngrams("où", 3, 3) == ["<où", "où>"]
    starts, rows = subword_rows(["où"], 3, 3, 100, 0, own_rows=False)
    assert starts.tolist() == [0, 2]


def test_parse_subwords():
    assert parse_subwords("3-6") == (3, 6)
    for bad in ("3", "6-3", "0-2", "a-b"):
        with pytest.raises(w2v.ConfigError):
            parse_subwords(bad)


SENTENCE = np.array([0, 3, 1, 4, 4, 2, 7, 0, 11, 5, 6, 1, 9], dtype=np.int32)
N_WORDS, BUCKETS, DIM = 12, 9, 8


def _subword_table(rng):
    """Each word: its own row, then 0-4 of 9 bucket rows (some shared between words, one twice)."""
    lists = [[w] + (N_WORDS + rng.integers(0, BUCKETS, rng.integers(0, 5))).tolist() for w in range(N_WORDS)]
    lists[2] += [N_WORDS + 3, N_WORDS + 3]
    starts = np.cumsum([0] + [len(rows) for rows in lists]).astype(np.int64)
    return lists, starts, np.array([r for rows in lists for r in rows], dtype=np.int64)


@pytest.mark.parametrize("method,reference_kernel", [(kernels.SKIPGRAM, reference.skipgram_shared),
                                                     (kernels.SKIPGRAM_EXACT, reference.skipgram_exact),
                                                     (kernels.CBOW, reference.cbow)])  # fmt: skip
def test_kernels_train_composed_vectors_and_add_each_change_to_every_row(method, reference_kernel):
    rng = np.random.default_rng(5)
    table = rng.normal(0, 0.3, (N_WORDS + BUCKETS, DIM)).astype(np.float32)
    start = table.copy()
    out = rng.normal(0, 0.3, (N_WORDS, DIM)).astype(np.float32)
    lists, starts, rows = _subword_table(rng)
    counts = np.arange(N_WORDS, 0, -1, dtype=np.int64) * 10
    threshold, alias = kernels.build_alias_table(noise_distribution(counts))
    seed, window, negative, alpha = np.uint64(11), 3, 4, 0.05
    # The reference: the sentence trained on the words' mean vectors, each word's change then
    # added to every one of its rows.
    composed = np.array([table[r].astype(np.float64).mean(axis=0) for r in lists])
    before = composed.copy()
    ref_table, ref_out = table.astype(np.float64), out.astype(np.float64)
    state = int(kernels.segment_state(seed, 0))
    ref_loss, ref_count = reference_kernel(composed, ref_out, SENTENCE.tolist(), window, negative, alpha, threshold,
                                           alias, reference.SplitMix64(state))  # fmt: skip
    for word, word_rows in enumerate(lists):
        for row in word_rows:
            ref_table[row] += composed[word] - before[word]
    weights = Weights(table, out, np.zeros(2, np.int64), np.zeros(len(table), np.uint8), np.zeros((0, DIM), np.float32),
                      np.zeros(2, np.int64), starts, rows, np.zeros((N_WORDS, DIM), np.float32),
                      np.zeros(N_WORDS, np.int32))  # fmt: skip
    segments = Segments(SENTENCE, np.array([0]), np.array([len(SENTENCE)]), np.array([alpha], np.float32), 0, seed)
    sampling = Sampling(np.ones(N_WORDS, np.float32), threshold, alias)
    loss, count = kernels.train_segments(method, weights, sampling, Settings(window, negative), segments)
    assert count == ref_count and loss == pytest.approx(ref_loss, rel=1e-4)
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(table, ref_table, rtol=1e-4, atol=1e-6)
    assert np.abs(table[N_WORDS:] - start[N_WORDS:]).max() > 1e-3  # the n-gram rows learned: not vacuous
    assert not weights.slots.any()  # every slot cleared for the next sentence
    unused = sorted(set(range(N_WORDS)) - set(SENTENCE.tolist()))
    shared_rows = {r for w in SENTENCE.tolist() for r in lists[w]}
    untouched = [r for w in unused for r in lists[w] if r not in shared_rows]
    assert untouched and np.array_equal(table[untouched], np.asarray(ref_table[untouched], np.float32))


# ---- models with subwords ------------------------------------------------------------------

SMALL = dict(dim=16, min_count=1, sample=0, epochs=2, seed=3, threads=1, subwords="2-4", buckets=5000)


@pytest.fixture(scope="module")
def subword_model(family_file):
    return w2v.train(str(family_file), w2v.TrainConfig(**SMALL), quiet=True)


def _mean_of(model, rows):
    """The mean of these table rows, -1 (a bucket without a row) counting as zeros."""
    table = np.asarray(model.subword_vectors, np.float64)
    return np.array([table[r] if r >= 0 else np.zeros(table.shape[1]) for r in rows]).mean(axis=0)


def test_word_vectors_are_the_mean_of_their_rows_and_unseen_words_get_their_ngrams(subword_model):
    model = subword_model
    n_words, bucket_rows = len(model), model.bucket_rows
    used = int((bucket_rows >= 0).sum())
    assert model.has_subwords and model.subword_vectors.shape == (n_words + used, 16) and 0 < used < 5000
    for word in ("animal3", "metal0"):
        rows = [model.vocab.index[word]] + [bucket_rows[fasttext_hash(g) % 5000] for g in fasttext_ngrams(word, 2, 4)]
        assert min(rows) >= 0  # every n-gram of a vocabulary word has its row
        np.testing.assert_allclose(model[word], _mean_of(model, rows), rtol=1e-5, atol=1e-6)
    rows = [bucket_rows[fasttext_hash(g) % 5000] for g in fasttext_ngrams("animalz", 2, 4)]
    assert min(rows) == -1 and max(rows) >= 0  # "z>" is no vocabulary word's n-gram, "<an" is
    np.testing.assert_allclose(model["animalz"], _mean_of(model, rows), rtol=1e-5, atol=1e-6)
    assert "animalz" not in model
    # The n-grams carry the families: an unseen animal is nearer the animals than the metals.
    near = [n.word for n in w2v.nearest(model, "animal77", k=4)]
    assert all(word.startswith("animal") for word in near)


def test_a_model_with_subwords_round_trips_through_its_directory(subword_model, tmp_path):
    path = w2v.save(subword_model, tmp_path / "m")
    assert (path / "subwords.npy").exists()
    loaded = w2v.load(path)
    assert loaded.ngrams == (2, 4, 5000, len(subword_model))
    np.testing.assert_array_equal(loaded["metalzz"], subword_model["metalzz"])
    np.testing.assert_array_equal(loaded.input_vectors, subword_model.input_vectors)


def test_a_resumed_subword_run_ends_where_an_uninterrupted_one_does(family_file, tmp_path, monkeypatch):
    from tests.conftest import stop_after_first_checkpoint

    config = w2v.TrainConfig(**{**SMALL, "epochs": 3})
    stop_after_first_checkpoint(monkeypatch, family_file, config, tmp_path / "m")
    whole = w2v.train(str(family_file), config, quiet=True)
    resumed = w2v.train(str(family_file), quiet=True, model_dir=tmp_path / "m", resume=True)
    np.testing.assert_array_equal(resumed.subword_vectors, whole.subword_vectors)
    np.testing.assert_array_equal(resumed.input_vectors, whole.input_vectors)
    assert resumed.training.epoch_loss == whole.training.epoch_loss


def test_subwords_do_not_mix_with_init_vectors(trained_model_dir):
    with pytest.raises(w2v.ConfigError, match="use one or the other"):
        w2v.TrainConfig(subwords="3-6", init_vectors=str(trained_model_dir))
    with pytest.raises(w2v.ConfigError, match="buckets must be"):
        w2v.TrainConfig(subwords="3-6", buckets=0)


def cli_run(*args):
    from click.testing import CliRunner

    from w2v.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args])


def test_commands_answer_for_unseen_words_and_say_so(subword_model, tmp_path):
    path = w2v.save(subword_model, tmp_path / "m")
    result = cli_run("neighbors", "animalz", "--model-dir", path, "-k", "3")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("animalz (not in the vocabulary: the mean of its character n-grams' vectors)")
    result = cli_run("vector", "animalz", "metal1", "--model-dir", path)
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and [line.split()[0] for line in lines] == ["animalz", "metal1"]
    np.testing.assert_allclose([float(x) for x in lines[0].split()[1:]], subword_model["animalz"], rtol=1e-5)
    assert "animalz: not in the vocabulary" in result.stderr and "metal1: not" not in result.stderr
    result = cli_run("analogy", "metal1", "metal2", "animalz", "--model-dir", path, "-k", "2")
    assert result.exit_code == 0 and "(not in the vocabulary" in result.stdout.splitlines()[0]
    assert cli_run("similarity", "animalz", "animal1", "--model-dir", path).exit_code == 0
    export = tmp_path / "v.txt"
    assert cli_run("export", export, "--model-dir", path).exit_code == 0
    first = export.read_text().splitlines()[1].split()
    np.testing.assert_allclose([float(x) for x in first[1:]], subword_model[first[0]], rtol=1e-5, atol=1e-6)


def test_without_subwords_an_unseen_word_is_still_an_error(trained_model_dir):
    result = cli_run("vector", "animalz", "--model-dir", trained_model_dir)
    assert result.exit_code == 1 and "Error: 'animalz' is not in the vocabulary" in result.output


def test_similarity_sets_count_every_pair_with_subwords(subword_model, tmp_path):
    from w2v.evaluate import evaluate

    pairs = tmp_path / "pairs.txt"
    pairs.write_text("animal1\tanimal2\t9\nanimalz\tanimal3\t8\nmetal1\tanimal2\t1\nmetalz\tanimalq\t2\n")
    [result] = evaluate(subword_model, [], [pairs]).similarity
    assert (result.covered, result.total) == (4, 4)


_FASTTEXT_SCRIPT = """
import json, sys
import fasttext
corpus, out, words = sys.argv[1], sys.argv[2], sys.argv[3:]
model = fasttext.train_unsupervised(corpus, model="skipgram", dim=10, epoch=1, minCount=1, bucket=100003, minn=2,
                                    maxn=4, thread=1, verbose=0)
model.save_model(out)
words = model.words + words
print(json.dumps({"words": model.words, "vectors": {w: model.get_word_vector(w).tolist() for w in words},
                  "subwords": {w: model.get_subwords(w)[1].tolist() for w in words}}))
"""


def _fasttext_model(corpus, out, extra_words) -> dict:
    """Train a tiny fastText model in a fresh process (fastText 0.9.3 at times ends a run on a
    tiny corpus with "Encountered NaN", more often in a process that has run other code: tried
    up to three times) and return what its get_word_vector and get_subwords say."""
    import json
    import subprocess
    import sys

    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", _FASTTEXT_SCRIPT, str(corpus), str(out), *extra_words],
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode == 0:
            return json.loads(done.stdout)
        assert "Encountered NaN" in done.stderr, done.stderr
    pytest.fail("fastText failed three times")


def test_fasttext_bin_models_give_fasttexts_vectors_for_every_word(tmp_path):
    pytest.importorskip("fasttext")
    import random

    from w2v.formats import read_word2vec

    rng = random.Random(0)
    words = [stem + end for stem in ("walk", "talk", "play", "jump", "cook") for end in ("", "s", "ed", "ing")]
    words += [f"w{i}" for i in range(200)]
    lines = [" ".join(rng.choices(words, [1 / (i + 1) for i in range(len(words))], k=10)) for _ in range(5000)]
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(lines) + "\n")
    buckets, unseen = 100_003, ["walkings", "zzz", "x", "北京"]
    theirs = _fasttext_model(corpus, tmp_path / "ft.bin", unseen)
    model = read_word2vec(tmp_path / "ft.bin")
    n_words = len(theirs["words"])
    assert model.words == theirs["words"] and model.ngrams == (2, 4, buckets, n_words)
    for word in [*theirs["words"], *unseen]:
        np.testing.assert_allclose(model[word], theirs["vectors"][word], rtol=1e-5, atol=1e-6)
        if word == "</s>":  # the end of a line has no n-grams in fastText
            assert theirs["subwords"][word] == [model.vocab.index[word]]
            continue
        ours = subword_rows([word], 2, 4, buckets, n_words, own_rows=word in model)[1].tolist()
        if word in model:
            ours[0] = model.vocab.index[word]
        assert ours == theirs["subwords"][word]
    # imported once into a model directory, the unseen words still work
    assert cli_run("import", tmp_path / "ft.bin", "--model-dir", tmp_path / "m").exit_code == 0
    np.testing.assert_allclose(w2v.load(tmp_path / "m")["walkings"], theirs["vectors"]["walkings"], atol=1e-6)


def test_only_the_buckets_the_vocabulary_uses_get_rows_in_bucket_order():
    from w2v.subwords import compact_buckets

    rows = np.array([0, 7, 5, 1, 9, 5, 7], dtype=np.int64)  # 2 words, buckets 5, 3 and 1 (rows 7, 5, 9 - 4)
    bucket_rows, mapped = compact_buckets(rows, n_words=4, buckets=6)
    assert bucket_rows.tolist() == [-1, 4, -1, 5, -1, 6]  # buckets 1, 3, 5 -> rows 4, 5, 6
    assert mapped.tolist() == [0, 5, 4, 1, 6, 4, 5]


@pytest.mark.parametrize("arch,hs", [("cbow", False), ("skipgram", True), ("cbow", True)])
def test_every_objective_trains_with_subwords(family_file, arch, hs):
    model = w2v.train(str(family_file), w2v.TrainConfig(**{**SMALL, "arch": arch, "hs": hs}), quiet=True)
    assert np.isfinite(model.subword_vectors).all() and np.isfinite(model.training.epoch_loss).all()
    # Far below the loss of a model that barely moves from its start (pair by pair, skip-gram with
    # --hs reaches this corpus's floor within the first epoch, so the epochs' losses need not fall).
    still = w2v.train(str(family_file), w2v.TrainConfig(**{**SMALL, "arch": arch, "hs": hs, "alpha": 1e-6}), quiet=True)
    assert model.training.epoch_loss[-1] < 0.8 * still.training.epoch_loss[-1]
    near = [n.word for n in w2v.nearest(model, "metal99", k=3)]
    assert all(word.startswith("metal") for word in near)
