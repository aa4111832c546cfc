"""Organisations a story names, normalised: alliances and international bodies from
data/organisations.toml (CIS, CSTO, NATO, OSCE, UN, SCO, EU, OTS …) and state ministries found by
pattern ("Azerbaijan's Ministry of Defense", "the Uzbek Defence Ministry" → Ministry of Defense, AZ/UZ)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from services.parser.countries import find_countries

MINISTRY_KINDS = {
    "defense": "Defense", "defence": "Defense", "foreign affairs": "Foreign Affairs",
    "foreign": "Foreign Affairs", "internal affairs": "Internal Affairs", "interior": "Internal Affairs",
    "emergency situations": "Emergency Situations", "emergencies": "Emergency Situations",
    "economy": "Economy", "energy": "Energy", "finance": "Finance", "justice": "Justice",
    "digital development and transport": "Digital Development and Transport",
}  # fmt: skip
_KIND = "|".join(sorted((re.escape(k) for k in MINISTRY_KINDS), key=len, reverse=True))
_CAP = r"[A-ZƏÖÜĞİŞÇ][\w-]+"
# Anchored on the keyword (a leading optional word would be tried at every position: 10× slower);
# the word before it ("Azerbaijan's", "Uzbek") is read from the text just before the match.
MINISTRY = re.compile(
    rf"\b(?:[Mm]inistry\s+of\s+(?P<kind1>{_KIND})|(?P<kind2>{_KIND})\s+[Mm]inistry)"
    rf"(?:\s+of\s+(?:the\s+)?(?:Republic\s+of\s+)?(?P<post>{_CAP}))?",
    re.IGNORECASE,
)
PRE_WORD = re.compile(rf"(?P<pre>{_CAP})(?:['’]s)?\s+$")


@dataclass(frozen=True)
class Organisation:
    """One organisation: its short id (NATO, or 'MoD-AZ'), full name, country for a ministry, mentions."""

    id: str
    name: str
    country: str | None
    count: int

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "country": self.country, "count": self.count}


@cache
def _gazetteer() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    """One case-sensitive alternation of every name, longest first; surface form → (id, full name)."""
    raw = tomllib.loads((files("services.parser") / "data" / "organisations.toml").read_text("utf-8"))
    surface: dict[str, tuple[str, str]] = {}
    for key, entry in raw.items():
        for name in entry["names"]:
            surface[name] = (key, entry["name"])
    alternation = "|".join(re.escape(n) for n in sorted(surface, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alternation})(?![\w])"), surface


def find_organisations(text: str, language: str | None = "en") -> list[Organisation]:
    """Organisations in the text, most mentioned first (ministries with their country when stated)."""
    pattern, surface = _gazetteer()
    counts: dict[tuple[str, str, str | None], int] = {}
    for match in pattern.finditer(text):
        key, name = surface[match.group(0)]
        counts[(key, name, None)] = counts.get((key, name, None), 0) + 1
    for match in MINISTRY.finditer(text) if "inistr" in text else ():
        before = PRE_WORD.search(text, max(0, match.start() - 40), match.start())
        kind = MINISTRY_KINDS[(match["kind1"] or match["kind2"]).lower()]
        country = _country(match["post"], language) or _country(before and before["pre"], language)
        short = "MoD" if kind == "Defense" else "MFA" if kind == "Foreign Affairs" else f"Ministry of {kind}"
        ident = f"{short}-{country}" if country else short
        entry = (ident, f"Ministry of {kind}", country)
        counts[entry] = counts.get(entry, 0) + 1
    _merge_bare_ministries(counts)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    return [Organisation(ident, name, country, count) for (ident, name, country), count in ranked]


def _merge_bare_ministries(counts: dict[tuple[str, str, str | None], int]) -> None:
    """ "The Defense Ministry noted …" after "Azerbaijan's Ministry of Defense": when one country's ministry
    of a kind is named, the bare mentions of that kind are counted to it."""
    for key in [k for k in counts if k[2] is None and k[1].startswith("Ministry of")]:
        owners = [k for k in counts if k[1] == key[1] and k[2] is not None]
        if len(owners) == 1:
            counts[owners[0]] += counts.pop(key)


def _country(word: str | None, language: str | None) -> str | None:
    if not word:
        return None
    found = find_countries("", word, language or "en")
    return found[0].code if found else None
