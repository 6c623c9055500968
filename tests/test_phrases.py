"""w2v phrases: word2phrase.c's scores and joins, against hand-computed counts and a slow
reference (tests/reference.py), the table, the passes, pruning, and the command."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tests import reference
from w2v.config import PhrasesConfig
from w2v.errors import ConfigError, W2VError
from w2v.phrases import load_table, phrases


def run(tmp_path, text: str, name: str = "out.txt", **options) -> str:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(text, encoding="utf-8")
    table = options.pop("table", None)
    save_table = options.pop("save_table", None)
    out = tmp_path / name
    config = None if table else PhrasesConfig(**options)
    phrases(str(corpus), out, config, table=table, save_table=save_table, quiet=True)
    return out.read_text(encoding="utf-8")


def threshold_corpus() -> str:
    """400 tokens: "a b" 7 times, a and b 3 more times each, filler words seen once each.
    Default score of (a, b) at min_count 2: (7 - 2) / 10 / 10 * 400 = 20, exact in float32."""
    lines = ["a b"] * 7 + ["a x0", "a x1", "a x2", "x3 b", "x4 b", "x5 b"]
    used = 7 * 2 + 6 * 2
    lines += [" ".join(f"f{i}_{j}" for j in range(4)) for i in range((400 - used) // 4)]
    lines += ["g0 g1"] * ((400 - used) % 4 // 2)
    text = "\n".join(lines) + "\n"
    assert len(text.split()) == 400
    return text


def test_a_pair_exactly_at_the_threshold_is_not_joined_and_just_below_it_is(tmp_path):
    text = threshold_corpus()
    assert "a b\n" in run(tmp_path, text, min_count=2, threshold=20.0)
    assert run(tmp_path, text, min_count=2, threshold=19.99).count("a_b\n") == 7


def test_scores_from_hand_counted_pairs(tmp_path):
    # new: 5, york: 4, new york: 3, york new: 2, tokens 12. min_count 1: (new, york) scores
    # (3 - 1) / 5 / 4 * 12 = 1.2, (york, new) (2 - 1) / 4 / 5 * 12 = 0.6; the npmi of (new, york)
    # is ln((3/12) / (5/12 * 4/12)) / -ln(3/12) = ln(1.8) / ln(4) = 0.4240.
    text = "new york is big\nnew york new\nyork new york\nold new\n"
    assert run(tmp_path, text, min_count=1, threshold=1.19).splitlines() == [
        "new_york is big", "new_york new", "york new_york", "old new"]  # fmt: skip
    assert "new_york" not in run(tmp_path, text, min_count=1, threshold=1.21)
    assert "new_york" in run(tmp_path, text, min_count=1, scorer="npmi", threshold=0.423)
    assert "new_york" not in run(tmp_path, text, min_count=1, scorer="npmi", threshold=0.425)


def test_pairs_are_counted_within_lines_only(tmp_path):
    # "b a" is on a line 3 times, and a line ending in a is followed by one starting with b 20
    # times. Counted within lines (tokens 86, a 23, b 23) it scores (3 - 1) / 23 / 23 * 86 = 0.33;
    # across line breaks too, as word2phrase.c counts (bench/phrases.py), it would score 3.6.
    text = "x a\nb y\n" * 20 + "b a\n" * 3
    assert "b_a" not in run(tmp_path, text, min_count=1, threshold=1.0)
    assert run(tmp_path, text, min_count=1, threshold=0.3).count("b_a") == 3


def test_a_word_joined_to_the_one_before_joins_nothing_after_it(tmp_path):
    text = "a b c\n" * 10
    out = run(tmp_path, text, min_count=1, threshold=0.0)
    assert out == "a_b c\n" * 10


@pytest.mark.parametrize("scorer,threshold", [("default", 5.0), ("default", 20.0), ("npmi", 0.1), ("npmi", 0.3)])
def test_joins_equal_the_slow_reference_on_random_text(tmp_path, scorer, threshold):
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(60)]
    weights = [1 / (i + 1) for i in range(60)]
    lines = []
    for _ in range(400):
        line = rng.choices(vocabulary, weights, k=rng.randint(0, 12))
        for i in range(len(line) - 1):  # some pairs that stick together
            if line[i] in ("w3", "w7", "w11") and rng.random() < 0.8:
                line[i + 1] = {"w3": "w20", "w7": "w31", "w11": "w2"}[line[i]]
        lines.append(line)
    text = "\n".join(" ".join(line) for line in lines) + "\n"
    expected = reference.word2phrase(lines, 3, threshold, scorer)
    out = run(tmp_path, text, min_count=3, threshold=threshold, scorer=scorer)
    assert [line.split() for line in out.split("\n")[:-1]] == expected
    assert "_" in out


def test_lines_are_kept_and_the_last_line_of_each_file_ends(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "1.txt").write_text("new york\n\n  \nnew york")
    (tmp_path / "docs" / "2.txt").write_text("york new\nnew york\n")
    out = tmp_path / "out.txt"
    phrases(str(tmp_path / "docs"), out, PhrasesConfig(min_count=1, threshold=0.0), quiet=True)
    assert out.read_text() == "new_york\n\n\nnew_york\nyork new\nnew_york\n"


def test_two_passes_build_longer_phrases_and_a_saved_table_applies_them_again(tmp_path):
    rng = random.Random(3)
    lines = [[f"w{rng.randrange(200)}" for _ in range(8)] for _ in range(300)]
    for line in lines[::10]:
        line[2:5] = ["new", "york", "city"]
    text = "\n".join(" ".join(line) for line in lines) + "\n"
    out = run(tmp_path, text, passes=2, min_count=3, threshold=40.0, save_table=tmp_path / "table.tsv")
    assert "new_york_city" in out
    config, tables = load_table(tmp_path / "table.tsv")
    assert config.passes == 2 and ("new", "york") in tables[0].pairs() and ("new_york", "city") in tables[1].pairs()
    (tmp_path / "other.txt").write_text("New York City now\n")
    phrases(str(tmp_path / "other.txt"), tmp_path / "applied.txt", table=tmp_path / "table.tsv", quiet=True)
    assert (tmp_path / "applied.txt").read_text() == "new_york_city now\n"


def test_a_table_that_is_not_one_is_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("new\tyork\n")
    with pytest.raises(W2VError, match="is not a w2v phrase table"):
        load_table(bad)
    bad.write_text('# w2v phrase table {"passes": 1, "tokenizer": "simple", "lowercase": true, "scorer": "default", '
                   '"threshold": 100, "min_count": 5}\npass\tfirst\tsecond\tcount\tscore\n1\tnew\tyork\n')  # fmt: skip
    with pytest.raises(W2VError, match="line 3: not a phrase"):
        load_table(bad)


def test_pruning_forgets_rare_pairs_and_says_so_but_keeps_the_frequent_phrase(tmp_path, capsys):
    rng = random.Random(1)
    lines = [" ".join(f"r{rng.randrange(30000)}" for _ in range(10)) for _ in range(12000)]
    lines[::12] = [line + " new york" for line in lines[::12]]
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(lines) + "\n")
    result = phrases(str(corpus), tmp_path / "out.txt", PhrasesConfig(max_vocab_memory=1 << 20), quiet=False)
    assert result.passes[0].pruned_pairs > 0
    assert "the pair table reached --max-vocab-memory (1 MB)" in capsys.readouterr().err
    assert (tmp_path / "out.txt").read_text().count("new_york") == 1000


def test_standard_input_is_read_twice_when_counted(tmp_path, monkeypatch):
    import io
    import sys

    stdin = io.TextIOWrapper(io.BytesIO(b"new york\n" * 10))
    monkeypatch.setattr(sys, "stdin", stdin)
    phrases("-", tmp_path / "out.txt", PhrasesConfig(min_count=1, threshold=0.0), quiet=True)
    assert (tmp_path / "out.txt").read_text() == "new_york\n" * 10


def test_config_errors():
    with pytest.raises(ConfigError, match="npmi scorer's threshold must be in"):
        PhrasesConfig(scorer="npmi", threshold=100)
    with pytest.raises(ConfigError, match="passes must be at least 1"):
        PhrasesConfig(passes=0)
    assert PhrasesConfig(scorer="npmi").threshold == 0.5 and PhrasesConfig().threshold == 100


def test_the_score_is_word2phrase_float32_arithmetic():
    from w2v.phrases import score_pairs

    # In float32, (3 - 1) / 3 / 7 * 10 is 0.95238096; in float64 0.9523809523809523: a threshold
    # between the two joins under one and not the other.
    scores = score_pairs(np.array([3]), np.array([3]), np.array([7]), 10, PhrasesConfig(min_count=1))
    assert scores.dtype == np.float32 and scores[0] == np.float32(2) / np.float32(3) / np.float32(7) * np.float32(10)


# ---- the command ---------------------------------------------------------------------------


def cli_run(*args, input=None):
    from click.testing import CliRunner

    from w2v.cli import cli

    return CliRunner().invoke(cli, ["phrases", *map(str, args)], input=input)


def test_command_writes_the_joined_text_and_the_table(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("New York is big.\nI love New York!\n" * 5)
    # 40 tokens; at min-count 6 only new (10), york (10) and their pair (10) count: (10 - 6) / 10 / 10 * 40 = 1.6
    result = cli_run(corpus, "-o", tmp_path / "out.txt", "--min-count", "6", "--threshold", "1",
                     "--save-table", tmp_path / "t.tsv")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.txt").read_text() == "new_york is big\ni love new_york\n" * 5
    summary = "pass 1: 40 tokens, 6 words, 5 distinct pairs; 1 phrase (score above 1, default scorer) joined 10 times"
    assert summary in result.stderr
    assert "wrote 30 tokens to" in result.stderr and result.stdout == ""
    assert "1\tnew\tyork\t10\t" in (tmp_path / "t.tsv").read_text()
    result = cli_run("-", "-o", "-", "--table", tmp_path / "t.tsv", "-q", input="NEW YORK, new york\n")
    assert result.exit_code == 0 and result.stdout == "new_york new_york\n"


@pytest.mark.parametrize("args,message", [
    (["missing.txt", "-o", "out.txt"], "corpus missing.txt does not exist"),
    (["corpus.txt", "-o", "out.txt", "--scorer", "npmi", "--threshold", "2"], "threshold must be in [-1, 1]"),
    (["corpus.txt", "-o", "out.txt", "--table", "corpus.txt"], "is not a w2v phrase table"),
    (["corpus.txt", "-o", "out.txt", "--table", "corpus.txt", "--save-table", "t.tsv"], "give one"),
    (["corpus.txt", "-o", "no/such/dir/out.txt"], "cannot write"),
])  # fmt: skip
def test_command_errors_are_one_line_and_leave_no_output(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corpus.txt").write_text("new york\n")
    result = cli_run(*args)
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output
    assert sum(line.startswith("Error") for line in result.output.splitlines()) == 1
    assert not (tmp_path / "out.txt").exists()
