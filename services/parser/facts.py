"""Who, where, what: the structured facts of a story (countries with the main bilateral pair, people with
roles, organisations, and for labelled stories the events), gathered in one place for the parser spine,
`newswire classify --facts` and the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.parser.countries import find_countries, main_pair
from services.parser.events import Event, find_events
from services.parser.organisations import Organisation, find_organisations
from services.parser.people import Person, find_people


@dataclass(frozen=True)
class Facts:
    """Everything a story states about countries, people, organisations and events."""

    countries: list[dict[str, Any]] = field(default_factory=list)
    main_pair: list[str] | None = None
    people: list[Person] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The shape stored with the article and printed by `newswire classify --facts`."""
        return {
            "countries": self.countries,
            "main_pair": self.main_pair,
            "people": [p.as_json() for p in self.people],
            "organisations": [o.as_json() for o in self.organisations],
            "events": [e.as_json() for e in self.events],
        }


def find_facts(
    title: str, text: str, language: str | None, labels: list[str], year_hint: int | None = None
) -> Facts:
    """Countries, people and organisations for every story; events only for labelled ones (issue 4)."""
    mentions = find_countries(title, text, language or "en")
    pair = main_pair(mentions)
    return Facts(
        countries=[
            {"code": m.code, "name": m.name, "count": m.count, "in_title": m.in_title} for m in mentions
        ],
        main_pair=list(pair) if pair else None,
        people=find_people(f"{title}.\n{text}" if title else text, language),
        organisations=find_organisations(f"{title}\n{text}", language),
        events=find_events(text, pair, year_hint, language) if labels else [],
    )
