"""MinHash signatures of a story's word 3-shingles: computed by the parser, which runs in parallel, and
only checked by the store, its single writer on SQLite (issue 7: the signature was a fifth of the store's
CPU per article). services/store/dedup.py bands and compares them.

The algorithm is datasketch's "legacy" scheme (universal hashing of SHA-1 prefixes modulo 2^61-1), written
out here and checked byte for byte against datasketch in tests/shared/test_minhash.py: datasketch 2.0
changed its default scheme, so a signature depended on the installed version and stored ones stopped
matching new ones; importing it also cost every worker 62 MB (it loads scipy)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from functools import cache

import numpy as np

NUM_PERM = 60
MIN_WORDS = 25  # below this a text is a headline or a teaser: too little to call a twin
MAX_WORDS = 3000
SEED = 1  # fixed: signatures stored today must compare with those computed next year
WORD = re.compile(r"\w+")
SIGNATURE_BYTES = NUM_PERM * 8
MERSENNE_PRIME = np.uint64((1 << 61) - 1)
MAX_HASH = np.uint64((1 << 32) - 1)


def signature(text: str) -> bytes | None:
    """The MinHash of a text's word 3-shingles, or None when the text is too short to compare."""
    words = WORD.findall(text.lower())[:MAX_WORDS]
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i : i + 3]).encode() for i in range(len(words) - 2)}
    hashes = np.array([_sha1_32(shingle) for shingle in shingles], dtype=np.uint64, ndmin=2).T
    a, b = _permutations()
    permuted = np.bitwise_and((hashes * a + b) % MERSENNE_PRIME, MAX_HASH)  # uint64 wraps, as datasketch's
    return permuted.min(axis=0).astype(np.uint64).tobytes()


def _sha1_32(data: bytes) -> int:
    # Not for security: a fast, well-mixed 32-bit hash, the one datasketch uses.
    return int(struct.unpack("<I", hashlib.sha1(data, usedforsecurity=False).digest()[:4])[0])


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """NUM_PERM random (a, b) pairs from a fixed seed (numpy keeps RandomState's stream stable)."""
    gen = np.random.RandomState(SEED)
    pairs = np.array(
        [
            (gen.randint(1, MERSENNE_PRIME, dtype=np.uint64), gen.randint(0, MERSENNE_PRIME, dtype=np.uint64))
            for _ in range(NUM_PERM)
        ],
        dtype=np.uint64,
    ).T
    return pairs[0], pairs[1]


def encode(sig: bytes | None) -> str | None:
    """A signature as message text."""
    return base64.b64encode(sig).decode("ascii") if sig is not None else None


def decode(value: str | None) -> bytes | None:
    """A signature from a message, or None when absent or not one of ours (the store then computes it)."""
    if not value:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == SIGNATURE_BYTES else None
