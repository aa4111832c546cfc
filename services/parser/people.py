"""People a story names with their rank and office ("Colonel General Zakir Hasanov", "Uzbek Defense Minister
Bakhodir Kurbanov", "Ambassador of Azerbaijan to Uzbekistan Hussein Guliyev") and, where the text says, the
country they serve. Pattern-based: news prose introduces officials in a few fixed shapes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.parser.countries import find_countries

RANKS = [
    "General of the Army", "Colonel General", "Lieutenant General", "Major General", "Brigadier General",
    "Lieutenant Colonel", "Rear Admiral", "Vice Admiral", "Admiral", "General", "Colonel", "Major", "Captain",
]  # fmt: skip
_DEPT = (
    r"(?:Defen[cs]e|Foreign(?:\s+Affairs)?|Interior|Internal\s+Affairs|Emergenc(?:y|ies)|Economy|Energy|"
    r"Finance|Justice)"
)
OFFICES = [
    r"(?:Deputy\s+|First\s+Deputy\s+)?" + _DEPT + r"\s+Minister",
    r"(?:Deputy\s+|First\s+Deputy\s+)?Minister\s+of\s+" + _DEPT,
    r"(?:Deputy\s+)?Prime\s+Minister", r"(?:Vice[\s-])?President",
    r"Ambassador(?:\s+Extraordinary\s+and\s+Plenipotentiary)?",
    r"Chief\s+of\s+(?:the\s+)?General\s+Staff", r"Secretary[\s-]General", r"Secretary\s+of\s+State",
    r"Foreign\s+Secretary", r"(?:Parliament(?:ary)?\s+)?Speaker", r"Chairman", r"Chairwoman",
    r"Special\s+Representative", r"(?:Special\s+)?Envoy", r"Commander(?:-in-Chief)?", r"Chancellor", r"King",
    r"Emir", r"Crown\s+Prince",
]  # fmt: skip
_NAME_WORD = r"(?:[A-ZƏÖÜĞİŞÇ][a-zəöüğışçа-яё'’-]+|[A-Z]\.)"
_NAME = rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}})"
_RANK = "|".join(r"\s+".join(rank.split()) for rank in RANKS)
_OFFICE = "|".join(OFFICES)
_OF_COUNTRY = r"(?:\s+of\s+(?:the\s+)?(?:Republic\s+of\s+)?(?P<of>[A-Z][\w-]+(?:\s+[A-Z][\w-]+)?))?"
_TO_COUNTRY = r"(?:\s+(?:to|in)\s+(?:the\s+)?(?P<to>[A-Z][\w-]+))?"
# The word before an office may name its country ("Uzbek Defense Minister"); never a rank's first word.
_NOT_PRE = r"(?!(?:Colonel|Major|Lieutenant|Brigadier|General|Rear|Vice|Deputy|First)\b)"
_PRE = rf"(?:{_NOT_PRE}(?P<pre>[A-Z][\w-]+)(?:['’]s)?\s+)?"
BEFORE_NAME = re.compile(
    rf"\b(?:{_PRE}(?P<office>{_OFFICE}){_OF_COUNTRY}{_TO_COUNTRY},?\s+)?(?:(?P<rank>{_RANK})\s+)?{_NAME}"
)
AFTER_NAME = re.compile(rf"\b{_NAME},\s+(?:the\s+)?{_PRE}(?P<office>{_OFFICE}){_OF_COUNTRY}")
# "The heads of defense departments of Azerbaijan and Uzbekistan, Colonel General Zakir Hasanov and Major
# General Bakhodir Kurbanov": two countries, then two people, in the same order.
RESPECTIVELY = re.compile(
    r"(?:(?:[Hh]eads|[Mm]inisters)\s+of\s+(?P<dept>[Dd]efen[cs]e|[Ff]oreign(?:\s+[Aa]ffairs)?)\s+"
    r"(?:departments|ministries)\s+)?"
    r"of\s+(?P<c1>[A-Z][\w-]+)\s+and\s+(?P<c2>[A-Z][\w-]+),\s+"
    rf"(?:(?P<r1>{_RANK})\s+)?(?P<p1>{_NAME_WORD}\s+{_NAME_WORD})\s+and\s+"
    rf"(?:(?P<r2>{_RANK})\s+)?(?P<p2>{_NAME_WORD}\s+{_NAME_WORD})",
)
NOT_NAMES = {
    "The", "Ministry", "Republic", "Defense", "Defence", "Foreign", "Armed", "Forces", "Council", "State",
    "General", "Staff", "Army", "National", "President", "Minister", "Azerbaijan", "Baku", "January",
    "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December", "In", "On", "At", "He", "She", "They", "It", "This", "Embassy", "Security", "Union", "United",
    "South", "North",
}  # fmt: skip


@dataclass
class Person:
    """A named official: the name as first written, rank, office and country when the text gives them."""

    name: str
    rank: str | None = None
    role: str | None = None
    country: str | None = None
    mentions: int = 1
    spans: list[int] = field(default_factory=list, repr=False)

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "rank": self.rank, "role": self.role, "country": self.country}


def find_people(text: str, language: str | None = "en") -> list[Person]:
    """Officials named with a rank or an office; one entry per person, details merged across mentions."""
    people: dict[str, Person] = {}
    for match in BEFORE_NAME.finditer(text):
        if match["office"] or match["rank"]:
            country = _code(match["of"]) or _code(match["pre"]) if match["office"] else _code(match["pre"])
            _add(people, match["name"], match["rank"], _role(match["office"]), country)
    for match in AFTER_NAME.finditer(text):
        _add(people, match["name"], None, _role(match["office"]), _code(match["of"]) or _code(match["pre"]))
    for match in RESPECTIVELY.finditer(text):
        role = _role(f"{match['dept'].capitalize()} Minister") if match["dept"] else None
        pairs = ((match["p1"], match["r1"], match["c1"]), (match["p2"], match["r2"], match["c2"]))
        for person, rank, country in pairs:
            _add(people, person, rank, role, _code(country))
    return sorted(people.values(), key=lambda p: p.spans[0] if p.spans else 0)


def _add(
    people: dict[str, Person], name: str, rank: str | None, role: str | None, country: str | None
) -> None:
    name = _trim(name)
    if not name:
        return
    key = name.split()[-1].lower()  # "Hasanov" later in the story is "Zakir Hasanov"
    person = people.get(key)
    if person is None:
        people[key] = Person(name, _flat(rank), role, country, spans=[len(people)])
        return
    person.mentions += 1
    person.rank = person.rank or _flat(rank)
    person.role = person.role or role
    person.country = person.country or country
    if len(name) > len(person.name):
        person.name = name


def _trim(name: str) -> str | None:
    """Drop words that cannot be part of a name (a rank or office caught by the capitalised run)."""
    words = [w for w in name.split() if w.rstrip("'’s") not in NOT_NAMES]
    return " ".join(words) if len(words) >= 2 else None


def _role(office: str | None) -> str | None:
    if not office:
        return None
    flat = " ".join(office.split())
    flat = re.sub(r"\bDefence\b", "Defense", flat)
    flat = re.sub(r"^Minister of (Defense|Foreign Affairs|Foreign)$", lambda m: f"{m[1]} Minister", flat)
    return flat.replace("Foreign Affairs Minister", "Foreign Minister")


def _flat(value: str | None) -> str | None:
    return " ".join(value.split()) if value else None


def _code(word: str | None) -> str | None:
    if not word:
        return None
    found = find_countries("", word)
    return found[0].code if found else None
