"""A generated local news site for the ingest benchmark, and the servers that serve it.

    .venv/bin/python bench/site.py generate ROOT --articles N [--seed S]
    .venv/bin/python bench/site.py serve ROOT PORT   # used by bench/run.py

``generate`` writes ``ROOT/<host>/...`` for 10 hosts (127.0.0.1 .. 127.0.0.10):
article pages of 3-10 KB of English news text in four CMS-like layouts (a
WordPress theme, a Drupal node, a news portal with ad slots and "read also"
boxes, a Ghost post with JSON-LD), each with navigation, sidebars, related
links and a reader comment section; two RSS feeds per host (20 in all) listing
the host's articles; and a robots.txt per host. About a quarter of the
articles carry paragraphs about summits and agreements (some taken from the
extractor's golden fixtures, some generated with varied countries and series),
so the extractor has real work; the rest are ordinary news.

``serve`` binds one ``ThreadingHTTPServer`` to each loopback address (on
Linux all of 127.0.0.0/8 is loopback) and serves the files as they are
(HTTP/1.1 keep-alive, Content-Length), so serving costs little CPU.
Everything is deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "articles"

HOSTS = [f"127.0.0.{i}" for i in range(1, 11)]
FEEDS_PER_HOST = 2
LAYOUTS = ("wordpress", "drupal", "portal", "ghost")
SITE_NAMES = ["Steppe Courier", "Silk Road Times", "Caspian Daily", "Himalayan Herald",
              "Mekong Wire", "Gulf Observer", "Eurasia Ledger", "Pamir Post",
              "Indus Tribune", "Asia Pacific Monitor"]
SECTIONS = ["World", "Politics", "Business", "Economy", "Energy", "Technology", "Sport",
            "Culture", "Opinion", "Regions", "Science", "Health"]

# --- text ---------------------------------------------------------------------------------

COUNTRIES = ["Kazakhstan", "Uzbekistan", "Kyrgyzstan", "Tajikistan", "Turkmenistan", "China",
             "Russia", "India", "Pakistan", "Iran", "Turkey", "Azerbaijan", "Georgia", "Armenia",
             "Mongolia", "Vietnam", "Indonesia", "Malaysia", "Thailand", "Saudi Arabia",
             "the United Arab Emirates", "Qatar", "Egypt", "Japan", "South Korea"]
CITIES = ["Astana", "Tashkent", "Bishkek", "Dushanbe", "Ashgabat", "Beijing", "Moscow",
          "New Delhi", "Islamabad", "Tehran", "Ankara", "Baku", "Tbilisi", "Yerevan",
          "Ulaanbaatar", "Hanoi", "Jakarta", "Kuala Lumpur", "Bangkok", "Riyadh", "Abu Dhabi",
          "Doha", "Cairo", "Tokyo", "Seoul", "Almaty", "Samarkand", "Xi'an"]
SERIES = ["China-Central Asia Summit", "Central Asia-Russia Summit", "SCO Summit",
          "Organization of Turkic States Summit", "CICA Summit", "BRICS Summit",
          "ASEAN Summit", "Caspian Summit", "Central Asia-EU Summit",
          "Consultative Meeting of the Heads of State of Central Asia"]
SECTORS = ["energy", "transport", "logistics", "agriculture", "water management", "trade",
           "investment", "digital economy", "education", "healthcare", "tourism",
           "green minerals", "customs", "banking", "culture", "space research"]
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
FIRST = ["Aigerim", "Bakhyt", "Dilnoza", "Farrukh", "Gulnara", "Ilya", "Jamshid", "Kamila",
         "Li", "Mei", "Nurlan", "Oksana", "Pavel", "Rashid", "Saida", "Timur", "Wang", "Zarina",
         "Anna", "David", "Maria", "Omar", "Priya", "Sanjay", "Yuki", "Hassan"]
LAST = ["Abenov", "Karimova", "Tursunov", "Chen", "Zhang", "Ivanov", "Petrova", "Rahimov",
        "Sadykov", "Nazarova", "Khan", "Sharma", "Nguyen", "Suzuki", "Aliyev", "Hasanova",
        "Ospanov", "Mirzaev", "Kuznetsov", "Yilmaz", "Haddad", "Rossi"]
ROLES = ["the deputy minister of finance", "a spokesperson for the city council",
         "the head of the statistics agency", "an analyst at a regional bank",
         "the chairman of the chamber of commerce", "a professor of economics",
         "the governor of the region", "the director of the port authority",
         "a senior engineer at the utility", "the coach of the national team"]
THINGS = ["wheat", "cotton", "natural gas", "electricity", "cement", "copper", "passenger traffic",
          "container freight", "mobile payments", "tourist arrivals", "car sales", "rainfall",
          "housing loans", "exports of fruit", "steel output", "air passengers"]
UNITS = ["million tonnes", "thousand tonnes", "billion cubic metres", "million passengers",
         "thousand units", "billion kilowatt-hours", "million dollars"]
INSTITUTIONS = ["central bank", "city council", "ministry of transport", "railway company",
                "stock exchange", "health ministry", "water authority", "national airline",
                "parliament's budget committee", "energy regulator", "football federation"]
ACTIONS = ["raise", "cut", "review", "publish", "delay", "expand", "modernise", "tender",
           "freeze", "double", "restructure", "audit"]
OBJECTS = ["its key interest rate", "the tariffs on imported vehicles", "the road repair programme",
           "the winter heating plan", "the list of subsidised crops", "the new metro line",
           "the pension indexation", "the airport's second terminal", "the school meals budget",
           "the licence of the mining company", "the rules for online lenders",
           "the timetable of suburban trains"]
EVENTS = ["record quarterly profits", "a new plant near the capital", "a bond issue",
          "a partnership with a foreign carmaker", "the sale of its retail unit",
          "plans to list on a foreign exchange", "a dividend increase", "job cuts at two mills"]
WEATHER = ["Heavy snow closed mountain passes", "A heatwave pushed temperatures above 40 degrees",
           "Spring floods damaged bridges", "Strong winds brought down power lines",
           "A late frost hit apricot orchards", "Dust storms disrupted flights"]
SPORT = ["The national team won its qualifier", "The local club signed a striker",
         "The wrestling federation named its squad", "The marathon drew a record field",
         "The chess champion drew his final game", "The volleyball league cut its season"]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _date(rng: random.Random) -> str:
    return f"{rng.choice(MONTHS)} {rng.randint(1, 28)}"


def news_sentence(rng: random.Random) -> str:
    """One sentence of ordinary news (economy, city life, weather, sport, business)."""
    k = rng.randrange(10)
    if k == 0:
        return (f"{_person(rng)}, {rng.choice(ROLES)}, said on {rng.choice(WEEKDAYS)} that the "
                f"{rng.choice(INSTITUTIONS)} would {rng.choice(ACTIONS)} {rng.choice(OBJECTS)} "
                f"before the end of {rng.choice(MONTHS)}.")
    if k == 1:
        return (f"Officials in {rng.choice(CITIES)} reported {rng.randint(2, 900)} "
                f"{rng.choice(UNITS)} of {rng.choice(THINGS)} in the first "
                f"{rng.choice(['quarter', 'half', 'nine months'])}, "
                f"{rng.choice(['up', 'down'])} {rng.randint(1, 40)}.{rng.randint(0, 9)} percent "
                f"from a year earlier.")
    if k == 2:
        return (f"Shares of the company rose {rng.randint(1, 12)} percent in "
                f"{rng.choice(CITIES)} trading after it announced {rng.choice(EVENTS)}.")
    if k == 3:
        return (f"{rng.choice(WEATHER)} on {_date(rng)}, and forecasters expect the pattern to "
                f"last until the weekend in the {rng.choice(['north', 'south', 'east', 'west'])}.")
    if k == 4:
        return (f"{rng.choice(SPORT)} on {rng.choice(WEEKDAYS)}, {_person(rng)} told reporters "
                f"after the match in {rng.choice(CITIES)}.")
    if k == 5:
        return (f"The {rng.choice(INSTITUTIONS)} has not said how much the plan will cost, but "
                f"local media put the figure at {rng.randint(10, 990)} "
                f"{rng.choice(['million', 'billion'])} {rng.choice(['tenge', 'som', 'dollars'])}.")
    if k == 6:
        return (f"\"We have been waiting for this for {rng.randint(2, 15)} years,\" said "
                f"{_person(rng)}, who runs a {rng.choice(['bakery', 'taxi firm', 'pharmacy', 'farm', 'hotel'])} "
                f"in {rng.choice(CITIES)}.")
    if k == 7:
        return (f"Critics say the {rng.choice(INSTITUTIONS)} moved too slowly, pointing to "
                f"{rng.choice(THINGS)} prices that have climbed for {rng.randint(2, 11)} "
                f"consecutive months.")
    if k == 8:
        return (f"The decision follows a {rng.choice(['public consultation', 'court ruling', 'cabinet meeting', 'report by auditors'])} "
                f"in {rng.choice(MONTHS)}, which found that {rng.randint(10, 90)} percent of "
                f"{rng.choice(['households', 'small businesses', 'schools', 'clinics'])} were affected.")
    return (f"Residents of {rng.choice(CITIES)} will be able to comment on the proposal online "
            f"until {_date(rng)}, the {rng.choice(INSTITUTIONS)} said in a statement.")


def diplomatic_paragraph(rng: random.Random) -> str:
    """A paragraph about a summit or agreement, with countries, dates and counts."""
    a, b = rng.sample(COUNTRIES, 2)
    series = rng.choice(SERIES)
    city = rng.choice(CITIES)
    k = rng.randrange(4)
    if k == 0:
        return (f"Leaders of {a}, {b} and {rng.choice(COUNTRIES)} gathered in {city} on "
                f"{_date(rng)} for the {rng.choice(ORDINALS)} {series}. The sides signed "
                f"{rng.randint(2, 30)} cooperation agreements covering {rng.choice(SECTORS)}, "
                f"{rng.choice(SECTORS)} and {rng.choice(SECTORS)}.")
    if k == 1:
        return (f"{a} and {b} signed a memorandum of understanding on {rng.choice(SECTORS)} "
                f"cooperation in {city} on {_date(rng)}, the foreign ministry of {a} said.")
    if k == 2:
        return (f"The presidents of {a} and {b} are expected to meet at the {series} in {city} "
                f"in {rng.choice(MONTHS)} {rng.randint(2024, 2026)}, where an agreement on "
                f"{rng.choice(SECTORS)} is due to be signed.")
    return (f"On the sidelines of the {series}, {a} and {b} signed a treaty on "
            f"{rng.choice(['strategic partnership', 'good-neighbourliness', 'border delimitation', 'mutual legal assistance'])} "
            f"and {rng.randint(2, 12)} intergovernmental agreements on {rng.choice(SECTORS)}.")


def fixture_paragraphs() -> list[str]:
    """Paragraphs of the extractor's golden fixtures that state summits or agreements."""
    paragraphs: list[str] = []
    for path in sorted(FIXTURES.glob("*.txt")):
        if path.name.startswith("negative"):
            continue
        paragraphs += [p.strip() for p in path.read_text(encoding="utf-8").split("\n") if
                       len(p.strip()) > 80]
    return paragraphs


