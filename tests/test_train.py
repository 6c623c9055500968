"""Training end to end (w2v.train) on tiny corpora."""

import hashlib
import importlib
import io
import os
import re
import sys

import numpy as np
import pytest
from llvmlite import binding as llvm

import w2v
from tests.conftest import family_corpus
from w2v.huffman import huffman_tree
from w2v.query import nearest
from w2v.train import _epoch_run, epoch_steps, linear_alphas

SMALL = dict(dim=16, min_count=1, sample=0, epochs=3, seed=3)


@pytest.mark.parametrize("arch,exact", [("skipgram", False), ("skipgram", True), ("cbow", False)])
def test_planted_families_are_each_others_neighbours(family_file, arch, exact):
    model = w2v.train(str(family_file), w2v.TrainConfig(arch=arch, exact=exact, **SMALL), quiet=True)
    assert len(model) == 16
    for word in model.words:
        family = word.rstrip("0123456789")
        top = [n.word for n in nearest(model, word, k=5)]
        assert all(n.startswith(family) for n in top), (word, top)
    losses = model.training.epoch_loss
    assert losses[-1] < 0.6 * 6 * np.log(2)  # far below an untrained model's (1 + negative) log 2 per term
    if not exact:  # word2vec.c's per-pair update levels off within the first epoch here (2.00-2.02 from then on)
        assert losses[-1] < losses[0]


@pytest.mark.parametrize(
    "arch,exact,negative",
    [
        ("skipgram", False, None),
        ("skipgram", True, None),
        ("cbow", False, None),
        ("skipgram", False, 2),
        ("cbow", False, 2),
    ],
)
def test_hierarchical_softmax_learns_the_families(family_file, tmp_path, arch, exact, negative):
    config = w2v.TrainConfig(arch=arch, exact=exact, hs=True, negative=negative, **SMALL)
    model = w2v.train(str(family_file), config, quiet=True, model_dir=tmp_path / "m")
    for word in model.words:
        top = [n.word for n in nearest(model, word, k=5)]
        assert all(n.startswith(word.rstrip("0123456789")) for n in top), (word, top)
    # Untrained, every node (and noise word) is at p = 1/2: log 2 for each, along an average path.
    noise_terms = 0 if negative is None else 1 + negative
    untrained = np.log(2) * (np.diff(huffman_tree(model.vocab.counts).starts).mean() + noise_terms)
    assert model.training.epoch_loss[-1] < 0.8 * untrained
    saved = sorted(path.name for path in (tmp_path / "m").glob("*.npy"))
    assert saved == (["hs.npy", "input.npy"] if negative is None else ["hs.npy", "input.npy", "output.npy"])
    assert w2v.load(tmp_path / "m").hs_vectors.shape == (len(model) - 1, 16)


@pytest.mark.parametrize("arch", ["skipgram", "cbow"])
def test_hierarchical_softmax_reproduces_bit_for_bit_on_one_thread(family_file, arch):
    config = w2v.TrainConfig(arch=arch, hs=True, threads=1, **SMALL)
    first, second = (w2v.train(str(family_file), config, quiet=True) for _ in range(2))
    np.testing.assert_array_equal(first.input_vectors, second.input_vectors)
    np.testing.assert_array_equal(first.hs_vectors, second.hs_vectors)
    assert first.training.epoch_loss == second.training.epoch_loss


def test_hierarchical_softmax_needs_two_words(tmp_path):
    corpus = tmp_path / "one.txt"
    corpus.write_text("same same same\n" * 5)
    with pytest.raises(w2v.W2VError, match="hierarchical softmax needs a vocabulary of at least 2 words; this corpus "
                                            "has 1 word with count >= 5"):  # fmt: skip
        w2v.train(str(corpus), w2v.TrainConfig(hs=True), quiet=True)


