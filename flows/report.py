"""A self-contained HTML report of the summits and agreements of a period.

One file that opens offline and shows the same thing everywhere: CSS inline,
charts as inline SVG drawn by matplotlib (no JavaScript, nothing fetched). The
queries live in ``db.reports``; this module only renders. Titles and sentences
come from untrusted pages, so the template autoescapes and links only http(s).
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import matplotlib

matplotlib.use("Agg")  # before pyplot could ever be imported: never a GUI backend

import numpy as np
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from db import reports

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

TEMPLATES = Path(__file__).with_name("templates")
MATRIX_LIMIT = 25
"""Participants shown in the meeting matrix; beyond ~25 the cells get too small to read."""

# Text stays text (selectable, searchable); the font list ends in a generic family,
# so a browser without DejaVu still draws it. Fixed hash salts keep the SVG ids
# deterministic, so the same data gives the same file.
_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_SVG_METADATA: dict[str, Any] = {"Date": None, "Creator": None, "Format": None, "Type": None}
_STATUS_COLOURS = {"held": "#1f5f9e", "ongoing": "#2a9d4b", "planned": "#e07b00"}
_UNKNOWN_COLOUR = "#7a8590"
_TYPE_NAMES = {"mou": "MoU", "joint_statement": "joint statement", "other": "document"}


def build_report(session: Session, *, since: date | None, until: date | None) -> str:
    """Render the report of the summits and agreements dated in ``[since, until]``.

    Args:
        session: a session on the accords database (only read).
        since: first day of the period, or ``None`` for no lower bound.
        until: last day of the period, or ``None`` for no upper bound.

    Returns:
        One HTML document; an empty period gives a page saying so.
    """
    summits = reports.period_rows(session, "summits", since=since, until=until)
    agreements = reports.period_rows(session, "agreements", since=since, until=until)
    evidence = reports.record_evidence(
        session, summit_ids=[r["summit_id"] for r in summits],
        agreement_ids=[r["agreement_id"] for r in agreements])
    matrix = reports.meeting_matrix(session, since=since, until=until, limit=MATRIX_LIMIT)
    codes = {c for r in summits for c in r["participants"]} | {
        c for r in agreements for c in r["parties"]}
    return _template().render(
        period=describe_period(since, until),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        summits=summits,
        agreements=agreements,
        documents=sum(r["count"] for r in agreements),
        participants=len(codes),
        articles=len({s.url for e in evidence.values() for s in e.sources}),
        summit_evidence={k: e for (kind, k), e in evidence.items() if kind == "summit"},
        agreement_evidence={k: e for (kind, k), e in evidence.items() if kind == "agreement"},
        timeline=timeline_svg(summits),
        matrix=matrix,
        matrix_chart=matrix_svg(matrix),
    )


def describe_period(since: date | None, until: date | None) -> str:
    """The period in words for the header."""
    if since and until:
        return f"{since.isoformat()} to {until.isoformat()}"
    if since:
        return f"from {since.isoformat()}"
    if until:
        return f"until {until.isoformat()}"
    return "all dates"


@cache
def _template() -> Template:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(day=_day, counted=_counted, safe_url=safe_url, type_name=type_name,
                       agreement_label=agreement_label, summit_label=summit_label)
    return env.get_template("report.html.j2")


def safe_url(url: str | None) -> str | None:
    """``url`` if it is http(s); a ``javascript:`` or ``data:`` URL from a page is not a link."""
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return None


def type_name(value: str) -> str:
    return _TYPE_NAMES.get(value, value.replace("_", " "))


def agreement_label(row: dict[str, Any]) -> str:
    """The title, else what a bundle is (``12 agreements``), else ``Untitled declaration``."""
    if row["title"]:
        return str(row["title"])
    kind = type_name(row["type"])
    if row["count"] > 1:
        return f"{row['count']} {kind}s"
    return f"Untitled {kind}"


def summit_label(row: dict[str, Any]) -> str:
    """``Series #edition``, else ``Series year``: how agreements refer to summits."""
    if row["edition"] is not None:
        return f"{row['series']} #{row['edition']}"
    if row["year"] is not None:
        return f"{row['series']} {row['year']}"
    return str(row["series"])


def _day(value: date | None) -> str:
    if value is None:
        return "—"
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _marker_label(row: dict[str, Any]) -> str:
    edition = f"#{row['edition']}" if row["edition"] is not None else (
        str(row["year"]) if row["year"] is not None else "")
    return " ".join(x for x in (edition, row["city"] or "") if x)


def _shorten(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _style(salt: str) -> Any:
    # Any: rc_context wants its literal key type, which a shared dict cannot carry.
    return {**_RC, "svg.hashsalt": salt}


def _num(day: date) -> float:
    # matplotlib.dates ships no type hints; this is its float day number.
    return float(date2num(day))  # type: ignore[no-untyped-call]


def _to_svg(fig: Figure, label: str) -> Markup:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata=_SVG_METADATA, bbox_inches="tight")
    svg = buf.getvalue()
    # The XML prolog and DOCTYPE are not allowed inside HTML; the label is a constant.
    svg = svg[svg.index("<svg"):].replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    return Markup(svg)  # safe: matplotlib escapes every text it writes into the SVG


