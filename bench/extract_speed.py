"""Benchmark: articles per second and ms per article, single core.

    python bench/extract_speed.py [--repeat N] [--kind diplomatic|long|plain]

The default test article is built from the golden fixtures (about 4,000 characters),
so it has the summits, documents, people and dates the rules spend their time on.
``long`` is the same at about 6,500 characters; ``plain`` is about 4,000 characters
of ordinary news with no summit or document word (most of what the feeds bring).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import extract
from extractors.records import ArticleInput

FIXTURES = ROOT / "tests" / "fixtures" / "articles"


def build_article(target_chars: int = 4000) -> str:
    """Concatenate fixture bodies (paragraph per fixture) up to about ``target_chars``."""
    parts: list[str] = []
    size = 0
    while size < target_chars:
        for path in sorted(FIXTURES.glob("*.txt")):
            body = path.read_text(encoding="utf-8").strip()
            parts.append(body)
            size += len(body) + 2
            if size >= target_chars:
                break
    return "\n\n".join(parts)[: target_chars + 400]


# Written for this benchmark: market and weather news with no summit or document word.
PLAIN_PARAGRAPHS = [
    ("Shares in Frankfurt closed higher on Tuesday as carmakers gained after a strong quarter of sales "
    "in Asia, while utilities slipped on worries about gas prices over the winter."),
    ("The weather service expects heavy rain across the north of the country this weekend, with rivers "
    "likely to rise and some roads closed near the coast."),
    ("A local football club named its new coach after a season in which the team narrowly avoided "
    "relegation; supporters gathered outside the stadium to welcome him."),
    ("Retail spending rose for a third month in a row, the statistics office reported, led by clothing "
    "and electronics, although food prices remained high for many households."),
    ("The city council opened a new tram line linking the railway station with the university campus, "
    "cutting the journey to twelve minutes at peak times."),
]


def build_plain(target_chars: int = 4000) -> str:
    """Paragraphs of :data:`PLAIN_PARAGRAPHS`, repeated up to about ``target_chars``."""
    parts: list[str] = []
    while sum(len(p) + 2 for p in parts) < target_chars:
        parts.append(PLAIN_PARAGRAPHS[len(parts) % len(PLAIN_PARAGRAPHS)])
    return "\n\n".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=300)
    ap.add_argument("--kind", choices=("diplomatic", "long", "plain"), default="diplomatic",
                    help="diplomatic: ~4,000 chars of fixtures; long: ~6,500; plain: no summit or document word")
    args = ap.parse_args()
    text = {"diplomatic": build_article, "long": lambda: build_article(6500), "plain": build_plain}[args.kind]()
    article = ArticleInput(text=text)
    extract(article)  # warm-up: loads and compiles the gazetteer once
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(args.repeat):
        extract(article)
    per = (time.perf_counter() - t0) / args.repeat
    # CPU time is what one core spends, whatever else the machine is doing.
    cpu = (time.process_time() - c0) / args.repeat
    load = os.getloadavg()[0]
    print(f"article: {len(text)} chars, {args.repeat} runs, load average {load:.1f}")
    print(f"wall {1 / per:.1f} articles/s, {per * 1000:.2f} ms/article")
    print(f"cpu  {1 / cpu:.1f} articles/s, {cpu * 1000:.2f} ms/article (one core)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
