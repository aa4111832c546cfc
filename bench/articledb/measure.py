"""Latency of the article DB's read paths on a generated DB (bench/articledb/generate.py): a filtered
/articles page, full-text search (newest first and by relevance), /stats for a year, and export rate.

    python -m bench.articledb.measure --url sqlite:////tmp/articledb/bench.db [--runs 200]
    python -m bench.articledb.measure --url postgresql+psycopg://postgres@127.0.0.1:5432/newswire_bench

Every query runs in a fresh session (as an API request would), after a warm-up; times are wall-clock
(time.perf_counter) in the client, ORM objects built included. Prints p50/p95/max per case.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.articledb import variants
from services.store import queries, repository
from services.store.models import Article, ArticleCountry, ArticleLabel
from services.store.queries import ArticleQuery
from shared.database import normalise_url
from shared.settings import Settings

YEARS = (2021, 2022, 2023, 2024, 2025)
LABELS = ("defense", "diplomacy")
COUNTRIES = ("AZ", "AZ", "AZ", "RU", "RU", "TR", "TR", "GE", "AM", "IR", "KZ", "US", "UZ", "CN")
PHRASES = ("military exercises", "ceasefire", "foreign minister visit", '"strategic partnership"', "drones",
           "Bayraktar", "delimitation", "visa-free travel", "gas pipeline Caspian", "Sybiha")  # fmt: skip
EXPORT_FIELDS = ["id", "published_at", "source", "title", "url", "labels", "countries", "language", "summary"]
Case = Callable[[Session, int], tuple[str, int]]  # (variant name, rows) of run i
Rows = Callable[[Session, ArticleQuery], Iterator[dict[str, Any]]]


def year(y: int) -> tuple[datetime, datetime]:
    return datetime(y, 1, 1, tzinfo=UTC), datetime(y + 1, 1, 1, tzinfo=UTC)


def filtered_page(session: Session, i: int) -> tuple[str, int]:
    """GET /articles?label=…&country=…&since=…&until=… (first page of 50), varied by a seeded choice."""
    rng = random.Random(i)  # noqa: S311
    label, country, when = rng.choice(LABELS), rng.choice(COUNTRIES), rng.choice(YEARS)
    since, until = year(when)
    query = ArticleQuery(label=label, country=[country], since=since, until=until)
    page = queries.find_articles(session, query)  # looked up at call time: --variant swaps it
    return f"{label}+{country}", len(page.items)


def full_text(sort: str) -> Case:
    def case(session: Session, i: int) -> tuple[str, int]:
        phrase = PHRASES[i % len(PHRASES)]
        page = queries.find_articles(session, ArticleQuery(q=phrase, sort=sort))  # type: ignore[arg-type]
        return phrase, len(page.items)

    return case


def _day(session: Session) -> Any:
    """The UTC day of publication, as newswire/api/articles.py computes it."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", Article.published_at))
    return func.date(Article.published_at)


def year_stats(session: Session, when: int, by: str) -> list[Any]:
    """GET /stats?since=<year>&until=<year + 1>&by=label|country: stories per day per label (country),
    the statement newswire/api/articles.py:stats builds."""
    since, until = year(when)
    day = _day(session)
    key, table = (
        (ArticleLabel.label, ArticleLabel) if by == "label" else (ArticleCountry.code, ArticleCountry)
    )
    statement = (
        select(day, key, func.count())
        .select_from(Article)
        .join(table)
        .where(Article.published_at >= since, Article.published_at < until)
    )
    return session.execute(statement.group_by(day, key).order_by(day)).all()


def stats(by: str) -> Case:
    def case(session: Session, i: int) -> tuple[str, int]:
        when = YEARS[i % len(YEARS)]
        return str(when), len(year_stats(session, when, by))

    return case


def rollup(by: str) -> Case:
    """The same answer from a daily rollup table (bench_daily_label / bench_daily_country: day, key, n),
    made by hand with the SQL in bench/articledb/README.md, as the proposed alternative."""
    table = f"bench_daily_{by}"
    statement = text(f"select day, key, n from {table} where day >= :since and day < :until order by day")  # noqa: S608

    def case(session: Session, i: int) -> tuple[str, int]:
        when = YEARS[i % len(YEARS)]
        rows = session.execute(statement, {"since": date(when, 1, 1), "until": date(when + 1, 1, 1)}).all()
        return str(when), len(rows)

    return case


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def timed(factory: sessionmaker[Session], case: Case, runs: int, warmup: int) -> dict[str, Any]:
    for i in range(warmup):
        with factory() as session:
            case(session, i)
    times: list[float] = []
    rows: list[int] = []
    kinds: dict[str, list[float]] = defaultdict(list)
    for i in range(runs):
        started = time.perf_counter()
        with factory() as session:
            variant, count = case(session, i)
        elapsed = (time.perf_counter() - started) * 1000
        times.append(elapsed)
        rows.append(count)
        kinds[variant].append(elapsed)
    return {
        "runs": runs, "p50": percentile(times, 50), "p95": percentile(times, 95), "max": max(times),
        "rows": sum(rows) / len(rows), "variants": {k: percentile(v, 50) for k, v in kinds.items()},
    }  # fmt: skip


