"""The HTML report (``flows/report.py``) rendered from a real PostgreSQL and parsed with lxml."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import html as lxml_html
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from db import load, merge
from db.reports import meeting_matrix
from extractors.records import Agreement, Extraction, Person, Span, Summit, ValueSpan
from flows.cli import app
from flows.report import build_report
from flows.settings import get_settings

pytestmark = pytest.mark.integration

HOSTILE_TITLE = "<script>alert(1)</script> Astana summit ends"
HOSTILE_AGREEMENT = "<script>alert(2)</script> Accord"
ASTANA = ("Leaders of China, Kazakhstan and Uzbekistan met in Astana for the second "
          "China-Central Asia Summit, hosted by Kassym-Jomart Tokayev.")
BUNDLE = "They signed 12 cooperation agreements on green minerals and customs."
TIANJIN = "The SCO summit in Tianjin adopted the Tianjin Declaration on security."
EVIL = "In Baku, Azerbaijan and Turkey signed a memorandum <b>on pipelines</b>."


def _span(body: str, part: str) -> Span:
    start = body.index(part)
    return Span(start=start, end=start + len(part), text=part)


def _article(session: Session, n: int, body: str, day: date, *, title: str,
             url: str | None = None) -> int:
    ids = load.sync_feeds(session, [{"name": "wire", "url": "https://w.example/rss",
                                     "region": "global", "language": "en", "tags": [],
                                     "enabled": True}])
    url = url or f"https://w.example/{n}"
    load.insert_entries(session, ids["wire"], [{
        "url": url, "canonical_url": url, "guid": None, "title": title, "feed_title": title,
        "authors": [], "feed_published_at": None}])
    (article_id,) = [i for i, u, _ in load.urls_for(session, load.articles_to_fetch(
        session, max_attempts=3)) if u == url]
    load.store_clean(session, article_id, {
        "text": body, "title": title,
        "published_at": datetime(day.year, day.month, day.day, tzinfo=UTC)})
    return article_id


def add_sample_records(session: Session) -> None:
    """Three articles: two summits with agreements, one with hostile text and a bad URL."""
    body = f"{ASTANA} {BUNDLE}"
    a = _article(session, 1, body, date(2025, 6, 17), title=HOSTILE_TITLE)
    merge.replace_mentions(session, a, Extraction(
        summits=(Summit(
            name="China-Central Asia Summit", edition=2, city="Astana", country="KZ",
            participants=("CN", "KZ", "UZ"), status="held",
            leaders=(Person(name="Kassym-Jomart Tokayev", role="President", country="KZ"),),
            evidence=(_span(body, ASTANA),),
            values=(ValueSpan(field="city", value="Astana", span=_span(body, "Astana")),
                    ValueSpan(field="leaders", value="Kassym-Jomart Tokayev",
                              span=_span(body, "Kassym-Jomart Tokayev")))),),
        agreements=(Agreement(
            type="agreement", count=12, parties=("CN", "KZ", "UZ"),
            sectors=("green minerals", "customs"), summit="China-Central Asia Summit #2",
            status="signed", evidence=(_span(body, BUNDLE),),
            values=(ValueSpan(field="sectors", value="green minerals",
                              span=_span(body, "green minerals")),)),),
        extractor="t", version="1"))
    b = _article(session, 2, TIANJIN, date(2025, 9, 1), title="SCO adopts Tianjin Declaration")
    merge.replace_mentions(session, b, Extraction(
        summits=(Summit(name="SCO Summit", year=2025, start_date=date(2025, 8, 31),
                        city="Tianjin", country="CN", participants=("CN", "RU", "KZ"),
                        status="held", evidence=(_span(TIANJIN, TIANJIN),)),),
        agreements=(Agreement(title="Tianjin Declaration", type="declaration",
                              parties=("CN", "RU", "KZ"), summit="SCO Summit 2025",
                              signed_on=date(2025, 9, 1), status="adopted",
                              evidence=(_span(TIANJIN, TIANJIN),),
                              values=(ValueSpan(field="title", value="Tianjin Declaration",
                                                span=_span(TIANJIN, "Tianjin Declaration")),)),),
        extractor="t", version="1"))
    # A page can put markup (and mathtext dollars) anywhere, and a feed any URL scheme.
    c = _article(session, 3, EVIL, date(2025, 10, 7), title="<b>Baku</b> talks",
                 url="javascript:alert(3)")
    merge.replace_mentions(session, c, Extraction(
        summits=(Summit(name="<i>$x$</i> Summit", city="Baku", country="AZ",
                        participants=("AZ", "TR"), evidence=(_span(EVIL, EVIL),)),),
        agreements=(Agreement(title=HOSTILE_AGREEMENT, type="mou", parties=("AZ", "TR"),
                              status="signed", evidence=(_span(EVIL, EVIL),)),),
        extractor="t", version="1"))
    session.flush()


@pytest.fixture
def filled(session: Session) -> Session:
    add_sample_records(session)
    return session


def _parse(page: str) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(page)


def _text(node: lxml_html.HtmlElement) -> str:
    return " ".join(node.text_content().split())


def test_report_has_header_charts_and_tables(filled: Session) -> None:
    doc = _parse(build_report(filled, since=None, until=None))
    header = _text(doc.xpath("//header")[0])
    assert "all dates" in header
    assert "3 summits" in header and "3 agreements (14 documents)" in header
    assert "3 source articles" in header
    (timeline,) = doc.xpath("//section[@id='timeline']//svg")
    labels = [_text(t) for t in timeline.iter("text")]
    assert "China-Central Asia Summit" in labels and "SCO Summit" in labels
    assert "#2 Astana" in labels and "2025 Tianjin" in labels
    (matrix,) = doc.xpath("//section[@id='matrix']//svg")
    labels = [_text(t) for t in matrix.iter("text")]
    assert {"CN (2)", "KZ (2)", "RU (1)", "UZ (1)", "AZ (1)", "TR (1)"} <= set(labels)
    assert "2" in labels  # the CN-KZ cell: two summits shared
    rows = doc.xpath("//table[contains(@class, 'agreements')]//tr[@class='record']")
    names = [_text(r.xpath("td")[0]) for r in rows]
    assert names == ["12 agreements", "Tianjin Declaration", HOSTILE_AGREEMENT]
    bundle = [_text(td) for td in rows[0].xpath("td")]
    assert bundle == ["12 agreements", "agreement", "12", "CN KZ UZ", "customs, green minerals",
                      "signed", "China-Central Asia Summit #2", "—"]
    summits = doc.xpath("//table[contains(@class, 'summits')]//tr[@class='record']")
    astana = [_text(td) for td in summits[0].xpath("td")]
    assert astana[0] == "China-Central Asia Summit #2" and astana[2] == "Astana, KZ"
    assert astana[4] == "CN KZ UZ" and astana[5] == "Kassym-Jomart Tokayev (President, KZ)"


def test_records_link_their_articles_and_show_evidence(filled: Session) -> None:
    doc = _parse(build_report(filled, since=None, until=None))
    hrefs = doc.xpath("//section[@id='agreements']//a/@href")
    assert "https://w.example/1" in hrefs and "https://w.example/2" in hrefs
    quoted = [_text(q) for q in doc.xpath("//blockquote[@class='sentence']")]
    assert BUNDLE in quoted and ASTANA in quoted and TIANJIN in quoted
    # Per value: the sentence it was read from, as a tooltip and in the details.
    tips = {_text(v): v.get("title") for v in doc.xpath("//span[@class='v']")}
    assert tips["Astana"] == ASTANA
    assert tips["green minerals"] == BUNDLE
    assert tips["Kassym-Jomart Tokayev (President, KZ)"] == ASTANA
    assert tips["Tianjin Declaration"] == TIANJIN
    read = [[_text(td) for td in tr.xpath("td")]
            for tr in doc.xpath("//table[@class='values']//tr")]
    assert ["sectors", "green minerals", BUNDLE] in read
    assert ["city", "Astana", ASTANA] in read


def test_untrusted_text_is_escaped_and_bad_urls_are_not_links(filled: Session) -> None:
    page = build_report(filled, since=None, until=None)
    assert "<script>alert" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    doc = _parse(page)
    assert doc.xpath("//script | //b | //i") == []
    assert HOSTILE_TITLE in _text(doc.xpath("//section[@id='summits']")[0])
    assert "javascript:" not in " ".join(doc.xpath("//@href"))
    assert "<b>Baku</b> talks" in _text(doc.xpath("//section[@id='agreements']")[0])
    timeline = doc.xpath("//section[@id='timeline']//svg")[0]
    assert "<i>$x$</i> Summit" in [_text(t) for t in timeline.iter("text")]  # not mathtext


def test_the_page_loads_nothing_from_elsewhere(filled: Session) -> None:
    doc = _parse(build_report(filled, since=None, until=None))
    assert doc.xpath("//script | //link | //iframe | //object | //embed") == []
    for src in doc.xpath("//img/@src"):
        assert src.startswith("data:")
    # Inside the SVGs every reference is to an id in the same document.
    for ref in doc.xpath("//svg//@href | //svg//@*[local-name()='href']"):
        assert ref.startswith("#")
    for style in doc.xpath("//style"):
        assert "url(" not in style.text and "@import" not in style.text
    (csp,) = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert "default-src 'none'" in csp


def test_the_period_selects_what_is_dated_in_it(filled: Session) -> None:
    doc = _parse(build_report(filled, since=date(2025, 8, 1), until=date(2025, 9, 30)))
    assert "2025-08-01 to 2025-09-30" in _text(doc.xpath("//header")[0])
    summits = doc.xpath("//table[contains(@class, 'summits')]//tr[@class='record']")
    assert [_text(r.xpath("td")[0]) for r in summits] == ["SCO Summit 2025"]
    assert _text(summits[0].xpath("td")[1]) == "2025-08-31"  # its own date, not the report's
    agreements = doc.xpath("//table[contains(@class, 'agreements')]//tr[@class='record']")
    assert [_text(r.xpath("td")[0]) for r in agreements] == ["Tianjin Declaration"]


def test_an_empty_period_says_so(filled: Session) -> None:
    page = build_report(filled, since=date(2030, 1, 1), until=None)
    doc = _parse(page)
    assert "No summits in this period" in _text(doc.xpath("//section[@id='empty']")[0])
    assert doc.xpath("//svg | //table") == []


def test_the_matrix_ranks_participants_and_caps_them(filled: Session) -> None:
    full = meeting_matrix(filled, since=None, until=None)
    assert full.codes[:2] == ("CN", "KZ") and full.total == 6
    cn, kz = full.codes.index("CN"), full.codes.index("KZ")
    assert full.counts[cn][kz] == full.counts[kz][cn] == 2
    assert full.counts[cn][full.codes.index("AZ")] == 0
    capped = meeting_matrix(filled, since=None, until=None, limit=2)
    assert capped.codes == ("CN", "KZ") and capped.total == 6
    assert capped.counts == ((2, 2), (2, 2))


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, fresh_database_url: str) -> Iterator[None]:
    monkeypatch.setenv("ACCORDS_DATABASE_URL", fresh_database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_cli_writes_the_report_of_an_empty_database(cli_env: None, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "--since", "2025-01-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = _parse(out.read_text(encoding="utf-8"))
    assert "No summits in this period" in _text(doc.xpath("//section[@id='empty']")[0])
    bad = CliRunner().invoke(app, ["report", "--since", "2025-02-01", "--until", "2025-01-01",
                                   "--out", str(out)])
    assert bad.exit_code == 2
