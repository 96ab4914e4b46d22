"""The ``accords`` command line."""

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, cast, get_args

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from flows import progress
from flows.settings import Settings, get_settings

app = typer.Typer(help="accords: regional news -> PostgreSQL database of summits and agreements.",
                  no_args_is_help=True, add_completion=False)
feeds_app = typer.Typer(help="List and edit the feeds to poll.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")
app.add_typer(db_app, name="db")
console = Console()
err = Console(stderr=True, soft_wrap=True)  # one message, one line: greppable in logs


def _database(settings: Settings) -> Any:
    from db.errors import DatabaseUnavailableError
    from flows.database import open_database

    try:
        return open_database(settings)
    except DatabaseUnavailableError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None


@contextmanager
def _progress_bars() -> Iterator[None]:
    """Draw one bar per pipeline stage from the events the tasks report."""
    bars = Progress(TextColumn("{task.description:>8}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=False,
                    refresh_per_second=2)  # redrawing costs the pipeline's CPU
    ids: dict[str, Any] = {}

    def on_event(stage: str, advance: int, total: int | None) -> None:
        if stage not in ids:
            ids[stage] = bars.add_task(stage, total=total)
        if total is not None:
            bars.update(ids[stage], total=total)
        if advance:
            bars.advance(ids[stage], advance)

    with bars, progress.listening(on_event):
        yield


@contextmanager
def _clear_failures() -> Iterator[None]:
    """One line, not a traceback, for failures the user fixes outside accords."""
    from db.errors import DatabaseUnavailableError
    from flows.feedlist import FeedListError

    try:
        yield
    except DatabaseUnavailableError as exc:
        err.print(f"[red]error:[/] {exc}. Nothing is lost: run the command again once the "
                  "database is back, and it finishes what this run left.")
        raise typer.Exit(3) from None
    except FeedListError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None


def run_ingest(feeds_file: Path | None, feed_urls: list[str] | None, force: bool) -> dict[str, Any]:
    from flows.ingest import ingest

    with _clear_failures(), _progress_bars():
        result: dict[str, Any] = ingest(
            feeds_file=str(feeds_file) if feeds_file else None, feed_urls=feed_urls, force=force
        )
    return result


SUMMARY_COLUMNS = ("feed", "poll", "entries", "new", "fetched", "cleaned", "skipped", "failed",
                   "summits", "agreements", "reasons")


def print_summary(result: dict[str, Any]) -> None:
    table = Table(title="Ingest summary")
    for col in SUMMARY_COLUMNS:
        table.add_column(col, overflow="fold")
    for row in result["feeds"]:
        table.add_row(*(str(row[c]) for c in SUMMARY_COLUMNS))
    console.print(table)


@app.command()
def ingest(
    feeds: Annotated[Path | None, typer.Option("--feeds", help="feed list TOML")] = None,
    feed: Annotated[list[str] | None, typer.Option("--feed", help="poll this feed URL")] = None,
    force: Annotated[bool, typer.Option(help="poll feeds that are backing off")] = False,
) -> None:
    """Poll feeds, fetch and clean new articles, store them."""
    print_summary(run_ingest(feeds, feed, force))


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="port of the local sample site")] = 8765,
) -> None:
    """Run the pipeline on the bundled sample news site and show what was stored."""
    from flows.sample_server import SAMPLE_SITE, serve_sample_site

    with serve_sample_site(port) as base_url, tempfile.TemporaryDirectory() as tmp:
        feeds_file = Path(tmp) / "feeds.toml"
        feeds_file.write_text(
            (SAMPLE_SITE / "feeds.toml").read_text().replace("{{BASE_URL}}", base_url)
        )
        host = base_url.split("//", 1)[1].split(":", 1)[0]
        allowed = {h for h in os.environ.get("ACCORDS_ALLOWED_HOSTS", "").split(",") if h}
        os.environ["ACCORDS_ALLOWED_HOSTS"] = ",".join(sorted(allowed | {host}))
        os.environ.setdefault("ACCORDS_MIN_HOST_DELAY", "0")
        get_settings.cache_clear()
        err.print(f"sample site at {base_url}")
        result = run_ingest(feeds_file, None, force=True)
    print_summary(result)
    show_articles(get_settings(), feed_names=["steppe-courier", "regional-desk"])
    show_records(get_settings())


