import numpy as np
import pytest

from w2v.corpus import Scan
from w2v.errors import EmptyVocabularyError, UnknownWordError
from w2v.vocab import build_vocab, encode, split_segments


def make_scan(lines):
    words, ids, ends = {}, [], []
    for line in lines:
        for token in line.split():
            ids.append(words.setdefault(token.encode(), len(words)))
        ends.append(len(ids))
    ids = np.array(ids, dtype=np.int32)
    return Scan(
        list(words), np.bincount(ids, minlength=len(words)).astype(np.int64), ids, np.array(ends, dtype=np.int64), 0
    )


def test_order_is_count_descending_then_word():
    vocab = build_vocab(make_scan(["b c a", "c b", "d"]), min_count=1)
    assert vocab.words == ["b", "c", "a", "d"]
    assert vocab.counts.tolist() == [2, 2, 1, 1]


def test_min_count_and_max_vocab():
    scan = make_scan(["a a a b b c", "d d d d"])
    assert build_vocab(scan, min_count=2).words == ["d", "a", "b"]
    assert build_vocab(scan, min_count=1, max_vocab=2).words == ["d", "a"]


def test_every_word_under_min_count_says_how_to_fix_it():
    with pytest.raises(EmptyVocabularyError) as error:
        build_vocab(make_scan(["a b c"]), min_count=5, source="c.txt")
    assert str(error.value) == "no word in c.txt occurs 5 times (the most frequent occurs 1); try --min-count 1"


def test_empty_corpus():
    with pytest.raises(EmptyVocabularyError, match="c.txt has no words"):
        build_vocab(make_scan([""]), min_count=1, source="c.txt")


def test_unknown_word_suggests_close_matches():
    vocab = build_vocab(make_scan(["king kings queen kingdom ring"]), min_count=1)
    with pytest.raises(UnknownWordError) as error:
        vocab.id_of("kingz")
    assert str(error.value) == "'kingz' is not in the vocabulary; did you mean 'king', 'kings'?"
    with pytest.raises(KeyError):  # still a KeyError for Python callers
        vocab.id_of("zzzz")


def test_encode_drops_rare_words_before_windowing_and_keeps_line_ends():
    scan = make_scan(["a rare b a", "rare", "b b rare a"])
    vocab = build_vocab(scan, min_count=2, max_vocab=2)  # "rare" (3) is kept out by max_vocab
    assert vocab.words == ["a", "b"]
    encoded = encode(scan, vocab)
    assert encoded.tokens.tolist() == [0, 1, 0, 1, 1, 0]
    assert list(zip(encoded.segment_starts.tolist(), encoded.segment_ends.tolist(), strict=True)) == [(0, 3), (3, 6)]
    assert encoded.n_lines == 2


def test_split_segments_cuts_long_lines_and_drops_single_tokens():
    starts, ends = split_segments(np.array([0, 25, 26, 30]), np.array([25, 26, 30, 30]), 10)
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == [(0, 10), (10, 20), (20, 25), (26, 30)]
