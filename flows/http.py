"""The project's single HTTP client, hardened for URLs taken from third-party feeds.

Everything that leaves the process for the web goes through :class:`HttpClient`.
Links are untrusted, so every hop is checked (scheme, resolved address,
robots.txt), every body is capped (also after gzip decoding) and every attempt
is bounded in time.

Design notes:

* **Address pinning.** A custom httpcore network backend resolves the host once,
  rejects it if *any* address is non-public, then connects to one of exactly those
  addresses (TLS still uses the host name for SNI and certificate checks). httpcore
  never resolves names itself, so DNS rebinding between check and connect is not
  possible. Environment proxies are ignored (``trust_env=False``) because a proxy
  would resolve names on our behalf and defeat the check.
* **Deadline.** ``HttpConfig.deadline`` bounds one *attempt* at one URL (connect,
  request, headers and the whole body); retries and redirect hops each get a fresh
  deadline, and waiting for a politeness slot or a retry back-off is not counted.
  It is enforced inside the socket layer: every read/write timeout is clipped to
  the time left, so a server trickling one byte per second fails with
  ``deadline`` at most ~``deadline`` seconds after the attempt started. Worst case
  for one :meth:`HttpClient.get` is therefore roughly
  ``(max_redirects + 1) * (max_retries + 1) * deadline`` plus back-off waits.
* **Decoding.** We advertise only ``gzip, deflate`` and decompress ourselves with
  ``max_length`` so a decompression bomb never materialises more than
  ``max_bytes`` (+1) bytes. Text is *not* decoded: callers get bytes + charset.
"""

from __future__ import annotations

import concurrent.futures
import email.utils
import http.cookiejar
import ipaddress
import random
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, Self

import httpcore
import httpx

from flows.politeness import HostLimiter, LocalHostLimiter
from flows.robots import RobotsCache, product_token

__all__ = [
    "BlockedAddressError",
    "ConnectionFailedError",
    "ContentTypeError",
    "DeadlineError",
    "DecodingError",
    "DnsError",
    "FetchError",
    "FetchTimeoutError",
    "HostLimiter",
    "HttpClient",
    "HttpConfig",
    "HttpStatusError",
    "InvalidUrlError",
    "Kind",
    "LocalHostLimiter",
    "ProtocolFetchError",
    "Response",
    "RobotsDisallowedError",
    "TlsError",
    "TooLargeError",
    "TooManyRedirectsError",
    "content_type_accepted",
    "is_blocked_ip",
    "parse_retry_after",
]

Kind = Literal["html", "feed", "any"]


