"""The tokenizer rules as w2v implemented them with Python regular expressions until 2026-12-01
(w2v/tokenize.py at 5ef0201), kept as the reference the compiled tokenizer is tested against.

Each turns a chunk of UTF-8 bytes into normalised bytes in which a token is
a run of non-space bytes and b"\\n" ends a line, so that `bytes.split` does the rest at C speed.

- "simple": words are runs of Unicode letters, digits and combining marks; everything else
  separates words. Each Han ideograph and each kana is a token of its own, so unsegmented
  Chinese or Japanese never becomes one "word" per sentence (segment it beforehand, e.g. with
  jieba, and use "whitespace" to keep real words).
- "whitespace": split on Unicode whitespace only, for text that is already tokenised.

`\\r\\n` and a lone `\\r` end a line like `\\n`. Invalid UTF-8 is replaced by U+FFFD (a separator
under "simple", a character under "whitespace") and counted.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

# Scripts written without spaces: every character is a token under "simple".
_UNSEGMENTED = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width katakana
    "\U00020000-\U0003134f"  # CJK extensions B-G
)
_UNSEGMENTED_CHAR = re.compile(f"([{_UNSEGMENTED}])")
_INVALID_BYTE = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of invalid UTF-8
_LINE_BREAKS = re.compile("\r\n?|[\x85\u2028\u2029]")
_UNICODE_SPACE = re.compile(r"[^\S\n]+")


def _ascii_table(lowercase: bool, keep: bytes) -> bytes:
    """A bytes.translate table: CR -> LF; bytes outside `keep` (and not LF) -> space."""
    table = bytearray(range(256))
    for byte in range(128):
        char = bytes([byte])
        if char == b"\r":
            table[byte] = ord("\n")
        elif char != b"\n" and char not in keep:
            table[byte] = ord(" ")
        elif lowercase and char.isupper():
            table[byte] = ord(char.lower())
    return bytes(table)


_ALNUM = bytes(c for c in range(128) if bytes([c]).isalnum()) + b"_"
_SIMPLE_TABLES = {lower: _ascii_table(lower, _ALNUM) for lower in (False, True)}
_WHITESPACE_TABLES = {
    lower: _ascii_table(lower, bytes(c for c in range(128) if not chr(c).isspace())) for lower in (False, True)
}


@functools.cache
def _simple_separator() -> re.Pattern:
    """Characters that separate words under "simple": not a letter, digit, underscore or mark.

    Python's \\w leaves out combining marks (Devanagari vowel signs, decomposed accents), so
    they are added; built on first use, as scanning the code space takes a moment.
    """
    marks = "".join(
        re.escape(chr(code)) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code))[0] == "M"
    )
    return re.compile(f"[^\\w\\n{marks}]")


def normalize(chunk: bytes, tokenizer: str, lowercase: bool) -> tuple[bytes, int]:
    """Normalise a chunk of UTF-8 text for splitting.

    Returns (normalised bytes, number of invalid UTF-8 bytes replaced). The chunk must not
    end inside a UTF-8 sequence (corpus.py cuts chunks after an ASCII space or newline).
    """
    if chunk.isascii():
        tables = _SIMPLE_TABLES if tokenizer == "simple" else _WHITESPACE_TABLES
        return chunk.translate(tables[lowercase]), 0
    text = chunk.decode("utf-8", errors="surrogateescape")
    text, invalid = _INVALID_BYTE.subn("\ufffd", text)
    text = _LINE_BREAKS.sub("\n", text)
    if lowercase:
        text = text.lower()
    if tokenizer == "simple":
        text = unicodedata.normalize("NFC", text)
        text = _simple_separator().sub(" ", text)
        text = _UNSEGMENTED_CHAR.sub(r" \1 ", text)
    else:
        text = _UNICODE_SPACE.sub(" ", text)
    return text.encode("utf-8"), invalid