def article_text(rng: random.Random, fixtures: list[str]) -> tuple[str, list[str]]:
    """(headline, paragraphs): 3-10 KB of text; about a quarter mention summits or agreements."""
    target = rng.randint(3000, 10000)
    diplomatic = rng.random() < 0.25
    paragraphs: list[str] = []
    size = 0
    while size < target:
        if diplomatic and (not paragraphs or rng.random() < 0.2):
            p = rng.choice(fixtures) if fixtures and rng.random() < 0.5 else diplomatic_paragraph(rng)
        else:
            p = " ".join(news_sentence(rng) for _ in range(rng.randint(2, 5)))
        paragraphs.append(p)
        size += len(p)
    if diplomatic:
        headline = f"{rng.choice(COUNTRIES)} and {rng.choice(COUNTRIES)} sign deals at {rng.choice(SERIES)}"
    else:
        headline = (f"{rng.choice(CITIES)}: {rng.choice(INSTITUTIONS).capitalize()} to "
                    f"{rng.choice(ACTIONS)} {rng.choice(OBJECTS)}")
    return headline, paragraphs


# --- HTML ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Article:
    number: int
    host: str
    feed: int
    path: str
    title: str
    published: datetime
    author: str


def _links(rng: random.Random, n: int, prefix: str = "/news/") -> str:
    return "".join(
        f'<li><a href="{prefix}{rng.randint(1, 99999)}.html">'
        f"{escape(rng.choice(CITIES))}: {escape(news_sentence(rng)[:70])}</a></li>"
        for _ in range(n)
    )