def test_one_thread_and_a_seed_reproduce_bit_for_bit(family_file, tmp_path):
    config = w2v.TrainConfig(threads=1, **SMALL)
    first = w2v.save(w2v.train(str(family_file), config, quiet=True), tmp_path / "a")
    second = w2v.save(w2v.train(str(family_file), config, quiet=True), tmp_path / "b")
    for name in ("input.npy", "output.npy", "vocab.tsv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    other = w2v.train(str(family_file), w2v.TrainConfig(threads=1, **{**SMALL, "seed": 4}), quiet=True)
    assert not np.array_equal(np.load(first / "input.npy"), other.input_vectors)


# sha256 of input.npy's then output.npy's float32 bytes (first 16 hex digits) after training the
# family corpus with threads=1, seed 7, sample 1e-2, 2 epochs; first recorded from the code of
# 5ef0201, before the training path was restructured, which was to change no result. fastmath
# lets LLVM order float operations as suits the CPU it compiles for, so the bits are those of a
# CPU model (LLVM's name for it): an Intel Xeon with AVX-512, whose LLVM name was not noted (the
# Intel AVX-512 server names below), and AMD's Zen 4, recorded from 1c24fc5 and checked unchanged
# by every later change.
_INTEL_AVX512 = ("skylake-avx512", "cascadelake", "cooperlake", "icelake-server", "sapphirerapids", "emeraldrapids",
                 "graniterapids")  # fmt: skip
GOLDEN = {
    **dict.fromkeys(_INTEL_AVX512, {
        ("skipgram", False, 16): "61946094c2120231",
        ("skipgram", False, 100): "d523dadf2217088b",  # the 512-bit compilation of the kernel
        ("skipgram", True, 16): "d16997a63d4ca21c",
        ("cbow", False, 16): "a0539e50460c5b02",
    }),
    "znver4": {
        ("skipgram", False, 16): "aa383dc0d0d79fb4",
        ("skipgram", False, 100): "d523dadf2217088b",
        ("skipgram", True, 16): "bf12009a8080448f",
        ("cbow", False, 16): "03de2ecaa321c8db",
    },
}  # fmt: skip
_CPU = llvm.get_host_cpu_name()


@pytest.mark.skipif(_CPU not in GOLDEN, reason=f"no golden checksums recorded on this CPU ({_CPU})")
@pytest.mark.parametrize("arch,exact,dim", list(GOLDEN["znver4"]))
def test_one_thread_runs_are_bit_for_bit_those_of_before_the_restructuring(tmp_path, arch, exact, dim):
    corpus = tmp_path / "families.txt"
    corpus.write_text(family_corpus())
    config = w2v.TrainConfig(arch=arch, exact=exact, dim=dim, min_count=1, sample=1e-2, epochs=2, threads=1, seed=7)
    model = w2v.train(str(corpus), config, quiet=True)
    digest = hashlib.sha256(model.input_vectors.tobytes() + model.output_vectors.tobytes()).hexdigest()
    assert digest[:16] == GOLDEN[_CPU][(arch, exact, dim)]


@pytest.mark.slow
def test_a_two_million_token_line_is_trained_whole(tmp_path):
    rng = np.random.default_rng(0)
    words = np.array([f"w{i}".encode() for i in range(50)])
    path = tmp_path / "long.txt"
    path.write_bytes(b" ".join(words[rng.integers(0, 50, 2_000_000)]))  # no newline at all
    model = w2v.train(str(path), w2v.TrainConfig(dim=8, epochs=1, min_count=1, threads=2), quiet=True)
    assert model.meta["corpus"]["tokens"] == 2_000_000
    assert model.meta["corpus"]["training_tokens"] == 2_000_000
    assert model.meta["corpus"]["lines"] == 1
    assert int(model.vocab.counts.sum()) == 2_000_000


def test_stdin_and_gzip_give_the_same_model(gz_file, family_text, monkeypatch):
    config = w2v.TrainConfig(threads=1, **SMALL)
    from_gz = w2v.train(str(gz_file), config, quiet=True)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(family_text.encode())))
    from_stdin = w2v.train("-", config, quiet=True)
    assert from_gz.words == from_stdin.words
    np.testing.assert_array_equal(from_gz.input_vectors, from_stdin.input_vectors)


def test_progress_and_summary_go_to_stderr(family_file, capsys):
    w2v.train(str(family_file), w2v.TrainConfig(**SMALL))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "vocabulary: 16 words" in captured.err
    assert "words/s" in captured.err


