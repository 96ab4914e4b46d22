"""Benchmark: articles per second and ms per article, single core.

    python bench/extract_speed.py [--repeat N]

The test article is built from the golden fixtures (about 4,000 characters), so it
has the summits, documents, people and dates the rules spend their time on.
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=300)
    args = ap.parse_args()
    text = build_article()
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