def show_articles(settings: Settings, feed_names: list[str]) -> None:
    from sqlalchemy import func, select

    from db.models import Article, Feed

    db = _database(settings)
    with db.sessions()() as session:
        rows = session.execute(
            select(Article.id, Article.title, Article.site_name, Article.published_at,
                   func.length(Article.text), func.length(Article.comments), Article.state,
                   Article.state_reason)
            .join(Feed, Feed.id == Article.feed_id)
            .where(Feed.name.in_(feed_names))
            .order_by(Article.published_at.desc().nulls_last(), Article.id)
        ).all()
    table = Table(title=f"Stored articles ({len(rows)})")
    for col in ("id", "title", "site", "published", "body chars", "comment chars", "state"):
        table.add_column(col, overflow="fold")
    for id_, title, site, published, body, comments, state, reason in rows:
        table.add_row(str(id_), title or "", site or "",
                      published.date().isoformat() if published else "", str(body or ""),
                      str(comments or ""), state.value + (f" ({reason})" if reason else ""))
    console.print(table)


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help=".txt (clean text) or .html")],
    published: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="publication date of files that give none (every .txt)",
    )] = None,
) -> None:
    """Print the summits and agreements of each file, one JSON object per line."""
    from flows.extract_files import extract_file

    day = published.date() if published else None
    for path in paths:
        sys.stdout.write(json.dumps(extract_file(path, day), ensure_ascii=False) + "\n")


@app.command()
def reextract(
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                   help="articles published since")] = None,
    all_: Annotated[bool, typer.Option("--all", help="every article, not only outdated")] = False,
) -> None:
    """Run the current extractor again over stored articles."""
    from flows.reextract import reextract as reextract_flow

    with _clear_failures(), _progress_bars():
        result = reextract_flow(since=since.date() if since else None, everything=all_)
    console.print(result)


@app.command()
def backfill(
    start: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                   help="first day (default: 7 days ago)")] = None,
    end: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                 help="last day (default: today)")] = None,
    feed: Annotated[list[str] | None, typer.Option(help="feed name (repeatable); default all")] = None,
    source: Annotated[list[str] | None, typer.Option(
        help="stored, sitemap or warc (repeatable); default stored")] = None,
    warc: Annotated[list[str] | None, typer.Option(help="WARC path or URL (repeatable)")] = None,
    dry_run: Annotated[bool, typer.Option(help="count what would be done, write nothing")] = False,
) -> None:
    """Fill a past date range from stored pages, the sites' sitemaps or WARC files."""
    from datetime import date, timedelta

    from flows.backfill import Source
    from flows.backfill import backfill as backfill_flow

    last = end.date() if end else date.today()
    first = start.date() if start else last - timedelta(days=7)
    sources = source or ["stored"]
    if unknown := sorted(set(sources) - set(get_args(Source))):
        err.print(f"[red]error:[/] unknown source {', '.join(unknown)}; "
                  f"choose from {', '.join(get_args(Source))}")
        raise typer.Exit(2)
    with _clear_failures(), _progress_bars():
        result = backfill_flow(start=first, end=last, feeds=feed or [],
                               sources=cast(list[Source], sources), warc=warc or [],
                               dry_run=dry_run)
    if dry_run:
        console.print(f"dry run, would process: {result['planned']}")
    print_summary(result)


