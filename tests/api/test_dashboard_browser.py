"""The dashboard in a real browser (issue 17): Debian's headless Chromium driven by Selenium, a real server.

A uvicorn server runs the app in a thread on a small store (tickets and feedback ingested
through the API, the feedback classified with ``store: true`` so themes have predictions);
the browser opens ``/``, is refused with a wrong key, then enters a good one and reads the
KPI tiles, the themes chart, a theme's examples, a filter change and the classify box.
``.ci/run`` installs ``chromium`` and ``chromium-driver`` when they are missing.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from feedback_nlp.text import Segmenter
from tests.api.conftest import KEYS, auth, make_settings
from tests.conftest import TICKET_HEADER, ticket_row, write_csv
from tests.servers import serving_in_thread

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists() or not CHROMEDRIVER.exists(),
                       reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; "
                              ".ci/run installs them)"),
]

TEXTS = ["空调不制冷，打电话13812345678没人管", "空调不制冷，外机也不转", "空调制冷效果差，吹的是热风",
         "冰箱噪音很大，晚上睡不着", "洗衣机漏水，地上全是水", "师傅很专业，上门很快"]


@pytest.fixture
def server(tmp_path: Path, model_dir: Path, segmenter: Segmenter) -> Iterator[str]:
    """The base URL of a real uvicorn server (in a thread) with tickets, feedback and stored predictions."""
    app = create_app(make_settings(tmp_path, model_dir), segmenter=segmenter)
    with serving_in_thread(app) as url:
        _seed(tmp_path, url)
        yield url


def _seed(tmp_path: Path, url: str) -> None:
    tickets = write_csv(tmp_path / "tickets.csv", TICKET_HEADER,
                        [ticket_row(i, 工单状态="已关闭" if i % 4 else "处理中") for i in range(1, 41)])
    feedback = [{"feedback_id": f"F{i}", "text": t, "source": "complaint", "created_at": f"2024-03-{10 + i:02d} 10:00"}
                for i, t in enumerate(TEXTS)]
    with httpx.Client(base_url=url, headers=auth("all"), timeout=60) as http:
        assert http.post("/v1/ingest/tickets", files={"file": ("t.csv", tickets.read_bytes())}).status_code == 200
        assert http.post("/v1/ingest/feedback", json=feedback).json()["inserted"] == len(TEXTS)
        stored = http.post("/v1/classify", json={"texts": TEXTS, "ids": [f["feedback_id"] for f in feedback],
                                                 "store": True})
        assert stored.json()["stored"] == len(TEXTS), stored.text


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _wait(driver: Any, condition: Any, what: str, timeout: float = 30) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition, message=what)


def _text(driver: Any, selector: str) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return str(found[0].text) if found else ""


def _log_in(driver: Any, key: str) -> None:
    from selenium.webdriver.common.by import By

    field = _wait(driver, lambda d: d.find_element(By.ID, "api-key") if d.find_element(By.ID, "api-key")
                  .is_displayed() else None, "the key form")  # fmt: skip
    field.clear()
    field.send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#login-form button").click()


def test_the_dashboard_in_a_real_browser(server: str, browser: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    t0 = time.monotonic()
    browser.get(server + "/")
    # A wrong key: the 401 message, and the key form again.
    _log_in(browser, "fnlp_not-a-key")
    _wait(browser, lambda d: "401" in _text(d, "#login-error"), "the 401 message")
    assert "无效" in _text(browser, "#login-error")
    assert "fnlp_not-a-key" not in browser.current_url

    _log_in(browser, KEYS["all"])
    assert KEYS["all"] not in browser.current_url
    assert browser.execute_script("return sessionStorage.getItem('feedback-nlp.api-key')") == KEYS["all"]

    # KPI tiles: the numbers of the API for the same window (the last 30 days up to the newest ticket).
    _wait(browser, lambda d: _text(d, '.tile[data-kpi="resolution_rate"] .tile-value') not in ("", "—"),
          "the KPI tiles")
    with httpx.Client(base_url=server, headers=auth("read"), timeout=30) as http:
        api = http.get("/v1/kpis", params={"ids": "resolution_rate,resolution_time", "from": "2024-02-28",
                                           "to": "2024-03-28"}).json()["results"]
    by_id = {r["id"]: r["value"] for r in api}
    hours = f"{by_id['resolution_time']:.1f}".removesuffix(".0")  # at most one decimal, as Intl writes it
    assert _text(browser, '.tile[data-kpi="resolution_rate"] .tile-value') == f"{by_id['resolution_rate'] * 100:.1f}%"
    assert _text(browser, '.tile[data-kpi="resolution_time"] .tile-value') == f"{hours} 小时"
    assert "2024-02-28 至 2024-03-28" in _text(browser, "#window-note")
    tiles = browser.find_elements(By.CSS_SELECTOR, "#kpi-tiles .tile")
    assert len(tiles) >= 6
    assert "rag-" in (tiles[0].get_attribute("class") or "")
    # A tile opens its definition; a KPI that cannot be computed says why.
    browser.find_element(By.CSS_SELECTOR, '.tile[data-kpi="resolution_rate"]').click()
    _wait(browser, lambda d: "公式" in _text(d, "#kpi-dialog-body"), "the KPI definition")
    assert "分母" in _text(browser, "#kpi-dialog-body")
    browser.find_element(By.CSS_SELECTOR, "#kpi-dialog button").click()
    assert "无法计算" in _text(browser, '.tile[data-kpi="csat_rate"]')  # no satisfaction scores in this store

    # The themes chart is drawn; a click on the first bar shows that theme's keywords and masked examples.
    chart = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#themes-chart canvas"), "the themes chart")
    assert chart.size["width"] > 100 and chart.size["height"] > 100
    x, y = browser.execute_script(
        "const c = echarts.getInstanceByDom(document.getElementById('themes-chart'));"
        "const v = c.getOption().series[0].data[0];"
        "return c.convertToPixel({seriesIndex: 0}, [v / 2, 0]);")  # the middle of the first bar
    box = browser.find_element(By.ID, "themes-chart")
    # WebDriver offsets count from the centre of the element's visible part: show all of it first.
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    ActionChains(browser).move_to_element_with_offset(box, int(x - box.size["width"] / 2),
                                                      int(y - box.size["height"] / 2)).click().perform()
    _wait(browser, lambda d: _text(d, "#theme-detail-body h3") != "", "the theme's details")
    detail = _text(browser, "#theme-detail-body")
    assert "制冷" in detail and "关键词" in detail and "示例" in detail and "null" not in detail
    assert "13812345678" not in browser.page_source and "[手机号]" in detail  # masked examples

    # The themes panel's CSV: the API's themes, the window in the file name.
    browser.execute_script(
        "window.__export = {}; const create = URL.createObjectURL;"
        "URL.createObjectURL = (blob) => { window.__export.blob = blob; return create(blob); };"
        "const click = HTMLAnchorElement.prototype.click;"
        "HTMLAnchorElement.prototype.click = function () { window.__export.name = this.download; click.call(this); };")
    browser.find_element(By.CSS_SELECTOR, '.export[data-panel="themes"]').click()
    name, csv_text = browser.execute_async_script(
        "const done = arguments[0]; window.__export.blob.text().then((t) => done([window.__export.name, t]));")
    assert name == "故障主题_2024-02-28_2024-03-28.csv"
    with httpx.Client(base_url=server, headers=auth("read"), timeout=30) as http:
        themes = http.get("/v1/themes/top", params={"top": 10, "from": "2024-02-28", "to": "2024-03-28"}).json()
    rows = list(csv.reader(io.StringIO(csv_text.removeprefix("\ufeff"))))
    assert rows[0][:4] == ["排名", "故障类型", "名称", "数量"]
    assert [(r[1], int(r[3])) for r in rows[1:]] == [(t["fault_type"], t["count"]) for t in themes["themes"]]

    # The classify box.
    browser.find_element(By.ID, "classify-text").send_keys("洗衣机漏水，地上全是水")
    browser.find_element(By.CSS_SELECTOR, "#classify-form button").click()
    _wait(browser, lambda d: _text(d, "#classify-result .primary-fault") != "", "the classification")
    result = _text(browser, "#classify-result")
    assert "漏水" in _text(browser, "#classify-result .primary-fault")
    assert "负面" in result and "情感得分" in result

    # A filter: into the URL (bookmarkable), and the numbers change (no ticket of this store has a region).
    region = browser.find_element(By.CSS_SELECTOR, "#filters [name=region]")
    region.send_keys("华东")
    browser.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
    _wait(browser, lambda d: "region=" in d.current_url, "the filter in the URL")
    _wait(browser, lambda d: _text(d, '.tile[data-kpi="resolution_rate"] .tile-value') == "—", "the filtered KPIs")
    browser.get(browser.current_url)  # the bookmark: same view after a reload (the key stays in this tab)
    _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#filters [name=region]").get_attribute("value")
          == "华东", "the bookmarked filter")  # fmt: skip
    assert not browser.find_element(By.ID, "app").get_attribute("hidden")
    print(f"browser test: {time.monotonic() - t0:.1f} s in the browser")
