"""Compiled loops over text and token ids: the byte-string hash table that gives each distinct
word an id while a corpus is read (corpus.WordTable), the compaction of the id stream into
vocabulary ids (vocab.encode), and the pair counting and phrase writing of phrases.py.
Training kernels are in kernels.py and walk_kernels.py; each module that imports numba is
self-contained (numba's cache does not notice edits to a jitted helper in another file).
"""

from __future__ import annotations

import numba
import numpy as np

# In a stream of token ids read from text: the end of a line, and a word that was pruned.
LINE_BREAK = -1
DROPPED = -2

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@numba.njit(cache=True)
def _hash_bytes(data, start, end):
    """FNV-1a over data[start:end] (uint8)."""
    h = _FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(data[i])) * _FNV_PRIME
    return h


@numba.njit(cache=True)
def _find_slot(table, pool, pool_starts, data, start, end, h):
    """The slot of the word data[start:end] in `table` (its id there, or -1 where it would go)."""
    mask = table.shape[0] - 1
    slot = np.int64(h & np.uint64(mask))
    length = end - start
    while True:
        word = table[slot]
        if word < 0:
            return slot
        word_start = pool_starts[word]
        if pool_starts[word + 1] - word_start == length:
            same = True
            for i in range(length):
                if pool[word_start + i] != data[start + i]:
                    same = False
                    break
            if same:
                return slot
        slot = (slot + 1) & mask


@numba.njit(cache=True)
def _token_end(text, start, max_token_bytes):
    """Where the token starting at text[start] ends: at the next ASCII whitespace, or, for a
    giant "word" (binary garbage), at the first character boundary past max_token_bytes."""
    pos = start
    while pos < text.shape[0]:
        byte = text[pos]
        if byte == 32 or (9 <= byte <= 13):
            break
        if pos - start >= max_token_bytes and byte & 0xC0 != 0x80:
            break
        pos += 1
    return pos


@numba.njit(cache=True)
def index_tokens(text, start, table, pool, pool_starts, counts, n_words, word_limit, ids, max_token_bytes):
    """Split normalised text into tokens and give each distinct token an id, in order of first
    appearance, in one pass from byte `start`; count each word's occurrences.

    text: uint8[n], tokens separated by ASCII whitespace; b"\n" also ends a line.
    table: int32[capacity], capacity a power of two, -1 for empty slots, word ids otherwise.
    pool: uint8[...], the bytes of word i are pool[pool_starts[i]:pool_starts[i + 1]], with room
    for n more bytes. pool_starts: int64[> word_limit]; counts: int64[>= word_limit], added to.
    n_words: the words already known. Stops before adding word number `word_limit` (the caller
    grows the table and calls again from the returned position), so the table never fills.
    ids: int32[>= n - start], out: the id of each token, and LINE_BREAK for each b"\n".
    A token longer than `max_token_bytes` is cut into pieces that long (to the next character).
    Returns (position reached, number of ids written, n_words).
    """
    n = text.shape[0]
    n_ids = 0
    pos = start
    while pos < n:
        byte = text[pos]
        if byte == 32 or (9 <= byte <= 13):
            if byte == 10:
                ids[n_ids] = LINE_BREAK
                n_ids += 1
            pos += 1
            continue
        token_start = pos
        pos = _token_end(text, pos, max_token_bytes)
        slot = _find_slot(table, pool, pool_starts, text, token_start, pos, _hash_bytes(text, token_start, pos))
        word = table[slot]
        if word < 0:
            if n_words >= word_limit:
                return token_start, n_ids, n_words
            word = n_words
            word_start = pool_starts[word]
            for i in range(token_start, pos):
                pool[word_start + i - token_start] = text[i]
            pool_starts[word + 1] = word_start + pos - token_start
            table[slot] = word
            n_words += 1
        counts[word] += 1
        ids[n_ids] = word
        n_ids += 1
    return n, n_ids, n_words


@numba.njit(cache=True)
def rehash(table, pool, pool_starts, n_words):
    """Insert words 0..n_words-1 into the empty `table` (all -1), e.g. after growing it."""
    for word in range(n_words):
        start, end = pool_starts[word], pool_starts[word + 1]
        table[_find_slot(table, pool, pool_starts, pool, start, end, _hash_bytes(pool, start, end))] = word


@numba.njit(cache=True)
def compact_ids(ids, remap, line_ends):
    """Map ids in place through `remap` (-1: drop the token; DROPPED ids are dropped too) and take
    out the LINE_BREAKs, whose positions among the kept tokens go into line_ends (int64[>= their
    number]).
    Returns (tokens kept, line breaks): ids[:kept] holds the kept tokens."""
    kept = 0
    n_lines = 0
    for pos in range(ids.shape[0]):
        word = ids[pos]
        if word == LINE_BREAK:
            line_ends[n_lines] = kept
            n_lines += 1
            continue
        if word < 0:
            continue
        word = remap[word]
        if word >= 0:
            ids[kept] = word
            kept += 1
    return kept, n_lines


# ---- Word pairs (phrases.py) -----------------------------------------------------------------
# A pair of word ids (a, b) is the key a << 32 | b in an open-addressing table of int64 keys, -1
# for an empty slot, with a count in the same slot of a parallel array.

_PAIR_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