def show_records(settings: Settings) -> None:
    """The merged summits and agreements, one row each."""
    from sqlalchemy import func, select

    from db.models import Agreement, AgreementParty, Summit, SummitParticipant

    db = _database(settings)
    with db.sessions()() as session:
        participants = func.string_agg(SummitParticipant.code, " ").label("codes")
        summits = session.execute(
            select(Summit.id, Summit.name, Summit.edition, Summit.year, Summit.city,
                   Summit.country, Summit.status, Summit.articles, participants)
            .outerjoin(SummitParticipant, SummitParticipant.summit_id == Summit.id)
            .group_by(Summit.id).order_by(Summit.first_reported.desc(), Summit.id)
        ).all()
        parties = func.string_agg(AgreementParty.code, " ").label("codes")
        agreements = session.execute(
            select(Agreement.title, Agreement.type, Agreement.count, Agreement.status,
                   Summit.name, Summit.edition, Agreement.articles, parties)
            .outerjoin(AgreementParty, AgreementParty.agreement_id == Agreement.id)
            .outerjoin(Summit, Summit.id == Agreement.summit_id)
            .group_by(Agreement.id, Summit.id)
            .order_by(Agreement.first_reported.desc(), Agreement.id)
        ).all()
    table = Table(title=f"Summits ({len(summits)})")
    for col in ("summit", "edition", "year", "host", "status", "participants", "articles"):
        table.add_column(col, overflow="fold")
    for _, name, edition, year, city, country, status, articles, codes in summits:
        host = ", ".join(x for x in (city, country) if x)
        table.add_row(name, str(edition or ""), str(year or ""), host, status or "",
                      " ".join(sorted((codes or "").split())), str(articles))
    console.print(table)
    table = Table(title=f"Agreements ({len(agreements)})")
    for col in ("agreement", "type", "count", "status", "summit", "parties", "articles"):
        table.add_column(col, overflow="fold")
    for title, type_, count, status, summit, edition, articles, codes in agreements:
        at = f"{summit} #{edition}" if summit and edition else (summit or "")
        table.add_row(title or "(untitled)", type_, str(count), status or "", at,
                      " ".join(sorted((codes or "").split())), str(articles))
    console.print(table)


TABLE_ROWS = 50
# The columns a terminal table shows per report (csv and json carry every column).
TABLE_COLUMNS = {
    "summits": ("series", "edition", "year", "start_date", "city", "host_country", "status",
                "participants", "agreements", "articles"),
    "agreements": ("title", "type", "count", "status", "parties", "sectors", "summit",
                   "signed_on", "articles"),
    "countries": ("country", "month", "summits_attended", "agreements_joined",
                  "documents_joined"),
    "feeds": ("feed", "region", "enabled", "last_success_at", "last_status",
              "consecutive_failures", "articles", "articles_per_day_30d", "failed_polls_30d"),
}


@app.command()
def query(
    report: Annotated[str, typer.Argument(help="summits, agreements, countries or feeds")],
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    country: Annotated[str | None, typer.Option(help="ISO code or organisation, e.g. KZ")] = None,
    series: Annotated[str | None, typer.Option(help="summit series, e.g. SCO")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="agreement type")] = None,
    limit: Annotated[int | None, typer.Option()] = None,
    format_: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
) -> None:
    """Query the reporting views with filters; csv and json load into pandas as they are."""
    from db.reports import REPORTS, Filters, UnsupportedFilterError, export_report, run_report

    if report not in REPORTS:
        err.print(f"[red]error:[/] unknown report {report!r}; choose from {', '.join(REPORTS)}")
        raise typer.Exit(2)
    # A terminal shows a screenful; csv and json carry every row unless limited.
    shown = limit if limit is not None or format_ != "table" else TABLE_ROWS
    filters = Filters(since=since.date() if since else None, until=until.date() if until else None,
                      country=country, series=series, type=type_, limit=shown)
    if format_ not in ("table", "csv", "json"):
        err.print(f"[red]error:[/] unknown format {format_!r}; choose table, csv or json")
        raise typer.Exit(2)
    db = _database(get_settings())
    try:
        with db.sessions()() as session:
            if format_ != "table":
                # PostgreSQL formats exports itself: the big ones stay fast.
                sys.stdout.write(export_report(session, report, filters, format_) + "\n")
                return
            rows = run_report(session, report, filters)
    except UnsupportedFilterError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    title = f"{report} ({len(rows)})"
    if format_ == "table" and limit is None and len(rows) == TABLE_ROWS:
        title = f"{report} (first {TABLE_ROWS}; --limit N or --format csv for more)"
    emit(rows, format_, TABLE_COLUMNS[report], title=title)


@app.command()
def search(
    text_query: Annotated[str, typer.Argument(metavar="QUERY", help='e.g. "green minerals"')],
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    limit: Annotated[int, typer.Option()] = 20,
    format_: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
) -> None:
    """Full-text search over stored articles, best matches first, with snippets."""
    from db.reports import search_articles

    db = _database(get_settings())
    with db.sessions()() as session:
        rows = search_articles(session, text_query, since=since.date() if since else None,
                               limit=limit)
    emit(rows, format_, ("rank", "published_at", "title", "snippet", "url"),
         title=f"{len(rows)} articles")


