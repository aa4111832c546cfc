"""The parser's facts as rows: countries, people, organisations and events get their own tables so the
API can filter on them with an index (the JSON copy in articles.facts is what the article view shows)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from services.store.models import ArticleCountry, ArticleEvent, ArticleOrganisation, ArticlePerson

TABLES = (ArticleCountry, ArticlePerson, ArticleOrganisation, ArticleEvent)


def replace_entities(session: Session, article_id: int, facts: dict[str, Any], fresh: bool = False) -> None:
    """Drop the article's old entity rows (none when `fresh`: just inserted) and write the current ones."""
    for table in TABLES if not fresh else ():
        session.execute(delete(table).where(table.article_id == article_id))
    pair = set(facts.get("main_pair") or [])
    countries = [
        {"article_id": article_id, "code": c["code"], "mentions": int(c.get("count", 1)),
         "in_title": bool(c.get("in_title")), "main_pair": c["code"] in pair}
        for c in _unique(facts.get("countries", []), "code")
    ]  # fmt: skip
    people = [
        {"article_id": article_id, "name": p["name"][:200], "name_key": p["name"].lower()[:200],
         "rank": p.get("rank"), "role": p.get("role"), "country": p.get("country")}
        for p in facts.get("people", []) if p.get("name")
    ]  # fmt: skip
    organisations = [
        {"article_id": article_id, "org_id": o["id"][:100], "name": o["name"][:300],
         "country": o.get("country"), "mentions": int(o.get("count", 1))}
        for o in _unique(facts.get("organisations", []), "id")
    ]  # fmt: skip
    events = [
        {"article_id": article_id, "type": e["type"], "cameo": e.get("cameo", ""),
         "actors": e.get("actors", []), "event_date": _date(e.get("date")), "sentence": e.get("sentence", "")}
        for e in facts.get("events", [])
    ]  # fmt: skip
    for table, rows in zip(TABLES, (countries, people, organisations, events), strict=True):
        if rows:
            session.execute(insert(table.__table__), rows)  # Core: no ORM bulk machinery per row


def _unique(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for item in items:
        if item.get(key):
            seen.setdefault(item[key], item)
    return list(seen.values())


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
