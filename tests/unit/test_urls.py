import pytest

from flows.urls import InvalidUrlError, canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # tracking parameters go, real ones stay (sorted)
        ("https://news.example.com/a?utm_source=rss&id=7&utm_medium=feed",
         "https://news.example.com/a?id=7"),
        ("https://news.example.com/a?fbclid=abc", "https://news.example.com/a"),
        # scheme and host case, default port, fragment
        ("HTTP://News.Example.COM:80/Story#comments", "https://news.example.com/Story"),
        # http and https are one key
        ("http://news.example.com/a", "https://news.example.com/a"),
        # an empty path is "/"
        ("https://news.example.com", "https://news.example.com/"),
        # surrounding whitespace from sloppy feeds
        ("  https://news.example.com/a  ", "https://news.example.com/a"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_two_tracking_variants_share_a_key() -> None:
    a = canonical_url("https://x.example/2025/06/17/s.html?utm_source=rss&utm_medium=feed")
    b = canonical_url("https://x.example/2025/06/17/s.html?utm_campaign=tw")
    assert a == b


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,hi", "ftp://x.example/a", "/relative/path", "mailto:a@b",
     "https://"],
)
def test_rejects_non_http_urls(url: str) -> None:
    with pytest.raises(InvalidUrlError):
        canonical_url(url)
