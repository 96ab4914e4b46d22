"""The shared seed article must come out as its expected file says (optional records aside)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from extractors import extract
from extractors.records import ArticleInput

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed"

pytestmark = pytest.mark.skipif(not SEED.is_dir(), reason="shared seed directory not present")


def _cases() -> list[Path]:
    return sorted(SEED.glob("*.txt")) if SEED.is_dir() else []


def _matches(pred: dict[str, Any], gold: dict[str, Any]) -> bool:
    for key, value in gold.items():
        if key.startswith("_") or key == "optional":
            continue
        got = pred.get(key)
        if key in ("participants", "parties", "sectors"):
            if sorted(got or []) != sorted(value):
                return False
        elif key in ("leaders", "officials"):
            if sorted(p["name"] for p in got or []) != sorted(p["name"] for p in value):
                return False
        elif got != value:
            return False
    return True


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.stem)
def test_seed(path: Path) -> None:
    expected = json.loads(path.with_suffix("").with_suffix(".expected.json").read_text(encoding="utf-8"))
    result = extract(ArticleInput(text=path.read_text(encoding="utf-8"))).as_dict()
    for key in ("summits", "agreements"):
        preds = list(result[key])
        for gold in expected.get(key, []):
            hit = next((p for p in preds if _matches(p, gold)), None)
            if gold.get("optional"):
                if hit is not None:
                    preds.remove(hit)
                continue
            assert hit is not None, f"missing {key[:-1]}: {gold}"
            preds.remove(hit)
        assert not preds, f"unexpected {key}: {preds}"
