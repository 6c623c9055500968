"""Tokenizer rules. Each turns a chunk of UTF-8 bytes into normalised bytes in which a token is
a run of non-space bytes and b"\\n" ends a line, so that the word table (text_kernels) splits
them at compiled speed.

- "simple": words are runs of Unicode letters, digits, combining marks and the underscore (so
  that phrases joined by `w2v phrases`, new_york, stay whole); everything else separates words.
  Each Han ideograph and each kana is a token of its own, so unsegmented Chinese or Japanese
  never becomes one "word" per sentence (segment it beforehand, e.g. with jieba, and use
  "whitespace" to keep real words). Text is put in NFC (decomposed accents equal
  composed ones).
- "whitespace": split on Unicode whitespace only, for text that is already tokenised.
- "jieba": Chinese words as jieba cuts them (segment.py runs it), then the rules of "simple"
  except that Han characters and kana stay together as jieba joined them: punctuation goes,
  Latin words are kept and lowercased, mixed text works.

`\\r\\n`, a lone `\\r`, U+0085, U+2028 and U+2029 end a line like `\\n`. Invalid UTF-8 is replaced by
U+FFFD, one per invalid byte (a separator under "simple", a character under "whitespace"), and
counted. Lowercasing is Python's `str.lower`: Unicode's full case mapping, with its context for
a final sigma ('ΣΑΣ' -> 'σας') and 'İ' -> 'i̇' (two code points).

How: ASCII chunks (most of an English corpus) go through one `bytes.translate`. Other chunks
are decoded, lowercased and (under "simple") checked for NFC by Python's own C code, normalised
only if they need it, and then rewritten code point by code point by a compiled loop
(text_kernels.separate) through a table of what becomes of each code point, built once per
process from `unicodedata`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import unicodedata
from pathlib import Path

import numpy as np

# Scripts written without spaces: every character is a token under "simple".
UNSEGMENTED_RANGES = (
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width katakana
    (0x20000, 0x3134F),  # CJK extensions B-G
)
LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")
_INVALID_BYTE = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of invalid UTF-8


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


RULES_VERSION = 2  # of character_actions' rules: part of its cache's name


@functools.cache
def character_actions(tokenizer: str) -> np.ndarray:
    """What becomes of each code point under `tokenizer`: uint8[0x110000] of text_kernels' BLANK,
    KEEP, ALONE and LINE. "simple" keeps letters, digits and the underscore (what Python's regular
    expressions call \\w: str.isalnum and "_") and combining marks (category M), alone
    for the unsegmented scripts, blanks the rest; "whitespace" blanks str.isspace characters and
    keeps the rest. Built from this Python's unicodedata (under a second), then kept in a cache
    file named after its Unicode version and these rules; loaded from there in milliseconds."""
    rules = repr((RULES_VERSION, tokenizer, UNSEGMENTED_RANGES, LINE_BREAKS)).encode()
    name = f"actions-{tokenizer}-unicode-{unicodedata.unidata_version}-{hashlib.sha256(rules).hexdigest()[:12]}.npy"
    path = _cache_directory() / name
    try:
        actions = np.load(path)
        if actions.shape == (0x110000,) and actions.dtype == np.uint8:
            return actions
    except (OSError, ValueError):
        pass
    actions = _build_actions(tokenizer)
    with contextlib.suppress(OSError):  # no cache where there is no room for one: built again next time
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        with open(temporary, "wb") as out:
            np.save(out, actions)
        os.replace(temporary, path)
    return actions


def _cache_directory() -> Path:
    """$XDG_CACHE_HOME/w2v, by default ~/.cache/w2v."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "w2v"


def _build_actions(tokenizer: str) -> np.ndarray:
    from .text_kernels import ALONE, BLANK, KEEP, LINE

    everything = "".join(map(chr, range(0x110000)))
    if tokenizer in ("simple", "jieba"):
        actions = np.full(0x110000, BLANK, dtype=np.uint8)
        actions[[match.start() for match in re.finditer(r"\w", everything)]] = KEEP  # str.isalnum and "_"
        # Marks are printable and not alphanumeric: only those few thousand need their category.
        candidates = [char for char in everything if char.isprintable() and not char.isalnum() and char != "_"]
        actions[[ord(char) for char in candidates if unicodedata.category(char)[0] == "M"]] = KEEP
        for first, last in UNSEGMENTED_RANGES if tokenizer == "simple" else ():  # jieba has segmented them
            span = actions[first : last + 1]
            span[span == KEEP] = ALONE
    else:
        actions = np.full(0x110000, KEEP, dtype=np.uint8)
        actions[[match.start() for match in re.finditer(r"\s", everything)]] = BLANK  # str.isspace
    actions[[ord(char) for char in LINE_BREAKS]] = LINE
    return actions


def decode(chunk: bytes) -> tuple[str, int]:
    """The chunk as text, each invalid byte replaced by U+FFFD; and their number."""
    try:
        return chunk.decode("utf-8"), 0
    except UnicodeDecodeError:
        text = chunk.decode("utf-8", errors="surrogateescape")
        return _INVALID_BYTE.subn("\ufffd", text)


def normalize(chunk: bytes, tokenizer: str, lowercase: bool) -> tuple[bytes, int]:
    """Normalise a chunk of UTF-8 text for splitting.

    Returns (normalised bytes, number of invalid UTF-8 bytes replaced). The chunk must not
    end inside a UTF-8 sequence (corpus.py cuts chunks after an ASCII space or newline). Under
    "jieba" the chunk must have been segmented (segment.segment_jieba).
    """
    if chunk.isascii():
        tables = _WHITESPACE_TABLES if tokenizer == "whitespace" else _SIMPLE_TABLES
        return chunk.translate(tables[lowercase]), 0
    from .text_kernels import separate

    text, invalid = decode(chunk)
    if lowercase:
        text = text.lower()
    if tokenizer != "whitespace" and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    out = np.empty(2 * data.size, dtype=np.uint8)
    return out[: separate(data, character_actions(tokenizer), out)].tobytes(), invalid


def lowercase_by_default(tokenizer: str) -> bool:
    """ "simple" and "jieba" lowercase unless told not to; "whitespace" keeps the text as it is."""
    return tokenizer != "whitespace"


def tokenize(text: str, tokenizer: str = "simple", lowercase: bool | None = None) -> list[str]:
    """Tokens of one piece of text, the way training sees them (line breaks dropped)."""
    if lowercase is None:
        lowercase = lowercase_by_default(tokenizer)
    data = text.encode("utf-8", errors="surrogateescape")
    if tokenizer == "jieba":
        from .segment import check_jieba, segment_jieba

        check_jieba()
        data, _ = segment_jieba(data)
    normalised, _ = normalize(data, tokenizer, lowercase)
    return normalised.decode("utf-8").split()
