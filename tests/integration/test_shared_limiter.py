"""Per-host spacing holds across limiters that share only the database (two runs, two workers)."""

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from flows.http import HttpClient, HttpConfig
from flows.shared_limiter import SharedHostLimiter

pytestmark = pytest.mark.integration

DELAY = 0.25


@pytest.fixture
def server() -> Iterator[tuple[str, list[float]]]:
    arrivals: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            arrivals.append(time.monotonic())
            body = b"<html><body>ok</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", arrivals
    httpd.shutdown()
    httpd.server_close()


def test_two_processes_worth_of_clients_keep_the_delay(
    fresh_database_url: str, server: tuple[str, list[float]]
) -> None:
    base, arrivals = server
    engine = create_engine(fresh_database_url)
    config = HttpConfig(allowed_hosts=frozenset({"127.0.0.1"}), min_host_delay=DELAY,
                        per_host_concurrency=4, respect_robots=False, max_retries=0)
    # Two clients with their own local limiters: what two runs in two processes have.
    clients = [HttpClient(config, limiter=SharedHostLimiter(sessionmaker(engine), 4, DELAY))
               for _ in range(2)]

    def fetch(client: HttpClient, n: int) -> None:
        for i in range(n):
            client.get(f"{base}/page-{i}", kind="html")

    threads = [threading.Thread(target=fetch, args=(c, 4)) for c in clients for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    gaps = [b - a for a, b in pairwise(sorted(arrivals))]
    assert len(arrivals) == 16
    assert min(gaps) >= DELAY - 0.05, gaps
    for client in clients:
        client.close()
    engine.dispose()
