"""Property tests: the chunked, hashed reader against a plain Python reading of the same text."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v.corpus import resolve_sources, scan
from w2v.tokenize import tokenize

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def read(tmp_path, data: bytes, tokenizer: str, chunk_bytes: int):
    path = tmp_path / "fuzz.txt"
    path.write_bytes(data)
    return scan(resolve_sources([str(path)]), tokenizer, tokenizer == "simple", chunk_bytes=chunk_bytes)


def as_lines(result):
    """Tokens per line, from a scan."""
    tokens = [result.words[i] for i in result.ids.tolist()]
    lines, start = [], 0
    for end in result.line_ends.tolist():
        lines.append(tokens[start:end])
        start = end
    return [line for line in lines if line]


@FUZZ
@given(
    text=st.text(alphabet=string.ascii_letters + " \t\n\r" + "é中ß\u00a0\u3000,.!", max_size=400),
    chunk_bytes=st.integers(min_value=1, max_value=64),
    tokenizer=st.sampled_from(["simple", "whitespace"]),
)
def test_chunked_scan_equals_tokenizing_each_line(tmp_path, text, chunk_bytes, tokenizer):
    result = read(tmp_path, text.encode("utf-8"), tokenizer, chunk_bytes)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    expected = [tokens for line in lines if (tokens := tokenize(line, tokenizer))]
    got = [[token.decode("utf-8") for token in line] for line in as_lines(result)]
    assert got == expected
    assert result.counts.sum() == result.ids.size


@FUZZ
@given(data=st.binary(max_size=600), chunk_bytes=st.integers(min_value=1, max_value=128))
def test_any_bytes_are_read_without_error(tmp_path, data, chunk_bytes):
    if data.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")):
        data = b" " + data  # compressed-file magic: a damaged archive is a (tested) error, not text
    for tokenizer in ("simple", "whitespace"):
        result = read(tmp_path, data, tokenizer, chunk_bytes)
        for word in result.words:
            word.decode("utf-8")  # invalid input was replaced: every word is valid UTF-8
            assert word and not any(c in word for c in b" \t\n\r\x0b\x0c")
        assert result.line_ends.tolist() == sorted(result.line_ends.tolist())
        assert result.line_ends[-1] == result.ids.size