def _nav(rng: random.Random) -> str:
    return "".join(f'<li class="menu-item"><a href="/{s.lower()}/">{s}</a></li>'
                   for s in rng.sample(SECTIONS, 8))


def _comments(rng: random.Random) -> list[tuple[str, str, str]]:
    return [(_person(rng), _date(rng), " ".join(news_sentence(rng) for _ in range(rng.randint(1, 2))))
            for _ in range(rng.randint(0, 10))]


_ICON = ('<svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">'
         '<path d="M12 2C6.48 2 2 6.48 2 12c0 5.52 4.48 10 10 10s10-4.48 10-10S17.52 2 12 2zm1 15h-2v-6h2v6zm0'
         '-8h-2V7h2v2z"/></svg>')


def _assets(rng: random.Random) -> str:
    """What real pages carry besides the story: inline CSS, a config script, a mega menu."""
    css = "".join(f".c{i}{{margin:{rng.randint(0, 30)}px;padding:{rng.randint(0, 20)}px;"
                  f"color:#{rng.randrange(16**6):06x};font-size:{rng.randint(10, 24)}px}}"
                  for i in range(rng.randint(40, 90)))
    config = json.dumps({"ads": [{"slot": f"div-gpt-{i}", "sizes": [[300, 250], [728, 90]],
                                  "targeting": {"section": rng.choice(SECTIONS),
                                                "kw": rng.sample(SECTORS, 4)}}
                                 for i in range(rng.randint(10, 30))],
                         "consent": {"vendors": list(range(rng.randint(50, 200)))}})
    return f"<style>{css}</style><script>window.__CONFIG__={config};</script>"


