"""The report as a reviewer reads it: headless Chromium follows every internal link."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from conftest import REPO

from review.build import build_reports

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ARTIFACTS = REPO / "test-artifacts"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="headless Chromium not installed (Debian packages chromium and chromium-driver; `make test` installs them when it can)",
)


@pytest.fixture(scope="module")
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1200,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "reports"
    build_reports(REPO, out)
    return out


def test_reviewer_can_follow_every_link_without_errors(driver, reports: Path):
    from selenium.webdriver.common.by import By

    start = (reports / "index.html").as_uri()
    seen, queue, broken, errors = set(), [start], [], []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        driver.get(url)
        errors += [f"{url}: {e['message']}" for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        code = [e for e in driver.find_elements(By.CSS_SELECTOR, ".jp-CodeCell .jp-InputArea, .jp-CodeCell .jp-InputPrompt, .jp-OutputPrompt, pre.cm-editor") if e.is_displayed()]
        assert code == [], f"{url} shows code cells"
        for a in driver.find_elements(By.TAG_NAME, "a"):
            href = a.get_attribute("href") or ""
            page, fragment = urldefrag(href)
            if not page.startswith("file://"):
                continue
            path = Path(page.removeprefix("file://"))
            if not path.is_file():
                broken.append(f"{url} -> {href}")
                continue
            if fragment:
                driver_has = path.read_text(encoding="utf-8")
                if f'id="{fragment}"' not in driver_has:
                    broken.append(f"{url} -> {href} (no anchor)")
            queue.append(page)
    assert broken == []
    assert errors == []
    assert len(seen) >= 7
    driver.get(start)
    ARTIFACTS.mkdir(exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / "index.png"))


def test_long_tables_can_be_filtered(driver, reports: Path):
    from selenium.webdriver.common.by import By

    driver.get((reports / "04-judge-claims.html").as_uri())
    boxes = driver.find_elements(By.CSS_SELECTOR, "input.table-filter")
    assert boxes, "no filter box on the verdicts page"
    table = driver.find_elements(By.CSS_SELECTOR, "table[data-sortable]")[-1]
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    boxes[-1].send_keys("S2-13")
    visible = [r for r in rows if r.is_displayed()]
    assert 1 <= len(visible) < len(rows)