# Points of text per character of an 8-point label, and of the timeline's axes width
# (an 11-inch figure at matplotlib's default subplot margins): what a label spans in days.
_LABEL_CHAR_PT = 4.9
_AXES_WIDTH_PT = 11 * 72 * 0.775


class _LabelRow:
    """Where the labels of one timeline row may still go without overlapping: a label goes
    above its marker, else below, else (a crowded stretch) nowhere."""

    def __init__(self) -> None:
        self.free_from = {True: float("-inf"), False: float("-inf")}  # above, below

    def place(self, centre: float, width: float) -> bool | None:
        for above in (True, False):
            if centre - width / 2 > self.free_from[above]:
                self.free_from[above] = centre + width / 2
                return above
        return None


def timeline_svg(summits: list[dict[str, Any]]) -> Markup | None:
    """One row per series, one marker per summit at its date, labelled edition and city
    where the labels do not overlap (the summits table lists every summit)."""
    dated = [r for r in summits if r["report_date"] is not None]
    if not dated:
        return None
    # Summits of one series on one day share a marker and a label ("#1 Riyadh / #46 ...").
    rows: dict[str, dict[date, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for r in sorted(dated, key=lambda r: (r["report_date"], r["summit_id"])):
        rows[r["series"]][r["report_date"]].append(r)
    series = list(rows)  # earliest first, drawn top down
    first, last = min(r["report_date"] for r in dated), max(r["report_date"] for r in dated)
    pad = max(timedelta(days=10), (last - first) * 0.06)
    days_per_char = _LABEL_CHAR_PT * ((last - first + 2 * pad).days or 1) / _AXES_WIDTH_PT
    with matplotlib.rc_context(_style("accords-timeline")):
        fig = Figure(figsize=(11, 1.4 + 0.5 * len(series)))
        ax = fig.add_subplot()
        for y, name in enumerate(series):
            labels = _LabelRow()
            for day, group in rows[name].items():
                for r in group:
                    colour = _STATUS_COLOURS.get(r["status"] or "", _UNKNOWN_COLOUR)
                    # Filled: the summit's own date; hollow: only the day it was first reported.
                    face = colour if r["start_date"] is not None else "white"
                    ax.plot([_num(day)], [y], marker="o", markersize=8, color=colour,
                            markerfacecolor=face, markeredgewidth=1.6, linestyle="none")
                label = " / ".join(x for x in map(_marker_label, group) if x)
                above = labels.place(_num(day), len(label) * days_per_char)
                if above is None:
                    continue
                ax.annotate(label, (_num(day), y), xytext=(0, 7 if above else -8),
                            textcoords="offset points", ha="center",
                            va="bottom" if above else "top", fontsize=8, color="#333333",
                            parse_math=False)
        ax.set_yticks(range(len(series)), labels=[_shorten(s) for s in series],
                      parse_math=False)
        ax.set_ylim(len(series) - 0.4, -0.6)
        ax.set_xlim(_num(first - pad), _num(last + pad))
        locator = AutoDateLocator()  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        ax.grid(axis="x", color="#e3e6ea", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        statuses = sorted({r["status"] for r in dated if r["status"] in _STATUS_COLOURS})
        handles = [Line2D([], [], marker="o", linestyle="none", color=_STATUS_COLOURS[s],
                          label=s) for s in statuses]
        handles += [
            Line2D([], [], marker="o", linestyle="none", color=_UNKNOWN_COLOUR,
                   label="summit date"),
            Line2D([], [], marker="o", linestyle="none", color=_UNKNOWN_COLOUR,
                   markerfacecolor="white", label="first reported"),
        ]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        return _to_svg(fig, "Timeline of summits by series")


def matrix_svg(matrix: reports.MeetingMatrix) -> Markup | None:
    """Heatmap of summits shared per pair; the diagonal (a participant with itself) is blank."""
    n = len(matrix.codes)
    counts = np.array(matrix.counts, dtype=float).reshape(n, n)
    if n < 2 or not (counts.sum() - np.trace(counts)) > 0:
        return None
    cells = np.ma.masked_where(np.eye(n, dtype=bool) | (counts == 0), counts)
    top = float(cells.max())
    side = max(4.5, 1.8 + 0.34 * n)
    with matplotlib.rc_context(_style("accords-matrix")):
        fig = Figure(figsize=(side + 1.2, side))
        ax = fig.add_subplot()
        cmap = matplotlib.colormaps["Blues"].with_extremes(bad="#f3f5f7")
        image = ax.imshow(cells, cmap=cmap, vmin=0, vmax=top, interpolation="nearest")
        for i in range(n):
            for j in range(n):
                if i != j and counts[i, j] > 0:
                    ax.text(j, i, str(int(counts[i, j])), ha="center", va="center", fontsize=8,
                            color="white" if counts[i, j] > 0.55 * top else "#1d2329",
                            parse_math=False)
        ax.set_xticks(range(n), labels=matrix.codes, rotation=90, parse_math=False)
        # The y labels carry each participant's own summit count (the blank diagonal).
        ax.set_yticks(range(n), labels=[f"{c} ({matrix.counts[i][i]})"
                                        for i, c in enumerate(matrix.codes)], parse_math=False)
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        bar = fig.colorbar(image, ax=ax, shrink=0.6, pad=0.02)
        bar.set_label("summits shared")
        bar.locator = MaxNLocator(integer=True)
        bar.update_ticks()
        return _to_svg(fig, "Matrix of summits shared by each pair of participants")
