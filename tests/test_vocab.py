import itertools

import numpy as np
import pytest

from tests.scans import scan_paths, segments_of, tokens_of
from w2v.errors import EmptyVocabularyError, UnknownWordError
from w2v.vocab import build_vocab, encode, split_segments

_files = itertools.count()


@pytest.fixture
def make_scan(tmp_path):
    """scan() of a file holding `lines`."""

    def make(lines, **options):
        path = tmp_path / f"corpus-{next(_files)}.txt"
        path.write_text("\n".join(lines) + "\n")
        work = tmp_path / f"work-{path.stem}"
        work.mkdir()
        return scan_paths(work, path, tokenizer="whitespace", **options)

    return make


def vocab_of(scan, min_count, max_vocab=None, **options):
    return build_vocab(scan, min_count, max_vocab, **options)[0]


def test_order_is_count_descending_then_word(make_scan):
    vocab = vocab_of(make_scan(["b c a", "c b", "d"]), min_count=1)
    assert vocab.words == ["b", "c", "a", "d"]
    assert vocab.counts.tolist() == [2, 2, 1, 1]


def test_min_count_and_max_vocab(make_scan):
    scan = make_scan(["a a a b b c", "d d d d"])
    assert vocab_of(scan, min_count=2).words == ["d", "a", "b"]
    vocab, scan_ids = build_vocab(scan, min_count=1, max_vocab=2)
    assert vocab.words == ["d", "a"]
    assert scan_ids.tolist() == [3, 0]  # first-seen order: a b c d


def test_every_word_under_min_count_says_how_to_fix_it(make_scan):
    with pytest.raises(EmptyVocabularyError) as error:
        vocab_of(make_scan(["a b c"]), min_count=5, source="c.txt")
    assert str(error.value) == "no word in c.txt occurs 5 times (the most frequent occurs 1); try --min-count 1"


def test_empty_corpus(make_scan):
    with pytest.raises(EmptyVocabularyError, match="c.txt has no words"):
        vocab_of(make_scan([""]), min_count=1, source="c.txt")


def test_unknown_word_suggests_close_matches(make_scan):
    vocab = vocab_of(make_scan(["king kings queen kingdom ring"]), min_count=1)
    with pytest.raises(UnknownWordError) as error:
        vocab.id_of("kingz")
    assert str(error.value) == "'kingz' is not in the vocabulary; did you mean 'king', 'kings'?"
    with pytest.raises(KeyError):  # still a KeyError for Python callers
        vocab.id_of("zzzz")


def test_encode_drops_rare_words_before_windowing_and_keeps_line_ends(make_scan):
    scan = make_scan(["a rare b a", "rare", "b b rare a"])
    vocab, scan_ids = build_vocab(scan, min_count=2, max_vocab=2)  # "rare" (3) is kept out by max_vocab
    assert vocab.words == ["a", "b"]
    encoded = encode(scan, scan_ids)
    assert tokens_of(encoded) == [0, 1, 0, 1, 1, 0]
    assert segments_of(encoded) == [(0, 3), (3, 6)]
    assert encoded.n_lines == 2
    assert np.load(encoded.tokens.path).tolist() == [0, 1, 0, 1, 1, 0]  # a valid .npy, cut to length


def test_split_segments_cuts_long_lines_and_drops_single_tokens():
    starts, ends = split_segments(np.array([0, 25, 26, 30]), np.array([25, 26, 30, 30]), 10)
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == [(0, 10), (10, 20), (20, 25), (26, 30)]
