"""The dashboard in a real browser (issue 17): Debian's headless Chromium driven by Selenium, a real server.

``feedback-nlp serve --demo`` runs as a process on a fresh demo store (generated tickets,
feedback and follow-ups, classified by the tests' tiny baseline); the browser opens ``/``,
is refused with a wrong key, then enters a good one and checks every panel against the
``/v1`` API it reads: the key's scopes (``/v1/me``), the KPI tiles, a theme's examples with
the words behind its label highlighted, trend and product models, the emerging issues, the
negative share over time, aspect × sentiment and the themes' impact on satisfaction; it
exports CSV and XLSX and compares them with the API, changes filters and sees the URL and
the numbers change; the classify box marks the spans ``/v1/classify`` explains. Keys
without ``classify`` or ``read`` see what they cannot use disabled or hidden, with a note.
``.ci/run`` installs ``chromium`` and ``chromium-driver`` when they are missing.

Screenshots of the overview and of a theme's details are written to the test's folder;
with ``FEEDBACK_NLP_SCREENSHOTS=DIR`` also to ``DIR`` (how ``docs/dashboard-*.png`` are made).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.security import SCOPES, hash_key
from tests.api.conftest import KEYS, auth
from tests.servers import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: Screenshots kept in the README are at most this big.
MAX_SCREENSHOT_BYTES = 300_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists() or not CHROMEDRIVER.exists(),
        reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; "
        ".ci/run installs them)",
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[str]:
    """The base URL of a real ``feedback-nlp serve --demo`` process on a fresh demo store, with the test keys."""
    folder = tmp_path_factory.mktemp("dashboard-server")
    keys = [
        {"name": f"test-{who}", "key_sha256": hash_key(key), "scopes": list(SCOPES) if who == "all" else [who]}
        for who, key in KEYS.items()
    ]
    env = {
        **os.environ,
        "FEEDBACK_NLP_DATA_DIR": str(folder / "data"),
        "FEEDBACK_NLP_MODEL_DIR": str(model_dir),
        "FEEDBACK_NLP_PUBLIC_DATA_DIR": str(folder / "none"),
        "FEEDBACK_NLP_API__API_KEYS": json.dumps(keys),
    }
    port = free_port()
    log = (folder / "server.log").open("w+", encoding="utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "feedback_nlp.cli",
            "serve",
            "--port",
            str(port),
            "--demo",
            "--demo-tickets",
            "1500",
            "--demo-finetune-minutes",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_serving(proc, f"{url}/ready", timeout=300, what="feedback-nlp serve --demo")
        except AssertionError:
            log.seek(0)
            raise AssertionError(log.read()[-3000:]) from None
        yield url
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
        log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _wait(driver: Any, condition: Any, what: str, timeout: float = 60) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition, message=what)


def _text(driver: Any, selector: str) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return str(found[0].text) if found else ""


def _cells(driver: Any, selector: str) -> list[list[str]]:
    """The text of every body cell of a table, row by row."""
    return list(
        driver.execute_script(
            "return [...document.querySelectorAll(arguments[0] + ' tbody tr')].map("
            "(tr) => [...tr.cells].map((td) => td.textContent.trim()));",
            selector,
        )
    )


def _series(driver: Any, chart: str, index: int = 0) -> tuple[list[str], list[Any]]:
    """The categories and the data of series ``index`` of the ECharts chart in #chart."""
    return tuple(
        driver.execute_script(  # type: ignore[return-value]
            "const o = echarts.getInstanceByDom(document.getElementById(arguments[0])).getOption();"
            "return [o.xAxis[0].data, o.series[arguments[1]].data];",
            chart,
            index,
        )
    )


def _log_in(driver: Any, key: str) -> None:
    from selenium.webdriver.common.by import By

    field = _wait(driver, lambda d: d.find_element(By.ID, "api-key") if d.find_element(By.ID, "api-key")
                  .is_displayed() else None, "the key form")  # fmt: skip
    field.clear()
    field.send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#login-form button").click()


