"""The web page in headless Chromium, against the real Elasticsearch and Kafka.

Three reports and one escalation signal are indexed in a namespace of their own, the API is served
by uvicorn on a free port, and Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by
Selenium) opens ``/``: an Arabic query finds its reports with highlighted matches, a governorate
facet narrows them, the map draws the 14 governorates shaded from the signal, and an alert produced
to the alerts topic appears in the live panel. Chromium may resolve no host but 127.0.0.1, so the
page cannot load anything from elsewhere. Screenshots go to ``artifacts/screenshots/``.

No Chromium, no driver, no Selenium or no server: the test FAILS saying which, it never skips.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import pytest
from elasticsearch import AsyncElasticsearch

from api.app import create_app
from api.config import ApiSettings
from delivery import DeliverySettings
from indexers.elasticsearch_sink import bulk_index, ensure_index
from rasd.schema import Alert, EscalationSignal, Report
from rasd.search import report_document
from tests.integration.conftest import REPO
from tests.integration.test_alerts_e2e import ApiServer, free_port
from tests.search_cases import HTS, NFL, REGIME, enriched, place

ADMIN_TOKEN = "browser-test-admin-token-0123456789"
OWNER = "reader@example.org"
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
INSTALL_HINT = "install them with `make install-browser` (apt-get install -y chromium chromium-driver)"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--disable-dev-shm-usage", "--window-size=1440,1100", "--lang=ar",
                  # every host but the API's resolves to nothing: the page may fetch nothing from elsewhere
                  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
WAIT_S = 30

REPORTS = [
    enriched(Report("web-idlib", "قصفت قوات النظام بلدات بإدلب، واندلعت اشتباكات عنيفة مع هيئة تحرير الشام في ريف إدلب "
                                 "الجنوبي.", "2024-05-01T09:00:00+00:00", "SOHR", None, "قصف واشتباكات في ريف إدلب"),
             actors=[REGIME, HTS], places=[place("إدلب", "SY07", "Idlib", "Idlib", 35.93, 36.63)],
             event_types=["shelling", "armed_clash"], score=0.85),
    enriched(Report("web-hama", "اشتباكات في ريف حماة الشمالي بين قوات النظام والجبهة الوطنية للتحرير.",
                    "2024-05-04T08:30:00+00:00", "SANA", None, "اشتباكات في ريف حماة الشمالي"),
             actors=[REGIME, NFL], places=[place("حماة", "SY05", "Hama", "Hama", 35.13, 36.75)],
             event_types=["armed_clash"], score=0.45),
    enriched(Report("web-damascus", "خرج محتجون في دمشق مطالبين بالإفراج عن المعتقلين.",
                    "2024-05-08T18:00:00+00:00", "Enab Baladi", None, "وقفة احتجاجية في دمشق"),
             actors=[], places=[place("دمشق", "SY01", "Damascus", "Damascus", 33.51, 36.29)],
             event_types=["protest"], score=0.1),
]

SIGNAL = EscalationSignal(
    id="web-sig-idlib", key="Idlib", key_type="governorate", window_start="2024-05-01T00:00:00+00:00",
    window_end="2024-05-02T00:00:00+00:00", observed=6.0, expected=1.5, score=0.9, level="high",
    reasons=("6.0 weighted events vs 1.5 expected",), rules=("spike",), report_ids=("web-idlib",),
    emitted_at="2024-05-02T00:00:01+00:00", governorate="Idlib", actor_ids=("hts", "syr-gov-forces"),
    location={"lat": 35.93, "lon": 36.63})


def find_executable(candidates: tuple[str, ...], name: str) -> str:
    found = next((c for c in candidates if Path(c).is_file()), None) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found (looked in {', '.join(candidates)} and PATH): {INSTALL_HINT}")
    return found


async def _index_all(settings) -> None:
    client = AsyncElasticsearch(settings.elasticsearch_url, request_timeout=30)
    try:
        for kind, alias, docs in (
                ("reports", settings.indices.reports, [(e.report.id, report_document(e)) for e in REPORTS]),
                ("signals", settings.indices.signals, [(SIGNAL.id, SIGNAL.to_dict())])):
            await ensure_index(client, kind, alias)
            assert await bulk_index(client, alias, docs) == []
    finally:
        await client.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium through chromedriver, with a throwaway profile; its console log is kept."""
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        pytest.fail(f"selenium is not installed ({exc}): install the project's dev extra (`make install`)")
    options = webdriver.ChromeOptions()
    options.binary_location = find_executable(CHROMIUM_CANDIDATES, "chromium")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=find_executable(DRIVER_CANDIDATES, "chromedriver"),
                      log_output=str(tmp_path / "chromedriver.log"))
    try:
        driver = webdriver.Chrome(options=options, service=service)
    except WebDriverException as exc:
        log = (tmp_path / "chromedriver.log")
        pytest.fail(f"Chromium could not be started: {exc.msg}\n{log.read_text()[-2000:] if log.exists() else ''}")
    driver.set_page_load_timeout(WAIT_S)
    yield driver
    driver.quit()


