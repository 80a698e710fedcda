"""The report as a reviewer reads it, in headless Chromium: links, claim search, phone width, print, JSON-LD.

Screenshots of the index, a claim entry, an article scorecard, a phone-width
page and the printed verdict page are kept in test-artifacts/ (git-ignored).
"""

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
            page = page.split("?", 1)[0]  # claims.html?q=... is the claims page with a search filled in
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


def claim_ids() -> list[str]:
    import csv

    with (REPO / "data" / "claims.csv").open(encoding="utf-8", newline="") as fh:
        return [row["claim_id"] for row in csv.DictReader(fh)]


def wait_for_search(driver, query: str, seconds: float = 20.0) -> list:
    """The claim entries shown once Enter has taken the browser to claims.html and its filter has run.

    Enter submits the index's form, so the browser navigates: reading the page
    at once can still see the index (no entries at all), which made this test
    fail on a slow CI machine.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def settled(drv):
        if not drv.current_url.split("?", 1)[0].endswith("/claims.html"):
            return False
        if drv.execute_script("return document.readyState") != "complete":
            return False
        box = drv.find_elements(By.ID, "claim-q")
        if not box or box[0].get_attribute("value") != query:
            return False
        entries = drv.find_elements(By.CSS_SELECTOR, "article.claim")
        shown = [c for c in entries if c.is_displayed()]
        return shown if len(shown) < len(entries) else False

    return WebDriverWait(driver, seconds).until(settled, f"claims.html never showed a filtered search for {query!r}")


def test_a_claim_is_found_by_search_and_opened_in_two_interactions(driver, reports: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get((reports / "index.html").as_uri())
    driver.find_element(By.ID, "index-q").send_keys("100% acne scars", Keys.ENTER)  # interaction 1: search
    shown = wait_for_search(driver, "100% acne scars")
    assert 1 <= len(shown) <= 3, [c.get_attribute("id") for c in shown]
    target = next(c for c in shown if "100% of patients" in c.text)
    target.find_element(By.CSS_SELECTOR, "h2 a").click()  # interaction 2: open the entry
    assert driver.current_url.endswith("#" + target.get_attribute("id"))
    entry = driver.find_element(By.ID, target.get_attribute("id"))
    assert entry.find_elements(By.CSS_SELECTOR, ".verdict-line .badge")  # the verdict, with its meaning beside it
    assert "Number check" in entry.text and "Journal of Cutaneous and Aesthetic Surgery" in entry.text
    ARTIFACTS.mkdir(exist_ok=True)
    driver.execute_script("arguments[0].scrollIntoView()", entry)
    assert driver.save_screenshot(str(ARTIFACTS / "claim-entry.png"))
    driver.get((reports / "articles.html").as_uri() + "#article-S2")
    assert driver.save_screenshot(str(ARTIFACTS / "article-scorecard.png"))


def test_every_claim_has_an_entry_findable_without_a_search(driver, reports: Path):
    from selenium.webdriver.common.by import By

    driver.get((reports / "claims.html").as_uri())
    entries = driver.find_elements(By.CSS_SELECTOR, "article.claim")
    assert sorted(e.get_attribute("id") for e in entries) == sorted(claim_ids())
    assert all(e.is_displayed() for e in entries)  # nothing hidden: the browser's own find sees every claim


def test_claim_review_json_ld_parses_in_the_browser(driver, reports: Path):
    driver.get((reports / "claims.html").as_uri())
    reviews = driver.execute_script(
        "return Array.from(document.querySelectorAll('script[type=\"application/ld+json\"]')).map(s => JSON.parse(s.textContent))"
    )
    assert len(reviews) == len(claim_ids())
    for r in reviews:
        assert r["@type"] == "ClaimReview" and r["claimReviewed"] and r["reviewRating"]["alternateName"]
        assert r["itemReviewed"]["@type"] == "Claim" and r["itemReviewed"]["appearance"]["headline"]


def test_no_page_is_wider_than_a_phone(driver, reports: Path):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    try:
        wide = {}
        for page in sorted(reports.glob("*.html")):
            driver.get(page.as_uri())
            width = driver.execute_script("return document.documentElement.scrollWidth")
            if width > 390:
                wide[page.name] = width
            if page.name == "02-map-evidence.html":
                ARTIFACTS.mkdir(exist_ok=True)
                driver.save_screenshot(str(ARTIFACTS / "phone-studies.png"))
        assert wide == {}
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_printed_pages_hold_every_claim_and_clip_no_column(driver, reports: Path):
    import base64

    from selenium.webdriver.common.by import By

    ids = set(claim_ids())
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 700, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
    try:
        driver.get((reports / "04-judge-claims.html").as_uri())
        driver.find_elements(By.CSS_SELECTOR, "input.table-filter")[-1].send_keys("S2-13")  # a filter typed before printing
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        table = driver.find_elements(By.CSS_SELECTOR, "table[data-sortable]")[-1]
        shown = [r.find_element(By.CSS_SELECTOR, "td").text for r in table.find_elements(By.CSS_SELECTOR, "tbody tr") if r.is_displayed()]
        assert set(shown) == ids
        widths = {th.text: th.rect["width"] for th in table.find_elements(By.CSS_SELECTOR, "thead th")}
        assert widths["Claim"] < widths["Quote"] / 2, widths  # columns sized by their content, not one width for all
        for page in ("references.html", "02-map-evidence.html", "claims.html", "04-judge-claims.html"):
            driver.get((reports / page).as_uri())
            assert driver.execute_script("return document.documentElement.scrollWidth") <= 700, page
        ARTIFACTS.mkdir(exist_ok=True)
        table = driver.find_elements(By.CSS_SELECTOR, "table[data-sortable]")[-1]
        driver.execute_script("arguments[0].scrollIntoView()", table)
        driver.save_screenshot(str(ARTIFACTS / "printed-verdicts.png"))
        pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
        (ARTIFACTS / "verdicts.pdf").write_bytes(base64.b64decode(pdf["data"]))
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.fixture(scope="module")
def split_reports(tmp_path_factory) -> Path:
    """The real workbook's reports with `[report] claims_per_page = 50`: entries on one page per article."""
    from conftest import copy_workbook

    root = copy_workbook(tmp_path_factory.mktemp("split") / "wb")
    with (root / "workbook.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n[report]\nclaims_per_page = 50\n")
    build_reports(root, root / "reports")
    return root / "reports"


