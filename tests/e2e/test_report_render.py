"""The HTML report as a browser draws it: headless Chromium, offline, from a file:// URL.

CI installs Debian's chromium; on a machine without it the test is skipped.
"""

import subprocess
from pathlib import Path

import numpy as np
import pytest
from lxml import html as lxml_html
from PIL import Image, ImageStat
from sqlalchemy.orm import Session

from flows.report import build_report
from tests.integration.test_report import add_sample_records

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} not installed (CI runs apt-get install -y chromium)"),
]


def _chromium(tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}",
        # No name resolves: the page must render from the file alone.
        "--host-resolver-rules=MAP * ~NOTFOUND", *args, page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture
def report_file(session: Session, tmp_path: Path) -> Path:
    add_sample_records(session)
    page = tmp_path / "report.html"
    page.write_text(build_report(session, since=None, until=None), encoding="utf-8")
    return page


def test_chromium_draws_the_report(report_file: Path, tmp_path: Path) -> None:
    shot = tmp_path / "r.png"
    _chromium(tmp_path, report_file, f"--screenshot={shot}", "--window-size=1400,2000")
    assert shot.exists() and shot.stat().st_size > 20_000
    with Image.open(shot) as image:
        assert image.size == (1400, 2000)
        rgb = image.convert("RGB")
        # Blank or failed pages are one flat colour; text and charts make many, spread widely.
        assert max(ImageStat.Stat(rgb).stddev) > 20
        assert rgb.getcolors(maxcolors=100) is None
        # The charts' blues (markers, heatmap cells) are drawn, not just black text.
        pixels = np.asarray(rgb, dtype=int)
        blues = (pixels[..., 2] > 120) & (pixels[..., 2] - pixels[..., 0] > 60)
        assert blues.sum() > 2_000


def test_chromium_builds_the_tables_and_charts(report_file: Path, tmp_path: Path) -> None:
    dom = lxml_html.document_fromstring(_chromium(tmp_path, report_file, "--dump-dom").stdout)
    assert len(dom.xpath("//section[@id='timeline']//svg")) == 1
    assert len(dom.xpath("//section[@id='matrix']//svg")) == 1
    assert len(dom.xpath("//table[contains(@class, 'agreements')]//tr[@class='record']")) == 3
    assert len(dom.xpath("//table[contains(@class, 'summits')]//tr[@class='record']")) == 3
    assert dom.xpath("//script") == []  # the hostile titles stayed text in the browser too
