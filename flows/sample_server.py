"""A local HTTP server for the bundled sample news site (``accords demo``)."""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SAMPLE_SITE = Path(__file__).resolve().parent / "sample_site"
PLACEHOLDER = b"{{BASE_URL}}"


def _handler(root: Path, base_url: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = (root / self.path.split("?", 1)[0].lstrip("/")).resolve()
            if root not in path.parents or not path.is_file():
                self.send_error(404)
                return
            body = path.read_bytes().replace(PLACEHOLDER, base_url.encode())
            ctype = {".xml": "application/xml", ".txt": "text/plain"}.get(path.suffix) or (
                mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            )
            self.send_response(200)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8" if "text" in ctype
                             or "xml" in ctype else ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the demo's output is the stored records, not an access log

    return Handler


@contextmanager
def serve_sample_site(port: int = 0, root: Path = SAMPLE_SITE) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 and yield its base URL; ``{{BASE_URL}}`` in files is filled in."""
    server = ThreadingHTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler)
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    server.RequestHandlerClass = _handler(root.resolve(), base_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