def test_above_the_page_limit_every_claim_is_still_found_on_claims_html_and_opened_in_two_interactions(driver, split_reports: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get((split_reports / "claims.html").as_uri())
    lines = driver.find_elements(By.CSS_SELECTOR, "article.claim")
    assert sorted(e.get_attribute("id") for e in lines) == sorted(claim_ids())
    assert all(e.is_displayed() for e in lines) and not driver.find_elements(By.CSS_SELECTOR, "script[type='application/ld+json']")
    driver.find_element(By.ID, "claim-q").send_keys("100% acne scars", Keys.ENTER)  # 1: search (filters as it is typed)
    shown = [c for c in lines if c.is_displayed()]
    assert 1 <= len(shown) <= 3, [c.get_attribute("id") for c in shown]
    target = next(c for c in shown if "100% of patients" in c.text)
    cid = target.get_attribute("id")
    target.find_element(By.CSS_SELECTOR, "h2 a").click()  # 2: open its entry, on its article's page
    assert driver.current_url.endswith(f"/claims-S2.html#{cid}")
    entry = driver.find_element(By.ID, cid)
    assert entry.find_elements(By.CSS_SELECTOR, ".verdict-line .badge") and "Number check" in entry.text
    reviews = driver.execute_script("return Array.from(document.querySelectorAll('script[type=\"application/ld+json\"]')).map(s => JSON.parse(s.textContent))")
    assert len(reviews) == sum(1 for c in claim_ids() if c.startswith("S2-")) and all(r["@type"] == "ClaimReview" for r in reviews)
