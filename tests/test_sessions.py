"""Sessions: the leave-last-out split and next-item evaluation, on hand-made vectors."""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

import w2v
from w2v.cli import cli
from w2v.errors import W2VError
from w2v.sessions import evaluate_next_item, split_sessions, target_ranks
from w2v.vocab import Vocab

ITEMS = ["a", "b", "c", "d"]
VECTORS = np.array([[1, 0], [0.9, 0.1], [0, 1], [-1, 0]], np.float32)


@pytest.fixture
def model():
    return w2v.Model(Vocab(ITEMS, np.ones(4, np.int64)), VECTORS)


def slow_rank(vectors, query, target, metric):
    """Count, one row at a time, the rows other than query and target at least as near as target."""

    def nearness(row):
        if metric == "cosine":
            norms = np.linalg.norm(vectors[query]) * np.linalg.norm(vectors[row])
            return float(vectors[query] @ vectors[row]) / norms
        return -float(np.linalg.norm(vectors[query] - vectors[row]))

    return 1 + sum(1 for row in range(len(vectors)) if row not in (query, target) and nearness(row) >= nearness(target))


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_target_ranks_match_a_row_by_row_count(metric):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 6)).astype(np.float32)
    queries, targets = rng.integers(0, 50, 200), rng.integers(0, 50, 200)
    keep = queries != targets
    queries, targets = queries[keep], targets[keep]
    expected = [slow_rank(vectors, q, t, metric) for q, t in zip(queries, targets, strict=True)]
    np.testing.assert_array_equal(target_ranks(vectors, queries, targets, metric), expected)


def test_next_item_metrics_by_hand(model, tmp_path):
    sessions = tmp_path / "sessions.txt"
    # a -> b: b is a's nearest (rank 1). c -> a: b is nearer to c (cosine 0.11), a and d tie at 0,
    # and a tie counts against the target: rank 3. "a zz": zz unknown. "b": one id, not counted.
    sessions.write_text("x a b\nc a\na zz\nb\n")
    result = evaluate_next_item(model, sessions, k=2)
    assert (result.covered, result.total, result.k) == (2, 3, 2)
    assert result.hr == 0.5
    assert result.ndcg == pytest.approx((1 / math.log2(2) + 0) / 2)
    assert result.mrr == pytest.approx((1 + 1 / 3) / 2)
    # By Euclidean distance from c = (0, 1): b 1.28, a 1.41, d 1.41: a ranks 3 again (tie with d).
    assert evaluate_next_item(model, sessions, k=3, metric="euclidean").hr == 1.0
    nothing = tmp_path / "unknown.txt"
    nothing.write_text("p q\n")
    with pytest.raises(W2VError, match="no line of .* has its last two ids both in the model"):
        evaluate_next_item(model, nothing)


def test_split_holds_out_the_last_ids(tmp_path):
    sessions = tmp_path / "s.txt"
    sessions.write_text("1\n1 2\n01 02 03\n1 2 3 4\n")
    counts = split_sessions(sessions, tmp_path / "train", tmp_path / "test")
    assert (tmp_path / "train").read_text() == "1\n01 02\n1 2 3\n"
    assert (tmp_path / "test").read_text() == "1 2\n01 02 03\n1 2 3 4\n"
    assert (counts.lines, counts.train, counts.test) == (4, 3, 3)
    counts = split_sessions(sessions, tmp_path / "train", tmp_path / "test", tmp_path / "valid")
    assert (tmp_path / "train").read_text() == "01\n1 2\n"
    assert (tmp_path / "valid").read_text() == "01 02\n1 2 3\n"
    assert (counts.train, counts.valid, counts.test) == (2, 2, 3)


def split_with_cli(model, tmp_path, text, *options):
    """Save `model` to tmp_path/m and split the sessions `text` with `w2v split-sessions` into
    tmp_path/tr and tmp_path/te (and the files `options` name); the runner and its result."""
    w2v.save(model, tmp_path / "m")
    sessions = tmp_path / "s.txt"
    sessions.write_text(text)
    runner = CliRunner()
    files = ["--train", str(tmp_path / "tr"), "--test", str(tmp_path / "te")]
    return runner, runner.invoke(cli, ["split-sessions", str(sessions), *files, *options])


def test_cli_split_then_evaluate(model, tmp_path):
    runner, result = split_with_cli(model, tmp_path, "x a b\nc a\na zz\nb\n")
    assert result.exit_code == 0 and result.output == f"4 sessions: 3 to {tmp_path / 'tr'}, 3 to {tmp_path / 'te'}\n"
    result = runner.invoke(cli, ["evaluate", "--next-item", str(tmp_path / "te"), "-k", "2", "--json",
                                 "--model-dir", str(tmp_path / "m")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"hr": 0.5, "ndcg": 0.5, "mrr": pytest.approx(2 / 3), "k": 2,
                                         "metric": "cosine", "covered": 2, "total": 3}  # fmt: skip
    result = runner.invoke(cli, ["evaluate", "--next-item", str(tmp_path / "te"), "--model-dir", str(tmp_path / "m")])
    assert result.exit_code == 0
    # k = 10: both lines hit.
    assert result.output.splitlines()[-1].split() == ["3", "2", "(67%)", "1.0000", "0.7500", "0.6667"]


def test_cli_metric_and_valid_split(model, tmp_path):
    runner, result = split_with_cli(model, tmp_path, "x c a\nd c a\n", "--valid", str(tmp_path / "va"))
    assert result.exit_code == 0 and f"2 to {tmp_path / 'va'}" in result.output
    assert (tmp_path / "va").read_text() == "x c\nd c\n" and (tmp_path / "tr").read_text() == "x\nd\n"
    # c -> a: by cosine, b (0.11) is nearer to c than a (0); by Euclidean distance too (1.28 < 1.41),
    # and d ties with a: rank 3 either way, so HR@2 is 0 and MRR 1/3.
    for metric in ("cosine", "euclidean"):
        result = runner.invoke(cli, ["evaluate", "--next-item", str(tmp_path / "te"), "-k", "2", "--metric", metric,
                                     "--json", "--model-dir", str(tmp_path / "m")])  # fmt: skip
        assert result.exit_code == 0, result.output
        answer = json.loads(result.output)
        assert (answer["metric"], answer["hr"], answer["covered"]) == (metric, 0.0, 2)
        assert answer["mrr"] == pytest.approx(1 / 3)
