"""Turning stage counts into the run summary: per-feed rows, totals, a markdown table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from flows.stages import Counts

# Stage timings travel with the counts as ``ms_<stage>``; they are not per-feed columns.
TIMING_PREFIX = "ms_"
COLUMNS = ("entries", "new", "fetched", "cleaned", "skipped", "failed", "summits", "agreements")


def merge_counts(parts: Iterable[Counts]) -> Counts:
    total: Counts = Counter()
    for part in parts:
        total.update(part)
    return total


def per_feed_rows(counts: Counts, names: Mapping[int, str]) -> list[dict[str, object]]:
    """One row per feed: the main columns plus skip and failure reasons spelled out."""
    feeds: dict[int | None, dict[str, object]] = {}
    for (feed_id, metric), n in sorted(counts.items(), key=lambda kv: str(kv[0])):
        if metric.startswith(TIMING_PREFIX):
            continue
        row = feeds.setdefault(feed_id, {"feed": names.get(feed_id or -1, "(no feed)"),
                                         "poll": "", **dict.fromkeys(COLUMNS, 0),
                                         "new summits": 0, "new agreements": 0, "reasons": ""})
        if metric.startswith("poll_"):
            row["poll"] = metric.removeprefix("poll_")
        elif metric in COLUMNS:
            row[metric] = int(str(row[metric])) + n
        elif metric.startswith("new_"):
            # "new_summits": rows this feed's articles created; the run's markdown lists them.
            key = metric.replace("_", " ")
            row[key] = int(str(row.get(key, 0))) + n
        else:
            kind, _, reason = metric.partition("_")
            if kind == "skipped" and reason.startswith("entry_"):
                reason = reason.removeprefix("entry_") + " entries"
            elif kind in ("skipped", "failed"):
                row[kind] = int(str(row[kind])) + n
            row["reasons"] = ", ".join(filter(None, [str(row["reasons"]), f"{reason} {n}"]))
    return sorted(feeds.values(), key=lambda r: str(r["feed"]))


def totals(rows: list[dict[str, object]]) -> dict[str, int]:
    return {c: sum(int(str(r[c])) for r in rows) for c in COLUMNS}


def summary_line(total: Mapping[str, int], feeds: int) -> str:
    return f"{feeds} feeds: " + ", ".join(f"{total[c]} {c}" for c in COLUMNS)


def totals_of(counts: Counts) -> dict[str, int]:
    """Counts summed over feeds, by metric."""
    total: dict[str, int] = {}
    for (_, metric), n in counts.items():
        if not metric.startswith(TIMING_PREFIX):
            total[metric] = total.get(metric, 0) + n
    return dict(sorted(total.items()))


def stage_seconds(counts: Counts) -> dict[str, float]:
    """Seconds spent per stage (``ms_*`` counts), summed over batches and feeds."""
    total: dict[str, float] = {}
    for (_, metric), n in counts.items():
        if metric.startswith(TIMING_PREFIX):
            stage = metric.removeprefix(TIMING_PREFIX)
            total[stage] = round(total.get(stage, 0.0) + n / 1000, 3)
    return dict(sorted(total.items()))


def records_markdown(records: dict[str, list[dict[str, Any]]]) -> str:
    """The night's new summits and agreements as a markdown artifact."""
    summits, agreements = records["summits"], records["agreements"]
    lines = [f"# New summits ({len(summits)}) and agreements ({len(agreements)})", ""]
    if summits:
        lines += ["| summit | edition | year | host | participants |", "|---|---|---|---|---|"]
        for s in summits:
            host = ", ".join(x for x in (s["city"], s["host_country"]) if x)
            lines.append(f"| {_md(s['series'])} | {s['edition'] or ''} | {s['year'] or ''} | "
                         f"{_md(host)} | {' '.join(s['participants'])} |")
        lines.append("")
    if agreements:
        lines += ["| agreement | type | count | status | summit | parties |",
                  "|---|---|---|---|---|---|"]
        for a in agreements:
            lines.append(f"| {_md(a['title'] or '(untitled)')} | {a['type']} | {a['count']} | "
                         f"{a['status'] or ''} | {_md(a['summit'] or '')} | "
                         f"{' '.join(a['parties'])} |")
    if not summits and not agreements:
        lines.append("Nothing new in this run.")
    return "\n".join(lines)


def _md(value: str) -> str:
    # Titles come from third-party pages: keep them from breaking (or injecting) table markup.
    return value.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")