@numba.njit(cache=True)
def _pair_slot(keys, key):
    """The slot of `key` in `keys`, or the empty slot where it would go."""
    mask = keys.shape[0] - 1
    slot = np.int64((np.uint64(key) * _PAIR_MULTIPLIER) >> np.uint64(32)) & mask
    while keys[slot] != key and keys[slot] >= 0:
        slot = (slot + 1) & mask
    return slot


@numba.njit(cache=True)
def count_pairs(ids, start, previous, keys, counts, n_pairs, pair_limit):
    """Count the pairs of adjacent word ids in ids[start:] (int32; LINE_BREAK and DROPPED end a
    run of words), `previous` the id before ids[start] (-1 for none). Stops before adding pair
    number `pair_limit` (the caller makes room and calls again from the returned position).
    Returns (position reached, n_pairs, previous)."""
    n = ids.shape[0]
    for pos in range(start, n):
        word = ids[pos]
        if word < 0:
            previous = -1
            continue
        if previous >= 0:
            key = (np.int64(previous) << 32) | word
            slot = _pair_slot(keys, key)
            if keys[slot] < 0:
                if n_pairs >= pair_limit:
                    return pos, n_pairs, previous
                keys[slot] = key
                n_pairs += 1
            counts[slot] += 1
        previous = word
    return n, n_pairs, previous


@numba.njit(cache=True)
def insert_pairs(keys, counts, new_keys, new_counts):
    """Add distinct `new_keys` with `new_counts` to the empty table (keys all -1, counts 0)."""
    for i in range(new_keys.shape[0]):
        slot = _pair_slot(keys, new_keys[i])
        keys[slot] = new_keys[i]
        counts[slot] = new_counts[i]


@numba.njit(cache=True)
def write_phrases(text, table, pool, pool_starts, phrases, delimiter, out, state, max_token_bytes):
    """Write normalised text (uint8[n], as index_tokens reads it) to `out` (uint8[>= n + 2]) with
    single spaces between tokens, a line break for each b"\n", and `delimiter` instead of the
    space where a token and the one before it are a pair in `phrases` (a pair table of word ids
    in `table`, the word table). A token joined to the one before it joins nothing after it (as
    in word2phrase.c). Tokens are cut as index_tokens cuts them.

    state: int64[4], carried from chunk to chunk: the id of the token before (-1: none, unknown,
    or already joined), whether the line has a token yet, tokens written, pairs joined.
    Returns the number of bytes written."""
    n = text.shape[0]
    previous, started = state[0], state[1]
    m = 0
    pos = 0
    while pos < n:
        byte = text[pos]
        if byte == 32 or (9 <= byte <= 13):
            if byte == 10:
                out[m] = 10
                m += 1
                previous, started = -1, 0
            pos += 1
            continue
        token_start = pos
        pos = _token_end(text, pos, max_token_bytes)
        word = table[_find_slot(table, pool, pool_starts, text, token_start, pos, _hash_bytes(text, token_start, pos))]
        joined = False
        if previous >= 0 and word >= 0:
            key = (np.int64(previous) << 32) | word
            joined = phrases[_pair_slot(phrases, key)] == key
        if started:
            out[m] = delimiter if joined else 32
            m += 1
        for i in range(token_start, pos):
            out[m] = text[i]
            m += 1
        started = 1
        state[2] += 1
        if joined:
            state[3] += 1
            previous = -1
        else:
            previous = word
    state[0], state[1] = previous, started
    return m


# ---- Tokenizer rules on UTF-8 bytes ----------------------------------------------------------

# What becomes of a code point (tokenize.character_actions gives each one's, per tokenizer).
BLANK = 0  # a space: it separates tokens
KEEP = 1  # itself: part of a token
ALONE = 2  # itself with a space on each side: a token of its own (a Han character, a kana)
LINE = 3  # b"\n": a line break (\n, \r, \r\n as one, U+0085, U+2028, U+2029)


@numba.njit(cache=True)
def separate(data, actions, out):
    """Rewrite valid UTF-8 text `data` (uint8[n]) into `out` (uint8[>= 2 n]) by what becomes of
    each code point, `actions` (uint8[0x110000]: BLANK, KEEP, ALONE or LINE). Returns the number
    of bytes written."""
    n = data.shape[0]
    i = 0
    m = 0
    while i < n:
        lead = np.int64(data[i])
        if lead < 0x80:
            code, length = lead, 1
        elif lead < 0xE0:
            code, length = ((lead & 0x1F) << 6) | (data[i + 1] & 0x3F), 2
        elif lead < 0xF0:
            code, length = ((lead & 0x0F) << 12) | ((data[i + 1] & 0x3F) << 6) | (data[i + 2] & 0x3F), 3
        else:
            code = ((lead & 0x07) << 18) | ((data[i + 1] & 0x3F) << 12) | ((data[i + 2] & 0x3F) << 6)
            code |= data[i + 3] & 0x3F
            length = 4
        action = actions[code]
        if action == KEEP:
            for k in range(length):
                out[m + k] = data[i + k]
            m += length
        elif action == BLANK:
            out[m] = 32
            m += 1
        elif action == ALONE:
            out[m] = 32
            for k in range(length):
                out[m + 1 + k] = data[i + k]
            out[m + 1 + length] = 32
            m += length + 2
        else:
            out[m] = 10
            m += 1
            if code == 13 and i + 1 < n and data[i + 1] == 10:
                length = 2
        i += length
    return m
