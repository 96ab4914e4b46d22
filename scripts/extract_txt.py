"""Dev runner: print one JSON line of extracted records per text file.

    python scripts/extract_txt.py PATH...

Each line is {"path": <as given>, "summits": [...], "agreements": [...], ...}; a file
that cannot be read or extracted gives {"path": ..., "error": "..."} and the others
still come out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractors.base import ExtractionError
from extractors.jsonl import extract_text_to_json


def extract_path(path: str) -> dict[str, object]:
    """Records for one file, or an error entry."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        return {"path": path, **extract_text_to_json(text)}
    except (OSError, ExtractionError) as exc:
        return {"path": path, "error": f"{type(exc).__name__}: {exc}"}


def main(argv: list[str]) -> int:
    for path in argv:
        print(json.dumps(extract_path(path), ensure_ascii=False), flush=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
