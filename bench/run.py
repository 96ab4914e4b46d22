"""Benchmark: ``accords ingest`` end to end against the trafilatura-only limit, side by side.

    .venv/bin/python bench/run.py --articles N [--seed S] [--limit-pages P]
        [--database-url URL] [--keep] [--prefect-api URL] [--env KEY=VALUE ...]

1. Generates a local news site (``bench/site.py``): N article pages of 3-10 KB of
   text in four CMS-like layouts, 20 RSS feeds on 10 hosts (127.0.0.1 .. 127.0.0.10),
   a robots.txt per host, written to a temporary folder.
2. **The limit**: trafilatura alone, ``bare_extraction(html, include_comments=True,
   with_metadata=True, deduplicate=False)`` over the same pages held in memory as
   text, in a ``ProcessPoolExecutor`` with 2 workers (warmed up first, chunksize 8).
   Pages per second, measured before and after the accords run (the machine is
   shared: the mean of the two is the limit), and CPU milliseconds per page.
   ``--limit-pages`` (default min(N, 2000), evenly spaced) bounds how many pages it
   times: the rate does not depend on N, and all pages come from one generator.
3. Serves the site (one ``ThreadingHTTPServer`` per loopback address, in a child
   process, files served as they are) and runs ``accords ingest --feeds <site feeds>
   --force`` as a subprocess into a scratch database:
   ``--database-url`` if given (used as it is, never dropped: pass the URL a
   ``--keep`` run printed to measure on top of a filled database), else a new
   ``accords_bench_<random>`` on the server of ``ACCORDS_DATABASE_URL``, else on
   ``postgres@127.0.0.1:5432`` if it answers, else on an embedded PostgreSQL. The
   scratch database is migrated before the clock starts and dropped at the end
   unless ``--keep``. Politeness is off for the benchmark only:
   ``ACCORDS_MIN_HOST_DELAY=0``; robots.txt is still read (one request per host).
   ``ACCORDS_ALLOWED_HOSTS`` / ``ACCORDS_ONLY_ALLOWED_HOSTS`` admit the 10 addresses.
4. **Prefect**: a temporary Prefect server takes 11-26 s to start on this machine and
   is killed while still recording task runs (PREFECT_NOTES.md), so the benchmark
   starts one real ``prefect server start`` (its own PREFECT_HOME, analytics off,
   backed by a scratch PostgreSQL database when the local server answers, since
   SQLite locks under load) and points ``PREFECT_API_URL`` at it. Its start time is
   reported apart and not counted; ``--prefect-api`` uses a running server instead.
   The task runs of the ingest flow run are counted through the Prefect API.
5. Measures: wall time of the ``accords ingest`` process (interpreter start to exit:
   this is the end-to-end rate and the ratio), the flow's own time (from its
   ``pipeline_runs`` row), CPU seconds of the ingest process tree, peak RSS of the
   process and all its children (psutil, sampled every 0.2 s, peak of the sum),
   PostgreSQL backends of the scratch database apart (their RSS counts the shared
   buffers they touched), the Prefect server's CPU during the run, and the time
   spent per stage (``ms_*`` in the run's counts, summed over batches; batches
   overlap, so the sums can exceed the wall time). Besides the wall-clock ratio it
   prints the ratio by CPU time: the limit's CPU per page over accords' CPU per
   article (whole process tree), which is what the wall ratio would be on an
   otherwise idle machine where both keep the 2 cores busy; on a shared machine it
   varies less from run to run.

The last line is exactly ``ratio <accords/limit> peak_rss_mb <MB> articles <N>``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import scratch
from bench.site import HOSTS, Site, feeds_toml, generate

VENV_BIN = Path(sys.executable).parent
LIMIT_WORKERS = 2
LIMIT_CHUNKSIZE = 8


# --- the limit: trafilatura alone ---------------------------------------------------------

def _warm() -> None:
    import trafilatura

    trafilatura.bare_extraction("<html><body><article><p>" + "warm up. " * 50 +
                                "</p></article></body></html>")


def _extract(html: str) -> int:
    import trafilatura

    doc = trafilatura.bare_extraction(html, include_comments=True, with_metadata=True,
                                      deduplicate=False)
    return len(doc.text or "") if doc else 0


@dataclass
class Limit:
    pages: int = 0
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds of the worker processes

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def measure_limit(pages: list[Path], sample: int) -> Limit:
    """Trafilatura alone on ``sample`` of the pages (evenly spaced), 2 processes."""
    step = max(1, len(pages) // max(1, sample))
    html = [p.read_bytes().decode("utf-8") for p in pages[::step][:sample]]
    with ProcessPoolExecutor(LIMIT_WORKERS, mp_context=get_context("fork"),
                             initializer=_warm) as pool:
        list(pool.map(_extract, html[:LIMIT_WORKERS * 2], chunksize=1))  # workers up and warm
        workers = [psutil.Process(pid) for pid in pool._processes]
        cpu0 = sum(sum(w.cpu_times()[:2]) for w in workers)
        started = time.perf_counter()
        done = sum(1 for _ in pool.map(_extract, html, chunksize=LIMIT_CHUNKSIZE))
        seconds = time.perf_counter() - started
        cpu = sum(sum(w.cpu_times()[:2]) for w in workers) - cpu0
    return Limit(done, seconds, cpu)


# --- databases ----------------------------------------------------------------------------

@dataclass
class Databases:
    accords_url: str
    admin_url: str  # the server's postgres database: scratch databases are made from it
    scratch: list[str] = field(default_factory=list)  # the databases this run created
    prefect_url: str | None = None  # asyncpg URL for the Prefect server, None = SQLite
    embedded_dir: Path | None = None


def open_databases(explicit: str | None) -> Databases:
    """A scratch database for accords (or ``explicit``, used as it is), and one for the
    Prefect server when the server is reachable over TCP."""
    tag = secrets.token_hex(4)
    admin, embedded = scratch.admin_server(explicit)
    if explicit:
        dbs = Databases(accords_url=explicit, admin_url=admin)
    else:
        name = f"accords_bench_{tag}"
        dbs = Databases(accords_url=scratch.create_database(admin, name), admin_url=admin,
                        scratch=[name], embedded_dir=embedded)
    admin_url = make_url(admin)
    if embedded is None and admin_url.host:  # asyncpg needs host/port, not a socket
        name = f"accords_bench_prefect_{tag}"
        scratch.create_database(admin, name)
        dbs.scratch.append(name)
        dbs.prefect_url = admin_url.set(drivername="postgresql+asyncpg", database=name) \
            .render_as_string(hide_password=False)
    return dbs


def drop_databases(dbs: Databases, keep: bool) -> None:
    """Drop the scratch databases; with ``keep``, all but accords' own."""
    scratch.drop_databases(dbs.admin_url, [n for n in dbs.scratch
                                           if not (keep and "prefect" not in n)])


