"""The dashboard at ``/`` (issue 17): served without a key, only local assets, names that match the API.

The page itself is exercised in a real browser by ``tests/api/test_dashboard_browser.py``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from feedback_nlp.classifiers.explain import MAX_EXPLAIN_TEXTS
from tests.api.conftest import auth

STATIC = Path(__file__).resolve().parents[2] / "api" / "static"
OWN_FILES = ["dashboard/index.html", "dashboard/app.js", "dashboard/api.js", "dashboard/format.js", "dashboard/xlsx.js",
             "dashboard/style.css"]
ECHARTS = "vendor/echarts-5.6.0"
VENDORED = [f"{ECHARTS}/echarts.min.js", f"{ECHARTS}/LICENSE", f"{ECHARTS}/NOTICE", f"{ECHARTS}/LICENSE-d3",
            f"{ECHARTS}/README.md"]
#: The only absolute URLs in the vendored ECharts: XML namespaces and licence links, none of them fetched.
ECHARTS_URLS = {"http://www.apache.org/licenses/LICENSE-2.0", "http://www.w3.org/1999/xlink",
                "http://www.w3.org/2000/svg", "http://www.w3.org/2000/xmlns/", "http://www.w3.org/XML/1998/namespace",
                "https://github.com/ecomfe/zrender/blob/master/LICENSE.txt"}
URL = re.compile(r"https?://[^\s\"'`)<>]*")
#: The XLSX writer's namespace names (ECMA-376 parts name them; nothing fetches them).
OOXML_NAMESPACE = "http://schemas.openxmlformats.org/"


class _Links(HTMLParser):
    """Every src and href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("src", "href") and value]


def test_the_page_is_served_at_the_root_without_a_key(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="zh-CN">' in response.text and "售后反馈看板" in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp  # nothing from elsewhere, not even by mistake
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("path", "content_type"), [
    ("dashboard/app.js", "text/javascript; charset=utf-8"),
    ("dashboard/api.js", "text/javascript; charset=utf-8"),
    ("dashboard/format.js", "text/javascript; charset=utf-8"),
    ("dashboard/xlsx.js", "text/javascript; charset=utf-8"),
    ("dashboard/style.css", "text/css; charset=utf-8"),
    (f"{ECHARTS}/echarts.min.js", "text/javascript; charset=utf-8"),
    (f"{ECHARTS}/LICENSE", "text/plain; charset=utf-8"),
    (f"{ECHARTS}/NOTICE", "text/plain; charset=utf-8"),
])  # fmt: skip
def test_static_files_have_their_content_types_and_need_no_key(client: TestClient, path: str,
                                                               content_type: str) -> None:
    response = client.get(f"/static/{path}")
    assert response.status_code == 200, path
    assert response.headers["content-type"] == content_type
    assert response.content == (STATIC / path).read_bytes()


def test_the_vendored_echarts_is_the_release_with_its_licence(client: TestClient) -> None:
    head = (STATIC / ECHARTS / "echarts.min.js").read_text(encoding="utf-8")[:2000]
    assert "Licensed to the Apache Software Foundation" in head
    assert "Apache License" in (STATIC / ECHARTS / "LICENSE").read_text(encoding="utf-8")
    assert "5.6.0" in (STATIC / ECHARTS / "README.md").read_text(encoding="utf-8")
    assert client.get(f"/static/{ECHARTS}/echarts.min.js").headers["cache-control"].endswith("immutable")


def test_the_page_references_only_local_assets_that_exist(client: TestClient) -> None:
    parser = _Links()
    parser.feed(client.get("/").text)
    assert len(parser.links) >= 4
    for link in parser.links:
        if link == "data:,":  # the empty favicon: no request at all
            continue
        assert link.startswith("/") and not link.startswith("//"), link
        assert client.get(link).status_code == 200, link
    for name in OWN_FILES:  # no absolute URL at all in our own files, but the XLSX parts' namespace names
        found = URL.findall((STATIC / name).read_text(encoding="utf-8"))
        if name == "dashboard/xlsx.js":
            assert found and all(u.startswith(OOXML_NAMESPACE) for u in found), found
        else:
            assert not found, name
    # The modules import each other by relative path only.
    for name in ("app.js", "api.js", "format.js", "xlsx.js"):
        for module in re.findall(r"""^import .* from ["']([^"']+)["']""", (STATIC / "dashboard" / name).read_text(
                encoding="utf-8"), re.MULTILINE):  # fmt: skip
            assert module.startswith("./") and (STATIC / "dashboard" / module).is_file(), (name, module)
    urls = set(URL.findall((STATIC / ECHARTS / "echarts.min.js").read_text(encoding="utf-8")))
    assert urls <= ECHARTS_URLS, urls - ECHARTS_URLS