def _mega_menu(rng: random.Random) -> str:
    return "".join(
        f'<li class="mega-col"><span>{s}</span><ul>{_links(rng, rng.randint(4, 8), f"/{s.lower()}/")}'
        f"</ul></li>" for s in rng.sample(SECTIONS, 6))


def render(rng: random.Random, article: Article, site: str, layout: str,
           paragraphs: list[str]) -> str:
    """One article page in one of the four layouts."""
    title = escape(article.title)
    when = article.published.isoformat()
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    comments = _comments(rng)
    head = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{title} | {site}</title>"
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta property="og:title" content="{title}">'
            f'<meta property="og:site_name" content="{site}">'
            f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{when}">'
            f'<meta name="author" content="{article.author}">'
            f'<link rel="stylesheet" href="/static/theme.css?v={rng.randint(1, 99)}">'
            f"<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}"
            f"gtag('js',new Date());gtag('config','G-{rng.randint(10**6, 10**7)}');</script>"
            f"{_assets(rng)}")
    if layout == "wordpress":
        items = "".join(
            f'<li class="comment even thread-even depth-1" id="comment-{i}"><article class="comment-body">'
            f'<footer class="comment-meta"><div class="comment-author vcard"><b class="fn">{a}</b> '
            f'<span class="says">says:</span></div><div class="comment-metadata"><time>{d}</time>'
            f'</div></footer><div class="comment-content"><p>{escape(t)}</p></div>'
            f'<div class="reply"><a class="comment-reply-link" href="#respond">Reply</a></div>'
            f"</article></li>" for i, (a, d, t) in enumerate(comments))
        return (
            f'{head}</head><body class="post-template-default single single-post">'
            f'<div id="page" class="site"><a class="skip-link screen-reader-text" href="#content">Skip to content</a>'
            f'<header id="masthead" class="site-header"><p class="site-title"><a href="/">{site}</a></p>'
            f'<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">{_nav(rng)}{_mega_menu(rng)}</ul></nav>'
            f'<div class="social">{_ICON * 5}</div></header>'
            f'<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">'
            f'<article class="post type-post status-publish format-standard hentry">'
            f'<header class="entry-header"><h1 class="entry-title">{title}</h1><div class="entry-meta">'
            f'<span class="posted-on"><time class="entry-date published" datetime="{when}">{article.published:%B %d, %Y}</time></span>'
            f'<span class="byline"> by <span class="author vcard"><a class="url fn n" href="/author/x/">{article.author}</a></span></span></div></header>'
            f'<div class="entry-content">{body}</div>'
            f'<footer class="entry-footer"><span class="cat-links">Posted in <a href="/world/">World</a></span>'
            f'<span class="tags-links">Tagged <a href="/tag/a/">diplomacy</a>, <a href="/tag/b/">economy</a></span></footer></article>'
            f'<nav class="navigation post-navigation"><div class="nav-links"><div class="nav-previous">'
            f'<a href="/news/{article.number - 1}.html" rel="prev">Previous story</a></div></div></nav>'
            f'<div id="comments" class="comments-area"><h2 class="comments-title">{len(comments)} thoughts on &ldquo;{title}&rdquo;</h2>'
            f'<ol class="comment-list">{items}</ol><div id="respond" class="comment-respond"><h3>Leave a Reply</h3>'
            f'<form action="/wp-comments-post.php" method="post"><textarea name="comment"></textarea>'
            f'<input type="submit" value="Post Comment"></form></div></div></main></div>'
            f'<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries">'
            f'<h2 class="widget-title">Recent Posts</h2><ul>{_links(rng, 6)}</ul></section>'
            f'<section class="widget widget_categories"><h2 class="widget-title">Categories</h2><ul>{_nav(rng)}</ul></section>'
            f'<section class="widget widget_tag_cloud"><h2 class="widget-title">Tags</h2>'
            + "".join(f'<a href="/tag/{s}/" class="tag-cloud-link">{s}</a> ' for s in rng.sample(SECTORS, 8))
            + f'</section></aside></div><footer id="colophon" class="site-footer"><div class="site-info">'
            f'&copy; {article.published.year} {site}. Proudly powered by WordPress.</div></footer></div></body></html>'
        )
    if layout == "drupal":
        items = "".join(
            f'<article class="comment js-comment by-anonymous" role="article"><span class="hidden" data-comment-user-id="0"></span>'
            f'<footer class="comment__meta"><p class="comment__author">{a}</p><p class="comment__time">{d}</p></footer>'
            f'<div class="comment__content"><div class="field field--name-comment-body"><p>{escape(t)}</p></div>'
            f'<ul class="links inline"><li><a href="/comment/{i}/reply">Reply</a></li></ul></div></article>'
            for i, (a, d, t) in enumerate(comments))
        return (
            f'{head}</head><body class="path-node page-node-type-article"><div class="dialog-off-canvas-main-canvas">'
            f'<div class="layout-container"><header role="banner"><div class="region region-header">'
            f'<div id="block-sitebranding"><a href="/" rel="home">{site}</a></div></div>'
            f'<div class="region region-primary-menu"><nav role="navigation" id="block-mainnavigation">'
            f'<ul class="menu">{_nav(rng)}{_mega_menu(rng)}</ul></nav></div></header>'
            f'<div class="region region-breadcrumb"><nav class="breadcrumb"><ol><li><a href="/">Home</a></li>'
            f'<li><a href="/news">News</a></li></ol></nav></div>'
            f'<main role="main"><div class="layout-content"><div class="region region-content">'
            f'<article role="article" class="node node--type-article node--view-mode-full">'
            f'<h1 class="page-title"><span class="field field--name-title">{title}</span></h1>'
            f'<div class="node__meta"><span class="field--name-uid">{article.author}</span> '
            f'<span class="field--name-created">{article.published:%a, %d/%m/%Y - %H:%M}</span></div>'
            f'<div class="node__content"><div class="clearfix text-formatted field field--name-body field--type-text-with-summary field--label-hidden field__item">'
            f'{body}</div><div class="field field--name-field-tags"><div class="field__label">Tags</div>'
            f'<div class="field__items"><div class="field__item"><a href="/taxonomy/term/4">{rng.choice(SECTORS)}</a></div></div></div>'
            f'<section class="field field--name-comment comments"><h2 class="title comment-section__title">Comments</h2>{items}'
            f'<h2 class="title comment-form__title">Add new comment</h2><form class="comment-form"><textarea></textarea></form></section>'
            f'</div></article></div></div>'
            f'<aside class="layout-sidebar-first" role="complementary"><div class="region region-sidebar-first">'
            f'<div class="views-element-container block block-views"><h2>Most read</h2><div class="item-list"><ul>{_links(rng, 8)}</ul></div></div>'
            f'<div class="block block-views"><h2>Related content</h2><ul>{_links(rng, 5)}</ul></div></div></aside></main>'
            f'<footer role="contentinfo"><div class="region region-footer"><nav><ul class="menu">{_nav(rng)}</ul></nav>'
            f'<p>Contact the newsroom: desk@example.org</p></div></footer></div></div></body></html>'
        )
    if layout == "portal":
        chunks = []
        for i, p in enumerate(paragraphs):
            chunks.append(f"<p>{escape(p)}</p>")
            if i % 4 == 2:
                chunks.append(f'<div class="ad-slot" data-slot="inarticle-{i}"><span>Advertisement</span></div>')
            if i == 3:
                chunks.append(f'<aside class="read-also"><strong>Read also:</strong><ul>{_links(rng, 2)}</ul></aside>')
        items = "".join(
            f'<div class="user-comment"><div class="uc-head"><span class="uc-name">{a}</span>'
            f'<span class="uc-date">{d}</span></div><div class="uc-text">{escape(t)}</div>'
            f'<div class="uc-votes"><button>+{rng.randint(0, 40)}</button><button>-{rng.randint(0, 9)}</button></div></div>'
            for a, d, t in comments)
        return (
            f'{head}</head><body><div class="topbar"><div class="ticker"><b>Breaking:</b> '
            f"{escape(news_sentence(rng))}</div><div class=\"weather\">{rng.choice(CITIES)} +{rng.randint(1, 35)}&deg;C</div>"
            f'<div class="currency">USD {rng.randint(400, 520)}.{rng.randint(10, 99)}</div></div>'
            f'<header class="main-header"><a class="logo" href="/">{site}</a><nav class="mega-menu"><ul>{_nav(rng)}</ul>'
            f'<div class="submenu"><ul>{_mega_menu(rng)}</ul></div></nav>'
            f'<form class="search" action="/search"><input name="q" placeholder="Search"></form></header>'
            f'<div class="container"><main class="col-main"><div class="story">'
            f'<div class="story-kicker"><a href="/world/">{rng.choice(SECTIONS)}</a></div>'
            f'<h1 class="headline">{title}</h1><div class="story-meta"><span class="byline">By {article.author}</span>'
            f'<time datetime="{when}">{article.published:%d %B %Y, %H:%M}</time>'
            f'<div class="share"><a href="#">{_ICON}Facebook</a> <a href="#">{_ICON}X</a> <a href="#">{_ICON}Telegram</a></div></div>'
            f'<figure class="lead-image"><img src="/img/{article.number}.jpg" alt="">'
            f'<figcaption>Photo: press service</figcaption></figure>'
            f'<div class="story-body">{"".join(chunks)}</div>'
            f'<div class="subscribe-box">Subscribe to our Telegram channel for the latest news.</div></div>'
            f'<section class="discussion"><h3>Discussion ({len(comments)})</h3>{items}</section>'
            f'<section class="more-news"><h3>More news</h3><ul>{_links(rng, 10)}</ul></section></main>'
            f'<aside class="col-side"><div class="widget most-read"><h3>Most read</h3><ol>{_links(rng, 10)}</ol></div>'
            f'<div class="widget newsletter"><h3>Newsletter</h3><p>The day\'s news in your inbox every morning.</p></div>'
            f'<div class="ad-slot sidebar-ad"><span>Advertisement</span></div></aside></div>'
            f'<footer class="site-footer"><div class="cols"><ul>{_nav(rng)}</ul><ul>{_nav(rng)}</ul></div>'
            f'<p>All rights reserved. Reproduction only with a hyperlink to {site}.</p></footer></body></html>'
        )
    items = "".join(
        f'<div class="comment-item"><div class="comment-author">{a}</div><div class="comment-date">{d}</div>'
        f'<p class="comment-text">{escape(t)}</p></div>' for a, d, t in comments)
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
                     "datePublished": when, "author": {"@type": "Person", "name": article.author},
                     "publisher": {"@type": "Organization", "name": site}})
    return (
        f'{head}<script type="application/ld+json">{ld}</script></head><body class="post-template">'
        f'<div class="site-wrapper"><header class="site-header outer"><div class="inner"><nav class="site-nav">'
        f'<div class="site-nav-left"><a class="site-nav-logo" href="/">{site}</a><ul class="nav" role="menu">{_nav(rng)}{_mega_menu(rng)}</ul></div>'
        f'<div class="site-nav-right"><a class="subscribe-button" href="#subscribe">Subscribe</a></div></nav></div></header>'
        f'<main id="site-main" class="site-main outer"><div class="inner">'
        f'<article class="post-full post"><header class="post-full-header"><section class="post-full-meta">'
        f'<time class="post-full-meta-date" datetime="{when}">{article.published:%d %B %Y}</time>'
        f'<span class="date-divider">/</span> <a href="/tag/news/">News</a></section>'
        f'<h1 class="post-full-title">{title}</h1></header>'
        f'<section class="post-full-content"><div class="post-content">{body}</div></section>'
        f'<footer class="post-full-footer"><section class="author-card"><h4>{article.author}</h4>'
        f'<p>Correspondent covering {rng.choice(SECTORS)} and {rng.choice(SECTORS)}.</p></section></footer>'
        f'<section class="post-full-comments"><h3>Comments</h3>{items}</section></article></div></main>'
        f'<aside class="read-next outer"><div class="inner"><div class="read-next-feed">'
        f'<article class="read-next-card"><header class="read-next-card-header"><h3>More in News</h3></header>'
        f'<div class="read-next-card-content"><ul>{_links(rng, 3)}</ul></div></article>'
        f'<article class="post-card"><a class="post-card-content-link" href="/news/{article.number + 1}.html">'
        f'<header class="post-card-header"><h2 class="post-card-title">{escape(news_sentence(rng)[:60])}</h2></header>'
        f'<section class="post-card-excerpt"><p>{escape(news_sentence(rng))}</p></section></a></article>'
        f'</div></div></aside><footer class="site-footer outer"><div class="site-footer-content inner">'
        f'<section class="copyright"><a href="/">{site}</a> &copy; {article.published.year}</section>'
        f'<nav class="site-footer-nav"><a href="/">Latest Posts</a> <a href="/rss/">RSS</a></nav></div></footer></div></body></html>'
    )