def _fixed(value: float, digits: int) -> str:
    """JavaScript's ``toFixed``: the exact binary value rounded half away from zero (Python's format rounds
    half to even)."""
    return str(Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _percent(share: float, digits: int = 1) -> str:
    """format.js's percent()."""
    return f"{_fixed(share * 100, digits)}%"


def _idle(driver: Any) -> None:
    """Wait until no panel says 加载中… (every request of the current filters answered)."""
    _wait(driver, lambda d: "加载中" not in d.find_element("id", "app").text, "every panel loaded")


def _capture_exports(driver: Any) -> None:
    """Keep the Blob and file name of every download the page makes (Chromium headless saves no file)."""
    driver.execute_script(
        "window.__export = {}; const create = URL.createObjectURL;"
        "URL.createObjectURL = (blob) => { window.__export.blob = blob; return create(blob); };"
        "const click = HTMLAnchorElement.prototype.click;"
        "HTMLAnchorElement.prototype.click = function () { window.__export.name = this.download; click.call(this); };"
    )


def _export(driver: Any, panel: str, fmt: str) -> tuple[str, bytes]:
    from selenium.webdriver.common.by import By

    driver.execute_script("window.__export = {...window.__export, blob: null, name: null};")
    button = driver.find_element(By.CSS_SELECTOR, f'.export[data-panel="{panel}"][data-format="{fmt}"]')
    driver.execute_script("arguments[0].click()", button)
    name, data = driver.execute_async_script(
        "const done = arguments[0]; window.__export.blob.arrayBuffer().then((b) => {"
        "let s = ''; const u = new Uint8Array(b); for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]);"
        "done([window.__export.name, btoa(s)]); });"
    )
    return str(name), base64.b64decode(data)


def _screenshot(driver: Any, tmp_path: Path, name: str, element: Any = None, *, kept: bool = True) -> None:
    """A PNG of the page (or of ``element``) in the test's folder; ``kept`` ones also in $FEEDBACK_NLP_SCREENSHOTS."""
    path = tmp_path / name
    png = element.screenshot_as_png if element is not None else driver.get_screenshot_as_png()
    path.write_bytes(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and 20_000 < len(png) <= MAX_SCREENSHOT_BYTES, (name, len(png))
    keep = os.environ.get("FEEDBACK_NLP_SCREENSHOTS")
    if keep and kept:
        shutil.copyfile(path, Path(keep) / name)


def _marks(driver: Any, selector: str) -> list[dict[str, Any]]:
    """The highlighted words inside ``selector``: their text, weight and class, in reading order."""
    return list(
        driver.execute_script(
            "return [...document.querySelectorAll(arguments[0] + ' mark')].map((m) => ({text: m.textContent, "
            "weight: Number(m.dataset.weight), cls: m.className, title: m.title}));",
            selector,
        )
    )


def _expected_marks(text: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the page should mark for one label: the API's spans in reading order, cut from the text as sent."""
    ordered = sorted(spans, key=lambda s: s["start"])
    assert all(text[s["start"] : s["end"]] == s["text"] for s in ordered)  # code-point offsets
    return [{"text": s["text"], "weight": s["weight"], "cls": "for" if s["weight"] > 0 else "against"}
            for s in ordered]  # fmt: skip


def _click_first_bar(driver: Any) -> None:
    """A real click on the middle of the themes chart's first bar (ECharts draws on a canvas)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    x, y = driver.execute_script(
        "const c = echarts.getInstanceByDom(document.getElementById('themes-chart'));"
        "const v = c.getOption().series[0].data[0];"
        "return c.convertToPixel({seriesIndex: 0}, [v / 2, 0]);"
    )  # the middle of the first bar
    box = driver.find_element(By.ID, "themes-chart")
    # WebDriver offsets count from the centre of the element's visible part: show all of it first.
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    ActionChains(driver).move_to_element_with_offset(
        box, int(x - box.size["width"] / 2), int(y - box.size["height"] / 2)
    ).click().perform()


def _window(http: httpx.Client) -> tuple[str, str]:
    """The page's default window: the 30 days up to the newest ticket (backlog's "as of" date)."""
    end = date.fromisoformat(http.get("/v1/kpis", params={"ids": "backlog"}).json()["window"]["backlog_at"][:10])
    return (end - timedelta(days=29)).isoformat(), end.isoformat()


def test_the_dashboard_in_a_real_browser(server: str, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    t0 = time.monotonic()
    http = httpx.Client(base_url=server, headers=auth("read"), timeout=60)
    start, end = _window(http)
    window = {"from": start, "to": end}
    browser.get(server + "/")
    # A wrong key: the 401 message, and the key form again.
    _log_in(browser, "fnlp_not-a-key")
    _wait(browser, lambda d: "401" in _text(d, "#login-error"), "the 401 message")
    assert "无效" in _text(browser, "#login-error")
    assert "fnlp_not-a-key" not in browser.current_url

    _log_in(browser, KEYS["all"])
    assert KEYS["all"] not in browser.current_url
    assert browser.execute_script("return sessionStorage.getItem('feedback-nlp.api-key')") == KEYS["all"]
    # The key's name and scopes (GET /v1/me) in the header; every panel usable.
    me = httpx.get(f"{server}/v1/me", headers=auth("all"), timeout=60).json()
    _wait(browser, lambda d: _text(d, "#key-scopes") != "", "the scopes line")
    assert me["name"] in _text(browser, "#key-status")
    assert browser.find_element(By.ID, "key-scopes").get_attribute("data-scopes") == ",".join(me["scopes"])
    assert all(scope in _text(browser, "#key-scopes") for scope in me["scopes"]) and len(me["scopes"]) == 4
    assert not browser.find_element(By.ID, "scope-note").is_displayed()
    assert browser.find_element(By.ID, "classify-text").is_enabled()
    _wait(
        browser, lambda d: _text(d, '.tile[data-kpi="resolution_rate"] .tile-value') not in ("", "—"), "the KPI tiles"
    )
    _idle(browser)
    assert f"{start} 至 {end}" in _text(browser, "#window-note")

    # KPI tiles: the API's numbers for the same window.
    kpis = {
        r["id"]: r
        for r in http.get("/v1/kpis", params=window).json()["results"]
        if r["group"] is None and r["period"] is None
    }
    shares = [
        i
        for i in ("first_time_fix_rate", "repeat_repair_rate", "resolution_rate", "csat_rate", "negative_rate")
        if kpis[i]["value"] is not None
    ]
    assert len(shares) >= 4
    for kpi_id in shares:
        assert _text(browser, f'.tile[data-kpi="{kpi_id}"] .tile-value') == _percent(kpis[kpi_id]["value"]), kpi_id
    hours = f"{kpis['resolution_time']['value']:,.1f}".removesuffix(".0")
    assert _text(browser, '.tile[data-kpi="resolution_time"] .tile-value') == f"{hours} 小时"
    tiles = browser.find_elements(By.CSS_SELECTOR, "#kpi-tiles .tile")
    assert len(tiles) >= 6 and all("rag-" in (t.get_attribute("class") or "") for t in tiles)
    browser.find_element(By.CSS_SELECTOR, '.tile[data-kpi="resolution_rate"]').click()
    _wait(browser, lambda d: "公式" in _text(d, "#kpi-dialog-body"), "the KPI definition")
    assert "分母" in _text(browser, "#kpi-dialog-body")
    browser.find_element(By.CSS_SELECTOR, "#kpi-dialog button").click()
    _screenshot(browser, tmp_path, "dashboard-overview.png")

    # Sentiment and service aspects: the negative share per week, aspect × sentiment, impact — the API's numbers.
    negative = [r for r in http.get("/v1/kpis", params={**window, "ids": "negative_rate", "period": "week"})
                .json()["results"] if r["period"] is not None]  # fmt: skip
    periods, values = _series(browser, "negative-chart")
    assert periods == sorted(r["period"] for r in negative) and len(periods) >= 4
    assert values == [r["value"] for r in sorted(negative, key=lambda r: r["period"])]
    aspects = http.get("/v1/themes/aspects", params=window).json()
    rows = _cells(browser, "#aspects-table")
    assert [r[0] for r in rows] == [a["name_zh"] for a in aspects["aspects"]] and rows
    for row, aspect in zip(rows, aspects["aspects"], strict=True):
        assert row[1] == f"{aspect['total']:,}"
        counts = [int(cell.split(" ")[0].replace(",", "")) for cell in row[2:-1]]
        assert counts == [aspect["counts"].get(s["sentiment"], 0) for s in aspects["sentiments"]]
    impact = [t for t in http.get("/v1/themes/impact", params=window).json()["themes"]
              if t["n_scored"] or t["n_nps"]]  # fmt: skip
    rows = _cells(browser, "#impact-table")
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (t["name_zh"], f"{t['n_scored']:,}", f"{t['n_scored_without']:,}") for t in impact
    ]
    assert [r[2] for r in rows] == ["—" if t["satisfaction"] is None else _fixed(t["satisfaction"], 2) for t in impact]
    panel = browser.find_element(By.ID, "sentiment-panel")
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", panel)
    _screenshot(browser, tmp_path, "dashboard-sentiment.png", panel, kept=False)

    # The themes chart; a click on the first bar shows that theme's trend, product models and masked examples.
    themes = http.get("/v1/themes/top", params={**window, "top": 10}).json()["themes"]
    chart = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#themes-chart canvas"), "the themes chart")
    assert chart.size["width"] > 100 and chart.size["height"] > 100
    assert _series(browser, "themes-chart")[1] == [t["count"] for t in themes]
    _click_first_bar(browser)
    _wait(browser, lambda d: themes[0]["name_zh"] in _text(d, "#theme-detail-body h3"), "the theme's details")
    _idle(browser)
    first = themes[0]
    evidence = _text(browser, "#theme-evidence")
    assert "关键词" in evidence and "示例" in evidence and "null" not in evidence
    assert first["examples"]
    # The examples with the words behind the theme's label marked: the spans /v1/classify explains for them.
    label = f"fault:{first['fault_type']}"
    explained = httpx.post(f"{server}/v1/classify", headers=auth("all"), timeout=60,
                           json={"texts": first["examples"], "explain": True}).json()["results"]  # fmt: skip
    items = browser.find_elements(By.CSS_SELECTOR, "#theme-evidence ul.examples li")
    assert [li.text for li in items] == first["examples"]  # nothing of a text lost by the marking
    n_marked = 0
    for i, (text, result) in enumerate(zip(first["examples"], explained, strict=True)):
        selector = f"#theme-evidence ul.examples li:nth-child({i + 1})"
        if label in result["explanations"]:
            assert browser.find_element(By.CSS_SELECTOR, selector).get_attribute("data-explained") == label
            marks = _marks(browser, selector)
            assert [{k: m[k] for k in ("text", "weight", "cls")} for m in marks] == _expected_marks(
                text, result["explanations"][label])
            assert all(first["name_zh"] in m["title"] for m in marks)
            n_marked += 1
        else:
            assert not _marks(browser, selector) and "unexplained" in (items[i].get_attribute("class") or "")
    assert n_marked >= 1, "no example of the top theme carries its label"
    assert f"{n_marked}/{len(items)}" in _text(browser, "#examples-note")
    trend = http.get("/v1/themes/trend", params={**window, "fault_type": first["fault_type"]}).json()
    periods, counts = _series(browser, "theme-trend-chart")
    assert periods == [p["period"] for p in trend["points"]] and counts == [p["count"] for p in trend["points"]]
    assert sum(counts) == first["count"]
    products = http.get("/v1/themes/products", params={**window, "fault_type": first["fault_type"]}).json()
    rows = _cells(browser, "#theme-products-table")
    assert [(r[1], r[2]) for r in rows] == [
        (p["product_model"] or "未知", f"{p['count']:,}") for p in products["products"]
    ] and rows
    detail = browser.find_element(By.CSS_SELECTOR, ".two-col")
    browser.set_window_size(1280, 1500)  # the whole details column, down to the highlighted examples
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", detail)
    _screenshot(browser, tmp_path, "dashboard-theme.png", detail)
    browser.set_window_size(1280, 1000)

    # Exports: CSV and XLSX of what the panels show, the window in the file name, the filters in a sheet.
    import openpyxl

    _capture_exports(browser)
    name, data = _export(browser, "themes", "csv")
    assert name == f"故障主题_{start}_{end}.csv"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8").removeprefix("\ufeff"))))
    assert rows[0][:4] == ["排名", "故障类型", "名称", "数量"]
    assert [(r[1], int(r[3])) for r in rows[1:]] == [(t["fault_type"], t["count"]) for t in themes]
    name, data = _export(browser, "impact", "xlsx")
    assert name == f"主题满意度影响_{start}_{end}.xlsx" and data[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["主题满意度影响", "筛选条件"]
    sheet = list(book["主题满意度影响"].iter_rows(values_only=True))
    assert sheet[0][:4] == ("故障类型", "名称", "含主题评分数", "满意度")
    assert [(r[0], r[2], r[3], r[6]) for r in sheet[1:]] == [
        (t["fault_type"], t["n_scored"], t["satisfaction"], t["satisfaction_impact"]) for t in impact
    ]
    filters = dict(list(book["筛选条件"].iter_rows(values_only=True))[1:])
    assert filters["统计区间"] == f"{start} 至 {end}" and filters["数据来源"] == "GET /v1/themes/impact"
    name, data = _export(browser, "theme_products", "xlsx")
    assert name == f"主题型号-{first['fault_type']}_{start}_{end}.xlsx"
    sheet = list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert [(r[1], r[2]) for r in sheet[1:]] == [(p["product_model"], p["count"]) for p in products["products"]]

    # A filter: into the URL (bookmarkable), and the numbers change to the API's for the filtered slice.
    line = products["products"][0]["product_line"]
    field = browser.find_element(By.CSS_SELECTOR, "#filters [name=product_line]")
    field.send_keys(line)
    browser.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
    _wait(browser, lambda d: "product_line=" in d.current_url, "the filter in the URL")
    _wait(browser, lambda d: _series(d, "themes-chart")[1] != [t["count"] for t in themes], "the filtered themes")
    _idle(browser)
    narrowed = {**window, "product_line": line}
    filtered = http.get("/v1/themes/top", params={**narrowed, "top": 10}).json()["themes"]
    assert _series(browser, "themes-chart")[1] == [t["count"] for t in filtered]
    rate = http.get("/v1/kpis", params={**narrowed, "ids": "negative_rate"}).json()["results"][0]["value"]
    assert _text(browser, '.tile[data-kpi="negative_rate"] .tile-value') == _percent(rate)
    name, _ = _export(browser, "themes", "csv")
    assert name == f"故障主题_{start}_{end}_product_line-{line}.csv"
    # Monthly trends: into the URL too.
    browser.execute_script(
        "const s = document.querySelector('#filters [name=every]'); s.value = 'month';"
        "s.dispatchEvent(new Event('change'));"
    )
    _wait(browser, lambda d: "every=month" in d.current_url, "the granularity in the URL")
    _wait(browser, lambda d: all(p.endswith("-01") for p in _series(d, "negative-chart")[0]), "monthly periods")
    browser.get(browser.current_url)  # the bookmark: same view after a reload (the key stays in this tab)
    _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#filters [name=product_line]").get_attribute("value")
          == line, "the bookmarked filter")  # fmt: skip
    assert browser.find_element(By.CSS_SELECTOR, "#filters [name=every]").get_attribute("value") == "month"
    assert not browser.find_element(By.ID, "app").get_attribute("hidden")

    # The classify box: the labels with their scores, and the text with the words the API explains marked.
    # The emoji first: two UTF-16 units but one code point, so a page slicing by UTF-16 would mark the wrong words.
    text = "😡洗衣机漏水，地上全是水，师傅态度很差"
    browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.ID, "classify-text"), text)
    browser.find_element(By.CSS_SELECTOR, "#classify-form button").click()
    _wait(browser, lambda d: _text(d, "#classify-result .primary-fault") != "", "the classification")
    assert "漏水" in _text(browser, "#classify-result .primary-fault")
    assert "情感得分" in _text(browser, "#classify-result")
    result = httpx.post(f"{server}/v1/classify", headers=auth("all"), timeout=60,
                        json={"text": text, "explain": True}).json()["results"][0]
    chips = browser.find_elements(By.CSS_SELECTOR, "#classify-result .label-chip")
    assert [c.get_attribute("data-label") for c in chips] == list(result["explanations"]) and len(chips) >= 2
    for chip in (chips[0], chips[-1]):  # the first label is shown at first; a click shows another one's words
        chip.click()
        key = str(chip.get_attribute("data-label"))
        assert chip.get_attribute("aria-pressed") == "true"
        holder = "#classify-result .evidence-text"
        assert browser.find_element(By.CSS_SELECTOR, holder).get_attribute("data-label") == key
        assert _text(browser, holder) == text  # the whole text, the marks inside it
        marks = _marks(browser, holder)
        assert [{k: m[k] for k in ("text", "weight", "cls")} for m in marks] == _expected_marks(
            text, result["explanations"][key])
        assert all(chip.text in m["title"] and "权重" in m["title"] for m in marks)
    assert sum(c.get_attribute("aria-pressed") == "true" for c in chips) == 1
    classify_panel = browser.find_element(By.ID, "classify-panel")
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", classify_panel)
    _screenshot(browser, tmp_path, "dashboard-classify.png", classify_panel, kept=False)
    print(f"browser test: {time.monotonic() - t0:.1f} s in the browser")


def test_what_a_read_only_or_classify_only_key_sees(server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/?period=all&region=%E7%81%AB%E6%98%9F")  # region=火星: no ticket there
    _log_in(browser, KEYS["read"])
    _wait(browser, lambda d: _text(d, '.tile[data-kpi="resolution_rate"] .tile-value') == "—", "the empty KPIs")
    _idle(browser)
    assert "没有" in _text(browser, "#themes-status")
    assert "没有" in _text(browser, "#negative-status") and "没有" in _text(browser, "#aspects-status")
    assert browser.find_element(By.ID, "impact-table").get_attribute("hidden") is not None
    assert "无法计算" in _text(browser, '.tile[data-kpi="resolution_rate"]')
    # A read key may not classify: its scopes in the header, the box disabled and saying which scope is missing.
    assert browser.find_element(By.ID, "key-scopes").get_attribute("data-scopes") == "read"
    assert "test-read" in _text(browser, "#key-status") and "read" in _text(browser, "#key-scopes")
    assert not browser.find_element(By.ID, "classify-text").is_enabled()
    assert not browser.find_element(By.CSS_SELECTOR, "#classify-form button").is_enabled()
    assert "classify" in _text(browser, "#classify-denied") and "权限" in _text(browser, "#classify-denied")
    # A theme's examples: the plain texts, and a note why they are not marked.
    browser.get(server + "/")  # the default window, the key still in this tab
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#themes-chart canvas"), "the themes chart")
    _idle(browser)
    _click_first_bar(browser)
    _wait(browser, lambda d: "classify" in _text(d, "#examples-note"), "the note on the examples")
    assert not browser.find_elements(By.CSS_SELECTOR, "#theme-evidence mark")
    assert browser.find_elements(By.CSS_SELECTOR, "#theme-evidence ul.examples li")

    # A classify-only key: the read panels hidden with a note, the classify box works.
    browser.find_element(By.ID, "logout").click()
    _log_in(browser, KEYS["classify"])
    _wait(browser, lambda d: d.find_element(By.ID, "scope-note").is_displayed(), "the scope note")
    assert "read" in _text(browser, "#scope-note")
    assert browser.find_element(By.ID, "key-scopes").get_attribute("data-scopes") == "classify"
    assert not browser.find_element(By.ID, "kpi-panel").is_displayed()
    assert not browser.find_element(By.ID, "theme-panel").is_displayed()
    assert not browser.find_element(By.ID, "filters").is_displayed()
    assert not browser.find_element(By.ID, "global-error").is_displayed()  # no 403 banner: nothing was asked
    browser.find_element(By.ID, "classify-text").send_keys("空调不制冷")
    browser.find_element(By.CSS_SELECTOR, "#classify-form button").click()
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#classify-result .evidence-text mark"), "the marks")
