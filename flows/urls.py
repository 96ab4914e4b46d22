"""Canonical article URLs: the key that deduplicates entries across feeds and runs."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url


class InvalidUrlError(ValueError):
    """Not an http(s) URL with a host."""


def canonical_url(url: str) -> str:
    """Normalise ``url`` into the key two links to the same article share.

    courlan lower-cases scheme and host, drops default ports and tracking
    parameters (utm_*, fbclid, ...) and sorts the query. On top of that the
    fragment goes, and http and https map to one key, since feeds mix the two.

    Raises:
        InvalidUrlError: for anything but an absolute http(s) URL.
    """
    url = url.strip()
    if "\x00" in url:
        raise InvalidUrlError(f"NUL character in URL: {url[:200]!r}")
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise InvalidUrlError(f"not an http(s) URL: {url[:200]!r}")
        normal = urlsplit(normalize_url(url, strict=False, trailing_slash=True))
    except InvalidUrlError:
        raise
    except ValueError as exc:  # urllib refuses some hosts (invalid under NFKC, bad ports, ...)
        raise InvalidUrlError(f"unusable URL {url[:200]!r}: {exc}") from None
    return urlunsplit(("https", normal.netloc, normal.path or "/", normal.query, ""))