def rss(host_base: str, site: str, items: list[Article]) -> str:
    entries = "".join(
        f"<item><title>{escape(a.title)}</title><link>{host_base}{a.path}</link>"
        f'<guid isPermaLink="false">{a.host}-{a.path}</guid>'
        f"<pubDate>{format_datetime(a.published)}</pubDate>"
        f"<dc:creator>{a.author}</dc:creator><description>{escape(a.title)}</description></item>"
        for a in items
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>{site}</title>'
            f"<link>{host_base}/</link><description>Latest news from {site}</description>"
            f"{entries}</channel></rss>")


ROBOTS = "User-agent: *\nDisallow: /search\nDisallow: /wp-admin/\n"


@dataclass(frozen=True)
class Site:
    root: Path
    port: int
    feeds: list[tuple[str, str]]  # (name, url)
    pages: list[Path]  # article files, in article order
    html_bytes: int
    text_chars: int


def generate(root: Path, n_articles: int, port: int, *, seed: int = 7, tag: str = "") -> Site:
    """Write the site under ``root`` (one folder per host); the URLs use ``port``.

    ``tag`` goes into every article path, so a second site generated into a database
    that already holds a first one brings new URLs.
    """
    rng = random.Random(seed)
    fixtures = fixture_paragraphs()
    start = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
    by_feed: dict[tuple[str, int], list[Article]] = {}
    pages: list[Path] = []
    html_bytes = text_chars = 0
    for n in range(n_articles):
        host_index = n % len(HOSTS)
        host = HOSTS[host_index]
        feed = (n // len(HOSTS)) % FEEDS_PER_HOST
        published = start + timedelta(minutes=7 * n)
        title, paragraphs = article_text(rng, fixtures)
        article = Article(number=n, host=host, feed=feed,
                          path=f"/news/{tag + '/' if tag else ''}{published:%Y/%m/%d}/story-{n}.html", title=title,
                          published=published, author=_person(rng))
        layout = LAYOUTS[(host_index + feed) % len(LAYOUTS)]
        page = render(rng, article, SITE_NAMES[host_index], layout, paragraphs).encode()
        path = root / host / article.path.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(page)
        pages.append(path)
        html_bytes += len(page)
        text_chars += sum(len(p) for p in paragraphs)
        by_feed.setdefault((host, feed), []).append(article)
    feeds = []
    for host_index, host in enumerate(HOSTS):
        base = f"http://{host}:{port}"
        (root / host).mkdir(parents=True, exist_ok=True)
        (root / host / "robots.txt").write_text(ROBOTS)
        for feed in range(FEEDS_PER_HOST):
            items = sorted(by_feed.get((host, feed), []), key=lambda a: a.published, reverse=True)
            name = f"bench-{host_index + 1:02d}-{feed}"
            (root / host / "feeds").mkdir(exist_ok=True)
            (root / host / "feeds" / f"{feed}.xml").write_text(
                rss(base, SITE_NAMES[host_index], items))
            feeds.append((name, f"{base}/feeds/{feed}.xml"))
    return Site(root=root, port=port, feeds=feeds, pages=pages, html_bytes=html_bytes,
                text_chars=text_chars)


def feeds_toml(site: Site) -> str:
    return "".join(f'[[feeds]]\nname = "{name}"\nurl = "{url}"\nregion = "global"\n'
                   f'language = "en"\n\n' for name, url in site.feeds)


# --- serving ------------------------------------------------------------------------------

_TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/rss+xml; charset=utf-8",
          ".txt": "text/plain; charset=utf-8"}


