"""Language from the text itself; the declared one only when the text is too short to tell."""

from __future__ import annotations

import pytest

from services.parser.language import detect_language


@pytest.mark.parametrize(
    ("text", "declared", "expected"),
    [
        pytest.param("The defense ministers of Azerbaijan and Uzbekistan signed a plan for bilateral military "
                     "cooperation for 2020.", None, "en", id="english"),
        pytest.param("Министр обороны Азербайджана генерал-полковник Закир Гасанов встретился с министром "
                     "обороны Узбекистана.", "en", "ru", id="russian-despite-lang-en"),
        pytest.param("Azərbaycan Respublikasının Müdafiə naziri general-polkovnik Zakir Həsənov Özbəkistan "
                     "Respublikasının Müdafiə naziri ilə görüşüb.", None, "az", id="azerbaijani"),
        pytest.param("Baku", "az-AZ", "az", id="too-short-declared-wins"),
        pytest.param("Baku", "not a tag!", None, id="too-short-junk-declared"),
        pytest.param("", None, None, id="empty"),
    ],
)  # fmt: skip
def test_detect_language(text: str, declared: str | None, expected: str | None) -> None:
    assert detect_language(text, declared) == expected
