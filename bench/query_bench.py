"""Benchmark: ``accords query`` and ``accords search`` on a large generated database.

    .venv/bin/python bench/query_bench.py [--articles 100000] [--summits 10000]
        [--agreements N] [--repeat 7] [--database-url URL] [--keep] [--explain]

1. Creates a scratch database ``accords_bench_<random>`` on a server: ``--database-url``
   (any database on that server: it is only used to create and drop the scratch one),
   else the server of ``ACCORDS_DATABASE_URL``, else ``postgres@127.0.0.1:5432`` if it
   answers, else an embedded PostgreSQL in a temporary directory. The scratch database
   is migrated with ``db.migrate.upgrade`` and dropped at the end unless ``--keep``.
2. Fills it in SQL (``INSERT ... SELECT generate_series``): 20 feeds with 90 days of
   polls, articles of a few hundred words published over 5 years (assembled from a
   pool of sentences drawn from a news vocabulary: country names, "summit",
   "customs", "energy", "green minerals" in about 5 % of articles, ...), summits of
   ~30 series with 3-15 participants and leaders, agreements (titled and counted
   bundles, 40 % signed at a summit) with parties and sectors, and mentions linking
   1-5 articles to every summit and agreement; then VACUUM ANALYZE.
3. Times every ``accords query`` report with and without each filter it supports,
   the way the CLI runs ``--format json`` (or ``csv``): a session and
   ``db.reports.export_report`` with no limit (the full result, as the text the CLI
   prints); then ``accords search "green minerals"`` (``search_articles`` and
   ``flows.output.to_json``). One warm-up, then ``--repeat`` runs; the table gives
   rows, median and max ms (PASS under 200 ms), the split between the query (SQL +
   fetch, and for exports their text) and the formatting, and the server's own
   execution time (EXPLAIN ANALYZE of the first SELECT the case sends; for CSV exports
   that is the ``LIMIT 0`` probe of the columns, as COPY cannot be EXPLAINed).
4. Times real CLI processes separately (``accords --help``, then ``accords query
   summits --country KZ --format json`` against the scratch database), so process
   start-up is not mixed into the query numbers.

The last line is ``queries <n> max_ms <x> target 200`` (x: the worst median).
``--explain`` prints the plan of every query over target.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from bench.scratch import admin_server, create_database, drop_databases
from db.migrate import upgrade
from db.reports import Filters, export_report, run_report, search_articles
from db.session import make_engine, make_session_factory, safe_url
from flows.output import to_json

TARGET_MS = 200.0
YEARS = 5

# --- vocabulary -------------------------------------------------------------------------

COUNTRIES: dict[str, str] = {
    "KZ": "Kazakhstan", "KG": "Kyrgyzstan", "TJ": "Tajikistan", "TM": "Turkmenistan",
    "UZ": "Uzbekistan", "CN": "China", "RU": "Russia", "IN": "India", "PK": "Pakistan",
    "IR": "Iran", "AF": "Afghanistan", "MN": "Mongolia", "AZ": "Azerbaijan",
    "AM": "Armenia", "GE": "Georgia", "TR": "Turkey", "BY": "Belarus", "UA": "Ukraine",
    "US": "United States", "GB": "United Kingdom", "FR": "France", "DE": "Germany",
    "IT": "Italy", "JP": "Japan", "KR": "South Korea", "ID": "Indonesia", "MY": "Malaysia",
    "TH": "Thailand", "VN": "Vietnam", "PH": "Philippines", "SG": "Singapore",
    "KH": "Cambodia", "LA": "Laos", "MM": "Myanmar", "BN": "Brunei", "BD": "Bangladesh",
    "LK": "Sri Lanka", "NP": "Nepal", "SA": "Saudi Arabia", "AE": "United Arab Emirates",
    "QA": "Qatar", "KW": "Kuwait", "OM": "Oman", "BH": "Bahrain", "EG": "Egypt",
    "IQ": "Iraq", "JO": "Jordan", "BR": "Brazil", "ZA": "South Africa", "ET": "Ethiopia",
    "AU": "Australia", "CA": "Canada", "HU": "Hungary", "PL": "Poland", "ES": "Spain",
    "NG": "Nigeria", "MX": "Mexico", "AR": "Argentina", "EU": "European Union",
    "ASEAN": "ASEAN",
}

CITIES: list[tuple[str, str]] = [
    ("Astana", "KZ"), ("Almaty", "KZ"), ("Bishkek", "KG"), ("Cholpon-Ata", "KG"),
    ("Dushanbe", "TJ"), ("Ashgabat", "TM"), ("Tashkent", "UZ"), ("Samarkand", "UZ"),
    ("Beijing", "CN"), ("Xi'an", "CN"), ("Qingdao", "CN"), ("Tianjin", "CN"),
    ("Moscow", "RU"), ("Kazan", "RU"), ("St Petersburg", "RU"), ("New Delhi", "IN"),
    ("Islamabad", "PK"), ("Tehran", "IR"), ("Ulaanbaatar", "MN"), ("Baku", "AZ"),
    ("Yerevan", "AM"), ("Tbilisi", "GE"), ("Ankara", "TR"), ("Istanbul", "TR"),
    ("Minsk", "BY"), ("Jakarta", "ID"), ("Kuala Lumpur", "MY"), ("Bangkok", "TH"),
    ("Hanoi", "VN"), ("Manila", "PH"), ("Singapore", "SG"), ("Phnom Penh", "KH"),
    ("Vientiane", "LA"), ("Riyadh", "SA"), ("Abu Dhabi", "AE"), ("Doha", "QA"),
    ("Cairo", "EG"), ("Johannesburg", "ZA"), ("Rio de Janeiro", "BR"), ("Tokyo", "JP"),
    ("Seoul", "KR"), ("Brussels", "EU"), ("Budapest", "HU"), ("Washington", "US"),
]

CA5 = ["KZ", "KG", "TJ", "TM", "UZ"]
SERIES: list[tuple[str, list[str]]] = [
    ("SCO Summit", ["CN", "RU", "KZ", "KG", "TJ", "UZ", "IN", "PK", "IR", "BY"]),
    ("BRICS Summit", ["BR", "RU", "IN", "CN", "ZA", "EG", "ET", "IR", "AE"]),
    ("China-Central Asia Summit", ["CN", *CA5]),
    ("ASEAN Summit", ["ASEAN", "ID", "MY", "TH", "VN", "PH", "SG", "KH", "LA", "MM", "BN"]),
    ("CIS Summit", ["RU", "BY", "AM", "AZ", *CA5]),
    ("CSTO Summit", ["RU", "BY", "AM", "KZ", "KG", "TJ"]),
    ("OTS Summit", ["TR", "AZ", "KZ", "KG", "UZ", "HU", "TM"]),
    ("Central Asia Consultative Meeting", CA5),
    ("Russia-Central Asia Summit", ["RU", *CA5]),
    ("EU-Central Asia Summit", ["EU", *CA5]),
    ("C5+1 Summit", ["US", *CA5]),
    ("Central Asia-Japan Dialogue Summit", ["JP", *CA5]),
    ("Korea-Central Asia Summit", ["KR", *CA5]),
    ("India-Central Asia Summit", ["IN", *CA5]),
    ("GCC-Central Asia Summit", ["SA", "AE", "QA", "KW", "OM", "BH", *CA5]),
    ("G20 Summit", ["US", "CN", "RU", "IN", "BR", "ZA", "JP", "KR", "DE", "FR", "GB", "IT",
                    "CA", "AU", "MX", "AR", "ID", "SA", "TR", "EU"]),
    ("G7 Summit", ["US", "GB", "FR", "DE", "IT", "JP", "CA", "EU"]),
    ("EU-China Summit", ["EU", "CN"]),
    ("East Asia Summit", ["ASEAN", "CN", "JP", "KR", "IN", "AU", "US", "RU", "ID", "VN"]),
    ("CICA Summit", ["KZ", "CN", "RU", "TR", "IR", "IN", "PK", "AZ", "MN", "UZ", "TJ"]),
    ("ECO Summit", ["IR", "PK", "TR", "AF", "AZ", *CA5]),
    ("Caspian Summit", ["RU", "KZ", "TM", "IR", "AZ"]),
    ("Eurasian Economic Forum", ["RU", "BY", "KZ", "KG", "AM"]),
    ("Arab League Summit", ["SA", "EG", "IQ", "JO", "AE", "QA", "KW", "OM", "BH"]),
    ("GCC Summit", ["SA", "AE", "QA", "KW", "OM", "BH"]),
    ("BIMSTEC Summit", ["IN", "BD", "LK", "NP", "MM", "TH"]),
    ("China-Arab States Summit", ["CN", "SA", "EG", "AE", "QA", "IQ", "JO"]),
    ("Turkey-Africa Partnership Summit", ["TR", "EG", "NG", "ET", "ZA"]),
    ("Russia-Africa Summit", ["RU", "EG", "ZA", "ET", "NG"]),
    ("APEC Leaders' Meeting", ["US", "CN", "RU", "JP", "KR", "AU", "CA", "MX", "ID", "TH"]),
]

SECTORS = [
    "trade", "energy", "green minerals", "customs", "transport", "logistics",
    "transit corridors", "digital economy", "agriculture", "water management",
    "investment", "security", "counter-terrorism", "education", "health care", "tourism",
    "culture", "finance", "railways", "oil and gas", "renewable energy", "critical minerals",
    "trade facilitation", "climate", "space", "nuclear energy", "industrial cooperation",
]

AGREEMENT_TYPES: list[tuple[str, int]] = [
    ("agreement", 30), ("mou", 25), ("declaration", 10), ("joint_statement", 10),
    ("treaty", 5), ("communique", 5), ("protocol", 5), ("plan", 5), ("accord", 3),
    ("other", 2),
]
AGREEMENT_STATUSES: list[tuple[str, int]] = [
    ("signed", 60), ("adopted", 15), ("agreed", 10), ("negotiating", 8), ("planned", 6),
    ("terminated", 1),
]

# Sentences are ~45 % stop words, ~50 % common words (each in about half the articles) and
# ~5 % rarer words (each in about 13 % of articles); one in four sentences has a topic phrase
# (each topic in about a quarter of the articles), one in three a country name.
STOPWORDS = ["the", "of", "and", "to", "in", "a", "on", "for", "with", "at", "by", "from",
             "that", "is", "was", "will", "has", "have", "its", "their", "as", "an", "this",
             "be", "are"]
_COMMON_TEXT = """
president prime minister foreign delegation leaders talks bilateral multilateral
cooperation partnership strategic relations meeting visit official state government ministry
spokesperson said told reporters according statement press conference discussed agreed
signed adopted welcomed noted stressed expressed support commitment regional security
stability development economic growth investment trade turnover billion million dollars
percent year month week projects construction railway highway pipeline corridor route
transit port border crossing logistics hub region countries nations neighbours partners
framework platform mechanism format dialogue forum session plenary working group commission
council committee host capital city hosted arrived ceremony negotiations draft document
roadmap programme initiative connectivity infrastructure electricity power plant gas oil
industry industrial zone exports imports market access food water resources climate
agriculture tourism visa flights students culture media digital technology finance bank
loan fund currency national sanctions crisis peace humanitarian aid terrorism defence
military joint experts however meanwhile earlier later also further new first second next
last important key major significant historic comprehensive practical mutual long-term
sustainable global international
"""
COMMON = _COMMON_TEXT.split()
_RARE_TEXT = """
green critical minerals uranium copper lithium rare earth mining processing hydropower solar
wind turbines drought irrigation wheat cotton livestock heritage universities satellite
artificial intelligence cyber threats drills observers refugees extremism trafficking
ceasefire settlement currencies quotas tariffs factory landmark concrete beneficial allies
secretariat chairmanship belt text glacier desert steppe caravan silk fertiliser
pharmaceuticals vaccines textiles automotive assembly semiconductors broadband fibre optic
roaming e-commerce fintech blockchain stablecoin bonds eurobonds sukuk remittances migrants
labour pensions scholarships grants archaeology museums cinema sport olympic football chess
wrestling horses falconry carpets ceramics apricots cherries melons honey dairy poultry
fisheries aral caspian amu darya syr ferghana pamir tian shan balkhash irtysh ili
"""
RARE = _RARE_TEXT.split()
TOPICS = [
    "summit", "summit", "agreement", "agreements", "customs", "energy", "energy",
    "trade facilitation", "transport corridor", "joint statement", "declaration",
    "memorandum of understanding", "investment agreements", "free trade zone",
    "water sharing", "gas supplies", "railway link", "digital economy", "security cooperation",
]

# One sentence in 700 states the phrase: about 3 % of articles (~21 sentences each) do,
# plus the headlines about the "green minerals" sector.
PHRASE_EVERY = 700
POOL_SENTENCES = 20000
N_CODES = len(COUNTRIES)
N_SERIES = len(SERIES)


def _weighted(pairs: list[tuple[str, int]]) -> list[str]:
    return [name for name, weight in pairs for _ in range(weight)]


def _people() -> tuple[list[str], list[str]]:
    """Distinct synthetic leader and official names, one of each per country code."""
    firsts = ["Aibek", "Nurlan", "Rustam", "Shavkat", "Sadyr", "Emomali", "Serdar", "Li",
              "Wang", "Vladimir", "Sergei", "Narendra", "Anwar", "Joko", "Recep", "Ilham",
              "Nikol", "Irakli", "Olaf", "Emmanuel"]
    syllables = ["ka", "ra", "mo", "ti", "sha", "be", "lo", "nu", "zha", "do", "ve", "gu"]
    lasts = sorted({a.capitalize() + b + c for a in syllables for b in syllables
                    for c in ("ev", "ov", "in", "yan", "li")})
    codes = list(COUNTRIES)
    leaders = [f"{firsts[i % len(firsts)]} {lasts[i]}" for i in range(len(codes))]
    officials = [f"{firsts[(i + 7) % len(firsts)]} {lasts[i + len(codes)]}"
                 for i in range(len(codes))]
    return leaders, officials


# --- database -----------------------------------------------------------------------------


@dataclass
class Scratch:
    admin_url: str
    url: str
    name: str
    tempdir: Path | None = None


def create_scratch(explicit: str | None) -> Scratch:
    admin_url, tempdir = admin_server(explicit)
    name = f"accords_bench_{secrets.token_hex(4)}"
    return Scratch(admin_url=admin_url, url=create_database(admin_url, name), name=name,
                   tempdir=tempdir)


# --- data generation ----------------------------------------------------------------------


def _setup_sql(n_articles: int, n_summits: int, n_agreements: int) -> list[tuple[str, str]]:
    """(label, SQL) steps that fill the database; parameters are bound separately."""
    return [
        ("vocabulary", """
            CREATE TEMP TABLE b_codes AS
                SELECT ord::int AS i, code, name
                FROM unnest(CAST(:codes AS text[]), CAST(:names AS text[]))
                     WITH ORDINALITY AS u(code, name, ord);
            CREATE TEMP TABLE b_leaders AS
                SELECT code, leader, official,
                       CASE WHEN code IN ('EU', 'ASEAN') THEN 'Chair'
                            WHEN i % 3 = 0 THEN 'Prime Minister' ELSE 'President' END AS role
                FROM b_codes
                JOIN unnest(CAST(:codes AS text[]), CAST(:leaders AS text[]),
                            CAST(:officials AS text[])) AS u(c, leader, official)
                  ON u.c = b_codes.code;
            CREATE TEMP TABLE b_cities AS
                SELECT city, code FROM unnest(CAST(:cities AS text[]),
                                              CAST(:city_codes AS text[])) AS u(city, code);
            CREATE TEMP TABLE b_series AS
                SELECT ord::int AS i, s->>'name' AS name,
                       lower(s->>'name') AS series_key,
                       ARRAY(SELECT jsonb_array_elements_text(s->'members')) AS members
                FROM jsonb_array_elements(CAST(:series AS jsonb)) WITH ORDINALITY AS u(s, ord);
        """),
        ("feeds", """
            INSERT INTO feeds (id, name, url, region, language, tags, enabled, last_status,
                               last_polled_at, last_success_at, consecutive_failures,
                               next_poll_at, entries_seen, last_error, etag, created_at)
            SELECT g, f.name, 'https://' || f.host || '/rss', f.region, 'en',
                   ARRAY[f.region, 'news'], g <> 20,
                   CASE WHEN g = 19 THEN 503 ELSE 200 END,
                   now() - (g * interval '3 minutes'),
                   now() - (g * interval '3 minutes')
                       - CASE WHEN g = 19 THEN interval '2 days' ELSE interval '0' END,
                   CASE WHEN g = 19 THEN 4 WHEN g = 20 THEN 10 ELSE 0 END,
                   now() + interval '1 hour', 8000 + g * 700,
                   CASE WHEN g = 19 THEN '503 Service Unavailable' END,
                   md5(g::text), now() - interval '5 years'
            FROM generate_series(1, 20) g
            CROSS JOIN LATERAL (SELECT
                (ARRAY['Astana Times', 'Kabar', 'Asia-Plus', 'Turkmenistan Today', 'Daryo',
                       'Xinhua Asia', 'Global Times', 'TASS', 'Caucasus Watch', 'Trend',
                       'Dawn', 'The Hindu', 'Jakarta Post', 'VnExpress', 'Bangkok Post',
                       'Arab News', 'Gulf News', 'Tehran Times', 'Daily Sabah',
                       'Eurasianet'])[g] AS name) n
            CROSS JOIN LATERAL (SELECT n.name,
                lower(replace(n.name, ' ', '')) || '.example' AS host,
                (ARRAY['central-asia', 'central-asia', 'central-asia', 'central-asia',
                       'central-asia', 'china', 'china', 'russia', 'caucasus', 'caucasus',
                       'south-asia', 'south-asia', 'southeast-asia', 'southeast-asia',
                       'southeast-asia', 'middle-east', 'middle-east', 'middle-east',
                       'middle-east', 'central-asia'])[g] AS region) f;
        """),
        ("feed polls", """
            INSERT INTO feed_polls (feed_id, run_id, started_at, elapsed_ms, outcome,
                                    http_status, error, entries, new_entries)
            SELECT f, 'run-' || h, now() - h * interval '2 hours' + f * interval '10 seconds',
                   200 + (random() * 1800)::int, o.outcome::poll_outcome,
                   CASE o.outcome WHEN 'failed' THEN 503 WHEN 'not_modified' THEN 304
                                  ELSE 200 END,
                   CASE WHEN o.outcome = 'failed' THEN '503 Service Unavailable' END,
                   CASE WHEN o.outcome = 'failed' THEN 0 ELSE 30 END,
                   CASE WHEN o.outcome = 'ok' THEN (random() * 6)::int ELSE 0 END
            FROM generate_series(1, 20) f, generate_series(0, 12 * 90 - 1) h,
            LATERAL (SELECT CASE
                WHEN random() < CASE WHEN f = 19 THEN 0.3 ELSE 0.01 END THEN 'failed'
                WHEN random() < 0.4 THEN 'not_modified'
                WHEN random() < 0.2 THEN 'unchanged' ELSE 'ok' END AS outcome
                WHERE h >= 0) o;
        """),
        ("sentence pool", f"""
            CREATE TEMP TABLE b_sentences (id int PRIMARY KEY, body text NOT NULL);
            INSERT INTO b_sentences
            SELECT s, initcap(w.first) || ' ' || w.rest || '.'
            FROM generate_series(1, {POOL_SENTENCES}) s
            CROSS JOIN LATERAL (
                SELECT (array_agg(word ORDER BY k))[1] AS first,
                       array_to_string((array_agg(word ORDER BY k))[2:], ' ') AS rest
                FROM (
                    SELECT k, CASE
                        WHEN k = 5 AND s % {PHRASE_EVERY} = 7 THEN 'green minerals'
                        WHEN k = 5 AND s % 4 = 1 THEN (CAST(:topics AS text[]))[
                            1 + (s / 4) % cardinality(CAST(:topics AS text[]))]
                        WHEN k = 9 AND s % 3 = 0 THEN (SELECT name FROM b_codes
                                                       WHERE i = 1 + (s * 13) % {N_CODES})
                        WHEN u < 0.45 THEN (CAST(:stopwords AS text[]))[
                            1 + floor(v * cardinality(CAST(:stopwords AS text[])))::int]
                        WHEN u < 0.95 THEN (CAST(:common AS text[]))[
                            1 + floor(v * cardinality(CAST(:common AS text[])))::int]
                        ELSE (CAST(:rare AS text[]))[
                            1 + floor(v * cardinality(CAST(:rare AS text[])))::int]
                        END AS word
                    FROM (SELECT k, random() AS u, random() AS v
                          FROM generate_series(1, 10 + s % 13) k) t
                ) words
            ) w;
        """),
        ("articles", f"""
            INSERT INTO articles (id, canonical_url, url, feed_id, guid, feed_title,
                feed_published_at, title, authors, published_at, published_source,
                site_name, language, fetched_at, http_status, content_type, text,
                content_hash, cleaner, cleaner_version, extractor, extractor_version,
                extracted_at, state, attempts, created_at, updated_at)
            SELECT g, p.url, p.url, f.id, p.url, t.title, p.pub, t.title,
                   ARRAY['Staff reporter'], p.pub,
                   CASE WHEN g % 10 = 0 THEN 'feed' ELSE 'page' END, f.name, 'en',
                   p.pub + interval '20 minutes', 200, 'text/html; charset=utf-8', b.body,
                   md5(b.body), 'trafilatura', '2.3.0', 'rules', '1.0',
                   p.pub + interval '25 minutes', 'extracted', 1,
                   p.pub + interval '20 minutes', p.pub + interval '25 minutes'
            FROM generate_series(1, {n_articles}) g
            JOIN feeds f ON f.id = 1 + (g * 7) % 20
            CROSS JOIN LATERAL (SELECT
                now() - interval '{YEARS} years'
                    + (g - 0.5) / {n_articles} * (interval '{YEARS} years' - interval '1 day')
                    + random() * interval '6 hours' AS pub,
                'https://' || lower(replace(f.name, ' ', '')) || '.example/news/' || g AS url,
                (SELECT name FROM b_codes WHERE i = 1 + (g * 31) % {N_CODES}) AS c1,
                (SELECT name FROM b_codes WHERE i = 1 + (g * 17 + 5) % {N_CODES}) AS c2,
                (CAST(:sectors AS text[]))[1 + g % cardinality(CAST(:sectors AS text[]))] AS sector,
                (SELECT name FROM b_series WHERE i = 1 + g % {N_SERIES}) AS series
            ) p
            CROSS JOIN LATERAL (SELECT CASE g % 4
                WHEN 0 THEN p.c1 || ' and ' || p.c2 || ' sign agreements on ' || p.sector
                WHEN 1 THEN 'Leaders gather for ' || p.series || ' as ' || p.sector
                            || ' tops agenda'
                WHEN 2 THEN p.c1 || ' president meets ' || p.c2 || ' counterpart'
                ELSE p.c1 || ' eyes closer ' || p.sector || ' ties with ' || p.c2
            END AS title) t
            CROSS JOIN LATERAL (
                SELECT string_agg(
                           (SELECT body FROM b_sentences WHERE id = r.sid),
                           CASE WHEN r.k % 5 = 1 THEN E'\\n\\n' ELSE ' ' END ORDER BY r.k)
                           AS body
                FROM (SELECT k, 1 + floor(random() * {POOL_SENTENCES})::int AS sid
                      FROM generate_series(1, 12 + g % 19) k) r
            ) b;
            SELECT setval(pg_get_serial_sequence('articles', 'id'), {n_articles});
            SELECT setval(pg_get_serial_sequence('feeds', 'id'), 20);
        """),
        ("summits", f"""
            CREATE TEMP TABLE b_summits AS
            WITH base AS (
                SELECT g AS id,
                       1 + floor(power(random(), 1.6) * {N_SERIES})::int AS series_i,
                       (now() - interval '{YEARS} years')::date
                           + floor(random() * ({YEARS} * 365 + 120))::int AS anchor
                FROM generate_series(1, {n_summits}) g
            )
            SELECT b.id, ser.name, ser.series_key, ser.members, b.anchor,
                   row_number() OVER (PARTITION BY b.series_i ORDER BY b.anchor, b.id)::int
                       AS edition,
                   CASE WHEN b.id % 10 = 3 THEN NULL ELSE b.anchor END AS start_date,
                   CASE WHEN b.id % 20 = 3 THEN NULL
                        ELSE extract(year FROM b.anchor)::int END AS year,
                   host.city, host.code AS country
            FROM base b
            JOIN b_series ser ON ser.i = b.series_i
            CROSS JOIN LATERAL (
                SELECT c.city, c.code FROM b_cities c
                WHERE b.id IS NOT NULL
                ORDER BY (c.code = ANY(ser.members)) DESC, random() LIMIT 1
            ) host;
            INSERT INTO summits (id, key, series_key, name, edition, year, start_date,
                                 end_date, city, country, status)
            SELECT id, series_key || '#' || edition, series_key, name,
                   CASE WHEN id % 7 = 0 THEN NULL ELSE edition END, year, start_date,
                   start_date + (id % 3), CASE WHEN id % 11 = 0 THEN NULL ELSE city END,
                   country,
                   CASE WHEN anchor > current_date THEN 'planned'
                        WHEN anchor > current_date - 2 THEN 'ongoing' ELSE 'held' END
            FROM b_summits;
            SELECT setval(pg_get_serial_sequence('summits', 'id'), {n_summits});
        """),
        ("summit participants and people", """
            INSERT INTO summit_participants (summit_id, code, articles)
            SELECT s.id, p.code, 1
            FROM b_summits s
            CROSS JOIN LATERAL (
                SELECT code FROM (
                    SELECT code, min(pri) AS pri FROM (
                        SELECT s.country AS code, 0.0::float8 AS pri
                        UNION ALL SELECT m, random() FROM unnest(s.members) m
                        UNION ALL SELECT c.code, 1.0 + random() FROM b_codes c
                    ) x WHERE code IS NOT NULL GROUP BY code
                ) y ORDER BY pri LIMIT 3 + abs(hashint8(s.id)) % 13
            ) p;
            INSERT INTO summit_people (summit_id, name, kind, role, country, articles)
            SELECT s.id, l.leader, 'leader', l.role, l.code, 1
            FROM b_summits s
            CROSS JOIN LATERAL (
                SELECT code FROM summit_participants p WHERE p.summit_id = s.id
                ORDER BY random() LIMIT 2
            ) p
            JOIN b_leaders l ON l.code = p.code
            UNION ALL
            SELECT s.id, l.official, 'official', 'Foreign Minister', l.code, 1
            FROM b_summits s JOIN b_leaders l ON l.code = s.country;
        """),
        ("agreements", f"""
            CREATE TEMP TABLE b_agreements AS
            WITH base AS (
                SELECT g AS id,
                       CASE WHEN random() < 0.4
                            THEN 1 + floor(random() * {n_summits})::int END AS summit_id,
                       random() < 0.15 AS bundle,
                       (CAST(:types AS text[]))[
                           1 + floor(random() * cardinality(CAST(:types AS text[])))::int]
                           AS type,
                       (CAST(:statuses AS text[]))[
                           1 + floor(random() * cardinality(CAST(:statuses AS text[])))::int]
                           AS status,
                       (CAST(:sectors AS text[]))[
                           1 + floor(random() * cardinality(CAST(:sectors AS text[])))::int]
                           AS sector,
                       (now() - interval '{YEARS} years')::date
                           + floor(random() * {YEARS} * 365)::int AS anchor
                FROM generate_series(1, {n_agreements}) g
            )
            SELECT b.id, b.summit_id, b.sector,
                   CASE WHEN b.bundle THEN (ARRAY['agreement', 'mou'])[1 + b.id % 2]
                        ELSE b.type END AS type,
                   CASE WHEN b.bundle THEN 2 + b.id % 24 ELSE 1 END AS count,
                   b.status, b.bundle,
                   coalesce(s.anchor, b.anchor) AS anchor,
                   CASE WHEN s.id IS NOT NULL THEN s.start_date
                        WHEN b.id % 7 = 0 THEN NULL ELSE b.anchor END AS signed_on,
                   CASE WHEN s.id IS NOT NULL
                            THEN s.name || coalesce(' #' || s.edition, ' ' || s.year, '')
                        WHEN b.id % 20 = 0 THEN 'G20 Summit ' || extract(year FROM b.anchor)
                   END AS summit_ref,
                   s.city, s.members AS summit_members
            FROM base b LEFT JOIN b_summits s ON s.id = b.summit_id;
            INSERT INTO agreements (id, key, title, type, count, status, summit_id, summit_ref,
                                    signed_on)
            SELECT a.id, coalesce(lower(t.title), a.type || '|' || coalesce(a.summit_ref, ''))
                         || '|' || a.id,
                   t.title, a.type, a.count, a.status, a.summit_id, a.summit_ref, a.signed_on
            FROM b_agreements a
            CROSS JOIN LATERAL (SELECT CASE WHEN a.bundle THEN NULL ELSE CASE a.type
                WHEN 'declaration' THEN coalesce(a.city, 'Joint') || ' Declaration'
                WHEN 'treaty' THEN 'Treaty on ' || initcap(a.sector) || ' Cooperation'
                WHEN 'mou' THEN 'Memorandum of Understanding on ' || initcap(a.sector)
                WHEN 'joint_statement' THEN 'Joint Statement on ' || initcap(a.sector)
                WHEN 'communique' THEN coalesce(a.city, 'Final') || ' Communique'
                WHEN 'plan' THEN 'Action Plan on ' || initcap(a.sector) || ' '
                                 || extract(year FROM a.anchor) || '-'
                                 || (extract(year FROM a.anchor) + 3)
                WHEN 'protocol' THEN 'Protocol on ' || initcap(a.sector)
                ELSE 'Agreement on ' || initcap(a.sector) || ' Cooperation'
            END END AS title) t;
            SELECT setval(pg_get_serial_sequence('agreements', 'id'), {n_agreements});
        """),
        ("agreement parties and sectors", """
            INSERT INTO agreement_parties (agreement_id, code, articles)
            SELECT a.id, p.code, 1
            FROM b_agreements a
            CROSS JOIN LATERAL (
                SELECT code FROM (
                    SELECT code, min(pri) AS pri FROM (
                        SELECT sp.code, random() AS pri FROM summit_participants sp
                        WHERE sp.summit_id = a.summit_id
                        UNION ALL SELECT c.code,
                            CASE WHEN c.code IN ('CN', 'KZ', 'UZ', 'RU', 'KG', 'TJ', 'TM')
                                 THEN 1.0 + random() * 0.5 ELSE 1.0 + random() END
                        FROM b_codes c
                    ) x GROUP BY code
                ) y ORDER BY pri LIMIT 2 + abs(hashint8(a.id)) % 5
            ) p;
            INSERT INTO agreement_sectors (agreement_id, sector, articles)
            SELECT a.id, x.sector, 1
            FROM b_agreements a
            CROSS JOIN LATERAL (
                SELECT sector FROM (
                    SELECT a.sector, 0.0::float8 AS pri
                    UNION SELECT u, random() FROM unnest(CAST(:sectors AS text[])) u
                ) y ORDER BY pri LIMIT 1 + abs(hashint8(a.id + 7)) % 4
            ) x
            ON CONFLICT DO NOTHING;
        """),
        ("mentions", f"""
            CREATE TEMP TABLE b_links AS
            SELECT DISTINCT kind, record_id, article_id FROM (
                SELECT 'summit' AS kind, s.id AS record_id, s.anchor,
                       abs(hashint8(s.id)) % 5 + 1 AS n FROM b_summits s
                UNION ALL
                SELECT 'agreement', a.id, a.anchor, abs(hashint8(a.id + 3)) % 5 + 1
                FROM b_agreements a
            ) r
            CROSS JOIN LATERAL (
                SELECT least({n_articles}, greatest(1,
                    floor(({n_articles} * (r.anchor - (now() - interval '{YEARS} years')::date))
                          / ({YEARS} * 365.0))::int
                    - 100 + floor(random() * 400)::int)) AS article_id
                FROM generate_series(1, r.n) k
            ) a;
            INSERT INTO mentions (article_id, kind, ordinal, summit_id, agreement_id, record,
                                  evidence, "values", confidence, extractor, extractor_version)
            SELECT l.article_id, l.kind,
                   row_number() OVER (PARTITION BY l.article_id, l.kind ORDER BY l.record_id)
                       - 1,
                   CASE WHEN l.kind = 'summit' THEN l.record_id END,
                   CASE WHEN l.kind = 'agreement' THEN l.record_id END,
                   CASE WHEN l.kind = 'summit'
                        THEN jsonb_build_object('name', s.name, 'edition', s.edition,
                                                'year', s.year, 'country', s.country)
                        ELSE jsonb_build_object('type', a.type, 'count', a.count,
                                                'summit', a.summit_ref) END,
                   jsonb_build_array(jsonb_build_object(
                       'start', 120, 'end', 240,
                       'text', 'Leaders met at the ' || coalesce(s.name, a.type) || '.')),
                   '[]', 0.6 + random() * 0.4, 'rules', '1.0'
            FROM b_links l
            LEFT JOIN b_summits s ON l.kind = 'summit' AND s.id = l.record_id
            LEFT JOIN b_agreements a ON l.kind = 'agreement' AND a.id = l.record_id;
        """),
        ("derived counts", """
            UPDATE summits s SET articles = m.n, first_reported = m.first,
                                 last_reported = m.last
            FROM (SELECT m.summit_id, count(*) AS n, min(a.published_at) AS first,
                         max(a.published_at) AS last
                  FROM mentions m JOIN articles a ON a.id = m.article_id
                  WHERE m.summit_id IS NOT NULL GROUP BY m.summit_id) m
            WHERE m.summit_id = s.id;
            UPDATE agreements g SET articles = m.n, first_reported = m.first,
                                    last_reported = m.last
            FROM (SELECT m.agreement_id, count(*) AS n, min(a.published_at) AS first,
                         max(a.published_at) AS last
                  FROM mentions m JOIN articles a ON a.id = m.article_id
                  WHERE m.agreement_id IS NOT NULL GROUP BY m.agreement_id) m
            WHERE m.agreement_id = g.id;
            UPDATE summit_participants p SET articles = 1 + floor(random() * s.articles)::int
            FROM summits s WHERE s.id = p.summit_id AND s.articles > 1;
            UPDATE summit_people p SET articles = 1 + floor(random() * s.articles)::int
            FROM summits s WHERE s.id = p.summit_id AND s.articles > 1;
            UPDATE agreement_parties p SET articles = 1 + floor(random() * g.articles)::int
            FROM agreements g WHERE g.id = p.agreement_id AND g.articles > 1;
            UPDATE agreement_sectors p SET articles = 1 + floor(random() * g.articles)::int
            FROM agreements g WHERE g.id = p.agreement_id AND g.articles > 1;
        """),
    ]


def _split(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";\n") if s.strip().rstrip(";").strip()]


def generate(engine: Engine, n_articles: int, n_summits: int, n_agreements: int) -> None:
    """Fill the (migrated, empty) database; print the time taken and the row counts."""
    leaders, officials = _people()
    params: dict[str, Any] = {
        "codes": list(COUNTRIES), "names": list(COUNTRIES.values()),
        "leaders": leaders, "officials": officials,
        "cities": [c for c, _ in CITIES], "city_codes": [k for _, k in CITIES],
        "series": json.dumps([{"name": n, "members": m} for n, m in SERIES]),
        "sectors": SECTORS, "topics": TOPICS, "stopwords": STOPWORDS, "common": COMMON,
        "rare": RARE,
        "types": _weighted(AGREEMENT_TYPES), "statuses": _weighted(AGREEMENT_STATUSES),
    }
    t_all = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(text("SET synchronous_commit = off"))
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        conn.execute(text("SET work_mem = '64MB'"))
        # Secondary indexes of articles are built once after the load, not row by row.
        article_indexes = _drop_secondary_indexes(conn, "articles")
        conn.commit()
        for label, sql in _setup_sql(n_articles, n_summits, n_agreements):
            t0 = time.perf_counter()
            for statement in _split(sql):
                used = {k: v for k, v in params.items() if f":{k}" in statement}
                conn.execute(text(statement), used)
            conn.commit()
            print(f"  {label:<32} {time.perf_counter() - t0:7.1f} s", flush=True)
        t0 = time.perf_counter()
        for ddl in article_indexes:
            conn.execute(text(ddl))
        conn.commit()
        print(f"  {'article indexes':<32} {time.perf_counter() - t0:7.1f} s", flush=True)
    t0 = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))
    print(f"  {'vacuum analyze':<32} {time.perf_counter() - t0:7.1f} s")
    print(f"generated in {time.perf_counter() - t_all:.1f} s")
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in (
            "feeds", "feed_polls", "articles", "summits", "summit_participants",
            "summit_people", "agreements", "agreement_parties", "agreement_sectors",
            "mentions")}
        size = conn.execute(text(
            "SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar_one()
        words = conn.execute(text(
            "SELECT round(avg(array_length(regexp_split_to_array(text, '\\s+'), 1))) "
            "FROM (SELECT text FROM articles TABLESAMPLE SYSTEM (2)) s")).scalar_one()
        phrase = conn.execute(text(
            "SELECT count(*) FROM articles WHERE search @@ phraseto_tsquery('english', "
            "'green minerals')")).scalar_one()
    print("rows: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    print(f"database size {size}; ~{words} words per article; "
          f"{phrase} articles contain \"green minerals\"")


def _drop_secondary_indexes(conn: Connection, table: str) -> list[str]:
    """Drop ``table``'s indexes that back no constraint; return their definitions."""
    rows = conn.execute(text("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = CAST(:table AS regclass)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    """), {"table": table}).all()
    for name, _ in rows:
        conn.execute(text(f"DROP INDEX {name}"))
    return [ddl for _, ddl in rows]


