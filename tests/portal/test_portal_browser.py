"""A researcher's path in headless Chromium: catalogue -> dataset page -> download.

Drives Debian's chromium (``/usr/bin/chromium``) through Playwright; Playwright's own
browser downloads are never used. Saves a screenshot of the dataset page to
``test-artifacts/dataset-page.png``.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright Python package is not installed"
    )
    executable = str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium"))
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield chromium
        chromium.close()


def test_catalogue_to_dataset_page_to_download(browser, live_portal, world, tmp_path: Path) -> None:
    context = browser.new_context(
        accept_downloads=True, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(live_portal.url + "/")
    assert "Datamängder" in page.inner_text("h1")
    page.click("#ds-open-hemtjanst a.dataset-link")
    page.wait_for_url("**/datasets/hemtjanst")
    assert "Hemtjänst" in page.inner_text("h1")
    assert page.locator("article.column svg").count() >= 5
    assert world.reason in page.inner_text("#versions")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dataset-page.png"), full_page=True)
    with page.expect_download() as info:
        page.click('a.download[href$="/data/part-00000.parquet"]')
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    expected = (
        world.store / "open" / "hemtjanst" / world.versions[1] / "data" / "part-00000.parquet"
    )
    assert (
        hashlib.sha256(target.read_bytes()).hexdigest()
        == hashlib.sha256(expected.read_bytes()).hexdigest()
    )
    assert (ARTIFACTS / "dataset-page.png").stat().st_size > 10_000
    context.close()
