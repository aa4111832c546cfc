"""MinHash signatures as they travel in messages: computed by the parser, checked by the store."""

import base64

import pytest

from shared import minhash

STORY = ("The heads of defense departments of Azerbaijan and Uzbekistan signed a plan for bilateral military "
         "cooperation for 2020 ahead of the next meeting of the CIS Ministers of Defense Council in Baku.")  # fmt: skip


def test_signature_round_trips_through_a_message() -> None:
    sig = minhash.signature(STORY)
    assert sig is not None and len(sig) == minhash.SIGNATURE_BYTES
    assert minhash.decode(minhash.encode(sig)) == sig
    assert minhash.signature(STORY) == sig  # fixed seed: the same text, the same signature, every year


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(None, id="absent"),
        pytest.param("", id="empty"),
        pytest.param("not base64 !", id="not-base64"),
        pytest.param(base64.b64encode(b"x" * 100).decode(), id="wrong-length"),
    ],
)
def test_anything_else_is_no_signature(value: str | None) -> None:
    assert minhash.decode(value) is None


@pytest.mark.parametrize("words", [25, 26, 300, 5000], ids=lambda n: f"{n}-words")
def test_the_same_signature_as_datasketch_legacy_scheme(words: int) -> None:
    """Our signature is datasketch's MinHash(scheme="legacy"), so its meaning is fixed whatever version of
    datasketch is installed (2.0 changed the default scheme)."""
    from datasketch import MinHash

    text = " ".join(f"w{(i * 7919) % 1013}" for i in range(words))
    tokens = text.lower().split()[: minhash.MAX_WORDS]
    reference = MinHash(num_perm=minhash.NUM_PERM, seed=minhash.SEED, scheme="legacy")
    reference.update_batch(list({" ".join(tokens[i : i + 3]).encode() for i in range(len(tokens) - 2)}))
    assert minhash.signature(text) == reference.hashvalues.astype("uint64").tobytes()


def test_a_teaser_has_no_signature() -> None:
    assert minhash.signature("Ministers met in Baku.") is None
