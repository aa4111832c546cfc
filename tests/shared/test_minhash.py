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


def test_a_teaser_has_no_signature() -> None:
    assert minhash.signature("Ministers met in Baku.") is None
