"""MinHash signatures of a story's word 3-shingles (datasketch): computed by the parser, which runs in
parallel, and only checked by the store, its single writer on SQLite (issue 7: the signature was a fifth
of the store's CPU per article). services/store/dedup.py bands and compares them."""

from __future__ import annotations

import base64
import binascii
import re

import numpy as np
from datasketch import MinHash

NUM_PERM = 60
MIN_WORDS = 25  # below this a text is a headline or a teaser: too little to call a twin
MAX_WORDS = 3000
SEED = 1  # fixed: signatures stored today must compare with those computed next year
WORD = re.compile(r"\w+")
SIGNATURE_BYTES = NUM_PERM * 8


def signature(text: str) -> bytes | None:
    """The MinHash of a text's word 3-shingles, or None when the text is too short to compare."""
    words = WORD.findall(text.lower())[:MAX_WORDS]
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i : i + 3]).encode() for i in range(len(words) - 2)}
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
    minhash.update_batch(list(shingles))
    return minhash.hashvalues.astype(np.uint64).tobytes()


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