# --------------------------------------------------------------------------- config


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpConfig:
    """Settings of :class:`HttpClient`; all durations are in seconds.

    Attributes:
        user_agent: Sent on every request; its product token is used for robots.txt.
        connect_timeout: TCP/TLS connect timeout per address.
        read_timeout: Maximum silence between two reads (and write timeout).
        deadline: Overall bound on one attempt at one URL, body included (see module
            docstring); not extended by a trickling server.
        max_bytes: Cap on the decoded body size.
        max_redirects: Redirect hops followed before failing with ``redirects``.
        only_allowed_hosts: Refuse every host not in ``allowed_hosts``, before any DNS
            lookup (closed test environments, crawls of a fixed set of sites).
        allowed_hosts: Hosts (``host`` or ``host:port``; IPv6 as ``[::1]:8080``) that
            may resolve to non-public addresses, e.g. a local test server.
        per_host_concurrency: Simultaneous requests per host.
        min_host_delay: Minimum gap between request starts to one host.
        max_retries: Retries after the first attempt for transient failures.
        backoff_base: Base of the exponential back-off (``base * 2**n``, jittered).
        retry_after_cap: Longest wait we accept; a larger ``Retry-After`` fails the
            request at once (the caller should reschedule) rather than retrying early.
        respect_robots: Check robots.txt before each hop.
        robots_ttl: How long a fetched robots.txt is trusted.
        robots_max_bytes: robots.txt beyond this is truncated (Google uses 500 KiB).
    """

    user_agent: str = "accords/0.1 (+https://github.com/accords/accords; news research bot)"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    allowed_hosts: frozenset[str] = frozenset()
    only_allowed_hosts: bool = False
    per_host_concurrency: int = 2
    min_host_delay: float = 1.0
    max_retries: int = 3
    backoff_base: float = 1.0
    retry_after_cap: float = 120.0
    respect_robots: bool = True
    robots_ttl: float = 86_400.0
    robots_max_bytes: int = 512_000

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "deadline"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0")
        for name in ("max_bytes", "robots_max_bytes", "per_host_concurrency"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        for name in (
            "max_redirects",
            "max_retries",
            "min_host_delay",
            "backoff_base",
            "retry_after_cap",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")


@dataclass(frozen=True, slots=True)
class Response:
    """A fetched resource; the body is raw (content-decoded, not text-decoded).

    Attributes:
        url: Final URL after redirects.
        status: HTTP status, 2xx or 304 (other statuses raise).
        headers: Response headers with lower-case names; repeated headers are
            joined with ", ". ``content-encoding``/``content-length`` describe the
            wire format, not ``content``.
        content: Body bytes after gzip/deflate decoding.
        content_type: Media type, lower case, without parameters ("" if absent).
        charset: ``charset`` parameter of Content-Type, lower case, or None.
        elapsed: Seconds spent in :meth:`HttpClient.get`, retries and waits included.
        redirects: URLs that answered with a redirect, in order (empty if none).
    """

    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    content_type: str
    charset: str | None
    elapsed: float
    redirects: tuple[str, ...] = ()


# --------------------------------------------------------------------------- errors


class FetchError(Exception):
    """Base of all client errors.

    Attributes:
        reason: Machine-readable cause (class-specific constant).
        url: The URL being fetched when the error happened (a redirect target
            or robots.txt URL, possibly).
        retryable: Whether the client considers the condition transient.
    """

    reason: str = "error"

    def __init__(self, message: str, *, url: str = "", retryable: bool = False) -> None:
        super().__init__(message)
        self.url = url
        self.retryable = retryable


class InvalidUrlError(FetchError):
    """Not an absolute http(s) URL with a host (or unparseable)."""

    reason = "invalid_url"


class BlockedAddressError(FetchError):
    """The host resolves to a private/loopback/link-local/... address."""

    reason = "blocked_address"


class DnsError(FetchError):
    """Name resolution failed or timed out."""

    reason = "dns"


class ConnectionFailedError(FetchError):
    """Connect refused/reset, or the peer closed mid-message."""

    reason = "connection"


class FetchTimeoutError(FetchError):
    """Connect or read timeout (silence longer than the configured timeout)."""

    reason = "timeout"


class TlsError(FetchError):
    """TLS handshake failed; certificate verification failures are not retried."""

    reason = "tls"


class DeadlineError(FetchError):
    """The per-attempt deadline expired (e.g. a trickling body)."""

    reason = "deadline"


class HttpStatusError(FetchError):
    """An HTTP status other than 2xx, 304 or a followed redirect.

    Attributes:
        status: The HTTP status code.
        retry_after: Parsed ``Retry-After`` in seconds, if the server sent one.
    """

    reason = "http_status"

    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        status: int,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, url=url, retryable=retryable)
        self.status = status
        self.retry_after = retry_after


class TooLargeError(FetchError):
    """Content-Length or the decoded body exceeds ``max_bytes``."""

    reason = "too_large"


class ContentTypeError(FetchError):
    """The media type is not acceptable for the requested kind.

    Attributes:
        content_type: The rejected media type ("" if none was sent).
    """

    reason = "content_type"

    def __init__(self, message: str, *, url: str = "", content_type: str) -> None:
        super().__init__(message, url=url)
        self.content_type = content_type


class TooManyRedirectsError(FetchError):
    """More than ``max_redirects`` hops, or a redirect without Location."""

    reason = "redirects"


class RobotsDisallowedError(FetchError):
    """robots.txt disallows the URL for our product token."""

    reason = "robots"


class DecodingError(FetchError):
    """Unsupported or corrupt Content-Encoding."""

    reason = "decoding"


class ProtocolFetchError(FetchError):
    """Malformed HTTP exchange not attributable to the network."""

    reason = "protocol"


# --------------------------------------------------------------------------- address safety

# Cloud metadata endpoints, listed explicitly even where the generic checks already
# cover them, so a change in ``ipaddress`` semantics cannot reopen them.
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_blocked_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Tell whether an address must not be contacted for an untrusted URL.

    Blocks private, loopback, link-local, multicast, reserved, unspecified, shared
    (CGNAT) and every other non-global range, cloud metadata addresses, and IPv6
    forms that embed such an IPv4 address (mapped, 6to4, Teredo, NAT64).

    Args:
        ip: The address to check.

    Returns:
        True if the address is not a public unicast address.
    """
    if ip in _METADATA_ADDRESSES:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # the socket really talks to the IPv4 address
            return is_blocked_ip(ip.ipv4_mapped)
        embedded: list[ipaddress.IPv4Address] = []
        if ip.sixtofour is not None:
            embedded.append(ip.sixtofour)
        if ip.teredo is not None:
            embedded.extend(ip.teredo)
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if any(is_blocked_ip(e) for e in embedded):
            return True
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


# Per-thread deadline of the attempt in progress. httpcore performs a synchronous
# request's socket I/O on the calling thread, so the backend can read it there.
_current = threading.local()


def _budget(timeout: float | None) -> float | None:
    """Clip a socket timeout to the current attempt's remaining time."""
    deadline: float | None = getattr(_current, "deadline", None)
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        url = getattr(_current, "url", "")
        raise DeadlineError(f"deadline exceeded for {url}", url=url)
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """Socket stream whose every operation is bounded by the attempt deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _budget(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _budget(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, _budget(timeout))
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves, vets and pins connections; the only place that resolves names."""

    def __init__(self, allowed_hosts: frozenset[str], *, only_allowed: bool = False) -> None:
        self._allowed = frozenset(h.strip().lower() for h in allowed_hosts)
        self._only_allowed = only_allowed
        self._inner = httpcore.SyncBackend()
        # getaddrinfo() has no timeout; run it on a small pool so the wait is bounded.
        self._resolver = concurrent.futures.ThreadPoolExecutor(
            max_workers=8, thread_name_prefix="accords-dns"
        )

    def close(self) -> None:
        self._resolver.shutdown(wait=False, cancel_futures=True)

    def is_allowed(self, host: str, port: int) -> bool:
        host = host.lower()
        names = {host, f"{host}:{port}", f"[{host}]", f"[{host}]:{port}"}
        return not self._allowed.isdisjoint(names)

    def resolve(self, host: str, port: int, timeout: float | None) -> list[str]:
        url = getattr(_current, "url", "")
        try:
            infos = self._resolver.submit(
                socket.getaddrinfo, host, port, type=socket.SOCK_STREAM
            ).result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            raise DnsError(f"resolving {host!r} timed out", url=url, retryable=True) from None
        except socket.gaierror as exc:
            transient = exc.errno == socket.EAI_AGAIN
            raise DnsError(
                f"cannot resolve {host!r}: {exc}", url=url, retryable=transient
            ) from None
        except (OSError, UnicodeError) as exc:
            raise DnsError(f"cannot resolve {host!r}: {exc}", url=url) from None
        addresses: list[str] = []
        for _family, _type, _proto, _canon, sockaddr in infos:
            address = str(sockaddr[0])
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise DnsError(f"{host!r} has no addresses", url=url)
        return addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        url = getattr(_current, "url", "")
        if self._only_allowed and not self.is_allowed(host, port):
            raise BlockedAddressError(f"{host!r} is not in the allow-list", url=url)
        addresses = self.resolve(host, port, _budget(timeout))
        if not self.is_allowed(host, port):
            for address in addresses:
                if is_blocked_ip(ipaddress.ip_address(address)):
                    raise BlockedAddressError(
                        f"{host!r} resolves to non-public address {address}", url=url
                    )
        last: Exception | None = None
        for address in addresses:
            try:
                # An IP literal makes create_connection() skip DNS: the socket goes
                # to the address vetted above (pinning; no rebinding window).
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=_budget(timeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            return _DeadlineStream(stream)
        assert last is not None
        raise last

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not supported")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


# httpcore -> httpx exception mapping, most specific first (mirrors httpx's own).
_EXC_MAP: tuple[tuple[type[Exception], type[Exception]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _map_httpcore() -> Iterator[None]:
    try:
        yield
    except FetchError:
        raise
    except Exception as exc:
        for source, target in _EXC_MAP:
            if isinstance(exc, source):
                raise target(str(exc)) from exc
        raise


class _MappedStream(httpx.SyncByteStream):
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        with _map_httpcore():
            yield from self._inner

    def close(self) -> None:
        with _map_httpcore():
            if hasattr(self._inner, "close"):
                self._inner.close()


class _PinnedTransport(httpx.BaseTransport):
    """httpx transport over an httpcore pool that uses :class:`_GuardedBackend`.

    httpx.HTTPTransport cannot take a network backend, hence this small adapter
    (public httpcore API only).
    """

    def __init__(self, backend: _GuardedBackend) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=backend,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _map_httpcore():
            core_response = self._pool.handle_request(core_request)
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_MappedStream(core_response.stream),
            extensions=core_response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


# --------------------------------------------------------------------------- helpers

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Feeds are often mislabelled: text/html and text/plain (static hosting),
# application/octet-stream (S3/CDN defaults) or no type at all. The feed parser
# decides; we only keep out things that are clearly something else (images, PDFs...).
_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/feed+json",
        "application/json",
        "text/plain",
        "text/html",
        "application/octet-stream",
        "",
    }
)
_ACCEPT = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "feed": (
        "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,"
        "application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1"
    ),
    "any": "*/*",
}
# Headers the client owns; caller values for these are ignored.
_RESERVED_HEADERS = frozenset(
    {"user-agent", "accept-encoding", "host", "content-length", "transfer-encoding", "connection"}
)
_MAX_URL_LENGTH = 8192
# Host names after IDNA encoding: dot-separated labels of letters, digits, "-" and "_"
# (underscores occur in real sub-domains). Rejects "%20", empty labels etc.
_HOST_RE = re.compile(
    r"(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
    r"(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?",
    re.IGNORECASE,
)


def content_type_accepted(kind: Kind, content_type: str) -> bool:
    """Tell whether a media type is acceptable for a request kind.

    Args:
        kind: ``html`` (text/html, application/xhtml+xml only), ``feed`` (XML/RSS/
            Atom/RDF/JSON feed types, any ``application|text/*+xml`` or ``*/xml``,
            plus the common mislabels text/html, text/plain, application/octet-stream
            and a missing type) or ``any``.
        content_type: Lower-case media type without parameters.

    Returns:
        True if the body should be read.
    """
    if kind == "any":
        return True
    if kind == "html":
        return content_type in _HTML_TYPES
    if content_type in _FEED_TYPES:
        return True
    major = content_type.partition("/")[0]
    return major in ("application", "text") and content_type.endswith(("+xml", "/xml"))


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse a Retry-After header (delta-seconds or HTTP-date).

    Args:
        value: Header value, or None.
        now: Current time for HTTP-dates (defaults to the system clock).

    Returns:
        Seconds to wait (>= 0), or None if absent or unparseable.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _split_content_type(value: str) -> tuple[str, str | None]:
    media, _, params = value.partition(";")
    charset: str | None = None
    for param in params.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip("\"'").lower() or None
    return media.strip().lower(), charset


def _parse_url(raw: str, *, base: httpx.URL | None = None) -> httpx.URL:
    """Parse and vet an untrusted URL (optionally relative to ``base``)."""
    if len(raw) > _MAX_URL_LENGTH:
        raise InvalidUrlError("URL too long", url=raw[:200])
    try:
        url = base.join(raw) if base is not None else httpx.URL(raw.strip())
    except (httpx.InvalidURL, ValueError, TypeError, UnicodeError) as exc:
        raise InvalidUrlError(f"cannot parse URL {raw!r}: {exc}", url=raw) from None
    if url.scheme not in ("http", "https"):
        raise InvalidUrlError(f"scheme {url.scheme!r} is not http(s): {raw!r}", url=raw)
    if not url.host:
        raise InvalidUrlError(f"URL has no host: {raw!r}", url=raw)
    host = url.raw_host.decode("ascii", errors="replace")
    if ":" not in host and not _HOST_RE.fullmatch(host):  # ":" only in IPv6 literals
        raise InvalidUrlError(f"malformed host {host!r} in {raw!r}", url=raw)
    if url.userinfo:
        # Legitimate article links never carry credentials; httpx would send them.
        raise InvalidUrlError(f"URL carries credentials: {url.host}", url=raw)
    return url.copy_with(fragment=None)


class _Overflow(Exception):
    """Decoded output would exceed the cap."""


class _Decoder:
    """Content-Encoding decoder whose output is bounded by the caller's budget.

    ``zlib``'s ``max_length`` stops inflating once the budget is reached, so a
    bomb costs at most ``budget`` bytes of memory, never its full expansion.
    """

    def __init__(self, encodings: list[str], limit: int) -> None:
        self._limit = limit
        self._stages: list[Any] = []
        self._probe: list[bool] = []  # "deflate" not yet known to be zlib-wrapped
        for enc in reversed(encodings):  # applied in order, so undone in reverse
            if enc in ("gzip", "x-gzip"):
                self._stages.append(zlib.decompressobj(zlib.MAX_WBITS | 16))
                self._probe.append(False)
            elif enc == "deflate":
                self._stages.append(zlib.decompressobj(zlib.MAX_WBITS))
                self._probe.append(True)
            else:
                raise DecodingError(f"unsupported Content-Encoding {enc!r}")

    def feed(self, data: bytes, room: int) -> bytes:
        """Decode a chunk, producing at most ``room`` bytes; raise _Overflow beyond."""
        last = len(self._stages) - 1
        for i, stage in enumerate(self._stages):
            cap = room if i == last else self._limit + 1
            try:
                out = stage.decompress(data, cap)
            except zlib.error:
                if not self._probe[i]:
                    raise
                # "deflate" is sometimes raw DEFLATE without the zlib header.
                self._stages[i] = stage = zlib.decompressobj(-zlib.MAX_WBITS)
                out = stage.decompress(data, cap)
            self._probe[i] = False
            if stage.unconsumed_tail:
                raise _Overflow(out if i == last else b"")
            data = out
        return data

    def flush(self, room: int) -> bytes:
        """Decode whatever the stages still buffer, within ``room`` bytes."""
        data = b""
        for stage in self._stages:
            data = stage.decompress(data, self._limit + 1) if data else b""
            data += stage.flush()
        if len(data) > room:
            raise _Overflow(data[:room])
        return data


@dataclass(frozen=True, slots=True)
class _Hop:
    url: str
    status: int
    headers: dict[str, str]
    content: bytes = b""
    location: str | None = None


@dataclass(frozen=True, slots=True)
class _Plan:
    """Per-call knobs that differ between page fetches and robots.txt fetches."""

    kind: Kind
    max_bytes: int
    max_retries: int
    check_robots: bool
    truncate: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- client


class HttpClient:
    """Thread-safe, polite, SSRF-hardened GET client (see module docstring).

    Example:
        >>> with HttpClient(HttpConfig()) as client:  # doctest: +SKIP
        ...     page = client.get("https://example.org/news/1", kind="html")
    """

    def __init__(self, config: HttpConfig, *, limiter: HostLimiter | None = None) -> None:
        """Create a client.

        Args:
            config: Client settings.
            limiter: Politeness limiter; defaults to an in-process
                :class:`LocalHostLimiter` built from the config.
        """
        self.config = config
        self._backend = _GuardedBackend(config.allowed_hosts,
                                        only_allowed=config.only_allowed_hosts)
        self._limiter: HostLimiter = limiter or LocalHostLimiter(
            config.per_host_concurrency, config.min_host_delay
        )
        # Cookies live only for one get() (see _follow); the shared jar refuses all
        # so sites cannot correlate our requests or grow memory without bound.
        no_cookies = http.cookiejar.CookieJar(
            policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
        )
        self._client = httpx.Client(
            transport=_PinnedTransport(self._backend),
            follow_redirects=False,
            trust_env=False,
            cookies=no_cookies,
            headers={"User-Agent": config.user_agent},
        )
        self._robots = RobotsCache(
            self._fetch_robots, token=product_token(config.user_agent), ttl=config.robots_ttl
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections and the resolver pool."""
        self._client.close()
        self._backend.close()

    def get(
        self,
        url: str,
        *,
        kind: Kind = "any",
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Fetch ``url`` with GET.

        Args:
            url: Absolute http(s) URL (untrusted).
            kind: Expected content: ``html``, ``feed`` or ``any`` (see
                :func:`content_type_accepted`); checked before the body is read.
            headers: Extra request headers, e.g. ``If-None-Match`` /
                ``If-Modified-Since``. Dropped when a redirect changes origin.
                User-Agent and Accept-Encoding cannot be overridden.

        Returns:
            The final response (2xx, or 304 for a satisfied conditional request).

        Raises:
            FetchError: A subclass whose ``reason`` names the cause.
        """
        if kind not in _ACCEPT:
            raise ValueError(f"kind must be 'html', 'feed' or 'any', not {kind!r}")
        plan = _Plan(
            kind=kind,
            max_bytes=self.config.max_bytes,
            max_retries=self.config.max_retries,
            check_robots=self.config.respect_robots,
            headers=dict(headers or {}),
        )
        return self._follow(url, plan)

    # -- internals ------------------------------------------------------------

    def _follow(self, raw_url: str, plan: _Plan) -> Response:
        started = time.monotonic()
        url = _parse_url(raw_url)
        first_origin = (url.scheme, url.host, url.port)
        jar = httpx.Cookies()  # lets cookie-then-redirect consent pages terminate
        chain: list[str] = []
        for _ in range(self.config.max_redirects + 1):
            if plan.check_robots:
                try:
                    allowed = self._robots.allowed(str(url))
                except FetchError as exc:  # robots.txt host is blocked/unresolvable
                    exc.url = str(url)
                    raise
                if not allowed:
                    raise RobotsDisallowedError(f"robots.txt disallows {url}", url=str(url))
            same_origin = (url.scheme, url.host, url.port) == first_origin
            hop = self._with_retries(url, plan, jar, plan.headers if same_origin else {})
            if hop.location is None:
                media, charset = _split_content_type(hop.headers.get("content-type", ""))
                return Response(
                    url=hop.url,
                    status=hop.status,
                    headers=hop.headers,
                    content=hop.content,
                    content_type=media,
                    charset=charset,
                    elapsed=time.monotonic() - started,
                    redirects=tuple(chain),
                )
            chain.append(hop.url)
            url = _parse_url(hop.location, base=url)
        raise TooManyRedirectsError(
            f"more than {self.config.max_redirects} redirects from {raw_url}", url=str(url)
        )

    def _with_retries(
        self, url: httpx.URL, plan: _Plan, jar: httpx.Cookies, headers: Mapping[str, str]
    ) -> _Hop:
        attempt = 0
        while True:
            try:
                return self._attempt(url, plan, jar, headers)
            except FetchError as exc:
                if not exc.retryable or attempt >= plan.max_retries:
                    raise
                retry_after = exc.retry_after if isinstance(exc, HttpStatusError) else None
                if retry_after is not None:
                    if retry_after > self.config.retry_after_cap:
                        raise  # retrying earlier than asked would be rude; caller reschedules
                    delay = retry_after
                else:
                    ceiling = min(
                        self.config.retry_after_cap, self.config.backoff_base * 2**attempt
                    )
                    delay = random.uniform(ceiling / 2, ceiling)  # jitter de-synchronises
                time.sleep(delay)
                attempt += 1

    def _attempt(
        self, url: httpx.URL, plan: _Plan, jar: httpx.Cookies, extra: Mapping[str, str]
    ) -> _Hop:
        cfg = self.config
        headers = {"Accept": _ACCEPT[plan.kind]}
        headers.update({k: v for k, v in extra.items() if k.lower() not in _RESERVED_HEADERS})
        headers["Accept-Encoding"] = "gzip, deflate"
        url_text = str(url)
        try:
            request = self._client.build_request(
                "GET",
                url,
                headers=headers,
                timeout=httpx.Timeout(
                    connect=cfg.connect_timeout,
                    read=cfg.read_timeout,
                    write=cfg.read_timeout,
                    pool=cfg.deadline,
                ),
            )
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, TypeError) as exc:
            raise InvalidUrlError(
                f"cannot build request for {url_text}: {exc}", url=url_text
            ) from None
        jar.set_cookie_header(request)

        with self._limiter.slot(url.host.lower()):
            deadline = time.monotonic() + cfg.deadline
            saved = getattr(_current, "deadline", None), getattr(_current, "url", "")
            _current.deadline, _current.url = deadline, url_text
            try:
                response = self._client.send(request, stream=True)
                try:
                    jar.extract_cookies(response)
                    return self._handle(url_text, response, plan, deadline)
                finally:
                    response.close()
            except FetchError:
                raise
            except httpx.TimeoutException as exc:
                if time.monotonic() >= deadline:
                    raise DeadlineError(
                        f"deadline of {cfg.deadline}s exceeded for {url_text}", url=url_text
                    ) from None
                raise FetchTimeoutError(
                    f"{type(exc).__name__} for {url_text}", url=url_text, retryable=True
                ) from None
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                raise _connection_error(url_text, exc) from None
            except httpx.InvalidURL as exc:
                raise InvalidUrlError(f"{exc}: {url_text}", url=url_text) from None
            except (httpx.HTTPError, httpx.StreamError, zlib.error) as exc:
                raise ProtocolFetchError(
                    f"{type(exc).__name__} for {url_text}: {exc}", url=url_text
                ) from None
            finally:
                _current.deadline, _current.url = saved

    def _handle(self, url: str, response: httpx.Response, plan: _Plan, deadline: float) -> _Hop:
        status = response.status_code
        headers = dict(response.headers.items())
        if status in _REDIRECT_STATUSES:
            location = headers.get("location", "").strip()
            if not location:
                raise TooManyRedirectsError(f"{status} without Location at {url}", url=url)
            return _Hop(url, status, headers, location=location)
        if status in _RETRY_STATUSES:
            raise HttpStatusError(
                f"HTTP {status} from {url}",
                url=url,
                status=status,
                retryable=True,
                retry_after=parse_retry_after(headers.get("retry-after")),
            )
        if not (200 <= status < 300 or status == 304):
            raise HttpStatusError(f"HTTP {status} from {url}", url=url, status=status)
        if 200 <= status < 300 and status != 204:
            media, _ = _split_content_type(headers.get("content-type", ""))
            if not content_type_accepted(plan.kind, media):
                raise ContentTypeError(
                    f"content type {media or '(none)'!r} not acceptable for {plan.kind} at {url}",
                    url=url,
                    content_type=media,
                )
        return _Hop(url, status, headers, content=self._read_body(url, response, plan, deadline))

    def _read_body(self, url: str, response: httpx.Response, plan: _Plan, deadline: float) -> bytes:
        limit = plan.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.strip().isdigit() and int(declared) > limit and not plan.truncate:
            raise TooLargeError(
                f"Content-Length {declared} exceeds cap of {limit} bytes at {url}", url=url
            )
        encodings = [
            e.strip().lower()
            for e in response.headers.get("content-encoding", "").split(",")
            if e.strip() and e.strip().lower() != "identity"
        ]
        try:
            decoder = _Decoder(encodings, limit)
        except DecodingError as exc:
            raise DecodingError(f"{exc} at {url}", url=url) from None
        body = bytearray()
        raw_total = 0
        try:
            for chunk in response.iter_raw():
                raw_total += len(chunk)
                body += decoder.feed(chunk, limit - len(body) + 1)
                if len(body) > limit or raw_total > limit:
                    raise _Overflow(b"")
                if time.monotonic() >= deadline:
                    raise DeadlineError(f"deadline exceeded reading {url}", url=url)
            body += decoder.flush(limit - len(body) + 1)
            if len(body) > limit:
                raise _Overflow(b"")
        except _Overflow as overflow:
            if plan.truncate:  # robots.txt: use the first `limit` bytes, like Google
                body += overflow.args[0]
                return bytes(body[:limit])
            raise TooLargeError(f"body exceeds cap of {limit} bytes at {url}", url=url) from None
        except zlib.error as exc:
            raise DecodingError(f"corrupt compressed body at {url}: {exc}", url=url) from None
        return bytes(body)

    def _fetch_robots(self, url: str) -> tuple[int, bytes] | None:
        """Fetch robots.txt through the safe path; None means "could not fetch"."""
        plan = _Plan(
            kind="any",
            max_bytes=self.config.robots_max_bytes,
            max_retries=0,
            check_robots=False,
            truncate=True,
        )
        try:
            response = self._follow(url, plan)
        except HttpStatusError as exc:
            return exc.status, b""
        except (BlockedAddressError, DnsError) as exc:
            if exc.url == url:
                raise  # the page's own host: it would fail the same way; say so, uncached
            return None  # only a redirect target of robots.txt is bad
        except FetchError:
            return None
        return response.status, response.content


def _connection_error(url: str, exc: BaseException) -> FetchError:
    """Classify a network/protocol failure (TLS problems get their own reason)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            permanent = isinstance(cause, ssl.SSLCertVerificationError)
            return TlsError(f"TLS failed for {url}: {cause}", url=url, retryable=not permanent)
        cause = cause.__cause__ or cause.__context__
    detail = str(exc) or type(exc).__name__
    return ConnectionFailedError(f"connection failed for {url}: {detail}", url=url, retryable=True)