def orm_rows(session: Session, query: ArticleQuery) -> Iterator[dict[str, Any]]:
    """Export rows from ORM objects (iter_articles, then exports.row_of): the API's export path before."""
    for article in queries.iter_articles(session, query):
        countries = [c["code"] for c in (article.facts or {}).get("countries", [])]
        yield {"id": article.id, "published_at": article.published_at.isoformat(), "source": article.source,
               "title": article.title, "url": article.url, "labels": article.label_names,
               "countries": countries, "language": article.language, "summary": article.summary}  # fmt: skip


def export(factory: sessionmaker[Session], query: ArticleQuery, rows: Rows = orm_rows) -> dict[str, Any]:
    """Every row of the query as CSV to /dev/null (labels and countries ;-joined, as exports.csv_lines)."""
    started = time.perf_counter()
    count = 0
    with factory() as session, open(os.devnull, "w", newline="") as sink:
        writer = csv.DictWriter(sink, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        for row in rows(session, query):
            writer.writerow(
                {**row, "labels": ";".join(row["labels"]), "countries": ";".join(row["countries"])}
            )
            count += 1
    elapsed = time.perf_counter() - started
    return {"rows": count, "seconds": elapsed, "rows_per_s": count / elapsed}


def match_counts(factory: sessionmaker[Session]) -> dict[str, int]:
    """How many stories each full-text phrase matches (the work a relevance sort has to rank)."""
    with factory() as session:
        dialect = session.get_bind().dialect.name
        count = select(func.count()).select_from(Article)
        filtered = variants.filtered
        return {p: session.scalar(filtered(count, ArticleQuery(q=p), dialect)) or 0 for p in PHRASES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--cases", default="filtered,fts,stats,export", help="comma-separated subset")
    parser.add_argument(
        "--variant",
        default="project",
        choices=("project", "original"),
        help="the project's current queries, or the shapes they had before (bench/articledb/variants.py)",
    )
    parser.add_argument("--json", type=Path, help="also append the figures to this JSON-lines file")
    args = parser.parse_args()
    variants.use(args.variant)
    url = normalise_url(args.url)
    factory = repository.reader(Settings(database_url=url, data_dir=Path(tempfile.gettempdir())))
    with factory() as session:
        total = session.scalar(select(func.count()).select_from(Article)) or 0
        engine = session.get_bind().dialect.name
    load = os.getloadavg()[0]
    print(f"{engine}: {total:,} articles; variant {args.variant}; load average {load:.2f}; runs {args.runs}")
    cases = args.cases.split(",")
    warmup = max(5, args.runs // 10)
    results: dict[str, Any] = {"engine": engine, "articles": total, "variant": args.variant}
    plan: list[tuple[str, str, Case]] = [
        ("filtered", "filtered page: label+country+year, 50 rows", filtered_page),
        ("fts", "full-text, newest first", full_text("published")),
        ("fts", "full-text, by relevance", full_text("relevance")),
        ("stats", "stats for a year, per day per label", stats("label")),
        ("stats", "stats for a year, per day per country", stats("country")),
        ("rollup", "stats per day per label, from a rollup", rollup("label")),
        ("rollup", "stats per day per country, from a rollup", rollup("country")),
    ]
    print(f"{'case':<44}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'rows':>8}")
    for key, name, case in plan:
        if key in cases:
            figures = results[name] = timed(factory, case, args.runs, warmup)
            print(f"{name:<44}{figures['p50']:>9.1f}{figures['p95']:>9.1f}{figures['max']:>9.1f}"
                  f"{figures['rows']:>8.0f}")  # fmt: skip
            slowest = sorted(figures["variants"].items(), key=lambda kv: -kv[1])[:4]
            figures["load"] = os.getloadavg()[0]
            print(
                "    slowest p50: " + ", ".join(f"{k} {v:.1f}" for k, v in slowest),
                f"(load {figures['load']:.2f})",
            )
    if "fts" in cases:
        results["matches"] = match_counts(factory)
        print("full-text matches: " + ", ".join(f"{k} {v:,}" for k, v in results["matches"].items()))
    if "export" in cases:
        since, until = year(2025)
        exports = {"export label=defense": ArticleQuery(label="defense"),
                   "export year 2025": ArticleQuery(since=since, until=until)}  # fmt: skip
        if args.variant == "project":  # the API's export path now (newswire/api/exports.py)
            exports["export label=defense, iter_export_rows"] = exports["export label=defense"]
            exports["export year 2025, iter_export_rows"] = exports["export year 2025"]
        for name, query in exports.items():
            rows = queries.iter_export_rows if "iter_export_rows" in name else orm_rows
            figures = results[name] = export(factory, query, rows)
            print(f"{name:<44}{figures['rows_per_s']:>9,.0f} rows/s ({figures['rows']:,} rows in "
                  f"{figures['seconds']:.1f} s)")  # fmt: skip
    if args.json:
        with args.json.open("a") as out:
            out.write(json.dumps({"at": datetime.now(UTC).isoformat(), **results}) + "\n")


if __name__ == "__main__":
    main()
