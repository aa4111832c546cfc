from pathlib import Path

import pytest

from services.parser.classify import THRESHOLD, classify

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples"
SAMPLE_TEXT = (
    "The heads of defense departments of Azerbaijan and Uzbekistan, Colonel General Zakir Hasanov and "
    "Major General Bakhodir Kurbanov have signed a plan for bilateral military cooperation for 2020. "
    "Note that diplomatic relations between Uzbekistan and Azerbaijan were established in 1995. The "
    "Embassy of Azerbaijan in Uzbekistan has been operating since August, 1996."
)


def _sample() -> str:
    files = list(SAMPLE.glob("*.txt"))
    return files[0].read_text() if files else SAMPLE_TEXT


def test_sample_story_is_defense_and_diplomacy() -> None:
    result = classify("Azerbaijan, Uzbekistan sign military cooperation plan for 2020", _sample())
    assert result.labels == ["defense", "diplomacy"]
    assert result.scores["defense"] >= THRESHOLD and result.scores["diplomacy"] >= THRESHOLD
    assert any("military cooperation" in term for term in result.evidence["defense"])
    assert any("diplomatic relations" in term for term in result.evidence["diplomacy"])


CASES = [
    pytest.param(
        "Armenia, Azerbaijan foreign ministers meet in Washington",
        "The foreign ministers held talks on the peace treaty and agreed to continue negotiations.",
        ["diplomacy"],
        id="diplomacy-only",
    ),
    pytest.param(
        "Kazakh army holds large-scale exercises",
        "Troops of the armed forces held joint exercises with artillery and drones near Almaty.",
        ["defense"],
        id="defense-only",
    ),
    pytest.param(
        "Manat rate for October 30",
        "The official rate of the manat against the US dollar is 1.7 AZN/USD, the Central Bank reported.",
        [],
        id="currency-neither",
    ),
    pytest.param(
        "Qarabag wins in Baku",
        "The team's defense held firm and the home side won 2-0 in a tense match.",
        [],
        id="sports-defense-word-alone-is-not-enough",
    ),
]


@pytest.mark.parametrize(("title", "text", "labels"), CASES)
def test_labels(title: str, text: str, labels: list[str]) -> None:
    assert classify(title, text).labels == labels


def test_longer_phrase_is_not_counted_twice() -> None:
    evidence = classify("", "The defense ministry said so.").evidence["defense"]
    assert evidence == ["defense ministry"]
