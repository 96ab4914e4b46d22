"""Cleaning: the body keeps every article paragraph and none of the reader comments."""

import gzip
import json
import re
from pathlib import Path

import lxml.html
import pytest

from extractors.clean import CleaningError, clean_html
from flows.sample_server import SAMPLE_SITE
from tests.conftest import shared_path

PAGES = sorted(SAMPLE_SITE.glob("20*/**/*.html"))


def _paragraphs(path: Path, xpath: str) -> list[str]:
    tree = lxml.html.fromstring(path.read_bytes())
    return [" ".join(p.text_content().split()) for p in tree.xpath(xpath)]


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_body_keeps_every_paragraph_and_no_comment(page: Path) -> None:
    article = clean_html(page.read_bytes(), url=f"https://example.org/{page.name}")
    body = _squash(article.text)
    for para in _paragraphs(page, "//article[@class='story']//div[@class='story-body']//p"
                                  " | //article[@class='story']/div/p[not(@class)]"):
        assert para in body
    comments = _paragraphs(page, "//section[@id='comments']//div[@class='comment-content']//p")
    for comment in comments:
        assert comment not in body
        assert article.comments and comment in _squash(article.comments)


def test_metadata_from_the_page() -> None:
    page = SAMPLE_SITE / "2025/06/17/xi-astana-summit.html"
    article = clean_html(page.read_bytes())
    assert article.site_name == "Steppe Courier"
    assert article.published is not None and article.published.isoformat() == "2025-06-17"
    assert article.language == "en"
    assert article.authors
    assert article.cleaner == "trafilatura" and article.cleaner_version


def test_cleaning_is_deterministic() -> None:
    page = (SAMPLE_SITE / "2025/06/17/xi-astana-summit.html").read_bytes()
    assert clean_html(page) == clean_html(page) == clean_html(page)


@pytest.mark.parametrize(
    ("html", "reason"),
    [(b"<html><body></body></html>", "no_body"),
     (b"<html><body><article><p>Too short to be news.</p></article></body></html>", "too_short")],
)
def test_pages_without_an_article(html: bytes, reason: str) -> None:
    with pytest.raises(CleaningError) as info:
        clean_html(html)
    assert info.value.reason == reason


def test_wrong_declared_charset_falls_back_to_detection() -> None:
    paragraphs = "".join(
        f"<p>Kazakhstan’s president met delegation number {i} in Astana for talks on trade.</p>"
        for i in range(6)
    )
    page = f"<html><body><article>{paragraphs}</article></body></html>".encode()
    article = clean_html(page, charset="ascii")
    assert "Kazakhstan’s" in article.text


def test_benchmark_pages_recall() -> None:
    """On real pages with known bodies, most of the true body text comes out."""
    root = shared_path("eval", "article-extraction-benchmark")
    truth = json.loads((root / "ground-truth.json").read_text())
    recalls = []
    for key, item in sorted(truth.items())[:60]:
        page = root / "html" / f"{key}.html.gz"
        expected = set(re.findall(r"\w+", item["articleBody"].lower()))
        with gzip.open(page) as f:
            html = f.read()
        try:
            got = set(re.findall(r"\w+", clean_html(html).text.lower()))
        except CleaningError:
            got = set()
        recalls.append(len(expected & got) / max(1, len(expected)))
    assert sum(recalls) / len(recalls) > 0.85
