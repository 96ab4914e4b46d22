"""feedparser's own 2,116 test documents, served locally, polled in one ingest run.

Each document may carry ``Header: Name: value`` lines in its leading comment
(content types, charsets, statuses, redirects); the server sends them as HTTP
headers. No exception may escape and every feed must end with a recorded state.
"""

import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from db.models import Feed, FeedPoll
from flows.ingest import ingest
from tests.conftest import shared_path

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("prefect_server")]

HEADER = re.compile(rb"^Header:\s*([\w-]+):\s*(.*?)\s*$", re.MULTILINE)


def serve_corpus(root: Path) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = (root / self.path.split("?", 1)[0].lstrip("/")).resolve()
            if root not in path.parents or not path.is_file():
                self.send_error(404)
                return
            body = path.read_bytes()
            head = body[:2000]
            headers = [(k.decode(), v.decode("latin-1")) for k, v in HEADER.findall(head)]
            status = next((int(v.split()[0]) for k, v in headers if k.lower() == "status"), 200)
            self.send_response(status)
            if not any(k.lower() == "content-type" for k, _ in headers):
                self.send_header("Content-Type", "application/xml")
            for name, value in headers:
                if name.lower() not in ("status", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def corpus() -> Iterator[tuple[str, list[str]]]:
    root = shared_path("eval", "feeds").resolve()
    paths = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                   if p.suffix in (".xml", ".json"))
    for base in serve_corpus(root):
        yield base, [f"{base}/{p}" for p in paths]


def test_every_corpus_feed_ends_with_a_recorded_state(
    pipeline_env: str, corpus: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, urls = corpus
    assert len(urls) == 2116
    # Entries link to example.org and friends: refuse them before any DNS lookup.
    monkeypatch.setenv("ACCORDS_ONLY_ALLOWED_HOSTS", "true")
    monkeypatch.setenv("ACCORDS_PER_HOST_CONCURRENCY", "8")
    from flows.settings import get_settings

    get_settings.cache_clear()
    started = time.monotonic()
    result = ingest(feed_urls=urls)
    elapsed = time.monotonic() - started
    engine = create_engine(pipeline_env)
    with Session(engine) as session:
        feeds = session.scalars(select(Feed)).all()
        assert len(feeds) == len(urls)
        unpolled = [f.url for f in feeds if f.last_polled_at is None]
        assert unpolled == []
        # every feed is either read or failed with a reason
        silent = [f.url for f in feeds if f.last_success_at is None and not f.last_error]
        assert silent == []
        assert session.scalar(select(func.count()).select_from(FeedPoll)) == len(urls)
        failed = sum(1 for f in feeds if f.consecutive_failures)
    engine.dispose()
    assert result["polled"] == len(urls)
    print(f"\n{len(urls)} feeds in {elapsed:.0f} s; {failed} failed, "
          f"{result['total']['entries']} entries")
    assert elapsed < 600