def test_learning_rate_decays_linearly_over_all_epochs():
    config = w2v.TrainConfig(epochs=2, alpha=0.1, min_alpha=0.001)
    alphas = linear_alphas(config, np.array([0, 50]), epoch=0, n_tokens=100)
    np.testing.assert_allclose(alphas, [0.1, 0.1 - 0.099 * 0.25], rtol=1e-6)
    np.testing.assert_allclose(linear_alphas(config, np.array([100]), epoch=1, n_tokens=100), [0.001], rtol=1e-5)


@pytest.mark.slow
def test_memory_and_time_are_estimated_before_most_of_the_training(tmp_path, capsys):
    rng = np.random.default_rng(4)
    words = np.array([f"w{i}".encode() for i in range(300)])
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(b" ".join(words[rng.integers(0, 300, 1_300_000)]))  # more than one 1M-token chunk
    w2v.train(str(corpus), w2v.TrainConfig(dim=8, epochs=2, min_count=1), work_dir=str(tmp_path))
    err = capsys.readouterr().err
    memory = re.search(r"memory: weights 0 MB \+ (1 chunk|[2-9] chunks) of the corpus", err).start()
    estimate = err.index("estimated training time:")
    assert memory < estimate < err.index("trained 2 epochs")
    assert re.search(r"at [\d,]+ words/s \(measured on the first [\d,]+ tokens\)", err)


def test_two_threads_leave_output_vectors_of_the_vocabulary_only(family_file):
    model = w2v.train(str(family_file), w2v.TrainConfig(threads=2, **{**SMALL, "epochs": 1}), quiet=True)
    assert model.output_vectors.shape == model.input_vectors.shape
    assert model.output_vectors.flags.c_contiguous and model.output_vectors.dtype == np.float32


@pytest.mark.parametrize("options", [dict(dim=1), dict(window=1), dict(negative=1), dict(dim=1, window=1)])
def test_extreme_small_settings_train(family_file, options):
    config = w2v.TrainConfig(min_count=1, sample=0, epochs=1, **options)
    model = w2v.train(str(family_file), config, quiet=True)
    assert model.input_vectors.shape == (16, options.get("dim", 100))
    assert np.isfinite(model.input_vectors).all()


def test_large_window_and_negative_train(family_file):
    model = w2v.train(str(family_file), w2v.TrainConfig(min_count=1, window=50, negative=30, epochs=1), quiet=True)
    assert np.isfinite(model.input_vectors).all()


def test_every_word_once_needs_min_count_1(tmp_path):
    corpus = tmp_path / "once.txt"
    corpus.write_text(" ".join(f"word{i}" for i in range(1000)))
    with pytest.raises(w2v.EmptyVocabularyError, match="try --min-count 1"):
        w2v.train(str(corpus), quiet=True)
    model = w2v.train(str(corpus), w2v.TrainConfig(min_count=1, epochs=1), quiet=True)
    assert len(model) == 1000


def encoded_corpus(tmp_path, chunk_tokens: int):
    from tests.scans import scan_paths
    from w2v.vocab import build_vocab, encode

    rng = np.random.default_rng(5)
    words = np.array([f"w{i}".encode() for i in range(50)])
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(b"\n".join(b" ".join(words[rng.integers(0, 50, 30)]) for _ in range(400)))
    scanned = scan_paths(tmp_path, corpus)
    vocab, ids = build_vocab(scanned, 1)
    return encode(scanned, ids, chunk_tokens=chunk_tokens)