# --- processes ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextmanager
def site_servers(root: Path, port: int) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "site.py"), "serve", str(root),
                             str(port)], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the site servers did not start")
        yield proc
    finally:
        _stop(proc)


@contextmanager
def prefect_server(home: Path, database_url: str | None) -> Iterator[tuple[str, float, psutil.Process]]:
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false"}
    if database_url:
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = database_url
    log = (home / "server.log").open("w")
    started = time.perf_counter()
    proc = subprocess.Popen([str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                             "--port", str(port), "--no-ui", "--analytics-off"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"prefect server exited; see {home / 'server.log'}")
            with suppress(OSError), urllib.request.urlopen(f"{api}/health", timeout=2) as response:
                if response.status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("prefect server did not start in 180 s")
            time.sleep(0.25)
        yield api, time.perf_counter() - started, psutil.Process(proc.pid)
    finally:
        _stop(proc)
        log.close()


def _api(api: str, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(f"{api}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _task_kind(name: str) -> str:
    """``fetch-articles-12-211`` -> ``fetch-articles``; ``select-articles-6f6`` -> ``select-articles``."""
    parts = name.split("-")
    while len(parts) > 1 and (parts[-1].isdigit() or (len(parts[-1]) == 3 and all(
            c in "0123456789abcdef" for c in parts[-1]))):
        parts.pop()
    return "-".join(parts)


@dataclass
class Sample:
    peak_rss: int = 0
    peak_main_rss: int = 0
    peak_at: float = 0.0  # seconds into the run when the sum peaked
    peak_pg_rss: int = 0
    cpu: dict[int, float] = field(default_factory=dict)
    pg_cpu: dict[int, float] = field(default_factory=dict)
    samples: int = 0


def sample_tree(pid: int, database: str, stop: threading.Event, out: Sample) -> None:
    """Every 0.2 s: RSS summed over the process and its children; PostgreSQL apart."""
    try:
        root = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    started = time.perf_counter()
    while not stop.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        rss = 0
        for proc in procs:
            with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                own = proc.memory_info().rss
                rss += own
                if proc.pid == pid:
                    out.peak_main_rss = max(out.peak_main_rss, own)
                times = proc.cpu_times()
                out.cpu[proc.pid] = times.user + times.system
        pg = 0
        for proc in psutil.process_iter(["name", "cmdline"]):
            with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                if proc.info["name"] == "postgres" and database in " ".join(
                        proc.info["cmdline"] or ()):
                    pg += proc.memory_info().rss
                    times = proc.cpu_times()
                    out.pg_cpu[proc.pid] = times.user + times.system
        if rss > out.peak_rss:
            out.peak_rss, out.peak_at = rss, time.perf_counter() - started
        out.peak_pg_rss = max(out.peak_pg_rss, pg)
        out.samples += 1
        stop.wait(0.2)


def tree_cpu(proc: psutil.Process) -> float:
    """CPU seconds of a process and its living children."""
    total = 0.0
    for p in (proc, *proc.children(recursive=True)):
        with suppress(psutil.NoSuchProcess):
            total += sum(p.cpu_times()[:2])
    return total


def busy(before: Any, after: Any) -> float:
    """Core-seconds the whole machine spent outside idle and I/O wait between two samples."""
    return sum(after) - sum(before) - (after.idle - before.idle) - (
        getattr(after, "iowait", 0.0) - getattr(before, "iowait", 0.0))


# --- the run ------------------------------------------------------------------------------

def accords_env(database_url: str, api: str, home: Path, extra: list[str]) -> dict[str, str]:
    env = {**os.environ,
           "ACCORDS_DATABASE_URL": database_url,
           "ACCORDS_ALLOWED_HOSTS": ",".join(HOSTS),
           "ACCORDS_ONLY_ALLOWED_HOSTS": "true",
           "ACCORDS_MIN_HOST_DELAY": "0",
           "ACCORDS_RESPECT_ROBOTS": "true",
           "PREFECT_HOME": str(home),
           "PREFECT_API_URL": api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "COLUMNS": "200"}
    for item in extra:
        key, _, value = item.partition("=")
        env[key] = value
    return env


def db_state(url: str, tag: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            states = dict(conn.execute(text(
                "SELECT state::text, count(*) FROM articles WHERE url LIKE :p GROUP BY 1"),
                {"p": f"%/news/{tag}/%"}).all())
            total = conn.execute(text("SELECT count(*) FROM articles")).scalar_one()
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            run = conn.execute(text(
                "SELECT flow_run_id, extract(epoch FROM finished_at - started_at), counts "
                "FROM pipeline_runs WHERE flow = 'ingest' ORDER BY id DESC LIMIT 1")).first()
            mentions = conn.execute(text("SELECT count(*) FROM mentions")).scalar_one()
        return {"states": states, "articles_total": total, "size": size, "run": run,
                "mentions": mentions}
    finally:
        engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--limit-pages", type=int, default=None,
                    help="pages timed for the trafilatura-only limit (default min(N, 2000))")
    ap.add_argument("--database-url", help="use this accords database as it is (never dropped)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    ap.add_argument("--prefect-api", help="a running Prefect server's API URL")
    ap.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra environment for accords ingest (e.g. ACCORDS_BATCH_SIZE=100)")
    ap.add_argument("--skip-limit", type=float, default=None, metavar="PAGES_PER_S",
                    help="do not measure the limit; use this rate")
    ap.add_argument("--wrapper", metavar="SCRIPT",
                    help="run the ingest as `python SCRIPT ingest ...` (e.g. a profiler that "
                    "then calls flows.cli.app)")
    args = ap.parse_args()

    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="accords_bench_"))
    tag = secrets.token_hex(3)
    port = free_port()
    t0 = time.perf_counter()
    site: Site = generate(work / "site", args.articles, port, seed=args.seed, tag=tag)
    gen_seconds = time.perf_counter() - t0
    feeds_file = work / "feeds.toml"
    feeds_file.write_text(feeds_toml(site))
    print(f"site: {len(site.pages)} pages, {site.html_bytes / len(site.pages) / 1000:.1f} KB HTML "
          f"and {site.text_chars / len(site.pages) / 1000:.1f} KB text per page on average, "
          f"{len(site.feeds)} feeds on {len(HOSTS)} hosts (generated in {gen_seconds:.1f} s)",
          flush=True)

    limit_sample = args.limit_pages or min(args.articles, 2000)
    limits: list[Limit] = []
    if args.skip_limit:
        limits.append(Limit(1, 1 / args.skip_limit, 2 / args.skip_limit))
    else:
        limits.append(measure_limit(site.pages, limit_sample))
        print(f"limit before: {limits[0].pages} pages in {limits[0].seconds:.1f} s = "
              f"{limits[0].rate:.1f} pages/s", flush=True)

    dbs = open_databases(args.database_url)
    database = make_url(dbs.accords_url).database or ""
    home = work / "prefect"
    home.mkdir()
    try:
        with ExitStack() as stack:
            if args.prefect_api:
                api, prefect_start, prefect_proc = args.prefect_api, 0.0, None
            else:
                api, prefect_start, prefect_proc = stack.enter_context(prefect_server(home, dbs.prefect_url))
            print(f"prefect server: {api} up in {prefect_start:.1f} s "
                  f"({'PostgreSQL' if dbs.prefect_url else 'SQLite'}; not counted)", flush=True)
            site_proc = psutil.Process(stack.enter_context(site_servers(work / "site", port)).pid)
            env = accords_env(dbs.accords_url, api, home, args.env)
            started = time.perf_counter()
            subprocess.run([str(VENV_BIN / "accords"), "db", "upgrade"], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            print(f"database {database}: migrated in {time.perf_counter() - started:.1f} s "
                  f"(not counted)", flush=True)
            before = db_state(dbs.accords_url, tag)
            prefect_cpu0 = sum(prefect_proc.cpu_times()[:2]) if prefect_proc else 0.0
            site_cpu0, machine0 = tree_cpu(site_proc), psutil.cpu_times()

            out = (work / "ingest.out").open("w")
            err = (work / "ingest.err").open("w")
            sample, stop = Sample(), threading.Event()
            started = time.perf_counter()
            command = ([sys.executable, args.wrapper] if args.wrapper
                       else [str(VENV_BIN / "accords")])
            proc = subprocess.Popen([*command, "ingest", "--feeds", str(feeds_file), "--force"],
                                    env=env, stdout=out, stderr=err)
            sampler = threading.Thread(target=sample_tree, args=(proc.pid, database, stop, sample))
            sampler.start()
            code = proc.wait()
            wall = time.perf_counter() - started
            stop.set()
            sampler.join()
            out.close()
            err.close()
            prefect_cpu = (sum(prefect_proc.cpu_times()[:2]) - prefect_cpu0) if prefect_proc else 0.0
            site_cpu, machine = tree_cpu(site_proc) - site_cpu0, busy(machine0, psutil.cpu_times())
            if code != 0:
                sys.stderr.write((work / "ingest.err").read_text()[-5000:])
                raise SystemExit(f"accords ingest failed with exit code {code}; its output is "
                                 f"in {work} (delete it when done)")
            after = db_state(dbs.accords_url, tag)
            flow_run_id, flow_seconds, counts = after["run"]
            runs: Counter[str] = Counter()
            for name, n in task_runs_named(api, flow_run_id).items():
                runs[_task_kind(name)] += n
    finally:
        drop_databases(dbs, args.keep)
        if dbs.embedded_dir and not args.keep:
            shutil.rmtree(dbs.embedded_dir, ignore_errors=True)
    if not args.skip_limit:
        limits.append(measure_limit(site.pages, limit_sample))
        print(f"limit after: {limits[1].pages} pages in {limits[1].seconds:.1f} s = "
              f"{limits[1].rate:.1f} pages/s", flush=True)
    load_after = os.getloadavg()
    limit_rate = sum(lim.rate for lim in limits) / len(limits)
    limit_cpu_ms = 1000 * sum(lim.cpu for lim in limits) / sum(lim.pages for lim in limits)

    states = after["states"]
    done = int(states.get("extracted", 0))
    rate = done / wall
    flow_rate = done / float(flow_seconds) if flow_seconds else 0.0
    cpu = sum(sample.cpu.values())
    pg_cpu = sum(sample.pg_cpu.values())
    main_cpu = sample.cpu.get(proc.pid, 0.0)
    cpu_ratio = limit_cpu_ms / (1000 * cpu / max(1, done))
    ratio = rate / limit_rate
    peak_mb = sample.peak_rss / 2**20
    seconds = (counts or {}).get("seconds", {})

    befores = " / ".join(f"{lim.rate:.1f}" for lim in limits)
    loads = " / ".join(" ".join(f"{x:.2f}" for x in load) for load in (load_before, load_after))
    rows = [
        ("trafilatura-only limit (2 processes, from memory)",
         (f"{limit_rate:.1f} pages/s (mean of before/after: {befores}), "
         f"{limit_cpu_ms:.1f} ms CPU/page")),
        ("accords ingest, end to end (process wall)",
         f"{rate:.1f} articles/s ({done} extracted in {wall:.1f} s)"),
        ("accords ingest, flow only (pipeline_runs)",
         f"{flow_rate:.1f} articles/s ({float(flow_seconds or 0):.1f} s)"),
        ("ratio accords / limit", f"{ratio:.3f} (by CPU time per page: {cpu_ratio:.3f})"),
        ("article states of this run", ", ".join(f"{k} {v}" for k, v in sorted(states.items()))),
        ("CPU of the ingest process tree",
         (f"{cpu:.1f} s = {1000 * cpu / max(1, done):.1f} ms/article "
         f"(main process {main_cpu:.1f} s, children {cpu - main_cpu:.1f} s)")),
        ("peak RSS, ingest process + children",
         (f"{peak_mb:.0f} MB at {sample.peak_at:.0f} s (main process alone "
          f"{sample.peak_main_rss / 2**20:.0f} MB; {sample.samples} samples)")),
        ("peak RSS, PostgreSQL backends (incl. shared buffers)",
         f"{sample.peak_pg_rss / 2**20:.0f} MB"),
        ("CPU of the PostgreSQL backends of the run",
         f"{pg_cpu:.1f} s = {1000 * pg_cpu / max(1, done):.1f} ms/article"),
        ("CPU of the site server", f"{site_cpu:.1f} s = {1000 * site_cpu / max(1, done):.1f} ms/article"),
        ("Prefect server CPU during the run", f"{prefect_cpu:.1f} s"),
        ("machine CPU busy during the run",
         (f"{machine:.1f} of {wall * psutil.cpu_count():.1f} core-seconds "
          f"({machine - cpu - pg_cpu - site_cpu - prefect_cpu:.1f} s by other processes)")),
        ("Prefect server start (not counted)", f"{prefect_start:.1f} s"),
        ("Prefect task runs",
         f"{sum(runs.values())}: " + ", ".join(f"{k} {v}" for k, v in sorted(runs.items()))),
        ("database before -> after",
         (f"{before['articles_total']} -> {after['articles_total']} articles, "
         f"{before['size'] / 2**20:.0f} -> {after['size'] / 2**20:.0f} MB, "
         f"{after['mentions']} mentions")),
        ("load average before / after", loads),
    ]
    for stage, value in sorted(seconds.items()):
        rows.append((f"stage {stage} (summed over batches)",
                     f"{value:.1f} s = {1000 * value / max(1, done):.2f} ms/article"))
    width = max(len(r[0]) for r in rows)
    print()
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    if args.keep and not args.database_url:
        print(f"kept database: {dbs.accords_url}")
    shutil.rmtree(work, ignore_errors=True)
    print(f"ratio {ratio:.3f} peak_rss_mb {peak_mb:.0f} articles {done}")
    return 0


def task_runs_named(api: str, flow_run_id: str) -> Counter[str]:
    """Task runs of the flow run, by run name."""
    names: Counter[str] = Counter()
    offset = 0
    while True:
        page = _api(api, "/task_runs/filter", {
            "flow_runs": {"id": {"any_": [flow_run_id]}}, "limit": 200, "offset": offset})
        names.update(run["name"] for run in page)
        if len(page) < 200:
            return names
        offset += 200


if __name__ == "__main__":
    raise SystemExit(main())
