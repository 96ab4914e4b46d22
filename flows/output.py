"""Rows of dicts as CSV or JSON that pandas and spreadsheets read as they are."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _scalar(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "value") and not isinstance(value, str | int | float):
        return value.value  # enums
    return value


def to_json(rows: list[dict[str, Any]]) -> str:
    """A JSON array of objects, one per line (``pandas.read_json`` reads it directly)."""
    def convert(v: Any) -> Any:
        return [_scalar(x) for x in v] if isinstance(v, list) else _scalar(v)

    # Compact objects: json's C encoder; ``indent`` would switch to the pure-Python one.
    lines = (json.dumps({k: convert(v) for k, v in row.items()}, ensure_ascii=False)
             for row in rows)
    return "[\n" + ",\n".join(lines) + "\n]" if rows else "[]"


def to_csv(rows: list[dict[str, Any]]) -> str:
    """CSV with a header; list values joined by ``;``; empty input gives an empty string."""
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ";".join(str(_scalar(x)) for x in v) if isinstance(v, list)
                         else _scalar(v) for k, v in row.items()})
    return out.getvalue()
