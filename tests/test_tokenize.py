from w2v.tokenize import normalize, tokenize


def test_simple_splits_on_punctuation_and_lowercases():
    assert tokenize("Hello, World! It's 2024_x.") == ["hello", "world", "it", "s", "2024", "x"]


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