def _handler(root: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: no connection per request
        # Headers and body go out in two writes: with Nagle's algorithm the body would
        # wait for the client's delayed ACK (40 ms) on every kept-alive connection.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            host = self.server.server_address[0]
            path = (root / str(host) / self.path.split("?", 1)[0].lstrip("/")).resolve()
            try:
                if root not in path.parents:
                    raise FileNotFoundError
                body = path.read_bytes()
            except (FileNotFoundError, IsADirectoryError):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", _TYPES.get(path.suffix, "application/octet-stream"))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def serve(root: Path, port: int) -> None:
    """Serve ``root`` on every host's address until killed (prints ``ready`` once bound)."""
    root = root.resolve()
    handler = _handler(root)
    servers = []
    for host in HOSTS:
        server = ThreadingHTTPServer((host, port), handler)
        server.daemon_threads = True
        servers.append(server)
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("root", type=Path)
    g.add_argument("--articles", type=int, default=1000)
    g.add_argument("--port", type=int, default=8800)
    g.add_argument("--seed", type=int, default=7)
    g.add_argument("--tag", default="")
    s = sub.add_parser("serve")
    s.add_argument("root", type=Path)
    s.add_argument("port", type=int)
    args = ap.parse_args()
    if args.command == "generate":
        site = generate(args.root, args.articles, args.port, seed=args.seed, tag=args.tag)
        print(f"{len(site.pages)} pages, {site.html_bytes / 1e6:.1f} MB of HTML")
        print(feeds_toml(site))
    else:
        serve(args.root, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
