"""The classifier on the sample story, on hard negatives, and the taxonomy file's own rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.parser.classify import classify
from services.parser.taxonomy import TaxonomyError, load_taxonomy

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample-story.txt"  # the handbook's sample story, copied
SAMPLE_TITLE = "Azerbaijan, Uzbekistan sign military cooperation plan for 2020"


@pytest.fixture(scope="module")
def sample_text() -> str:
    return SAMPLE.read_text("utf-8")


def test_sample_story_is_defense_and_diplomacy_with_evidence(sample_text: str) -> None:
    verdict = classify(SAMPLE_TITLE, sample_text)
    assert verdict.labels == ["defense", "diplomacy"]
    assert all(0.0 <= s <= 1.0 for s in verdict.scores.values())
    assert "military cooperation ×2" in verdict.evidence["defense"]["terms"]
    assert any("Colonel General Zakir Hasanov" in s for s in verdict.evidence["defense"]["sentences"])
    assert "embassy ×2" in verdict.evidence["diplomacy"]["terms"]


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        pytest.param("Azerbaijani army holds tactical exercises",
                     "Troops of the combined arms army practised live-fire drills with artillery and drones.",
                     ["defense"], id="defense"),
        pytest.param("Azerbaijani FM receives new ambassador of Japan",
                     "Foreign Minister received the ambassador, who presented copies of his credentials. "
                     "They discussed bilateral relations.", ["diplomacy"], id="diplomacy"),
        pytest.param("Azerbaijan beat Slovakia in UEFA Nations League",
                     "Azerbaijan's defense held firm and the striker scored twice in the Nations League match.", [],
                     id="football-defense-is-sport"),
        pytest.param("Army club wrestlers win medals at world championship",
                     "Athletes of the Defense Ministry's sports club won three medals at the tournament.", [],
                     id="army-club-athletes-are-sport"),
        pytest.param("Police detain drug smugglers on the border",
                     "Police officers detained three men carrying narcotics, the Interior Ministry said.", [],
                     id="police-and-crime"),
    ],
)  # fmt: skip
def test_labels(title: str, text: str, expected: list[str]) -> None:
    assert classify(title, text).labels == expected


def test_longest_term_wins_and_is_counted_once() -> None:
    verdict = classify("", "The Defense Ministry said.")
    assert verdict.evidence["defense"]["terms"] == ["defense ministry"]


def test_acronyms_are_case_sensitive() -> None:
    assert "UN" in classify("", "The UN said.").evidence["diplomacy"]["terms"]
    assert "UN" not in classify("", "It was un peu.").evidence["diplomacy"]["terms"]


def test_russian_terms_apply_to_russian_stories_only() -> None:
    text = "Министр обороны Азербайджана встретился с министром обороны Узбекистана, обсуждено военное сотрудничество."
    assert "defense" in classify("", text, language="ru").labels
    assert classify("", text, language="en").labels == []


def test_thresholds_override_the_taxonomy() -> None:
    text = "The army held a parade."
    score = classify("", text).scores["defense"]
    assert "defense" in classify("", text, thresholds={"defense": score}).labels
    assert "defense" not in classify("", text, thresholds={"defense": score + 0.01}).labels


def test_shipped_taxonomy_has_no_term_twice_in_a_label() -> None:
    taxonomy = load_taxonomy()
    seen: dict[tuple[str, str, bool, frozenset[str] | None], str] = {}
    duplicates = []
    for terms in [
        *taxonomy.by_first.values(),
        *taxonomy.by_first_cs.values(),
        *taxonomy.single_stems.values(),
    ]:
        for term in terms:
            key = (term.label, term.text.lower(), term.negative, term.languages)
            if key in seen:
                duplicates.append(key)
            seen[key] = term.text
    assert duplicates == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("version = 1\n", "no [[label]] tables", id="no-labels"),
        pytest.param('[[label]]\nname = "Defense"\n', "lower-case name", id="bad-name"),
        pytest.param('[[label]]\nname = "x"\n[[label.group]]\nweight = 0\nterms = ["a"]\n', "positive weight",
                     id="zero-weight"),
        pytest.param('[[label]]\nname = "x"\n[[label.group]]\nweight = 1\nterms = ["a*b"]\n', "bad term",
                     id="star-inside-word"),
        pytest.param("[[label]\n", "taxonomy", id="not-toml"),
    ],
)  # fmt: skip
def test_a_bad_taxonomy_file_names_itself_and_the_fault(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(content, "utf-8")
    with pytest.raises(TaxonomyError, match=re.escape(message)) as raised:
        load_taxonomy(path)
    assert str(path) in str(raised.value)


def test_a_user_taxonomy_adds_a_label(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[[label]]\nname = "energy"\nthreshold = 0.3\n[[label.group]]\nweight = 3\n'
                    'terms = ["pipeline*", "gas field"]\n', "utf-8")  # fmt: skip
    verdict = classify("", "The new pipelines reach the gas field.", taxonomy=load_taxonomy(path))
    assert verdict.labels == ["energy"]
    assert sorted(verdict.evidence["energy"]["terms"]) == ["gas field", "pipeline*"]
