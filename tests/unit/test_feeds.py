"""Feed parsing edge cases: every format feedparser reads, broken feeds, bad entries."""

import pytest

from flows.feeds import FeedParseError, parse_feed

BASE = "https://news.example.com/feed"

RSS2 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>
<item><title>One</title><link>https://news.example.com/one?utm_source=rss</link>
<guid isPermaLink="false">id-1</guid><pubDate>Tue, 17 Jun 2025 09:30:00 +0000</pubDate>
<dc:creator>A. Writer</dc:creator></item>
<item><title>Two</title><guid>https://news.example.com/two</guid></item>
</channel></rss>"""

RSS091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title>
<item><title>Old one</title><link>http://news.example.com/old</link></item></channel></rss>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://news.example.com/"><title>R</title></channel>
<item rdf:about="https://news.example.com/rdf-1"><title>R1</title>
<link>https://news.example.com/rdf-1</link></item></rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id>
<updated>2025-06-17T10:00:00Z</updated>
<entry><title>Atom one</title><id>urn:uuid:1</id><link href="/atom-1"/>
<updated>2025-06-17T10:00:00Z</updated><author><name>B. Writer</name></author></entry></feed>"""


def test_rss2_entries_have_canonical_urls_guids_dates_and_authors() -> None:
    parsed = parse_feed(RSS2, base_url=BASE)
    assert parsed.version == "rss20"
    one, two = parsed.entries
    assert one.canonical_url == "https://news.example.com/one"
    assert one.guid == "id-1"
    assert one.published is not None and one.published.isoformat() == "2025-06-17T09:30:00+00:00"
    assert one.authors == ("A. Writer",)
    # an item with only a permalink GUID still yields its link
    assert two.url == "https://news.example.com/two"


@pytest.mark.parametrize(("content", "version"), [(RSS091, "rss091u"), (RDF, "rss10"),
                                                  (ATOM, "atom10")])
def test_other_formats(content: bytes, version: str) -> None:
    parsed = parse_feed(content, base_url=BASE)
    assert parsed.version == version
    assert len(parsed.entries) == 1
    assert parsed.problem is None


def test_atom_relative_links_resolve_against_the_feed() -> None:
    (entry,) = parse_feed(ATOM, base_url=BASE).entries
    assert entry.url == "https://news.example.com/atom-1"
    assert entry.authors == ("B. Writer",)


def test_malformed_but_readable_feed_is_used_and_its_problem_recorded() -> None:
    broken = RSS2.replace(b"</channel></rss>", b"<item><title>unclosed & bad</title>")
    parsed = parse_feed(broken, base_url=BASE)
    assert parsed.problem
    assert [e.canonical_url for e in parsed.entries][:2] == [
        "https://news.example.com/one", "https://news.example.com/two"]


@pytest.mark.parametrize("content", [b"", b"<html><body>Not a feed</body></html>",
                                     b"\x00\x01\x02binary", b"{\"json\": true}"])
def test_unreadable_documents_are_a_parse_error(content: bytes) -> None:
    with pytest.raises(FeedParseError):
        parse_feed(content, base_url=BASE)


def test_entries_without_usable_links_are_counted_not_kept() -> None:
    feed = b"""<rss version="2.0"><channel><title>T</title>
    <item><title>no link</title></item>
    <item><title>js</title><link>javascript:alert(1)</link></item>
    <item><title>data</title><link>data:text/html,hello</link></item>
    <item><title>ok</title><link>https://news.example.com/ok</link></item>
    <item><title>dupe</title><link>https://news.example.com/ok?utm_source=x</link></item>
    </channel></rss>"""
    parsed = parse_feed(feed, base_url=BASE)
    assert [e.url for e in parsed.entries] == ["https://news.example.com/ok"]
    assert parsed.skipped == {"no_link": 1, "bad_link": 2}
