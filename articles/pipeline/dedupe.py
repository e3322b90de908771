"""MinHash signatures and LSH band keys for finding near-duplicate articles.

An article's shingles are its 5-character windows after match_key() with whitespace removed.
NUM_PERM min-hashes estimate the Jaccard similarity of two shingle sets; BANDS keys of ROWS
min-hashes each find candidates cheaply (two articles sharing any key). With 16 bands of 8 rows,
a pair at Jaccard 0.9 becomes a candidate with probability 0.99999, at 0.85 with 0.994, at 0.5
with 0.06 and at 0.3 with 0.001. Candidates are confirmed with estimated_similarity() >=
NEAR_DUPLICATE_THRESHOLD. Wider bands (32 of 4) made every pair of articles sharing a few
paragraphs a candidate: in a dump built from recurring material that meant hundreds of
comparisons per article. On 5-shingles a Jaccard of 0.9 means roughly 3-5% of the
characters changed.
"""

import hashlib
import operator
import struct

import numpy as np

from articles.pipeline.normalize import match_key

NUM_PERM = 128
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE_SIZE = 5
NEAR_DUPLICATE_THRESHOLD = 0.9


def _fixed_uint64s(label: str) -> np.ndarray:
    """Return NUM_PERM pseudo-random uint64s derived from label, as a column."""
    # Derived with BLAKE2 rather than a numpy generator, whose methods may change between numpy
    # releases: stored signatures must stay comparable across processes, machines and upgrades.
    values = [
        int.from_bytes(hashlib.blake2b(f"tanpan-minhash-{label}-{i}".encode()).digest()[:8])
        for i in range(NUM_PERM)
    ]
    return np.array(values, dtype=np.uint64)[:, None]


# Multiply-add-shift hashing (Dietzfelbinger): h(x) = ((a * x + b) mod 2**64) >> 32 for 32-bit x
# and random 64-bit a (odd) and b is a 2-independent family with 32-bit output. It needs no
# modulo, which numpy computes slowly, and every min-hash fits a signed bigint.
_A = _fixed_uint64s("a") | np.uint64(1)
_B = _fixed_uint64s("b")
_SHIFT = np.uint64(32)
_CHUNK = 4096  # shingles hashed at a time
_EMPTY_SIGNATURE = [2**32] * NUM_PERM  # greater than any real min-hash

# Polynomial rolling hash of code points, then a 64-bit finaliser (splitmix64) for mixing.
_POLY = np.uint64(1_000_003)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _shingle_text(text: str) -> str:
    """Return the text shingles are taken from: match key without whitespace."""
    return "".join(match_key(text).split())


def shingles(text: str, k: int = SHINGLE_SIZE) -> set[str]:
    """Return the set of k-character shingles of text (the whole text if it is shorter)."""
    key = _shingle_text(text)
    if len(key) <= k:
        return {key} if key else set()
    return {key[i : i + k] for i in range(len(key) - k + 1)}


def minhash_signature(text: str) -> list[int]:
    """Return NUM_PERM min-hashes (each below 2**32) of the text's 5-character shingles."""
    return key_signature(match_key(text))


def key_signature(key: str) -> list[int]:
    """Return minhash_signature(text) from text's match_key(), when that is at hand."""
    key = "".join(key.split())
    if not key:
        return list(_EMPTY_SIGNATURE)
    hashes = _shingle_hashes(key)
    result = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    # In place, in chunks: a fresh (NUM_PERM x shingles) array per operation would cost more
    # than the arithmetic, and for a 5 MB file would need gigabytes.
    buffer = np.empty((NUM_PERM, min(_CHUNK, len(hashes))), dtype=np.uint64)
    for start in range(0, len(hashes), _CHUNK):
        chunk = hashes[start : start + _CHUNK]
        values = buffer[:, : len(chunk)]
        np.multiply(_A, chunk[None, :], out=values)
        np.add(values, _B, out=values)
        np.minimum(result, values.min(axis=1), out=result)
    # The shift keeps the order of values, so the shifted minimum is the minimum of the
    # shifted values: shifting 128 values rather than all of them saves a pass.
    return (result >> _SHIFT).tolist()


def _shingle_hashes(key: str) -> np.ndarray:
    """Return one 32-bit hash (as uint64) per shingle of key, computed in bulk by numpy."""
    points = np.frombuffer(key.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    width = min(SHINGLE_SIZE, len(points))
    count = len(points) - width + 1
    with np.errstate(over="ignore"):  # uint64 wrap-around is intended in the rolling hash
        h = np.zeros(count, dtype=np.uint64)
        for offset in range(width):
            h = h * _POLY + points[offset : offset + count]
        h ^= h >> np.uint64(30)
        h *= _MIX1
        h ^= h >> np.uint64(27)
        h *= _MIX2
        h ^= h >> np.uint64(31)
    return h >> _SHIFT


def band_keys(signature: list[int]) -> list[int]:
    """Return BANDS signed 64-bit keys, each a hash of a band's index and its ROWS min-hashes."""
    keys = []
    for band in range(BANDS):
        rows = signature[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(struct.pack(f"<I{ROWS}Q", band, *rows), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def estimated_similarity(a: list[int], b: list[int]) -> float:
    """Return the share of positions where two signatures agree (estimates Jaccard)."""
    if len(a) != len(b) or not a:
        raise ValueError("signatures must be non-empty and of equal length")
    # plain Python: for 128 values, converting both to numpy arrays costs more than this
    return sum(map(operator.eq, a, b)) / len(a)
