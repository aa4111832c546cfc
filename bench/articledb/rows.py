"""Synthetic stories as rows of the article DB tables: outlets with skewed volumes, publication times over
five years with a weekday and hour-of-day pattern, labels, countries and entities in realistic proportions,
texts composed from template sentences (bench/articledb/vocab.py)."""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from itertools import accumulate
from typing import Any

from bench.articledb import vocab

START = datetime(2021, 1, 1, tzinfo=UTC)
YEARS = 5
DAYS = (datetime(START.year + YEARS, 1, 1, tzinfo=UTC) - START).days
WEEKDAY = (1.0, 1.05, 1.05, 1.0, 0.95, 0.55, 0.45)  # Monday first: outlets publish less at weekends
HOURS = (1, 0.8, 0.8, 1, 2, 4, 6, 7, 7, 7, 6.5, 6, 6, 6, 5.5, 5, 4, 3.5, 3, 2.5, 2, 1.8, 1.5, 1.2)  # UTC
# label set: defense ~18%, diplomacy ~22%, both ~6%, none the rest; topic mix of each kind's sentences
LABEL_SETS = (((), 54), (("defense",), 18), (("diplomacy",), 22), (("defense", "diplomacy"), 6))
MIX = {(): (2, 3, 95), ("defense",): (65, 10, 25), ("diplomacy",): (5, 65, 30),
       ("defense", "diplomacy"): (40, 40, 20)}  # fmt: skip
TOPICS = ("defense", "diplomacy", "general")
EVENT_KINDS = {"defense": ("military_exercise", "ceasefire_violation", "arms_deal", "statement", "meeting"),
               "diplomacy": ("official_visit", "meeting", "agreement_signed", "statement", "peace_talks",
                             "sanctions")}  # fmt: skip
EVIDENCE = {"defense": "military exercises", "diplomacy": "foreign minister"}
AUTHORS = ("Staff writer", "Ayaz Mammadov", "Leman Zeynalova", "Nigar Abbasova", "Elena Kosolapova",
           "Vusal Mammadov", "Asif Mehman", "Sara Rajabova", "Orkhan Jalilov")  # fmt: skip


@dataclass
class Batch:
    """The rows of one batch of stories, per table."""

    articles: list[dict[str, Any]] = field(default_factory=list)
    article_labels: list[dict[str, Any]] = field(default_factory=list)
    article_countries: list[dict[str, Any]] = field(default_factory=list)
    article_people: list[dict[str, Any]] = field(default_factory=list)
    article_organisations: list[dict[str, Any]] = field(default_factory=list)
    article_events: list[dict[str, Any]] = field(default_factory=list)


def source_rows() -> list[dict[str, Any]]:
    """The 60 outlets (ids 1..60, in the order of vocab.SOURCES)."""
    return [
        {"id": i, "name": name, "domain": domain, "first_seen_at": START - timedelta(days=30)}
        for i, (name, domain, _home, _langs) in enumerate(vocab.SOURCES, 1)
    ]