@pytest.mark.parametrize("stretches", [1, 2, 3])
def test_each_step_buffer_is_refilled_only_after_its_step_was_waited_for(tmp_path, stretches):
    """The epoch pipeline reads step i + 1 while step i trains, into the other of two sets of
    buffers: a step's tokens never change between its submission and its wait, the next step is
    submitted before the current one is waited for, and every segment is submitted once."""
    encoded = encoded_corpus(tmp_path, 1_000)
    assert encoded.n_chunks >= 10
    steps = epoch_steps(encoded.n_chunks, stretches)
    buffers = [[np.empty(encoded.longest_chunk, np.int32) for _ in steps[0]] for _ in range(2)]
    events, in_flight, submitted = [], {}, []

    def submit(parts):
        assert len(parts) == len(steps[len(events) // 2])
        for part in parts:
            buffer = part.tokens.ctypes.data
            assert buffer not in in_flight  # no step that is not yet waited for is in this buffer
            in_flight[buffer] = part.tokens.copy()
            submitted.extend(range(part.first, part.first + len(part.starts)))
        step = sum(event == "submit" for event, _ in events)
        events.append(("submit", step))

        def wait():
            events.append(("wait", step))
            for part in parts:
                np.testing.assert_array_equal(in_flight.pop(part.tokens.ctypes.data), part.tokens)  # unchanged
            return 1.0, sum(len(part.starts) for part in parts)

        return wait

    config = w2v.TrainConfig(epochs=2)
    results = list(_epoch_run(submit, encoded, steps, config, 0, np.uint64(1), buffers))
    assert [step for step, *_ in results] == list(range(len(steps)))
    assert sum(tokens for _, tokens, *_ in results) == encoded.n_tokens - encoded.chunk_positions[0]
    assert sorted(submitted) == list(range(len(encoded.segments) // 2))  # every segment once
    assert events.index(("submit", 1)) < events.index(("wait", 0))


@pytest.mark.parametrize(
    "n_chunks,stretches,steps",
    [
        (3, 1, [[0], [1], [2]]),
        (4, 2, [[0, 2], [1, 3]]),
        (5, 2, [[0, 2], [1, 3], [4]]),
        (7, 3, [[0, 2, 4], [1, 3, 5], [6]]),
        (1, 2, [[0]]),
        (2, 4, [[0, 1]]),
    ],
)
def test_an_epoch_is_cut_into_stretches_trained_side_by_side(n_chunks, stretches, steps):
    assert epoch_steps(n_chunks, stretches) == steps


def test_stretches_side_by_side_follow_the_epochs_progress_together(tmp_path):
    """Two stretches: the learning rate of a token a fraction f into its chunk is that of the
    tokens done by then, the earlier steps' plus f of this step's, for both chunks of a step; so
    both stretches decay together from the epoch's first rate to its last, each monotonically."""
    encoded = encoded_corpus(tmp_path, 1_000)
    steps = epoch_steps(encoded.n_chunks, 2)
    buffers = [[np.empty(encoded.longest_chunk, np.int32) for _ in steps[0]]]
    config = w2v.TrainConfig(epochs=2, alpha=0.1, min_alpha=0.001)
    seen = []

    def submit(parts):
        seen.append(parts)
        return lambda: (0.0, 0)

    list(_epoch_run(submit, encoded, steps, config, 1, np.uint64(1), buffers))
    positions, n = encoded.chunk_positions, encoded.n_tokens
    done = int(positions[0])
    for chunks, parts in zip(steps, seen, strict=True):
        sizes = [int(positions[c + 1] - positions[c]) for c in chunks]
        for size, part in zip(sizes, parts, strict=True):
            fraction = part.starts / size
            expected = 0.1 - 0.099 * (n + done + fraction * sum(sizes)) / (2 * n)  # epoch 1 of 2
            np.testing.assert_allclose(part.alphas, expected, rtol=1e-5, atol=1e-7)
        done += sum(sizes)
    assert seen[0][0].alphas[0] == seen[0][1].alphas[0] == pytest.approx(0.0505, rel=1e-3)  # the epoch's start, both
    for stretch in range(2):
        rates = np.concatenate([parts[stretch].alphas for parts in seen if len(parts) > stretch])
        assert np.all(np.diff(rates) <= 0)


def test_the_library_leaves_the_umask_and_the_allocator_alone(family_file, tmp_path, monkeypatch):
    # Process-wide state is the caller's: the command tunes glibc's allocator for itself, but a
    # w2v.train() from a notebook changes neither it nor the umask, even for a moment.
    import ctypes

    calls = []
    real_cdll = ctypes.CDLL

    class RecordingCDLL:
        def __init__(self, *args, **kwargs):
            self._library = real_cdll(*args, **kwargs)

        def __getattr__(self, name):
            if name == "mallopt":
                calls.append(name)
            return getattr(self._library, name)

    monkeypatch.setattr(ctypes, "CDLL", RecordingCDLL)
    monkeypatch.setattr(os, "umask", lambda *args: calls.append("umask"))
    w2v.train(str(family_file), w2v.TrainConfig(epochs=2, min_count=1, dim=8), quiet=True, model_dir=tmp_path / "m")
    assert (tmp_path / "m" / "meta.json").is_file()
    assert calls == []


def _far_apart_corpus(path, lines=3000, seed=0):
    """Lines of 12 ids: xK at one end and aK or bK at the other, 10 filler ids between: aK and bK
    share a context, xK, but never within 10 positions."""
    rng = np.random.default_rng(seed)
    with open(path, "w") as out:
        for _ in range(lines):
            k, end = rng.integers(10), "ab"[rng.integers(2)]
            filler = " ".join(f"f{i}" for i in rng.integers(0, 40, 10))
            out.write(f"x{k} {filler} {end}{k}\n")
    return path


@pytest.mark.parametrize("arch", ["skipgram", "cbow"])
def test_window_0_makes_every_other_id_of_the_line_a_context(tmp_path, arch):
    corpus = _far_apart_corpus(tmp_path / "baskets.txt")
    correct = {}
    for window in (0, 5):
        config = w2v.TrainConfig(arch=arch, window=window, dim=16, min_count=1, sample=0, epochs=10, threads=1,
                                 tokenizer="whitespace")  # fmt: skip
        model = w2v.train(str(corpus), config, quiet=True)
        b_rows = np.array([model[f"b{k}"] for k in range(10)])
        b_rows /= np.linalg.norm(b_rows, axis=1, keepdims=True)
        scores = [b_rows @ (model[f"a{k}"] / np.linalg.norm(model[f"a{k}"])) for k in range(10)]
        correct[window] = sum(int(np.argmax(s) == k) for k, s in enumerate(scores))
    assert correct[0] >= 9 and correct[5] <= 4, correct  # window 5 never sees xK with aK or bK: chance


def test_train_uses_the_ns_exponent_and_shrink_setting(family_file, monkeypatch):
    train_module = importlib.import_module("w2v.train")
    seen = {}
    original = train_module.noise_distribution
    monkeypatch.setattr(train_module, "noise_distribution", lambda counts, power: seen.setdefault("power", power)
                        and original(counts, power))  # fmt: skip
    config = w2v.TrainConfig(ns_exponent=-0.5, shrink_window=False, dim=8, min_count=1, epochs=1, threads=1)
    model = w2v.train(str(family_file), config, quiet=True)
    assert seen["power"] == -0.5
    assert train_module.kernel_settings(config) == (5, 5, False, False)
    assert train_module.kernel_settings(w2v.TrainConfig(window=0)) == (10_000, 5, False, False)
    assert train_module.kernel_settings(w2v.TrainConfig(hs=True)) == (5, 0, True, True)
    assert model.config.ns_exponent == -0.5 and not model.config.shrink_window


def test_the_summary_shows_the_first_and_last_epochs_losses_of_a_long_run(family_file, capsys):
    model = w2v.train(str(family_file), w2v.TrainConfig(dim=8, min_count=1, epochs=12, threads=1))
    summary = next(line for line in capsys.readouterr().err.splitlines() if line.startswith("trained 12 epochs"))
    shown = [f"{x:.4f}" for x in model.training.epoch_loss[:3]] + ["..."]
    shown += [f"{x:.4f}" for x in model.training.epoch_loss[-3:]]
    assert summary.endswith("by epoch: " + ", ".join(shown))


def test_item_ids_are_kept_verbatim(tmp_path):
    # Leading zeros, case and any script are part of an id under --tokenizer whitespace.
    ids = ["007", "7", "07", "Ünï", "ÜNÏ", "item-Σ", "商品42", "👍"]
    corpus = tmp_path / "ids.txt"
    lines = [" ".join(ids[i:] + ids[:i]) for i in range(len(ids))] * 20
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = w2v.TrainConfig(tokenizer="whitespace", min_count=1, dim=8, epochs=1, threads=1)
    model = w2v.train(str(corpus), config, quiet=True)
    assert sorted(model.words) == sorted(ids)