@pytest.fixture
def api_url(settings, es, topics, tmp_path: Path) -> Iterator[str]:
    asyncio.run(_index_all(settings))
    es.indices.refresh(index=f"{settings.indices.reports},{settings.indices.signals}")
    app = create_app(settings, api_settings=ApiSettings(api_db=str(tmp_path / "api.sqlite"), admin_token=ADMIN_TOKEN),
                     delivery_settings=DeliverySettings.from_env())
    server = ApiServer(app, port=free_port()).start()
    yield server.url
    server.stop()


def wait_until(driver, condition: Callable[[Any], Any], what: str, timeout: float = WAIT_S) -> Any:
    """Poll ``condition(driver)``; fail naming ``what`` (with a screenshot) when it stays falsy."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition)
    except TimeoutException:
        save_screenshot(driver, "web-failure")
        summary = driver.execute_script("return document.getElementById('summary').textContent")
        pytest.fail(f"timed out after {timeout:.0f}s waiting for {what} (summary: {summary!r}; "
                    f"screenshot {SCREENSHOTS / 'web-failure.png'})")


def save_screenshot(driver, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def result_ids(driver) -> list[str]:
    return driver.execute_script(
        "const list = document.getElementById('results');"
        "return list.dataset.state === 'ready' ? [...list.querySelectorAll('li.hit[data-id]')].map(e => e.dataset.id) : null;")


def test_page_searches_filters_maps_and_shows_a_live_alert(browser, api_url, settings, producer):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    key = httpx.post(f"{api_url}/keys", json={"owner": OWNER}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert key.status_code == 201, key.text

    browser.get(f"{api_url}/")
    assert browser.execute_script("return [document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]

    # all three reports, newest first, before any query
    wait_until(browser, lambda d: result_ids(d) == ["web-damascus", "web-hama", "web-idlib"], "the three reports")

    # the map: 14 governorates, Idlib shaded from the signal (0.9: the darkest class)
    wait_until(browser, lambda d: d.find_element(By.ID, "map").get_attribute("data-source") == "signals",
               "the map to be shaded from the signals")
    paths = browser.find_elements(By.CSS_SELECTOR, "#map path.governorate")
    assert len(paths) == 14
    assert {p.get_attribute("data-governorate") for p in paths} >= {"Idlib", "Deir ez-Zor", "As-Suwayda"}
    idlib = browser.find_element(By.CSS_SELECTOR, '#map path[data-governorate="Idlib"]')
    assert "fill-4" in idlib.get_attribute("class")
    assert "fill-none" in browser.find_element(By.CSS_SELECTOR, '#map path[data-governorate="Raqqa"]').get_attribute("class")

    # the timeline: eight days (more than 60 hours, so buckets of a day), a bar on each day with reports
    assert "per day" in browser.find_element(By.ID, "timeline-interval").text
    bars = browser.find_elements(By.CSS_SELECTOR, "#timeline rect.bar")
    assert sorted(b.get_attribute("data-date") for b in bars) == ["2024-05-01", "2024-05-04", "2024-05-08"]

    # an Arabic query: two reports, the match highlighted as written
    box = browser.find_element(By.ID, "q")
    box.send_keys("اشتباكات", Keys.ENTER)
    wait_until(browser, lambda d: sorted(result_ids(d) or []) == ["web-hama", "web-idlib"], "the Arabic query's results")
    marks = {m.text for m in browser.find_elements(By.CSS_SELECTOR, "#results mark")}
    assert "اشتباكات" in marks
    assert "q=%D8%A7%D8%B4" in browser.current_url  # the search is in the address, to share
    save_screenshot(browser, "web-search")

    # a facet narrows the results
    hama = browser.find_element(By.CSS_SELECTOR, '.facet-button[data-facet="governorates"][data-value="Hama"]')
    assert "حماة" in hama.text
    hama.click()
    wait_until(browser, lambda d: result_ids(d) == ["web-hama"], "the governorate facet to narrow the results")
    pressed = browser.find_element(By.CSS_SELECTOR, '.facet-button[data-facet="governorates"][data-value="Hama"]')
    assert pressed.get_attribute("aria-pressed") == "true"
    assert "selected" in browser.find_element(By.CSS_SELECTOR, '#map path[data-governorate="Hama"]').get_attribute("class")
    save_screenshot(browser, "web-facet")

    # live alerts: a wrong key is refused and forgotten; the right one connects, and an alert on the
    # alerts topic appears in the panel
    key_box = browser.find_element(By.ID, "api-key")
    key_box.send_keys("not-a-key")
    browser.find_element(By.ID, "alerts-connect").click()
    wait_until(browser, lambda d: d.find_element(By.ID, "alerts-status").get_attribute("data-state") == "error",
               "the wrong key to be refused")
    assert "refused" in browser.find_element(By.ID, "alerts-status").text
    assert browser.execute_script("return sessionStorage.getItem('rasd.apiKey')") is None
    key_box.clear()
    key_box.send_keys(key.json()["key"])
    browser.find_element(By.ID, "alerts-connect").click()
    wait_until(browser, lambda d: d.find_element(By.ID, "alerts-status").get_attribute("data-state") == "live",
               "the alert stream to connect")
    assert browser.execute_script("return sessionStorage.getItem('rasd.apiKey')") == key.json()["key"]
    alert = Alert(id="web-alert-1", subscription_id="sub-web", owner=OWNER, kind="report", report_id="web-idlib",
                  signal_id=None, severity="high", title="تنبيه: قصف واشتباكات في ريف إدلب",
                  reasons=("governorate: Idlib",), actor_ids=("hts",), governorates=("Idlib",),
                  event_types=("shelling",), locations=({"lat": 35.93, "lon": 36.63},),
                  created_at="2024-05-01T09:00:05+00:00", published_at="2024-05-01T09:00:00+00:00")
    producer.send(settings.topics.alerts, key=alert.id.encode(),
                  value=json.dumps(alert.to_dict(), ensure_ascii=False).encode("utf-8")).get(timeout=30)
    item = wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '#alerts-list li[data-id="web-alert-1"]'),
                      "the produced alert to appear in the live panel")[0]
    assert "قصف واشتباكات في ريف إدلب" in item.text and "fresh" in item.get_attribute("class")
    browser.set_window_size(1440, 1500)
    save_screenshot(browser, "web-alert")
    browser.set_window_size(1280, 800)  # a small laptop screen
    save_screenshot(browser, "web-laptop")

    # nothing but the API was fetched, and nothing went wrong in the page
    origins = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)")
    assert set(origins) <= {api_url}, origins
    errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert all("/alerts" in e and "401" in e for e in errors), errors  # only the wrong key's refusals