class Stories:
    """A seeded source of stories; `times` first, then `batch` over consecutive slices of them."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (load data, not secrets)
        self.codes = list(vocab.COUNTRIES)
        self.code_cum = list(accumulate(vocab.COUNTRIES[c][2] for c in self.codes))
        self.source_cum = list(accumulate(1 / rank**1.1 for rank in range(1, len(vocab.SOURCES) + 1)))
        self.people = {c: [p.split("|") for p in s.split(";")] for c, s in vocab.PEOPLE.items()}
        self.orgs = [o[:3] for o in vocab.ORGANISATIONS]
        self.org_cum = list(accumulate(o[3] for o in vocab.ORGANISATIONS))
        self.events = {e[0]: e[1] for e in vocab.EVENTS}
        self.langs = [self._languages(s[3]) for s in vocab.SOURCES]
        self.themes = {topic: list(vocab.TEMPLATES[topic]) for topic in TOPICS}
        self.sentences: dict[tuple[str, str, str], list[str]] = {}
        self.titles: dict[tuple[str, str, str], list[str]] = {}
        for topic in TOPICS:
            for code in self.codes:
                for theme, templates in vocab.TEMPLATES[topic].items():
                    self.sentences["en", theme, code] = [self._fill(t, code) for t in templates * 25]
                self.titles["en", topic, code] = [self._fill(t, code) for t in vocab.TITLES[topic] * 4]
            for lang, topics in vocab.FOREIGN.items():
                self.sentences[lang, topic, "*"] = [self._fill(t, "AZ") for t in topics[topic] * 25]

    def times(self, count: int) -> list[datetime]:
        """Fetch times of `count` stories in id order (ids follow fetch order, as the store assigns them)."""
        day_cum = list(accumulate(WEEKDAY[(START + timedelta(d)).weekday()] * (0.7 + 0.6 * d / DAYS)
                                  for d in range(DAYS)))  # fmt: skip
        hour_cum = list(accumulate(HOURS))
        days = self.rng.choices(range(DAYS), cum_weights=day_cum, k=count)
        hours = self.rng.choices(range(24), cum_weights=hour_cum, k=count)
        base = START.timestamp()
        pairs = zip(days, hours, strict=True)
        stamps = sorted(base + d * 86400 + h * 3600 + self.rng.randrange(3600) for d, h in pairs)
        return [datetime.fromtimestamp(s, UTC) for s in stamps]

    def batch(self, first_id: int, times: list[datetime]) -> Batch:
        """Stories first_id, first_id + 1 … published at `times` (one each)."""
        rows = Batch()
        sources = self.rng.choices(range(len(vocab.SOURCES)), cum_weights=self.source_cum, k=len(times))
        label_sets = self.rng.choices([s for s, _ in LABEL_SETS], [w for _, w in LABEL_SETS], k=len(times))
        for offset, (when, source, labels) in enumerate(zip(times, sources, label_sets, strict=True)):
            self._story(rows, first_id + offset, when, source, labels)
        return rows

    def _story(self, rows: Batch, ident: int, when: datetime, source: int, labels: tuple[str, ...]) -> None:
        rng = self.rng
        name, domain, home, _langs = vocab.SOURCES[source]
        language = rng.choices(*self.langs[source])[0]
        countries = self._countries(home, len(labels) > 0)
        title, text, paragraphs = self._text(language, labels, countries)
        published = when - timedelta(seconds=rng.randrange(60, 1800) if rng.random() < 0.97 else 86400)
        scores = {
            lab: round(0.55 + 0.44 * rng.random() ** 0.6 if lab in labels else rng.random() * 0.3, 3)
            for lab in ("defense", "diplomacy")
        }
        number = 100000 + ident
        key = f"{domain}/news/{number}"
        url = f"https://{'www.' if ident % 3 else ''}{key}"
        facts = self._facts(rows, ident, labels, countries, published.date(), paragraphs[0])
        author = rng.choice(AUTHORS) if rng.random() < 0.6 else None
        rows.articles.append({
            "id": ident, "article_key": f"url:{key}", "feed_id": source * 10 + ident % 2 + 1, "source": name,
            "entry_key": url, "guid": url, "url": url, "title": title, "text": text,
            "html": "".join(f"<p>{escape(p)}</p>" for p in paragraphs),
            "text_source": "page" if ident % 7 == 0 else "feed", "text_flag": None,
            "summary": paragraphs[0][:300], "author": author,
            "language": language, "tags": rng.sample(vocab.TAGS, rng.randrange(3)), "published_at": published,
            "date_flag": "ok", "fetched_at": when, "first_seen_at": when, "updated_at": when, "version": 1,
            "content_hash": hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(), "scores": scores,
            "evidence": {lab: [EVIDENCE[lab]] for lab in labels},
            "authors": [author] if author else [], "canonical_url": url,
            "image_url": f"https://{domain}/uploads/{number}.jpg" if ident % 10 < 7 else None,
            "modified_at": None, "facts": facts, "source_id": source + 1, "canonical_key": key,
            "last_seen_at": when, "revision_count": 0, "cluster_id": None, "minhash": None,
        })  # fmt: skip
        rows.article_labels.extend({"article_id": ident, "label": n, "score": scores[n]} for n in labels)

    def _countries(self, home: str, labelled: bool) -> list[str]:
        rng = self.rng
        want = rng.choices((1, 2, 3, 4), (25, 35, 25, 15) if labelled else (45, 35, 15, 5))[0]
        chosen = [home] if rng.random() < 0.75 else []
        while len(chosen) < want:
            code = rng.choices(self.codes, cum_weights=self.code_cum)[0]
            if code not in chosen:
                chosen.append(code)
        return chosen

    def _text(self, lang: str, labels: tuple[str, ...], countries: list[str]) -> tuple[str, str, list[str]]:
        rng = self.rng
        length = min(3000, max(300, int(rng.lognormvariate(math.log(1100), 0.55))))
        themes = self.themes
        kept = {topic: rng.choice(themes[topic]) for topic in TOPICS}  # the story's theme of each topic
        sentences: list[str] = []
        size = 0
        for topic in rng.choices(TOPICS, MIX[labels], k=40):
            if lang != "en":
                sentence = rng.choice(self.sentences[lang, topic, "*"])
            else:
                theme = kept[topic] if rng.random() < 0.85 else rng.choice(themes[topic])
                sentence = rng.choice(self.sentences["en", theme, rng.choice(countries)])
            sentences.append(sentence)
            size += len(sentence) + 1
            if size >= length:
                break
        while size > 2980:
            size -= len(sentences.pop()) + 1
        paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
        if lang == "en":
            title = rng.choice(self.titles["en", rng.choice(labels or ("general",)), countries[0]])
        else:
            title = sentences[0].rstrip(".")
        return title, "\n\n".join(paragraphs), paragraphs

    def _facts(self, rows: Batch, ident: int, labels: tuple[str, ...], countries: list[str], day: date,
               sentence: str) -> dict[str, Any]:  # fmt: skip
        rng = self.rng
        pair = countries[:2] if len(countries) > 1 else []
        facts: dict[str, Any] = {"countries": [], "main_pair": pair, "people": [], "organisations": [],
                                 "events": []}  # fmt: skip
        for i, code in enumerate(countries):
            mentions, in_title = rng.randrange(1, 9 - 2 * min(i, 3)), i == 0 and rng.random() < 0.5
            facts["countries"].append({"code": code, "count": mentions, "in_title": in_title})
            rows.article_countries.append({"article_id": ident, "code": code, "mentions": mentions,
                                           "in_title": in_title, "main_pair": code in pair})  # fmt: skip
        labelled = bool(labels)
        known = [c for c in countries if c in self.people]
        for _ in range(rng.randrange(1, 4) if labelled else int(rng.random() < 0.3)) if known else ():
            code = rng.choice(known)
            person, rank = rng.choice(self.people[code])
            if all(p["name"] != person for p in facts["people"]):
                facts["people"].append({"name": person, "rank": rank, "country": code})
                rows.article_people.append({"article_id": ident, "name": person, "name_key": person.lower(),
                                            "rank": rank, "role": None, "country": code})  # fmt: skip
        orgs = rng.choices(self.orgs, cum_weights=self.org_cum, k=rng.randrange(1, 4) if labelled else 1)
        for org_id, org_name, org_country in dict.fromkeys(orgs) if labelled or rng.random() < 0.2 else ():
            facts["organisations"].append({"id": org_id, "name": org_name, "count": 1})
            rows.article_organisations.append(
                {
                    "article_id": ident,
                    "org_id": org_id,
                    "name": org_name,
                    "country": org_country,
                    "mentions": rng.randrange(1, 4),
                }
            )
        for _ in range(rng.randrange(1, 3) if labelled else 0):
            kind = rng.choice(EVENT_KINDS[rng.choice(labels)])
            event = {"article_id": ident, "type": kind, "cameo": self.events[kind], "actors": countries[:2],
                     "event_date": day, "sentence": sentence[:300]}  # fmt: skip
            facts["events"].append({"type": kind, "cameo": event["cameo"], "actors": countries[:2],
                                    "date": day.isoformat()})  # fmt: skip
            rows.article_events.append(event)
        return facts

    def _fill(self, template: str, code: str) -> str:
        rng = self.rng
        other = code
        while other == code:  # the other country of a sentence, in the proportions stories name them
            other = rng.choices(self.codes, cum_weights=self.code_cum)[0]
        name, adjective, _w, cities = vocab.COUNTRIES[code]
        name2, adjective2, _w2, cities2 = vocab.COUNTRIES[other]
        people = self.people.get(code, [])
        roles = {rank: f"{rank} {person}" for person, rank in people}
        slots = {key: rng.choice(words.split(";")) for key, words in vocab.WORDS.items()}
        slots.update(
            C=name,
            A=adjective,
            city=rng.choice(cities.split(",")),
            C2=name2,
            A2=adjective2,
            city2=rng.choice(cities2.split(",")),
            n=rng.randrange(2, 900),
            pct=rng.randrange(2, 40),
            price=rng.randrange(60, 120),
            FM=roles.get("Foreign Minister", f"the foreign minister of {name}"),
            DM=roles.get("Defense Minister", f"the defense minister of {name}"),
            HEAD=roles.get("President") or roles.get("Prime Minister") or f"the president of {name}",
        )
        slots["OFF"] = " ".join(rng.choice(people)[::-1]) if people else slots["FM"]
        text = template.format(**slots)
        return text[0].upper() + text[1:]

    @staticmethod
    def _languages(spec: str) -> tuple[list[str], list[float]]:
        parts = [p.split(":") for p in spec.split(",")]
        return [p[0] for p in parts], [float(p[1]) if len(p) > 1 else 100.0 for p in parts]
