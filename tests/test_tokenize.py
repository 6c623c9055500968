import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests import reference_tokenize
from tests.scans import FUZZ
from w2v import tokenize as tokenize_module
from w2v.tokenize import normalize, tokenize


def test_simple_splits_on_punctuation_and_lowercases():
    assert tokenize("Hello, World! It's 2024-x.") == ["hello", "world", "it", "s", "2024", "x"]


def test_simple_keeps_underscores_so_that_joined_phrases_stay_whole():
    assert tokenize("New_York and __init__, _") == ["new_york", "and", "__init__", "_"]


def test_simple_keeps_accented_and_combining_letters_in_one_word():
    # "cafe" + combining acute (NFD) is the same word as the precomposed form.
    assert tokenize("Café cafe\u0301 naïve") == ["café", "café", "naïve"]
    assert tokenize("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]


def test_simple_makes_each_han_and_kana_character_a_token():
    assert tokenize("我爱北京 ひらがな") == ["我", "爱", "北", "京", "ひ", "ら", "が", "な"]
    assert tokenize("中文abc文字") == ["中", "文", "abc", "文", "字"]


def test_simple_keeps_hangul_words_whole():
    assert tokenize("한국어 문장") == ["한국어", "문장"]


def test_whitespace_splits_only_on_whitespace_and_keeps_case():
    assert tokenize("Hello, World!\tAb_c  x", "whitespace") == ["Hello,", "World!", "Ab_c", "x"]
    assert tokenize("中文 分词\u3000结果\u00a0好", "whitespace") == ["中文", "分词", "结果", "好"]


def test_whitespace_can_lowercase():
    assert tokenize("Hello WORLD", "whitespace", lowercase=True) == ["hello", "world"]


def test_no_lowercase_keeps_case():
    assert tokenize("Hello World", "simple", lowercase=False) == ["Hello", "World"]


def test_line_ends_cr_lf_and_lone_cr_become_newlines():
    for tokenizer in ("simple", "whitespace"):
        for text in (b"a b\r\nc d\re f\n", "á b\r\nc d\re f\n".encode()):
            normalised, _ = normalize(text, tokenizer, True)
            assert [line.split() for line in normalised.split(b"\n") if line.split()] == [
                [text.split()[0].decode().lower().encode(), b"b"],
                [b"c", b"d"],
                [b"e", b"f"],
            ]


def test_invalid_utf8_is_replaced_and_counted():
    normalised, invalid = normalize(b"caf\xe9 ok \xff\xfe end", "whitespace", False)
    assert invalid == 3
    assert normalised.split() == ["caf\ufffd".encode(), b"ok", "\ufffd\ufffd".encode(), b"end"]
    normalised, invalid = normalize(b"caf\xe9 ok", "simple", True)
    assert (normalised.split(), invalid) == ([b"caf", b"ok"], 1)


def test_full_case_mapping_as_python_lowercases():
    # str.lower: a final sigma takes its final form, dotted capital I becomes i + combining dot.
    assert tokenize("ΣΑΣ ΟΔΟΣ") == ["σας", "οδος"]
    assert tokenize("İstanbul ẞ") == ["i̇stanbul", "ß"]


def test_every_line_break_of_unicode_ends_a_line():
    normalised, _ = normalize("a\x85b\u2028c\u2029d é".encode(), "simple", True)
    assert normalised.split(b"\n") == [b"a", b"b", b"c", "d é".encode()]


# Characters the rules treat specially, mixed into random text from every plane.
SPECIAL = (
    "\r\n\r\x85\u2028\u2029\t\x0b\x0c\x1c\x1f \u00a0\u3000\u2000_-.,'"
    "ΣσςİIıßẞǅ\u0301\u0307\u0308\u093e\u0951e\u0301A\u030a\u212b\u2126"
    "我爱北京文字ひらがなカタカナ\u3099\u309a\u30fb\u30a0\uff66\uff9f\U00020000\U0003134f\uf900\u4dbf"
    "\ufffd\U0001f600\U0010ffff"
)
INVALID = [b"\x80", b"\xbf", b"\xc0", b"\xc1\x80", b"\xe2\x82", b"\xed\xa0\x80", b"\xf0\x9f", b"\xf4\x90\x80\x80",
           b"\xff", b"\xef\xbf\xbd"]  # fmt: skip


def lines_of_tokens(normalised: bytes) -> list[list[bytes]]:
    """What the word table sees: the tokens of each line (split on ASCII whitespace, as it does)."""
    return [line.split() for line in normalised.split(b"\n")]


@FUZZ
@given(
    pieces=st.lists(
        st.one_of(
            st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
            st.text(alphabet=st.sampled_from(SPECIAL), max_size=8),
            st.sampled_from(INVALID),
        ),
        max_size=30,
    ),
    tokenizer=st.sampled_from(["simple", "whitespace"]),
    lowercase=st.booleans(),
)
def test_the_compiled_tokenizer_gives_the_tokens_of_the_regular_expressions(pieces, tokenizer, lowercase):
    chunk = b"".join(piece if isinstance(piece, bytes) else piece.encode("utf-8") for piece in pieces)
    expected, expected_invalid = reference_tokenize.normalize(chunk, tokenizer, lowercase)
    normalised, invalid = normalize(chunk, tokenizer, lowercase)
    assert invalid == expected_invalid
    assert lines_of_tokens(normalised) == lines_of_tokens(expected)


@pytest.mark.slow
def test_every_code_point_is_classified_as_the_regular_expressions_do():
    # Each code point alone and between two letters, in one chunk per tokenizer: all of Unicode.
    for tokenizer in ("simple", "whitespace"):
        chunk = "".join(f"a{chr(code)}b\n" for code in range(0x80, 0x110000) if not 0xD800 <= code < 0xE000)
        data = chunk.encode("utf-8")
        expected, _ = reference_tokenize.normalize(data, tokenizer, False)
        normalised, _ = normalize(data, tokenizer, False)
        assert lines_of_tokens(normalised) == lines_of_tokens(expected)


def test_the_character_table_is_cached_on_disk_and_rebuilt_if_damaged(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tokenize_module.character_actions.cache_clear()
    try:
        built = tokenize_module.character_actions("whitespace")
        (cached,) = (tmp_path / "w2v").glob("actions-whitespace-unicode-*.npy")
        np.testing.assert_array_equal(np.load(cached), built)
        cached.write_bytes(b"damaged")
        tokenize_module.character_actions.cache_clear()
        np.testing.assert_array_equal(tokenize_module.character_actions("whitespace"), built)
        np.testing.assert_array_equal(np.load(cached), built)  # written again
    finally:
        tokenize_module.character_actions.cache_clear()
