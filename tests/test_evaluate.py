"""Metrics against values computed by hand on tiny made-up vector sets."""

import numpy as np
import pytest

from w2v.evaluate import (
    analogy_predictions,
    evaluate_analogies,
    evaluate_similarity,
    rank,
    spearman,
    summarize_analogies,
)

# Four words on a square plus "d_", the exact answer of "a is to b as c is to ?" (b - a + c).
WORDS = ["a", "b", "c", "d_", "far"]
VECTORS = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 2, 0.1], [-1, -1, 5]], dtype=np.float32)


def test_ranks_average_ties():
    assert rank(np.array([10, 20, 20, 5])).tolist() == [2.0, 3.5, 3.5, 1.0]
    assert rank(np.array([3, 3, 3])).tolist() == [2.0, 2.0, 2.0]


def test_spearman_by_hand_with_ties():
    # ranks x: [1, 2.5, 2.5, 4]; ranks y: [1, 2, 3, 4] -> centred dot 4.5 over sqrt(4.5 * 5)
    assert spearman(np.array([1, 2, 2, 3]), np.array([10, 20, 30, 40])) == pytest.approx(4.5 / np.sqrt(4.5 * 5))
    assert spearman(np.array([1, 2, 3]), np.array([3, 2, 1])) == pytest.approx(-1.0)
    assert np.isnan(spearman(np.array([1, 1, 1]), np.array([1, 2, 3])))


def unit(v):
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_3cosadd_excludes_the_question_words():
    u = unit(VECTORS)
    # b - a + c (unit vectors) points closest to c itself; c is excluded, so the answer is d_.
    scores = u @ (u[1] - u[0] + u[2])
    assert np.argmax(scores) == 2  # the trap: without exclusion the answer would be c
    assert analogy_predictions(u, np.array([[0, 1, 2]]), "add").tolist() == [3]


def test_3cosmul_by_hand():
    u = unit(VECTORS)
    cos = (u @ u.T + 1) / 2
    expected = cos[:, 1] * cos[:, 2] / (cos[:, 0] + 1e-3)
    expected[[0, 1, 2]] = -np.inf
    assert analogy_predictions(u, np.array([[0, 1, 2]]), "mul").tolist() == [int(np.argmax(expected))]


def test_analogy_sections_restrict_vocab_and_case(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(": family\nA B C D_\na b c far\n: gram-x\na b c nothere\nb c d_ far\n")
    sections = evaluate_analogies(WORDS, VECTORS, path, restrict_vocab=4)
    # restrict 4 drops "far": only "A B C D_" (case-insensitive) is answered, correctly.
    assert [(s.name, s.correct["add"], s.answered, s.total) for s in sections] == [
        ("family", 1, 1, 2),
        ("gram-x", 0, 0, 2),
    ]
    summary = summarize_analogies(sections)
    assert [(s.name, s.correct["add"], s.answered, s.total) for s in summary] == [
        ("semantic", 1, 1, 2),
        ("syntactic", 0, 0, 2),
        ("total", 1, 1, 4),
    ]


def test_similarity_over_covered_pairs(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("# comment\nWord 1\tWord 2\tHuman\na\tb\t9\nb\tc\t8\na\tc\t1\na\tmissing\t5\n")
    result = evaluate_similarity(WORDS, VECTORS, path)
    # cosines: a-b 0.707, b-c 0.707, a-c 0 -> ranks [2.5, 2.5, 1]; human ranks [3, 2, 1]
    assert (result.covered, result.total) == (3, 4)
    assert result.spearman == pytest.approx(spearman(np.array([2.5, 2.5, 1]), np.array([3, 2, 1])))
    assert result.spearman == pytest.approx(np.sqrt(3) / 2)


# gensim 4.4's most_similar_cosmul calls its own deprecated init_sims.
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`:DeprecationWarning")
def test_3cosadd_and_3cosmul_agree_with_gensim():
    gensim_models = pytest.importorskip("gensim.models")
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 20)).astype(np.float32)
    words = [f"w{i}" for i in range(300)]
    kv = gensim_models.KeyedVectors(20)
    kv.add_vectors(words, vectors)
    questions = rng.integers(0, 300, (40, 3))
    questions = questions[[len(set(q)) == 3 for q in questions]]
    u = unit(vectors)
    ours_add = analogy_predictions(u, questions, "add")
    ours_mul = analogy_predictions(u, questions, "mul")
    for (a, b, c), add, mul in zip(questions, ours_add, ours_mul, strict=True):
        assert kv.most_similar(positive=[words[b], words[c]], negative=[words[a]], topn=1)[0][0] == words[add]
        assert kv.most_similar_cosmul(positive=[words[b], words[c]], negative=[words[a]], topn=1)[0][0] == words[mul]
