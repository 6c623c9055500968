import re

import numpy as np
import pytest

from w2v.errors import W2VError
from w2v.model import Model
from w2v.query import Index, analogy, nearest, similarity, vector_of
from w2v.vocab import Vocab


@pytest.fixture
def model():
    vectors = np.array([[1, 0], [0.9, 0.1], [10, 0.5], [0, 1], [-1, 0]], dtype=np.float32)
    return Model(Vocab(["a", "b", "c", "d", "e"], np.array([5, 4, 3, 2, 1])), vectors)


def test_cosine_and_euclidean_rank_differently(model):
    assert [n.word for n in nearest(model, "a", k=4, metric="cosine")] == ["c", "b", "d", "e"]
    assert [n.word for n in nearest(model, "a", k=4, metric="euclidean")] == ["b", "d", "e", "c"]


def test_scores_match_brute_force(model):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 7)).astype(np.float32)
    big = Model(Vocab([f"w{i}" for i in range(50)], np.ones(50)), vectors)
    found = nearest(big, "w3", k=49, metric="cosine")
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    expected = np.argsort(-(unit @ unit[3]))
    assert [n.word for n in found] == [f"w{i}" for i in expected if i != 3]
    assert found[0].score == pytest.approx(float(unit[expected[1]] @ unit[3]), rel=1e-5)
    found = nearest(big, "w3", k=3, metric="euclidean")
    distances = np.linalg.norm(vectors - vectors[3], axis=1)
    assert [n.score for n in found] == pytest.approx(sorted(distances)[1:4], rel=1e-4)


def test_query_word_excluded_and_k_capped(model):
    assert "a" not in [n.word for n in nearest(model, "a", k=100)]
    assert len(nearest(model, "a", k=100)) == 4


def test_zero_vector_query_does_not_crash(model):
    assert len(Index(model).nearest(np.zeros(2, np.float32), k=2)) == 2


# A tiny world where the royal and the gender direction are separate axes.
WORDS = ["man", "woman", "king", "queen", "apple"]


VECTORS = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 1, 0], [0, 0, 0, 1]], dtype=np.float32)


@pytest.fixture
def royal():
    return Model(Vocab(WORDS, np.array([5, 4, 3, 2, 1])), VECTORS)


def test_analogy_finds_queen_and_excludes_inputs(royal):
    for method in ("add", "mul"):
        answers = analogy(royal, "man", "king", "woman", k=4, method=method)
        assert answers[0].word == "queen"
        assert {"man", "king", "woman"}.isdisjoint(a.word for a in answers)
        assert len(answers) == 2  # only queen and apple are left


def test_similarity_by_hand(royal):
    result = similarity(royal, "king", "queen")
    assert result.cosine == pytest.approx(2 / np.sqrt(6))
    assert result.euclidean == pytest.approx(1.0)


def test_vector_of_sums_signed_unit_vectors(royal):
    vector, ids = vector_of(royal, "king - man + woman")
    unit = VECTORS / np.linalg.norm(VECTORS, axis=1, keepdims=True)
    np.testing.assert_allclose(vector, unit[2] - unit[0] + unit[1], rtol=1e-6)
    assert ids == [2, 0, 1]
    np.testing.assert_allclose(vector_of(royal, "- apple")[0], -unit[4])
    np.testing.assert_allclose(vector_of(royal, "king queen")[0], unit[2] + unit[3], rtol=1e-6)


@pytest.mark.parametrize("expression,message", [
    ("king + + man", "two operators in a row"),
    ("king -", "an operator needs a word after it"),
    ("+", "no word in '+'"),
])  # fmt: skip
def test_vector_of_rejects_bad_expressions(royal, expression, message):
    with pytest.raises(W2VError, match=re.escape(message)):
        vector_of(royal, expression)


def test_neighbour_tables_align_wide_characters():
    from w2v.cli.query import _neighbor_table, display_width
    from w2v.query import Neighbor

    assert (display_width("北京"), display_width("paris"), display_width("cafe\u0301")) == (4, 5, 4)
    table = _neighbor_table("x", {"cosine": [Neighbor("北京大学", 0.5), Neighbor("paris", 0.25)]})
    rows = table.splitlines()[2:]
    assert [display_width(row) for row in rows] == [display_width(rows[0])] * 2