# --- timing -------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    rows: int
    totals: list[float] = field(default_factory=list)
    queries: list[float] = field(default_factory=list)
    formats: list[float] = field(default_factory=list)
    server_ms: float | None = None
    plan: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.totals)

    @property
    def worst(self) -> float:
        return max(self.totals)


@contextmanager
def _capture(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Record the statements ``engine`` sends (to EXPLAIN them afterwards)."""
    seen: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _explain(engine: Engine, statement: str, parameters: Any) -> tuple[float, str]:
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters).scalar_one()
        text_plan = conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()
    return float(plan[0]["Execution Time"]), "\n".join(text_plan)


def time_case(engine: Engine, sessions: sessionmaker[Session], label: str,
              query: Callable[[Session], list[dict[str, Any]]],
              fmt: Callable[[list[dict[str, Any]]], str], repeat: int) -> Result:
    with _capture(engine) as seen:  # warm-up, and the statement to explain
        with sessions() as session:
            rows = query(session)
        fmt(rows)
    result = Result(label, len(rows))
    for _ in range(repeat):
        t0 = time.perf_counter()
        with sessions() as session:
            rows = query(session)
        t1 = time.perf_counter()
        fmt(rows)
        t2 = time.perf_counter()
        result.totals.append((t2 - t0) * 1000)
        result.queries.append((t1 - t0) * 1000)
        result.formats.append((t2 - t1) * 1000)
    statement, parameters = next(
        (s, p) for s, p in seen if s.lstrip().upper().startswith(("SELECT", "WITH")))
    result.server_ms, result.plan = _explain(engine, statement, parameters)
    return result


def _export_text(rows: list[dict[str, Any]]) -> str:
    return str(rows[0]["export"])  # already formatted by PostgreSQL


def query_cases() -> list[tuple[str, str, Filters, str]]:
    """(label, report, filters, format) for every report, without and with each filter."""
    today = date.today()
    last_year = today.year - 1
    one_year_ago = today - timedelta(days=365)
    year_start, year_end = date(last_year, 1, 1), date(last_year, 12, 31)
    return [
        ("summits", "summits", Filters(), "json"),
        ("summits csv", "summits", Filters(), "csv"),
        (f"summits --since {year_start} --until {year_end}", "summits",
         Filters(since=year_start, until=year_end), "json"),
        ("summits --country KZ", "summits", Filters(country="KZ"), "json"),
        ("summits --series SCO", "summits", Filters(series="SCO"), "json"),
        ("agreements", "agreements", Filters(), "json"),
        ("agreements csv", "agreements", Filters(), "csv"),
        ("agreements --type treaty", "agreements", Filters(type="treaty"), "json"),
        ("agreements --country CN", "agreements", Filters(country="CN"), "json"),
        (f"agreements --since {one_year_ago}", "agreements", Filters(since=one_year_ago),
         "json"),
        ("countries", "countries", Filters(), "json"),
        ("countries csv", "countries", Filters(), "csv"),
        ("countries --country UZ", "countries", Filters(country="UZ"), "json"),
        (f"countries --since {one_year_ago}", "countries", Filters(since=one_year_ago),
         "json"),
        ("feeds", "feeds", Filters(), "json"),
    ]


def run_queries(engine: Engine, repeat: int) -> list[Result]:
    sessions = make_session_factory(engine)
    results: list[Result] = []
    for label, report, filters, fmt in query_cases():
        # As `accords query --format json|csv` runs it: PostgreSQL builds the export.
        def query(session: Session, report: str = report, filters: Filters = filters,
                  fmt: str = fmt) -> list[dict[str, Any]]:
            return [{"export": export_report(session, report, filters, fmt)}]

        result = time_case(engine, sessions, f"query {label}", query, _export_text, repeat)
        with sessions() as session:
            result.rows = len(run_report(session, report, filters))
        results.append(result)
    # The shell strips the quotes of  accords search "green minerals"  (both words, anywhere);
    # quoted once more, '"green minerals"', it is the phrase.
    for query_text in ("green minerals", '"green minerals"'):
        def search(session: Session, query_text: str = query_text) -> list[dict[str, Any]]:
            return search_articles(session, query_text)

        results.append(time_case(engine, sessions, f"search {query_text!r}", search, to_json,
                                 repeat))
    return results


def time_table_format(engine: Engine) -> tuple[int, float]:
    """The CLI's default ``--format table`` (rich) for all summits, rendered off-screen."""
    from rich.console import Console

    from flows import cli

    with make_session_factory(engine)() as session:
        rows = run_report(session, "summits", Filters())
    saved = cli.console
    cli.console = Console(file=io.StringIO(), width=200, force_terminal=False)
    try:
        t0 = time.perf_counter()
        cli.emit(rows, "table", cli.TABLE_COLUMNS["summits"], title="summits")
        return len(rows), (time.perf_counter() - t0) * 1000
    finally:
        cli.console = saved


def time_cli(url: str, repeat: int) -> list[tuple[str, float, float, int]]:
    """(command, median ms, max ms, exit status) of real ``accords`` processes."""
    exe = ROOT / ".venv" / "bin" / "accords"
    env = {**os.environ, "ACCORDS_DATABASE_URL": url}
    commands = [
        ["--help"],
        ["query", "summits", "--country", "KZ", "--format", "json"],
    ]
    out: list[tuple[str, float, float, int]] = []
    for args in commands:
        times: list[float] = []
        status = 0
        for i in range(repeat + 1):
            t0 = time.perf_counter()
            done = subprocess.run([str(exe), *args], env=env, check=False,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            status = status or done.returncode
            if i:  # the first run warms the OS file cache
                times.append((time.perf_counter() - t0) * 1000)
        out.append(("accords " + " ".join(args), statistics.median(times), max(times), status))
    return out


def time_upgrade(engine: Engine, repeat: int) -> float:
    """``db.migrate.upgrade`` on an up-to-date schema: what every CLI command runs first."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        upgrade(engine)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def print_table(results: list[Result]) -> None:
    width = max(len(r.label) for r in results)
    head = (f"{'query':<{width}} {'rows':>6} {'median ms':>9} {'max ms':>8} "
            f"{'query ms':>8} {'fmt ms':>7} {'server ms':>9}  result")
    print(head)
    print("-" * len(head))
    for r in results:
        ok = "PASS" if r.median < TARGET_MS and r.worst < TARGET_MS else "FAIL"
        server = f"{r.server_ms:9.1f}" if r.server_ms is not None else f"{'':9}"
        print(f"{r.label:<{width}} {r.rows:>6} {r.median:>9.1f} {r.worst:>8.1f} "
              f"{statistics.median(r.queries):>8.1f} {statistics.median(r.formats):>7.1f} "
              f"{server}  {ok}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--summits", type=int, default=10_000)
    ap.add_argument("--agreements", type=int, default=None, help="default: 3 per summit")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--database-url", default=None,
                    help="a database on the server to use (the scratch one is created beside)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    ap.add_argument("--explain", action="store_true", help="print plans of queries over target")
    args = ap.parse_args()
    n_agreements = args.agreements if args.agreements is not None else 3 * args.summits

    scratch = create_scratch(args.database_url)
    print(f"scratch database {safe_url(scratch.url)}")
    engine = make_engine(scratch.url, pool_size=2)
    try:
        t0 = time.perf_counter()
        upgrade(engine)
        print(f"migrated in {time.perf_counter() - t0:.1f} s")
        print(f"generating {args.articles} articles, {args.summits} summits, "
              f"{n_agreements} agreements ...")
        generate(engine, args.articles, args.summits, n_agreements)

        print(f"\n{args.repeat} runs per query after one warm-up; query ms = session + "
              "export_report (SQL, fetch, the text) or search_articles (SQL, fetch, row "
              "dicts); fmt ms = to_json of search rows (exports are text already); "
              "server ms = EXPLAIN ANALYZE execution time")
        load_before = os.getloadavg()[0]
        results = run_queries(engine, args.repeat)
        print(f"\nload average (1 min) {load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
              f"the timed runs, on {os.cpu_count()} CPUs\n")
        print_table(results)

        print("\nnot in the table (process start-up and the terminal format):")
        n_rows, table_ms = time_table_format(engine)
        print(f"  --format table (rich) of {n_rows} summits, rendering only: {table_ms:.0f} ms")
        print(f"  db.migrate.upgrade on an up-to-date schema (every CLI command runs it): "
              f"{time_upgrade(engine, 5):.0f} ms")
        for command, median, worst, status in time_cli(scratch.url, 3):
            failed = f" (FAILED: exit status {status})" if status else ""
            print(f"  {command} (process, end to end): median {median:.0f} ms, "
                  f"max {worst:.0f} ms{failed}")

        over = [r for r in results if r.median >= TARGET_MS or r.worst >= TARGET_MS]
        if args.explain:
            for r in over:
                print(f"\nEXPLAIN ANALYZE: {r.label}\n{r.plan}")
        print(f"\nqueries {len(results)} max_ms {max(r.median for r in results):.1f} "
              f"target {TARGET_MS:.0f}")
        return 1 if over else 0
    finally:
        engine.dispose()
        if args.keep:
            print(f"kept {safe_url(scratch.url)}")
        else:
            drop_databases(scratch.admin_url, [scratch.name])
            if scratch.tempdir is not None:
                shutil.rmtree(scratch.tempdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