def emit(rows: list[dict[str, Any]], format_: str, columns: tuple[str, ...], title: str) -> None:
    """Print rows as a terminal table, CSV (lists joined by ';') or a JSON array."""
    from flows.output import to_csv, to_json

    if format_ == "json":
        sys.stdout.write(to_json(rows) + "\n")
    elif format_ == "csv":
        sys.stdout.write(to_csv(rows))
    elif format_ == "table":
        table = Table(title=title)
        for col in columns:
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*(_cell(row.get(c)) for c in columns))
        console.print(table)
    else:
        err.print(f"[red]error:[/] unknown format {format_!r}; choose table, csv or json")
        raise typer.Exit(2)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


@app.command("report")
def report_html(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write", dir_okay=False)],
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
) -> None:
    """Write one self-contained HTML report (timeline, who met whom, tables with evidence)."""
    from flows.report import build_report

    if since and until and since > until:
        err.print("[red]error:[/] --since is after --until")
        raise typer.Exit(2)
    db = _database(get_settings())
    with db.sessions()() as session:
        html = build_report(session, since=since.date() if since else None,
                            until=until.date() if until else None)
    out.write_text(html, encoding="utf-8")
    console.print(f"wrote {out} ({len(html) // 1024} KiB)")


@feeds_app.command("list")
def feeds_list(
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    feeds: Annotated[Path | None, typer.Option("--feeds", help="feed list TOML")] = None,
) -> None:
    """Every feed with its poll state (last status, error, entries seen, failures)."""
    from db import load
    from flows.feedlist import FeedListError, read_feed_list
    from flows.stages import sync_feed_list

    settings = get_settings()
    db = _database(settings)
    try:
        sync_feed_list(db, read_feed_list(feeds or settings.feeds_file))
    except FeedListError as exc:
        err.print(f"[yellow]warning:[/] {exc}")
    with db.sessions().begin() as session:
        states = [_feed_state(f) for f in load.feed_states(session)]
    if format == "json":
        json.dump(states, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return
    table = Table(title=f"Feeds ({len(states)})")
    for col in ("name", "region", "enabled", "last status", "entries seen", "failures",
                "last error"):
        table.add_column(col, overflow="fold")
    for s in states:
        table.add_row(s["name"], s["region"] or "", "yes" if s["enabled"] else "no",
                      str(s["last_status"] or ""), str(s["entries_seen"]),
                      str(s["consecutive_failures"]), (s["last_error"] or "")[:80])
    console.print(table)


def _feed_state(feed: Any) -> dict[str, Any]:
    return {k: getattr(feed, k) for k in (
        "name", "url", "region", "language", "tags", "enabled", "disabled_reason",
        "last_status", "last_error", "last_polled_at", "last_success_at", "entries_seen",
        "consecutive_failures", "next_poll_at", "etag", "last_modified")}


@feeds_app.command("add")
def feeds_add(
    name: str,
    url: str,
    region: Annotated[str | None, typer.Option(help="central-asia, china, ...")] = None,
    language: Annotated[str, typer.Option()] = "en",
    tag: Annotated[list[str] | None, typer.Option(help="repeatable")] = None,
) -> None:
    """Add a feed to the feed list."""
    from flows.feedlist import FeedListError, FeedSpec, add_feed

    settings = get_settings()
    try:
        add_feed(settings.feeds_file, FeedSpec(name=name, url=url, region=region,
                                               language=language, tags=tuple(tag or ())))
    except FeedListError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    console.print(f"added {name} to {settings.feeds_file}")


@feeds_app.command("disable")
def feeds_disable(name: str, reason: Annotated[str, typer.Option()] = "disabled by user") -> None:
    """Stop polling a feed (in the feed list and the database)."""
    _set_enabled(name, False, reason)


@feeds_app.command("enable")
def feeds_enable(name: str) -> None:
    """Poll a feed again and forget its failures."""
    _set_enabled(name, True, None)


def _set_enabled(name: str, enabled: bool, reason: str | None) -> None:
    from db import load
    from flows.feedlist import FeedListError, set_feed_enabled

    settings = get_settings()
    try:
        set_feed_enabled(settings.feeds_file, name, enabled)
    except FeedListError as exc:
        err.print(f"[yellow]warning:[/] {exc}")
    db = _database(settings)
    with db.sessions().begin() as session:
        found = (load.enable_feed(session, name) if enabled
                 else load.disable_feed(session, name, reason or ""))
    console.print(f"{name} {'enabled' if enabled else 'disabled'}"
                  + ("" if found else " (not in the database yet)"))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest revision."""
    db = _database(get_settings())
    console.print(f"schema up to date at {db}")


@app.command("server")
def server(
    port: Annotated[int | None, typer.Option(help="port of the Prefect server and UI "
                                             "(default: ACCORDS_PREFECT_PORT or 4200)")] = None,
    host: Annotated[str | None, typer.Option(help="address to listen on "
                                             "(default: ACCORDS_PREFECT_HOST or 127.0.0.1)")] = None,
    worker: Annotated[bool, typer.Option(help="run a process worker for the flow runs")] = True,
) -> None:
    """Start a local Prefect server on PostgreSQL, deploy the flows, run a worker; Ctrl-C stops."""
    from flows import server as local

    settings, deploy = get_settings(), local.DeploySettings()
    port, host = port or deploy.prefect_port, host or deploy.prefect_host
    if local.port_in_use(host, port):
        err.print(f"[red]error:[/] port {port} is in use (another Prefect server?); "
                  "choose another with --port or ACCORDS_PREFECT_PORT")
        raise typer.Exit(2)
    log = settings.data_dir / "logs" / "prefect-server.log"
    try:
        with local.interruptible():  # SIGTERM too stops the children on the way out
            db = _database(settings)  # the accords schema, and the embedded server kept up
            database_url = local.prefect_database_url(settings, deploy)
            err.print(f"accords database {db}; Prefect server log {log}")
            with local.prefect_stack(database_url=database_url, host=host, port=port,
                                     server_log=log, worker=worker, deploy=deploy,
                                     on_step=err.print) as stack:
                console.print(f"[bold]Prefect UI: {stack.ui_url}[/]  (API {stack.api_url}); "
                              f"ingest-nightly runs at '{deploy.nightly_cron}' "
                              f"{deploy.nightly_timezone}. Ctrl-C stops.")
                local.serve_forever(stack)
                err.print("stopping the worker and the server")
    except local.StackError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("stopped during start-up")
        raise typer.Exit(130) from None
    err.print("stopped")


@app.command("deploy")
def deploy_command(
    cron: Annotated[str | None, typer.Option(help="nightly cron (default: ACCORDS_NIGHTLY_CRON "
                                             "or '0 2 * * *')")] = None,
    timezone: Annotated[str | None, typer.Option(help="time zone of the cron (default: "
                                                 "ACCORDS_NIGHTLY_TIMEZONE or UTC)")] = None,
) -> None:
    """Create or update the work pool and the deployments on the server at PREFECT_API_URL."""
    from pydantic import ValidationError

    from flows.server import DeploySettings, StackError, deploy_all

    api_url = os.environ.get("PREFECT_API_URL")
    if not api_url:
        err.print("[red]error:[/] PREFECT_API_URL is not set (or run `accords server`)")
        raise typer.Exit(2)
    try:
        overrides = {k: v for k, v in (("nightly_cron", cron), ("nightly_timezone", timezone)) if v}
        deploy = DeploySettings(**overrides)  # type: ignore[arg-type]
        console.print(deploy_all(api_url, deploy))
    except (StackError, ValidationError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None


@db_app.command("grant-reader")
def db_grant_reader(
    name: str,
    password: Annotated[str | None, typer.Option(help="login password (prompted if omitted)",
                                                 prompt=True, hide_input=True,
                                                 prompt_required=False)] = None,
) -> None:
    """Create a login role that can read the reporting views and nothing else."""
    from db.roles import grant_reader

    db = _database(get_settings())
    try:
        with db.sessions().begin() as session:
            created = grant_reader(session, name, password)
    except ValueError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    console.print(f"{'created' if created else 'updated'} read-only role {name}: SELECT on "
                  "the reporting schema only")


@db_app.command("counts")
def db_counts() -> None:
    """Row count of every table."""
    from sqlalchemy import func, select

    from db.models import Base

    db = _database(get_settings())
    with db.sessions()() as session:
        for table in Base.metadata.sorted_tables:
            n = session.scalar(select(func.count()).select_from(table))
            console.print(f"{table.name:20} {n}")


@app.command("settings")
def show_settings() -> None:
    """Print the effective settings (secrets masked)."""
    for key, value in get_settings().masked().items():
        console.print(f"{key} = {value}")


if __name__ == "__main__":
    app()