def test_the_key_never_goes_into_a_url_and_lives_in_session_storage() -> None:
    api_js = (STATIC / "dashboard" / "api.js").read_text(encoding="utf-8")
    assert '"X-API-Key"' in api_js and "sessionStorage" in api_js and "localStorage" not in api_js
    app_js = (STATIC / "dashboard" / "app.js").read_text(encoding="utf-8")
    assert "innerHTML" not in app_js and "innerHTML" not in api_js  # API text is inserted as text only


@pytest.mark.parametrize("path", ["../app.py", "dashboard/../../app.py", "%2e%2e/app.py", "dashboard",
                                  "dashboard/missing.js", "../../pyproject.toml", "/etc/passwd"])
def test_nothing_outside_the_static_folder_is_served(client: TestClient, path: str) -> None:
    response = client.get(f"/static/{path}")
    assert response.status_code == 404, (path, response.text[:200])
    assert response.json()["type"] == "not_found"


def test_the_page_is_not_an_api_operation(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not [p for p in paths if p.startswith("/static")]


def test_the_page_asks_only_for_what_the_api_offers(client: TestClient) -> None:
    """The filters are query parameters of the KPI and theme routes; the tiles are catalogue KPIs."""
    app_js = (STATIC / "dashboard" / "app.js").read_text(encoding="utf-8")

    def listed(name: str) -> list[str]:
        match = re.search(rf"const {name} = \[([^\]]*)\]", app_js)
        assert match, name
        return re.findall(r'"([a-z_]+)"', match.group(1))

    operations = client.get("/openapi.json").json()["paths"]
    for route in ("/v1/kpis", "/v1/themes/top", "/v1/themes/emerging", "/v1/themes/trend", "/v1/themes/products",
                  "/v1/themes/impact", "/v1/themes/aspects"):
        names = {p["name"] for p in operations[route]["get"]["parameters"]}
        extra = {"/v1/kpis": {"ids", "period"}, "/v1/themes/trend": {"fault_type", "period"},
                 "/v1/themes/products": {"fault_type", "top"}}.get(route, {"top"} if route.endswith(("top", "emerging"))
                                                                    else set())
        wanted = set(listed("DIMENSIONS")) | {"from", "to"} | extra
        assert wanted <= names, (route, wanted - names)
    catalogue = {d["id"] for d in client.get("/v1/kpis/catalogue", headers=auth("read")).json()["kpis"]}
    assert set(listed("HEADLINE")) <= catalogue and len(listed("HEADLINE")) >= 6
    assert "negative_rate" in catalogue and set(listed("EVERY")) <= {"day", "week", "month", "quarter"}


def test_the_page_reads_the_keys_scopes_and_the_explanations_the_api_offers(client: TestClient) -> None:
    """/v1/me for what the key may do; classify's explain option; the label keys the page switches between."""
    app_js = (STATIC / "dashboard" / "app.js").read_text(encoding="utf-8")
    schema = client.get("/openapi.json").json()
    assert '"/v1/me"' in app_js and "/v1/me" in schema["paths"]
    me = schema["components"]["schemas"]["KeyInfo"]["properties"]
    assert {"name", "scopes", "allowed", "expires_at"} <= set(me)
    assert re.search(r'apiPost\("/v1/classify", \{ texts, explain: true \}\)', app_js)  # the theme's examples
    assert re.search(r'apiPost\("/v1/classify", \{ text, explain: true \}\)', app_js)  # the classify box
    assert "explain" in schema["components"]["schemas"]["ClassifyRequest"]["properties"]
    kinds = set(re.findall(r"(\w+): \[\"[^\"]+\", \"(?:fault_types|primary_fault|sentiment|aspects)\"\]", app_js))
    assert kinds == {"fault", "primary", "sentiment", "aspect"}  # the prefixes of the API's label keys
    maximum = re.search(r"const MAX_EXPLAIN_TEXTS = (\d+);", app_js)
    assert maximum and int(maximum.group(1)) == MAX_EXPLAIN_TEXTS
    # Offsets are code points: the page cuts the text as Array.from(text), never with String.slice on UTF-16 units.
    assert "Array.from(text)" in app_js
    body = client.post("/v1/classify", json={"text": "😡空调不制冷", "explain": True}, headers=auth("classify")).json()
    spans = [s for spans in body["results"][0]["explanations"].values() for s in spans]
    assert spans and all("😡空调不制冷"[s["start"]:s["end"]] == s["text"] for s in spans)
    assert {key.split(":")[0] for key in body["results"][0]["explanations"]} <= kinds


# ---------------------------------------------------------------- the aggregated views the page reads

VIEW_TEXTS = ["空调不制冷，打电话13812345678没人管", "空调不制冷，外机也不转", "冰箱噪音很大，晚上睡不着",
              "空调制冷效果差，师傅态度很差", "洗衣机漏水，地上全是水", "师傅很专业，上门很快，好评"]


def _classified_store(client: TestClient) -> None:
    rows = [{"feedback_id": f"F{i}", "text": t, "source": "complaint", "created_at": f"2024-03-{4 + 3 * i:02d} 10:00",
             "product_line": "空调" if "空调" in t else "其他", "product_model": f"M{i % 2}",
             "rating": 1 + i % 5} for i, t in enumerate(VIEW_TEXTS)]
    assert client.post("/v1/ingest/feedback", json=rows, headers=auth("ingest")).json()["inserted"] == len(rows)
    assert client.post("/v1/classify", json={"texts": VIEW_TEXTS, "ids": [r["feedback_id"] for r in rows],
                                             "store": True}, headers=auth("all")).json()["stored"] == len(rows)


def test_a_themes_trend_and_products_add_up_to_its_count(client: TestClient) -> None:
    _classified_store(client)
    window = {"from": "2024-03-01", "to": "2024-03-31"}
    themes = client.get("/v1/themes/top", params={**window, "sub_themes": "false"}, headers=auth("read")).json()
    first = themes["themes"][0]
    trend = client.get("/v1/themes/trend", params={**window, "fault_type": first["fault_type"]},
                       headers=auth("read"))
    assert trend.status_code == 200, trend.text
    body = trend.json()
    assert body["period"] == "week" and body["name_zh"] == first["name_zh"] and body["model"] == themes["model"]
    assert body["points"][0]["period"] == "2024-02-26" and body["points"][-1]["period"] == "2024-03-25"  # Mondays
    assert sum(p["count"] for p in body["points"]) == first["count"]
    assert sum(p["total"] for p in body["points"]) == len(VIEW_TEXTS)
    monthly = client.get("/v1/themes/trend", params={**window, "fault_type": first["fault_type"], "period": "month"},
                         headers=auth("read")).json()
    assert [(p["period"], p["count"]) for p in monthly["points"]] == [("2024-03-01", first["count"])]
    products = client.get("/v1/themes/products", params={**window, "fault_type": first["fault_type"]},
                          headers=auth("read")).json()
    assert products["count"] == first["count"] == sum(p["count"] for p in products["products"])
    assert {p["product_model"] for p in products["products"]} <= {"M0", "M1"}
    assert abs(sum(p["share_of_theme"] for p in products["products"]) - 1) < 1e-3
    # A code that is not a fault type is refused rather than read as zero mentions.
    unknown = client.get("/v1/themes/trend", params={"fault_type": "colour"}, headers=auth("read"))
    assert unknown.status_code == 422 and "colour" in unknown.json()["message"]
    assert client.get("/v1/themes/products", params={"fault_type": "Bad-Code"}, headers=auth("read")).status_code == 422
    assert client.get("/v1/themes/trend", params={"fault_type": "power"}).status_code == 401


def test_impact_and_aspects_by_sentiment(client: TestClient) -> None:
    _classified_store(client)
    impact = client.get("/v1/themes/impact", headers=auth("read"))
    assert impact.status_code == 200, impact.text
    items = impact.json()["themes"]
    assert items and all(i["name_zh"] for i in items)
    for item in items:  # every text is rated: a theme's scored texts and the rest make up all of them
        assert item["n_scored"] + item["n_scored_without"] == len(VIEW_TEXTS)
    impacts = [i["satisfaction_impact"] for i in items if i["satisfaction_impact"] is not None]
    assert impacts == sorted(impacts)  # most damaging first
    top = client.get("/v1/themes/top", params={"sub_themes": "false"}, headers=auth("read")).json()["themes"]
    by_type = {i["fault_type"]: i for i in items}
    for theme in top:  # the same figures as the impact inside the top themes
        assert by_type[theme["fault_type"]]["satisfaction"] == theme["impact"]["satisfaction"]

    aspects = client.get("/v1/themes/aspects", headers=auth("read"))
    assert aspects.status_code == 200, aspects.text
    body = aspects.json()
    assert sum(s["count"] for s in body["sentiments"]) == len(VIEW_TEXTS)
    assert [s["sentiment"] for s in body["sentiments"]][:1] and all(s["name_zh"] for s in body["sentiments"])
    for row in body["aspects"]:
        assert row["total"] == sum(row["counts"].values()) and row["name_zh"]
    filtered = client.get("/v1/themes/aspects", params={"product_line": "冰箱"}, headers=auth("read")).json()
    assert filtered["sentiments"] == [] and filtered["query"]["filters"] == {"product_line": ["冰箱"]}


def test_the_views_are_cached_until_the_store_changes(client: TestClient) -> None:
    _classified_store(client)
    cache = client.app.state.services.heavy.cache  # type: ignore[attr-defined]
    first = client.get("/v1/themes/aspects", headers=auth("read")).json()
    size = len(cache)
    assert client.get("/v1/themes/aspects", headers=auth("read")).json() == first and len(cache) == size
    more = [{"feedback_id": "G1", "text": "师傅态度很差，上门很慢", "source": "review",
             "created_at": "2024-03-20 10:00"}]
    assert client.post("/v1/ingest/feedback", json=more, headers=auth("ingest")).json()["inserted"] == 1
    assert client.post("/v1/classify", json={"texts": [more[0]["text"]], "ids": ["G1"], "store": True},
                       headers=auth("all")).json()["stored"] == 1
    again = client.get("/v1/themes/aspects", headers=auth("read")).json()
    assert sum(s["count"] for s in again["sentiments"]) == len(VIEW_TEXTS) + 1  # a new data version: recomputed


@pytest.mark.parametrize("path", ["/v1/themes/trend?fault_type=power", "/v1/themes/products?fault_type=power",
                                  "/v1/themes/impact", "/v1/themes/aspects"])
def test_the_views_need_a_read_key_and_stored_predictions(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"X-API-Key": "fnlp_not-a-key"}).status_code == 401
    assert client.get(path, headers=auth("classify")).json()["details"]["required_scope"] == "read"
    missing = client.get(path, headers=auth("read"))  # an empty store: what to run, not a server error
    assert missing.status_code == 404 and missing.json()["type"] == "predictions_not_found"
    assert "classify" in missing.json()["message"]


def test_the_views_take_the_edges_of_the_date_range(client: TestClient) -> None:
    _classified_store(client)
    for params in ({"from": "2100-12-01", "to": "2100-12-31", "period": "month"},
                   {"from": "1970-01-01", "to": "1970-01-14", "period": "day"}):
        body = client.get("/v1/themes/trend", params={"fault_type": "power", **params}, headers=auth("read")).json()
        assert body["points"] and all(p["count"] == 0 and p["share"] is None for p in body["points"])
    quarterly = client.get("/v1/themes/trend", params={"fault_type": "power", "from": "2024-01-01", "to": "2024-12-31",
                                                       "period": "quarter"}, headers=auth("read")).json()
    assert [p["period"] for p in quarterly["points"]] == ["2024-01-01", "2024-04-01", "2024-07-01", "2024-10-01"]
    too_early = client.get("/v1/themes/aspects", params={"to": "1969-12-31"}, headers=auth("read"))
    assert too_early.status_code == 422 and too_early.json()["type"] == "invalid_query"
