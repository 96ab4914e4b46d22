"""Regenerate tests/fixtures/articles/<case>.expected.json from the current extractor.

    python scripts/regen_golden.py [CASE...]

Review the diff before committing: the expectations are the contract, not a snapshot
to refresh blindly. Evidence, value spans and confidence are left out of the files
(the golden test checks their invariants separately).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import extract
from extractors.records import ArticleInput

FIXTURES = ROOT / "tests" / "fixtures" / "articles"
DROP = ("evidence", "values", "confidence")


def expected_for(text: str) -> dict[str, Any]:
    """The golden-file form of one article's extraction."""
    data = extract(ArticleInput(text=text)).as_dict()
    return {
        key: [{k: v for k, v in rec.items() if k not in DROP} for rec in data[key]]
        for key in ("summits", "agreements")
    }


def main(argv: list[str]) -> int:
    cases = argv or sorted(p.stem for p in FIXTURES.glob("*.txt"))
    for case in cases:
        text = (FIXTURES / f"{case}.txt").read_text(encoding="utf-8")
        out = FIXTURES / f"{case}.expected.json"
        out.write_text(json.dumps(expected_for(text), indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                       encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
